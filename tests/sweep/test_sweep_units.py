"""The seed sweep's parts that need no behave run: the Wilson interval, scenario selection and pass-rate tags,
the verdict per scenario, the JSON and the command line's refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockbroker.sweep import SweepError, parse_rate, select, wilson_interval
from mockbroker.sweep.summary import rerun_command, summarize
from mockbroker.sweep.worker import Outcome

ROOT = Path(__file__).resolve().parents[2]
CHANCE = "tests/fixtures/sweep/chance.feature"


@pytest.mark.parametrize("passed, runs, low, high", [
    (200, 200, 0.98116, 1.0),     # Wilson: n / (n + z^2)
    (0, 200, 0.0, 0.01884),
    (18, 20, 0.69897, 0.97213),
    (1, 2, 0.09453, 0.90547),
])
def test_wilson_interval_known_values(passed, runs, low, high):
    assert wilson_interval(passed, runs) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("passed, runs", [(k, n) for n in (1, 7, 50, 1000) for k in (0, 1, n // 2, n - 1, n)])
def test_wilson_interval_holds_the_observed_rate(passed, runs):
    low, high = wilson_interval(passed, runs)
    assert 0 <= low <= passed / runs <= high <= 1
    assert (low, high) == pytest.approx(tuple(1 - x for x in reversed(wilson_interval(runs - passed, runs))))


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("text, rate", [("0.95", 0.95), ("95%", 0.95), ("1", 1.0), ("0", 0.0), ("99.5%", 0.995)])
def test_pass_rates_read_as_fractions_or_percentages(text, rate):
    assert parse_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["1.5", "-0.1", "ninety", "120%"])
def test_bad_pass_rates_are_refused(text):
    with pytest.raises(SweepError, match="pass rate"):
        parse_rate(text)


def test_selection_is_behaves_files_lines_and_tags():
    everything = select([CHANCE], ROOT)
    assert [s.line for s in everything.scenarios] == [5, 11, 16, 20]
    assert [s.required_rate for s in everything.scenarios] == [None, 0.5, None, None]
    # a line inside a scenario selects that scenario, as `behave file:line` does
    assert [s.location for s in select([f"{CHANCE}:13"], ROOT).scenarios] == [f"{CHANCE}:11"]
    tagged = select([CHANCE], ROOT, tags=["@pass_rate:0.5"])
    assert [s.line for s in tagged.scenarios] == [11]
    untagged = select([CHANCE], ROOT, tags=["not @pass_rate:0.5"])
    assert [s.line for s in untagged.scenarios] == [5, 16, 20]
    # absolute paths become the root-relative names a plain behave run uses (the seed depends on them)
    assert select([str(ROOT / CHANCE)], ROOT).scenarios[0].filename == CHANCE


def test_selection_explains_what_is_wrong(tmp_path):
    with pytest.raises(SweepError, match="no such feature file"):
        select(["features/no/such.feature"], ROOT)
    outside = tmp_path / "x.feature"
    outside.write_text("Feature: x\n  Scenario: y\n    Given a normal market\n")
    with pytest.raises(SweepError, match="outside the project"):
        select([str(outside)], ROOT)
    with pytest.raises(SweepError, match="no scenario selected"):
        select([CHANCE], ROOT, tags=["@no-such-tag"])


def _outcomes(location, statuses, first=100):
    return [Outcome(location, first + i, status, 10 + i, "Then the order is filled" if status != "passed" else None,
                    "rejected" if status != "passed" else None) for i, status in enumerate(statuses)]


def test_the_verdict_uses_the_tag_else_the_minimum_and_ignores_skipped_runs():
    refs = select([CHANCE], ROOT).scenarios[:3]
    outcomes = (_outcomes(refs[0].location, ["passed"] * 18 + ["failed", "error"])
                + _outcomes(refs[1].location, ["passed"] * 9 + ["failed"] * 11)
                + _outcomes(refs[2].location, ["passed"] * 19 + ["skipped"]))
    result = summarize(refs, outcomes, list(range(100, 120)), 0.9, "this process", 1.5, (("target", "http"),))
    first, tagged, calm = result.scenarios
    assert (first.runs, first.passed, first.failed, first.pass_rate, first.ok) == (20, 18, 2, 0.9, True)
    assert (tagged.required_rate, tagged.pass_rate, tagged.ok) == (0.5, 0.45, False)  # the tag's 50%, not 90%
    assert (calm.runs, calm.skipped, calm.pass_rate, calm.ok) == (19, 1, 1.0, True)
    assert not result.ok and result.below == [tagged]
    data = json.loads(json.dumps(result.to_dict()))
    tagged_json = data["scenarios"][1]
    assert [f["seed"] for f in tagged_json["failing_seeds"]] == list(range(109, 120))  # every failing seed
    assert tagged_json["failing_seeds"][0]["rerun"] == \
        f".venv/bin/python -m behave -D seed=109 -D target=http {CHANCE}:11"
    assert tagged_json["required_by"] == "tag" and data["scenarios"][0]["required_by"] == "--min-pass-rate"
    assert data["scenarios"][0]["ci95"] == pytest.approx(list(wilson_interval(18, 20)))
    text = result.text()
    assert "BELOW" in text and "@50%" in text and "rerun: .venv/bin/python -m behave -D seed=109" in text
    assert "1 of 3 scenarios below their required pass rate" in text


def test_rerun_command_is_behaves():
    assert rerun_command("features/a.feature:7", 2150) == ".venv/bin/python -m behave -D seed=2150 features/a.feature:7"


@pytest.mark.parametrize("args, message", [
    (["features/no/such.feature"], "no such feature file"),
    ([CHANCE, "--min-pass-rate", "2"], "between 0 and 1"),
    ([CHANCE, "-D", "seed=7"], "the sweep chooses the master seeds"),
    ([CHANCE, "-D", "target"], "NAME=VALUE"),
    ([CHANCE, "--seeds", "0"], "at least 1 seed"),
    ([CHANCE, "--workers", "-1"], "--workers -1"),
])
def test_the_command_refuses_bad_input_with_exit_2(capsys, args, message):
    from mockbroker.cli import main

    assert main(["sweep", *args, "--allure", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockbroker sweep: ") and message in err and "Traceback" not in err


def test_an_unreachable_scheduler_is_a_clear_error():
    from mockbroker.distributed import ClusterError, dask_client

    with pytest.raises(ClusterError, match="no Dask scheduler answered"):
        with dask_client(scheduler="tcp://127.0.0.1:9", timeout=1):
            pass


def test_tasks_run_here_without_dask_when_workers_is_0():
    from mockbroker.distributed import run_tasks

    seen = []
    results = dict(run_tasks(lambda shared, item: shared * item, [1, 2, 3], workers=0, shared=10,
                             on_done=lambda i, r: seen.append(i)))
    assert results == {0: 10, 1: 20, 2: 30} and seen == [0, 1, 2]


def test_the_sweep_steps_rate_is_exact_at_the_boundary():
    """19 of 20 is 95% exactly (Decimal): 'in at least 95% of 20 seeds' passes; 18 of 20 does not."""
    import sys
    from decimal import Decimal

    sys.path.insert(0, str(ROOT))
    from steps.support.seed_sweep import SeedOutcome, SeedSweep

    def sweep(passes):
        found = SeedSweep("the order is filled", Decimal("95"), "features/x.feature:3")
        found.outcomes = [SeedOutcome(2109 + i, 7 + i, i < passes, None if i < passes else "Then the order is filled",
                                      None if i < passes else "Expected: ...\n     but: rejected") for i in range(20)]
        return found

    assert sweep(19).ok and sweep(19).pass_pct == Decimal("95")
    below = sweep(18)
    assert not below.ok
    text = below.describe()
    assert "held under 18 of 20 seeds (90%, 95% CI 69.9%-97.2%); needed at least 95%" in text
    assert "master seed 2127: Then the order is filled: rejected" in text
    assert "see it: .venv/bin/python -m behave -D seed=2127 features/x.feature:3" in text
    assert [f["master_seed"] for f in below.to_dict()["failing_seeds"]] == [2127, 2128]
