"""tools/label_target.py: target, host and thread labels; one feature/epic/story; messages and links."""

from __future__ import annotations

import label_target
from conftest import read


def labels(data: dict, name: str) -> list[str]:
    return [label["value"] for label in data["labels"] if label["name"] == name]


def test_one_feature_label_named_by_the_features_title(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    path = results.write("a", titlePath=["features", "orders", "Market orders pay for the liquidity they take"],
                         labels=[{"name": "epic", "value": "execution"}, {"name": "feature", "value": "market-orders"},
                                 {"name": "story", "value": "from-the-feature"},
                                 {"name": "story", "value": "calm-market"}, {"name": "epic", "value": "other"},
                                 {"name": "feature", "value": "Market orders pay for the liquidity they take"}])
    assert label_target.label_results(results, "inprocess", shard="shard-2", host="ci-7") == 1
    data = read(path)
    assert labels(data, "feature") == ["Market orders pay for the liquidity they take"]
    assert labels(data, "epic") == ["other"] and labels(data, "story") == ["calm-market"]
    assert labels(data, "target") == ["inprocess"]
    assert labels(data, "host") == ["inprocess on ci-7"] and labels(data, "thread") == ["shard-2"]


def test_a_labelled_result_is_left_alone(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    results.write("a", labels=[{"name": "target", "value": "inprocess"}])
    assert label_target.label_results(results, "http") == 0


def test_other_targets_get_a_history_of_their_own(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    inprocess = results.write("a")
    label_target.label_results(results, "inprocess")
    http = results.write("b", historyId="h-a")
    label_target.label_results(results, "http")
    assert read(inprocess)["historyId"] == "h-a" and read(http)["historyId"] not in ("h-a", "h-b")


def test_messages_lose_the_exception_prefix_and_name_the_failure(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    message = "AssertionError: buy 100 ACME limit $45.00 gtc: expected filled, but still new\nExpected: x\n"
    path = results.write("a", status="failed", statusDetails={"message": message},
                         steps=[{"name": "Then", "status": "failed", "statusDetails": {"message": message}}])
    label_target.label_results(results, "inprocess")
    data = read(path)
    assert data["statusDetails"]["message"].startswith("buy 100 ACME limit $45.00 gtc: expected filled")
    assert data["steps"][0]["statusDetails"]["message"].startswith("buy 100 ACME")
    assert labels(data, "failure") == ["buy 100 ACME limit $45.00 gtc: expected filled, but still new"]


def test_issue_and_tms_ids_become_links_by_the_templates(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates",
                        lambda: {"issue": "https://tracker.example/browse/%s", "tms": "https://tms.example/case/%s"})
    path = results.write("a", links=[{"type": "issue", "url": "MB-13", "name": "MB-13"},
                                     {"type": "tms", "url": "TC-42", "name": "TC-42"},
                                     {"type": "issue", "url": "https://elsewhere/1", "name": "x"}])
    label_target.label_results(results, "inprocess")
    assert [link["url"] for link in read(path)["links"]] == [
        "https://tracker.example/browse/MB-13", "https://tms.example/case/TC-42", "https://elsewhere/1"]


def test_the_templates_come_from_allurerc(monkeypatch):
    label_target.link_templates.cache_clear()
    monkeypatch.setenv("MOCKBROKER_ISSUE_URL", "https://jira.example/browse/%s")
    try:
        templates = label_target.link_templates()
    finally:
        label_target.link_templates.cache_clear()
    assert templates["issue"] == "https://jira.example/browse/%s"
    assert templates["tms"].count("%s") == 1


def test_a_scenario_the_tags_left_out_says_so_and_one_a_step_skipped_keeps_its_reason(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    left_out = results.write("a", status="skipped")
    skipped = results.write("b", status="skipped", description="**Skipped:** no HTTP service to load")
    label_target.label_results(results, "http")
    assert read(left_out)["statusDetails"]["message"] == "not run in this environment: the run's tags left it out"
    assert "statusDetails" not in read(skipped)
