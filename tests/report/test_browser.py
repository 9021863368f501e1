"""The generated report really renders: served on 127.0.0.1, loaded in headless Chromium.

The page must show every scenario behave ran and the totals; with the Environment filter on one target, the
"Results N" tab and the summary must count that target's results only; the Timeline must have data. Screenshots
go to reports/allure-report.png (and reports/screenshots/). The report tree collapses all-passed groups, and only
expanded groups are in the DOM, so pages are opened through a helper that expands them (``browser.served``).
"""

from __future__ import annotations

import re

import pytest

import check_report
from browser import page_text, screenshot, served


@pytest.fixture(scope="module")
def site(report_dir, tmp_path_factory):
    with served(report_dir, tmp_path_factory.mktemp("site")) as base:
        yield base


@pytest.fixture(scope="module")
def front_page(site, tmp_path_factory) -> str:
    return page_text(f"{site}/open.html", tmp_path_factory.mktemp("chromium"))


def test_page_shows_the_report(front_page):
    assert "mockbroker acceptance" in front_page, f"report title missing; page text: {front_page[:500]}"


def test_page_shows_every_scenario(front_page, junit_dir):
    runs = check_report.read_junit(junit_dir)
    names = sorted({re.sub(r"\s+", " ", name).strip() for run in runs.values() for name in run.names})
    assert names, "behave reported no scenarios"
    missing = [name for name in names if name not in front_page]
    assert not missing, f"{len(missing)} of {len(names)} scenarios not shown: {missing[:10]}"


def test_page_shows_the_totals(front_page, junit_dir):
    expected = check_report.total_stats(check_report.read_junit(junit_dir))
    assert re.search(rf"\bTotal {expected['total']}\b", front_page), (
        f"page does not show 'Total {expected['total']}'; page text: {front_page[:800]}"
    )
    assert re.search(rf"\bResults {expected['total']}\b", front_page), f"tab count wrong: {front_page[:800]}"
    for status in check_report.STATUSES:
        if expected[status]:
            label = status.capitalize()
            assert re.search(rf"\b{label} {expected[status]}\b", front_page), (
                f"page does not show '{label} {expected[status]}'; page text: {front_page[:800]}"
            )


def test_the_environment_filter_sets_every_count(site, report_dir, junit_dir, tmp_path):
    """With one environment selected, the Results tab and the summary count that environment's results only
    (Allure 3.18 counted all of them in the tab: tools/patch_report.py)."""
    runs = check_report.read_junit(junit_dir)
    ids = check_report.environment_ids(report_dir)
    if len(ids) < 2:
        pytest.skip("one environment: the report shows no environment filter")
    for name, env_id in ids.items():
        total = runs[name].stats()["total"]
        text = page_text(f"{site}/open.html?env={env_id}", tmp_path / name)
        assert f"Environment: {name}" in text, f"the filter did not select {name}: {text[:300]}"
        assert re.search(rf"\bResults {total}\b", text), f"{name}: tab does not say 'Results {total}': {text[:400]}"
        assert re.search(rf"\bTotal {total}\b", text), f"{name}: summary does not say 'Total {total}': {text[:400]}"


def test_timeline_has_a_lane_per_target(site, report_dir, tmp_path):
    text = page_text(f"{site}/open.html#/timeline", tmp_path)
    for name in check_report.environment_ids(report_dir):
        assert f"Host: {name} on" in text, f"the Timeline has no lane for {name}: {text[:400]}"


def test_screenshot(site, tmp_path, root):
    screenshot(f"{site}/front.html", root / "reports" / "allure-report.png", tmp_path)
    screenshot(f"{site}/front.html#/timeline", root / "reports" / "screenshots" / "suite-timeline.png", tmp_path,
               size="1440,700")
