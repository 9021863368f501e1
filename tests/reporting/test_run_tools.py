"""tools/run_outcome.py (aborted runs), quality_gate.py, flaky_rerun.py, allure_environment.py, patch_report.py."""

from __future__ import annotations

import json
from pathlib import Path

import allure_environment
import allure_files
import flaky_rerun
import patch_report
import quality_gate
import run_outcome
from conftest import read


def junit(folder: Path, *cases: str) -> Path:
    """A JUnit file with test cases given as 'name:status' (status passed, failed, untested)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = []
    for case in cases:
        name, status = case.split(":")
        inner = '<failure message="x"/>' if status == "failed" else ""
        body.append(f'<testcase classname="features.x.F" name="{name}" status="{status}">{inner}</testcase>')
    (folder / "TESTS-x.xml").write_text(f"<testsuite>{''.join(body)}</testsuite>", encoding="utf-8")
    return folder


# -- aborted runs --------------------------------------------------------------------------------------------------

def test_a_run_that_left_scenarios_untested_is_aborted_and_named_by_the_hooks_error(results, tmp_path):
    allure_files.write_global_error(results, "behave did not start: -D seed=abc: the master seed must be ...")
    folder = junit(tmp_path / "junit", "a:untested", "b:untested")
    assert run_outcome.main([str(results), "inprocess", "--exit-code", "1", "--junit", str(folder)]) == 3
    [(_path, data)] = list(allure_files.results(results))
    assert data["status"] == "broken"
    assert data["statusDetails"]["message"] == ("behave did not start: -D seed=abc: the master seed must be ... "
                                                "(target=inprocess; 2 scenarios were not run)")
    assert len(allure_files.global_errors(results)) == 1, "the hook's global error is not repeated"


def test_a_crash_without_results_is_aborted_with_behaves_status(results):
    assert run_outcome.main([str(results), "http", "--exit-code", "2"]) == 3
    errors = allure_files.global_errors(results)
    assert "behave exited with status 2 before running any scenario" in errors[0]["message"]


def test_a_timeout_says_so(results):
    assert run_outcome.main([str(results), "http", "--exit-code", "124", "--timeout", "150"]) == 3
    assert "did not finish within 150 s" in allure_files.global_errors(results)[0]["message"]


def test_failed_scenarios_are_not_an_aborted_run(results, tmp_path):
    results.write("a", status="failed")
    folder = junit(tmp_path / "junit", "a:failed")
    assert run_outcome.main([str(results), "inprocess", "--exit-code", "1", "--junit", str(folder)]) == 0
    assert len(list(allure_files.results(results))) == 1


def test_an_older_runs_global_error_is_not_this_runs_cause(results):
    allure_files.write_global_error(results, "yesterday's problem")
    run_outcome.main([str(results), "http", "--exit-code", "2", "--started", str(allure_files.now_ms() + 10_000)])
    messages = [e["message"] for e in allure_files.global_errors(results)]
    assert any("exited with status 2" in m for m in messages)


# -- the quality gate ----------------------------------------------------------------------------------------------

def critical(name: str, status: str, stop: int, target: str = "inprocess", **fields) -> dict:
    return dict(status=status, stop=stop, historyId=f"h-{name.split('#')[0]}",
                labels=[{"name": "severity", "value": "critical"}, {"name": "target", "value": target}],
                statusDetails={"message": f"{name} went wrong\nmore"}, **fields)


def test_a_failed_critical_scenario_fails_the_gate_and_says_which(results):
    results.write("first", **critical("first", "failed", 5))
    results.write("fine", **critical("fine", "passed", 5))
    assert quality_gate.main([str(results)]) == 1
    [error] = allure_files.global_errors(results)
    assert error["message"].startswith("Quality gate failed: 1 critical scenario did not pass")
    assert "- [inprocess] first (failed): first went wrong" in error["message"]


def test_a_critical_scenario_that_passed_when_run_again_holds_the_gate(results):
    results.write("perf#1", **critical("perf", "failed", 5))
    results.write("perf#2", **critical("perf", "passed", 9))
    assert quality_gate.main([str(results)]) == 0
    assert not allure_files.global_errors(results)


# -- flaky reruns --------------------------------------------------------------------------------------------------

def test_a_rerun_that_passed_is_marked_flaky_and_the_failure_kept(results, tmp_path):
    def run(thread: str, status: str):
        return dict(status=status, historyId="h-load", statusDetails={"message": "p99 round trip 130 ms\n..."},
                    labels=[{"name": "target", "value": "inprocess"}, {"name": "thread", "value": thread}])

    first = results.write("first", **run("main", "failed"))
    again = results.write("again", **run("rerun", "passed"))
    folder = junit(tmp_path / "junit", "load:failed")
    junit(folder / "rerun", "load:passed")
    assert flaky_rerun.main([str(results), "--junit", str(folder)]) == 0
    assert read(again)["statusDetails"]["flaky"] is True
    assert "failed at first, passed when run again" in read(again)["statusDetails"]["message"]
    assert read(first)["status"] == "failed"


def test_a_failure_that_was_not_run_again_stands(tmp_path):
    folder = junit(tmp_path / "junit", "load:failed", "orders:failed")
    junit(folder / "rerun", "load:passed")
    assert not flaky_rerun.all_recovered(folder)


# -- executor and metadata ------------------------------------------------------------------------------------------

def test_the_executor_links_the_ci_job():
    gitlab = allure_environment.executor({"GITLAB_CI": "true", "CI_JOB_NAME": "test", "CI_JOB_ID": "77",
                                          "CI_JOB_URL": "https://gitlab.example/p/-/jobs/77",
                                          "CI_PIPELINE_IID": "12"}, "test")
    assert gitlab["name"] == "GitLab CI" and gitlab["buildUrl"] == "https://gitlab.example/p/-/jobs/77"
    assert gitlab["buildName"] == "test #77" and gitlab["buildOrder"] == 12
    github = allure_environment.executor({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "9",
                                          "GITHUB_RUN_NUMBER": "3", "GITHUB_WORKFLOW": "ci"}, "test")
    assert github["buildUrl"] == "https://github.com/o/r/actions/runs/9"
    other = allure_environment.executor({"CI": "1", "CI_JOB_URL": "https://ci.example/1"}, "report")
    assert other["buildUrl"] == "https://ci.example/1"
    local = allure_environment.executor({}, "report")
    assert local["type"] == "local" and local["buildName"] == "make report"


def test_the_metadata_names_the_coverage(tmp_path):
    (tmp_path / "coverage.json").write_text(json.dumps({"totals": {"percent_covered": 87.25}}))
    props = allure_environment.properties(["inprocess", "http"], "7", "", "test", tmp_path)
    assert props["coverage"].startswith("87.2% of mockbroker/") and "coverage/index.html" in props["coverage"]
    assert props["reproduce"] == "make test SEED=7"
    assert "not measured" in allure_environment.properties(["inprocess"], "7", "", "report", None)["coverage"]


# -- the page patch ------------------------------------------------------------------------------------------------

def test_the_results_tab_patch_applies_once_and_says_when_it_cannot(tmp_path):
    old, new, _why = patch_report.PATCHES[0]
    script = tmp_path / "app-1.js"
    script.write_text(f"before;{old};after", encoding="utf-8")
    assert patch_report.patch(tmp_path) == []
    assert script.read_text(encoding="utf-8") == f"before;{new};after"
    assert patch_report.patch(tmp_path) == [], "patching twice is harmless"
    script.write_text("something else", encoding="utf-8")
    assert patch_report.patch(tmp_path) == [patch_report.PATCHES[0][2]]
