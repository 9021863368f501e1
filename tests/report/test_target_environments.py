"""The conformance profile in the report (after `make test`): the adapter target is an environment of its own,
where the @conformance scenarios ran and every other scenario is counted as skipped, each with the capability its
target lacks as its message; and a profile scenario shows its result on every target side by side.

Runs only when `make test` ran the `alpaca` target (skips, or fails under MOCKBROKER_REQUIRE_REPORT=1, otherwise).
"""

from __future__ import annotations

import json
import os
import re

import pytest

ADAPTER = "alpaca"
CONFORMANCE = "conformance"


@pytest.fixture(scope="module")
def results(report_dir):
    found = [json.loads(p.read_text(encoding="utf-8")) for p in (report_dir / "data" / "test-results").glob("*.json")]
    if not any(r.get("environment") == ADAPTER for r in found):
        message = f"the report has no '{ADAPTER}' environment: run `make test` with the {ADAPTER} target"
        if os.environ.get("MOCKBROKER_REQUIRE_REPORT") == "1" and ADAPTER in os.environ.get("TARGETS", ADAPTER):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _tags(result) -> set[str]:
    return {label["value"] for label in result.get("labels", []) if label.get("name") == "tag"}


def test_the_adapter_runs_the_profile_and_skips_the_rest_naming_what_it_lacks(results):
    adapter = [r for r in results if r.get("environment") == ADAPTER and not r.get("isRetry")]
    profile = [r for r in adapter if CONFORMANCE in _tags(r)]
    rest = [r for r in adapter if CONFORMANCE not in _tags(r)]
    assert len(profile) >= 30 and rest
    assert all(r["status"] != "skipped" for r in profile), [r["name"] for r in profile if r["status"] == "skipped"]
    not_skipped = [r["name"] for r in rest if r["status"] != "skipped"]
    assert not not_skipped, f"scenarios outside the profile that ran on {ADAPTER}: {not_skipped}"
    unexplained = [r["name"] for r in rest
                   if not re.search(r"target alpaca lacks [a-z-]+(, [a-z-]+)*: the scenario needs",
                                    (r.get("error") or {}).get("message", ""))]
    assert not unexplained, f"skipped without naming the capability: {unexplained[:5]}"


def test_the_adapter_counts_as_an_environment_with_its_skipped_scenarios(results, report_dir):
    adapter = [r for r in results if r.get("environment") == ADAPTER and not r.get("isRetry")]
    statistic = json.loads((report_dir / "widgets" / ADAPTER / "statistic.json").read_text(encoding="utf-8"))
    assert statistic.get("skipped", 0) == sum(1 for r in adapter if r["status"] == "skipped") > 0
    assert statistic["total"] == len(adapter)


def test_a_profile_scenario_shows_its_result_on_every_target_side_by_side(results, report_dir):
    environments = {r.get("environment") for r in results}
    # Results name their environment; groups key it by id (the first target holds Allure's id "default").
    name_of = {env["id"]: env["name"] for env in
               json.loads((report_dir / "widgets" / "environments.json").read_text(encoding="utf-8"))}
    groups = [json.loads(p.read_text(encoding="utf-8"))
              for p in (report_dir / "data" / "test-env-groups").glob("*.json")]
    profile_names = {r["fullName"] for r in results if CONFORMANCE in _tags(r)}
    side_by_side = [g for g in groups if g["fullName"] in profile_names]
    assert side_by_side
    for group in side_by_side:
        shown = {name_of.get(env_id, env_id) for env_id in group["testResultsByEnv"]}
        assert shown == environments, (group["fullName"], group["testResultsByEnv"])
