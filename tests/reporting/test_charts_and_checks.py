"""Price charts (chart_data -> tools/draw_charts.py -> tools/order_chart.py) and the report-vs-behave check."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import allure_files
import check_report
import draw_charts
import order_chart
from conftest import read

from mockbroker.domain import OrderType, Side, TimeInForce
from steps.support import matchers, tasks
from steps.support.chart_data import chart_specs
from steps.support.desk import Desk
from steps.support.market_context import MarketLens


def scenario_spec(failed: bool) -> dict:
    from mockbroker.broker import MockBroker
    from mockbroker.config import BrokerConfig

    desk = Desk(broker=MockBroker(BrokerConfig()), seed=7, master_seed=2109, target="inprocess", location="x:1")
    lens = MarketLens(desk)
    matchers.observe(lens)
    try:
        limit = tasks.place(desk, "I", tasks.order_request("ACME", 100, Side.BUY, OrderType.LIMIT, TimeInForce.GTC,
                                                           limit=Decimal("49.00")))
        lens.sample()
        market = tasks.place(desk, "I", tasks.order_request("ACME", 300, Side.BUY))
        fills = desk.broker.list_fills(account="default", order_id=market.id)
        matchers.assert_that(Decimal("2"), matchers.compares("slippage", "below", Decimal("50"), matchers.bps),
                             matchers.describe_order(market, fills))
        tasks.pass_time(desk, 120)
        lens.sample()
        orders = desk.broker.list_orders(account="default", status="all")
        [spec] = chart_specs(desk, lens, orders, desk.broker.list_fills(account="default"), "A scenario", failed,
                             "buy 100 ACME limit $49.00 gtc: expected filled" if failed else None)
    finally:
        matchers.observe(None)
    assert limit is not None
    return spec


def test_the_chart_data_covers_the_scenarios_own_window():
    spec = scenario_spec(failed=True)
    assert spec["schema"] == "mockbroker.price-chart/1" and spec["symbol"] == "ACME"
    assert spec["start"].endswith("Z") and 120_000 <= spec["end_ms"] < 121_000
    assert all(bar["t_ms"] >= 0 and bar["t_end_ms"] <= spec["end_ms"] for bar in spec["bars"]), "bars of warm-up"
    assert [o["label"] for o in spec["orders"]] == ["#1", "#2"]
    assert spec["orders"][0]["limit"] == 49.0 and spec["orders"][0]["status"] == "new"
    assert [f["order"] for f in spec["fills"]] == ["#2"] and spec["fills"][0]["qty"] == 300
    [band] = spec["bands"]
    assert band["order"] == "#2" and band["held"] and band["below"]
    assert band["edge"] > spec["orders"][1]["arrival_mid"]


def test_a_chart_is_an_svg_with_its_words_as_text_or_a_png():
    spec = scenario_spec(failed=True)
    svg = order_chart.render(spec).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for words in ("#1 buy 100 ACME limit $49.00 gtc (new): limit $49.00", "#2 300 @ $", "asserted: slippage below",
                  "FAILED: buy 100 ACME limit $49.00 gtc: expected filled", "min after the scenario's start"):
        assert words in svg.replace("\\$", "$"), f"{words!r} is not in the chart"
    assert order_chart.render(spec) == order_chart.render(spec), "the same chart gives the same bytes"
    png = order_chart.render(spec, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_charts_are_drawn_after_the_run_and_a_failed_ones_sits_under_its_failed_step(results):
    spec = scenario_spec(failed=True)
    data_file = results / "spec-attachment.json"
    data_file.write_text(json.dumps(spec), encoding="utf-8")
    entry = {"name": "price chart data (ACME).json", "source": data_file.name, "type": "application/json"}
    failed = results.write("failed", status="failed", attachments=[entry],
                           steps=[{"name": "When", "status": "passed"}, {"name": "Then", "status": "failed"}])
    passed = results.write("passed", attachments=[dict(entry)])
    count, problems = draw_charts.draw_all(results, jobs=2)
    assert (count, problems) == (2, [])
    then_step = read(failed)["steps"][1]
    assert then_step["attachments"][0]["name"] == "price chart (ACME)"
    assert read(passed)["attachments"][0]["name"] == "price chart (ACME)"
    assert read(passed)["attachments"][0]["type"] == "image/svg+xml"
    chart = allure_files.attachment_path(results, read(passed)["attachments"][0]).read_bytes()
    assert b"<svg" in chart
    assert draw_charts.draw_all(results, jobs=2) == (0, []), "drawing twice adds nothing"


def test_the_watcher_draws_in_the_background_and_the_final_pass_lists_its_charts(results):
    import subprocess
    import sys
    import time

    spec = scenario_spec(failed=False)
    data_file = results / "spec-attachment.json"
    data_file.write_text(json.dumps(spec), encoding="utf-8")
    (results / "other-attachment.json").write_text('{"not": "a chart"}', encoding="utf-8")
    stop = results.parent / "stop"
    watcher = subprocess.Popen([sys.executable, str(Path(draw_charts.__file__)), str(results), "--watch",
                                "--stop-file", str(stop)])
    try:
        deadline = time.monotonic() + 60
        while not draw_charts.drawn_path(data_file).is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.touch()
        assert watcher.wait(timeout=30) == 0
    assert b"<svg" in draw_charts.drawn_path(data_file).read_bytes()
    assert not (results / "other-attachment.json.svg").exists()
    drawn_at = draw_charts.drawn_path(data_file).stat().st_mtime
    entry = {"name": "price chart data (ACME).json", "source": data_file.name, "type": "application/json"}
    result = results.write("passed", attachments=[entry])
    assert draw_charts.draw_all(results, jobs=1) == (1, [])
    assert read(result)["attachments"][0] == {"name": "price chart (ACME)", "source": "spec-attachment.json.svg",
                                              "type": "image/svg+xml"}
    assert draw_charts.drawn_path(data_file).stat().st_mtime == drawn_at, "the final pass drew it again"


# -- the report agrees with behave -----------------------------------------------------------------------------------

def write_report(folder: Path, environments: dict[str, dict], leaves: dict[str, list[str]]) -> Path:
    """A minimal report: environments {id: name}, and per environment id the statuses of its tree's leaves."""
    widgets = folder / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "environments.json").write_text(json.dumps([{"id": i, "name": n} for i, n in environments.items()]))
    everything = []
    for env_id, statuses in leaves.items():
        (widgets / env_id).mkdir()
        by_id = {f"{env_id}-{n}": {"name": f"s{n}", "status": s} for n, s in enumerate(statuses)}
        tree = {"root": {"groups": ["g"], "leaves": []},
                "groupsById": {"g": {"groups": [], "leaves": list(by_id)}}, "leavesById": by_id}
        (widgets / env_id / "tree.json").write_text(json.dumps(tree))
        stat = {"total": len(statuses)}
        for status in statuses:
            stat[status] = stat.get(status, 0) + 1
        (widgets / env_id / "statistic.json").write_text(json.dumps(stat))
        (widgets / env_id / "search-index.json").write_text(json.dumps(list(by_id)))
        bad = {k: v for k, v in stat.items() if k in ("failed", "broken", "skipped")}
        cats = {"roots": ["c"], "nodes": {"c": {"statistic": {"total": sum(bad.values()), **bad}}}} if bad else {}
        (widgets / env_id / "categories.json").write_text(json.dumps(cats))
        everything += statuses
    total = {"total": len(everything)}
    for status in everything:
        total[status] = total.get(status, 0) + 1
    (folder / "summary.json").write_text(json.dumps({"stats": total}))
    (folder / "data" / "test-results").mkdir(parents=True)
    return folder


