"""One report, however the suite ran: in one behave process, in two at once (JOBS=2), or as two CI shards merged
afterwards (SHARD=1/2, SHARD=2/2, then `make merge-report`). The same feature files and seed must give the same
counts (in total and per environment), the same status for every scenario, and agree with behave's JUnit; each
run's results carry the thread of the process or shard that ran them (the Timeline's lanes).

The files: a few of the acceptance suite's, the deliberately failing fixtures (failed, broken and skipped results),
and tests/report/fixtures/parallel, a @performance file (it must run alone, after the parallel processes; its
failure is run once more, so the report also holds a retry).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import check_report

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "reports" / "fixture-runs"
FEATURES = ("tests/report/fixtures/features tests/report/fixtures/parallel features/accounts/ownership.feature "
            "features/orders/oco_orders.feature features/execution/costs.feature")
ALONE = "tests/report/fixtures/parallel/timed_on_purpose.feature"
LEFT_OUT = "--tags='not @excluded-by-the-fixture-run'"
MAKE_TIMEOUT_S = 300


def make(target: str, reports: Path, *variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "COVERAGE_PROCESS_START")}
    return subprocess.run(["make", "--no-print-directory", target, f"REPORTS={reports}", f"FEATURES={FEATURES}",
                           "SEED=2109", f"BEHAVE_ARGS={LEFT_OUT}", *variables], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=MAKE_TIMEOUT_S)


def fresh(name: str) -> Path:
    reports = RUNS / name
    shutil.rmtree(reports, ignore_errors=True)
    return reports


@pytest.fixture(scope="module")
def serial():
    reports = fresh("jobs-1")
    return make("report", reports, "JOBS=1"), reports


@pytest.fixture(scope="module")
def parallel():
    reports = fresh("jobs-2")
    return make("report", reports, "JOBS=2"), reports


@pytest.fixture(scope="module")
def sharded():
    reports = fresh("shards-2")
    shards = [make("report", reports, f"SHARD={i}/2", "JOBS=1") for i in (1, 2)]
    return shards, make("merge-report", reports), reports


def outcome(reports: Path) -> dict:
    """What the report shows: the summary, the inprocess environment's summary, each scenario's status (its last
    attempt) and the thread labels of every attempt."""
    report = reports / "allure-report"
    statuses, threads = Counter(), Counter()
    for path in (report / "data" / "test-results").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = {label["name"]: label["value"] for label in data.get("labels", [])}
        threads[labels.get("thread")] += 1
        if not data.get("isRetry"):
            statuses[(data["name"], data["status"])] += 1
    return {"summary": check_report.summary_stats(report),
            "inprocess": check_report.environment_stats(report, "inprocess"),
            "statuses": statuses, "threads": threads}


def test_two_processes_report_what_one_process_reports(serial, parallel):
    (done1, reports1), (done2, reports2) = serial, parallel
    for done, reports in (serial, parallel):
        assert (reports / "allure-report" / "summary.json").is_file(), done.stdout[-3000:] + done.stderr[-3000:]
        assert done.returncode != 0, "the fixtures fail on purpose: make report must fail"
    one, two = outcome(reports1), outcome(reports2)
    assert one["summary"]["failed"] and one["summary"]["broken"] and one["summary"]["skipped"], one["summary"]
    assert two["summary"] == one["summary"]
    assert two["inprocess"] == one["inprocess"]
    assert two["statuses"] == one["statuses"]
    for reports in (reports1, reports2):
        assert check_report.compare(reports / "allure-report", reports / "junit") == []


def test_the_parallel_run_shows_its_processes_as_timeline_lanes(serial, parallel):
    (done1, reports1), (done2, reports2) = serial, parallel
    assert set(outcome(reports1)["threads"]) == {"main", "rerun"}
    lanes = set(outcome(reports2)["threads"])
    assert lanes == {"1/2", "2/2", "alone", "rerun"}, lanes
    assert "behave -D target=inprocess: 2 processes at once" in done2.stdout
    assert f"then {ALONE} alone" in done2.stdout


def test_the_performance_file_runs_alone_after_the_parallel_processes(parallel):
    _done, reports = parallel
    starts = {}
    for path in (reports / "allure-report" / "data" / "test-results").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = {label["name"]: label["value"] for label in data.get("labels", [])}
        starts.setdefault(labels["thread"], []).append((data["start"], data["stop"]))
    parallel_end = max(stop for lane in ("1/2", "2/2") for _start, stop in starts[lane])
    assert min(start for start, _stop in starts["alone"]) >= parallel_end


def test_merged_shards_report_what_one_process_reports(serial, sharded):
    _done1, reports1 = serial
    shard_runs, merged, reports = sharded
    for done in shard_runs:
        assert "its results are in" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert (reports / "allure-report" / "summary.json").is_file(), merged.stdout[-3000:] + merged.stderr[-3000:]
    assert merged.returncode != 0, "a shard failed (on purpose): the merge must fail"
    assert "report matches behave" in merged.stdout, merged.stdout[-3000:] + merged.stderr[-3000:]
    one, both = outcome(reports1), outcome(reports)
    assert both["summary"] == one["summary"]
    assert both["inprocess"] == one["inprocess"]
    assert both["statuses"] == one["statuses"]
    assert {"shard 1/2", "shard 2/2"} <= set(both["threads"])
    manifests = [json.loads((reports / "shards" / f"{i}-of-2" / "shard.json").read_text()) for i in (1, 2)]
    files = manifests[0]["features"] + manifests[1]["features"]
    assert sorted(files) == sorted(set(files)) and len(files) == 5, files
    assert (reports / "feature-times.json").is_file(), "the merge keeps the shards' times for the next split"


def test_a_rerun_names_its_test_cases_as_the_first_attempt_did(serial):
    """A failed @performance scenario runs once more by file:line; its JUnit test case must have the first
    attempt's name (behave names them after the paths it is given), or the rerun could never count."""
    _done, reports = serial
    junit = reports / "junit" / "inprocess"
    first = check_report._testcases(junit)
    again = check_report._testcases(junit / "rerun")
    assert again, "the failed @performance fixture was not run once more"
    assert set(again) <= set(first), (sorted(again), sorted(first)[:5])
