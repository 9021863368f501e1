"""Splitting the suite into parallel processes and CI shards (tools/shards.py), and the pieces of tools/run_suite.py
and tools/merge_shards.py that need no behave run (tests/report/test_parallel_report.py runs them end to end)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import allure_files
import merge_shards
import run_outcome
import run_suite
import shards

ROOT = Path(__file__).resolve().parents[2]

OUTLINE = """@x
Feature: F
  Scenario: one
    Given a

  Scenario Outline: many
    Given <n>

    Examples:
      | n |
      | 1 |
      | 2 |

    @more
    Examples: more
      | n |
      | 3 |

  Example: the last
    Given b
"""


def feature_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def unit(path: str, scenarios: int = 1, alone: bool = False) -> shards.Unit:
    return shards.Unit(path, (path,), scenarios, alone)


def test_scenarios_are_counted_with_one_per_example_row():
    assert shards.count_scenarios(OUTLINE) == 5
    assert shards.count_scenarios("Feature: empty\n") == 0


def test_the_whole_suite_counts_what_behave_runs():
    units = shards.discover(["features"], ROOT, alone_tags=("@performance",))
    assert sum(u.scenarios for u in units) >= 250
    assert [u.path for u in units if u.alone] == ["features/performance/load.feature"]


def test_discover_finds_files_keeps_locations_together_and_unknown_paths_as_given(tmp_path):
    root = feature_tree(tmp_path, {"features/a/one.feature": OUTLINE, "features/b.feature": "@performance\nFeature: B\n"
                                   "  Scenario: s\n    Given x\n"})
    units = shards.discover(["features/a", "features/b.feature:3", "features/b.feature:5", "nope.feature"], root,
                            alone_tags=("@performance",))
    by_path = {u.path: u for u in units}
    assert by_path["features/a/one.feature"].args == ("features/a/one.feature",)
    assert by_path["features/b.feature"].args == ("features/b.feature:3", "features/b.feature:5")
    assert by_path["features/b.feature"].alone and not by_path["features/a/one.feature"].alone
    assert by_path["nope.feature"].args == ("nope.feature",)


def test_measured_times_weigh_and_the_unmeasured_are_estimated_from_them():
    units = [unit("a", 10), unit("b", 20), unit("c", 5)]
    timings = {"inprocess": {"a": 2.0, "b": 4.0}, "http": {"a": 10.0}}
    weight = shards.weights(units, timings, "inprocess")
    assert weight == {"a": 2.0, "b": 4.0, "c": pytest.approx(1.0)}  # 0.2 s a scenario, as a and b took
    assert shards.weights(units, {}, "inprocess")["b"] == pytest.approx(20 * shards.DEFAULT_SECONDS_PER_SCENARIO)
    assert shards.weights(units, timings, None)["a"] == 12.0  # a CI split weighs every target


def test_shards_are_balanced_longest_first_and_the_same_every_time():
    units = [unit(f"f{i}") for i in range(7)]
    weight = {"f0": 9, "f1": 7, "f2": 5, "f3": 4, "f4": 3, "f5": 2, "f6": 2}
    split = shards.balance(units, weight, 3)
    loads = sorted(sum(weight[u.path] for u in part) for part in split)
    assert loads == [10, 11, 11]
    assert split == shards.balance(list(reversed(units)), weight, 3)
    assert sorted(u.path for part in split for u in part) == sorted(weight)


def test_a_ci_split_covers_every_file_once_whatever_the_count():
    units = shards.discover(["features"], ROOT)
    for count in (1, 2, 3, 7):
        split = shards.machine_shards(units, {}, count)
        paths = [u.path for part in split for u in part]
        assert sorted(paths) == sorted(u.path for u in units) and len(paths) == len(set(paths))
    assert shards.plan_digest(shards.machine_shards(units, {}, 3)) == shards.plan_digest(
        shards.machine_shards(units, {}, 3))


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", ""])
def test_a_bad_shard_is_refused_with_the_right_form(text):
    with pytest.raises(ValueError, match="must be I/N"):
        shards.parse_shard(text)


def test_timings_round_trip_and_newer_measurements_win(tmp_path):
    path = tmp_path / "feature-times.json"
    shards.write_timings(path, {"inprocess": {"a": 1.0, "b": 2.0}})
    merged = shards.merged_timings(shards.read_timings(path), {"inprocess": {"b": 3.0}, "http": {"a": 5.0}})
    assert merged == {"inprocess": {"a": 1.0, "b": 3.0}, "http": {"a": 5.0}}
    path.write_text("not json")
    assert shards.read_timings(path) == {}
    assert shards.read_timings(tmp_path / "missing.json") == {}


def test_auto_runs_one_process_when_the_work_is_short(monkeypatch):
    monkeypatch.setattr(shards, "cpu_count", lambda: 2)
    monkeypatch.setattr(run_suite.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    few = [unit("a"), unit("b")]
    assert run_suite.resolve_jobs("auto", few, {"a": 1.0, "b": 1.0}) == 1
    assert run_suite.resolve_jobs("auto", few, {"a": 20.0, "b": 20.0}) == 2
    assert run_suite.resolve_jobs("8", few, {"a": 1.0, "b": 1.0}) == 2  # never more processes than files
    with pytest.raises(SystemExit, match="JOBS='x'"):
        run_suite.resolve_jobs("x", few, {})


@pytest.mark.parametrize(("load", "processes"), [(0.0, 4), (1.4, 3), (2.6, 1), (9.0, 1)])
def test_auto_runs_one_process_per_idle_cpu(monkeypatch, load, processes):
    """On a busy machine another process adds its start-up and gets no CPU of its own."""
    monkeypatch.setattr(shards, "cpu_count", lambda: 4)
    monkeypatch.setattr(run_suite.os, "getloadavg", lambda: (load, load, load))
    many = [unit(f"f{i}") for i in range(8)]
    assert run_suite.resolve_jobs("auto", many, {u.path: 5.0 for u in many}) == processes
    assert run_suite.resolve_jobs("3", many, {u.path: 5.0 for u in many}) == 3  # a number is taken as given


def test_a_global_error_every_process_reported_is_kept_once(tmp_path):
    results = tmp_path / "all"
    seen: set[str] = set()
    for name in ("p1", "p2"):
        folder = tmp_path / name
        folder.mkdir()
        allure_files.write_global_error(folder, "behave did not start: -D seed=abc ...")
        run_suite.move_results(folder, results, seen)
    allure_files.write_global_error(tmp_path / "p1", "something else")
    run_suite.move_results(tmp_path / "p1", results, seen)
    assert sorted(e["message"] for e in allure_files.global_errors(results)) == [
        "behave did not start: -D seed=abc ...", "something else"]


def test_processes_that_aborted_alike_make_one_broken_result(tmp_path):
    processes = []
    for name in ("1/2", "2/2"):
        process = run_suite.Process(name, tmp_path / name.replace("/", "-"), [])
        process.results.mkdir(parents=True)
        process.abort = run_outcome.Abort("behave did not start: bad seed", not_run=10, reported=True)
        processes.append(process)
    assert run_suite.record_aborts("inprocess", processes, several=True)
    made = [data for p in processes for _path, data in allure_files.results(p.results)]
    assert len(made) == 1
    assert made[0]["statusDetails"]["message"] == ("behave did not start: bad seed (target=inprocess; processes 1/2, "
                                                   "2/2; 20 scenarios were not run)")


def manifest(index: int, count: int = 2, digest: str = "d1", features=("a",)) -> dict:
    return {"shard": f"{index}/{count}", "index": index, "count": count, "seed": "2109", "targets": ["inprocess"],
            "split_digest": digest, "features": list(features), "split": [["a"], ["b", "c"]], "status": 0}


def test_the_merge_names_a_missing_shard_and_shards_that_split_differently():
    assert merge_shards.check_split([manifest(1), manifest(2)]) == []
    [missing] = merge_shards.check_split([manifest(1)])
    assert missing.startswith("shard 2/2 is missing: its 2 feature files are not in this report (b, c)")
    [differ] = merge_shards.check_split([manifest(1), manifest(2, digest="d2")])
    assert "disagree on the split of the feature files" in differ and "same timing file" in differ
    assert any("came 2 times" in p for p in merge_shards.check_split([manifest(1), manifest(1), manifest(2)]))


def test_merging_shard_folders_joins_results_junit_and_timings(tmp_path):
    shards_dir = tmp_path / "shards"
    for index, feature in ((1, "a"), (2, "b")):
        folder = shards_dir / f"{index}-of-2"
        (folder / "allure-results").mkdir(parents=True)
        (folder / "allure-results" / f"u{index}-result.json").write_text("{}")
        (folder / "junit" / "inprocess").mkdir(parents=True)
        (folder / "junit" / "inprocess" / f"TESTS-{feature}.xml").write_text("<testsuite/>")
        shards.write_timings(folder / "feature-times.json", {"inprocess": {feature: float(index)}})
        (folder / "shard.json").write_text(json.dumps(manifest(index, features=(feature,))))
    out = tmp_path / "out"
    status = merge_shards.merge(shards_dir, out / "results", out / "junit", out / "rerun", out / ".aborted",
                                out / "times.json", out / "targets")
    assert status == 0
    assert sorted(p.name for p in (out / "results").iterdir()) == ["u1-result.json", "u2-result.json"]
    assert sorted(p.name for p in (out / "junit" / "inprocess").iterdir()) == ["TESTS-a.xml", "TESTS-b.xml"]
    assert shards.read_timings(out / "times.json") == {"inprocess": {"a": 1.0, "b": 2.0}}
    assert (out / "targets").read_text().split() == ["inprocess"]
    assert not (out / ".aborted").exists()
    assert merge_shards.merge(tmp_path / "nothing", out / "r", out / "j", out / "rr", None, None, None) == 2


@pytest.mark.parametrize(("load", "lanes"), [(0.0, ["1/2", "2/2"]), (3.0, ["main"])])
def test_auto_plans_the_processes_it_announces(tmp_path, monkeypatch, capsys, load, lanes):
    monkeypatch.setattr(shards, "cpu_count", lambda: 2)
    monkeypatch.setattr(run_suite.os, "getloadavg", lambda: (load, load, load))
    timings = tmp_path / "times.json"
    shards.write_timings(timings, {"inprocess": {"features/orders/market_orders.feature": 8.0,
                                                 "features/orders/oco_orders.feature": 8.0}})
    args = argparse.Namespace(timings=timings, shard="1/1", work=tmp_path / "work", jobs="auto", alone_tag=[],
                              features=["features/orders/market_orders.feature", "features/orders/oco_orders.feature"])
    at_once, after = run_suite.plan(args, "inprocess")
    assert [p.name for p in at_once] == lanes and after == []
    assert sorted(path for p in at_once for path in p.paths) == args.features
    assert f"JOBS=auto: {len(lanes)} behave process" in capsys.readouterr().out