def write_junit(folder: Path, target: str, statuses: list[str]) -> None:
    (folder / target).mkdir(parents=True)
    inner = {"failed": "<failure/>", "broken": "<error/>", "skipped": "<skipped/>", "passed": ""}
    cases = "".join(f'<testcase classname="c" name="s{n}">{inner[s]}</testcase>' for n, s in enumerate(statuses))
    (folder / target / "TESTS-x.xml").write_text(f"<testsuite>{cases}</testsuite>")


def test_a_report_that_agrees_with_behave(tmp_path):
    report = write_report(tmp_path / "report", {"default": "inprocess", "http": "http"},
                          {"default": ["passed", "failed", "skipped"], "http": ["passed", "broken", "skipped"]})
    write_junit(tmp_path / "junit", "inprocess", ["passed", "failed", "skipped"])
    write_junit(tmp_path / "junit", "http", ["passed", "broken", "skipped"])
    assert check_report.compare(report, tmp_path / "junit") == []


def test_a_result_twice_in_the_tree_an_empty_default_and_two_feature_labels_are_caught(tmp_path):
    report = write_report(tmp_path / "report", {"default": "default", "inprocess": "inprocess"},
                          {"default": [], "inprocess": ["passed", "passed"]})
    tree_file = report / "widgets" / "inprocess" / "tree.json"
    tree = json.loads(tree_file.read_text())
    tree["groupsById"]["g2"] = {"groups": [], "leaves": ["inprocess-0"]}  # the feature's slug and its title
    tree["root"]["groups"].append("g2")
    tree_file.write_text(json.dumps(tree))
    (report / "data" / "test-results" / "r.json").write_text(json.dumps(
        {"name": "s0", "labels": [{"name": "feature", "value": "slug"}, {"name": "feature", "value": "Title"}]}))
    write_junit(tmp_path / "junit", "inprocess", ["passed", "passed"])
    problems = "\n".join(check_report.compare(report, tmp_path / "junit"))
    assert "environments no target ran: ['default']" in problems
    assert "environment 'inprocess': tree {'passed': 3" in problems
    assert "results appear more than once in the tree" in problems
    assert "more than one label: 's0'" in problems and "2 feature labels" in problems


def test_skipped_counts_are_compared_too(tmp_path):
    report = write_report(tmp_path / "report", {"default": "inprocess"}, {"default": ["passed", "passed"]})
    write_junit(tmp_path / "junit", "inprocess", ["passed", "skipped"])
    problems = "\n".join(check_report.compare(report, tmp_path / "junit"))
    assert "'skipped': 1" in problems


def test_a_rerun_counts_its_last_attempt(tmp_path):
    write_junit(tmp_path / "junit", "inprocess", ["passed", "failed"])
    (tmp_path / "junit" / "inprocess" / "rerun").mkdir()
    (tmp_path / "junit" / "inprocess" / "rerun" / "TESTS-x.xml").write_text(
        '<testsuite><testcase classname="c" name="s1"/></testsuite>')
    assert check_report.read_junit(tmp_path / "junit")["inprocess"].stats() == {
        "passed": 2, "failed": 0, "broken": 0, "skipped": 0, "total": 2}
