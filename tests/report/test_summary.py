"""The report's own summary data agrees with behave's JUnit results of the same run."""

from __future__ import annotations

import check_report


def test_behave_ran_every_scenario(junit_dir):
    runs = check_report.read_junit(junit_dir)
    untested = {target: run.untested for target, run in runs.items() if run.untested}
    assert not untested, f"behave left scenarios untested (a hook error aborted the run?): {untested}"


def test_summary_json_matches_behave_junit(report_dir, junit_dir):
    expected = check_report.total_stats(check_report.read_junit(junit_dir))
    actual = check_report.summary_stats(report_dir)
    assert expected["total"] > 0, "behave ran no scenarios"
    assert actual == expected, f"Allure summary.json {actual} != behave JUnit {expected}"


def test_each_target_is_its_own_environment_with_behaves_counts(report_dir, junit_dir):
    problems = check_report.compare(report_dir, junit_dir)
    assert not problems, "\n".join(problems)


def test_status_mapping_follows_allure_behave():
    import xml.etree.ElementTree as ET

    def status(xml: str) -> str:
        return check_report.testcase_status(ET.fromstring(xml))

    assert status('<testcase name="a"/>') == "passed"
    assert status('<testcase name="a"><failure message="x"/></testcase>') == "failed"
    assert status('<testcase name="a"><error message="x"/></testcase>') == "broken"
    assert status('<testcase name="a"><skipped/></testcase>') == "skipped"
    assert status('<testcase name="a" status="untested"/>') == check_report.UNTESTED
    assert status('<testcase name="a" status="passed"/>') == "passed"
