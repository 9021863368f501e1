"""A @performance scenario that failed and then passed when run again: Allure shows it passed, flaky, with the
failed attempt under Retries, in the Flaky category; the counts still agree with behave (its last attempt)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import allure_files
import check_report
import flaky_rerun
import label_target

ROOT = Path(__file__).resolve().parents[2]


def attempt(results: Path, status: str, start: int, message: str | None = None) -> None:
    uid = allure_files.new_uuid()
    data = {"uuid": uid, "name": "Fifty traders get their orders filled quickly", "fullName": "Load: Fifty traders",
            "historyId": "load-50", "testCaseId": "load-50", "status": status, "start": start, "stop": start + 900,
            "titlePath": ["features", "performance", "Load"], "labels": [{"name": "severity", "value": "critical"}]}
    if message:
        data["statusDetails"] = {"message": message}
    allure_files.save(results / f"{uid}-result.json", data)


def test_a_flaky_scenario_is_marked_and_its_failure_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    results, junit = tmp_path / "allure-results", tmp_path / "junit" / "inprocess"
    results.mkdir()
    attempt(results, "failed", 1_000, "p99 order round trip: expected below 100 ms, got 130.2 ms")
    label_target.label_results(results, "inprocess", shard="main")
    attempt(results, "passed", 5_000)
    label_target.label_results(results, "inprocess", shard="rerun")
    for folder, inner in ((junit, "<failure/>"), (junit / "rerun", "")):
        folder.mkdir(parents=True)
        (folder / "TESTS-load.xml").write_text(
            f'<testsuite><testcase classname="Load" name="Fifty traders">{inner}</testcase></testsuite>')
    assert flaky_rerun.main([str(results), "--junit", str(junit)]) == 0

    (results / "categories.json").write_text((ROOT / "tools" / "allure" / "categories.json").read_text())
    report = tmp_path / "report"
    env = {**os.environ, "MOCKBROKER_TARGETS": "inprocess", "MOCKBROKER_HISTORY": str(tmp_path / "h.jsonl")}
    subprocess.run([str(ROOT / "node_modules" / ".bin" / "allure"), "generate", str(results), "-o", str(report)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)

    [leaf] = json.loads((report / "widgets" / "default" / "tree.json").read_text())["leavesById"].values()
    assert leaf["status"] == "passed" and leaf["flaky"] is True and leaf["retriesCount"] == 1
    categories = json.loads((report / "widgets" / "default" / "categories.json").read_text())
    names = [categories["nodes"][root]["name"] for root in categories["roots"]]
    assert names == ["Flaky: failed, then passed when run again"]
    assert check_report.compare(report, tmp_path / "junit") == []
