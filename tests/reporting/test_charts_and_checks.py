"""Price charts (steps/support: chart_data -> order_chart) and the report-vs-behave check (tools/check_report.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import xml.etree.ElementTree as ET

import check_report
import label_target
from conftest import read

from mockbroker.domain import OrderType, Side, TimeInForce
from steps.support import matchers, order_chart, tasks
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


def test_a_chart_is_an_svg_with_its_words_as_text():
    spec = scenario_spec(failed=True)
    svg = order_chart.render(spec).decode("utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    ET.fromstring(svg.split("\n", 1)[1])  # well-formed
    for words in ("#1 buy 100 ACME limit $49.00 gtc (new): limit $49.00", "#2 300 @ $", "asserted: slippage below",
                  "FAILED: buy 100 ACME limit $49.00 gtc: expected filled", "min after the scenario&#x27;s start"
                  if "&#x27;" in svg else "min after the scenario's start"):
        assert words in svg, f"{words!r} is not in the chart"
    assert order_chart.render(spec) == order_chart.render(spec), "the same chart gives the same bytes"


def test_a_chart_costs_well_under_a_millisecond():
    import time

    spec = scenario_spec(failed=False)
    started = time.process_time()
    for _ in range(200):
        order_chart.render(spec)
    assert (time.process_time() - started) / 200 < 0.005, "a chart should cost about 0.2 ms of CPU"


def test_ticks_are_round_numbers():
    assert order_chart.nice_ticks(49.93, 50.07) == ([49.95, 50.0, 50.05], 2)
    assert order_chart.nice_ticks(0, 300_000)[0][:3] == [0, 50_000, 100_000]
    ticks, decimals = order_chart.nice_ticks(0, 1.2)
    assert ticks[:3] == [0, 0.2, 0.4] and decimals == 1


def test_a_failed_scenarios_chart_moves_under_its_failed_step(results, monkeypatch):
    monkeypatch.setattr(label_target, "link_templates", lambda: {})
    chart = {"name": "price chart (ACME)", "source": "c-attachment.svg", "type": "image/svg+xml"}
    seed = {"name": "seed and rerun command", "source": "s-attachment.txt", "type": "text/plain"}
    failed = results.write("failed", status="failed", attachments=[chart, seed],
                           steps=[{"name": "When", "status": "passed"},
                                  {"name": "Then", "status": "failed", "attachments": [seed]}])
    passed = results.write("passed", attachments=[dict(chart), dict(seed)])
    label_target.label_results(results, "inprocess")
    assert read(failed)["attachments"] == [seed]
    assert read(failed)["steps"][1]["attachments"] == [chart, seed]
    assert read(passed)["attachments"][0] == chart


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


def test_fractional_and_dollar_orders_chart_and_read_in_their_own_units():
    """Fills of fractional shares (Decimal quantities) draw like whole ones, and a dollar order reads in dollars."""
    from mockbroker.broker import MockBroker
    from mockbroker.config import BrokerConfig
    from mockbroker.domain import OrderRequest
    from steps.support.words import order_essentials

    desk = Desk(broker=MockBroker(BrokerConfig()), seed=7, master_seed=2109, target="inprocess", location="x:1")
    lens = MarketLens(desk)
    dollars = tasks.place(desk, "I", OrderRequest("ACME", None, Side.BUY, OrderType.MARKET, notional=Decimal("1000")))
    tasks.place(desk, "I", OrderRequest("ACME", Decimal("2.5"), Side.BUY, OrderType.MARKET))
    lens.sample()
    [spec] = chart_specs(desk, lens, desk.broker.list_orders(account="default", status="all"),
                         desk.broker.list_fills(account="default"), "fractions", False, None)
    svg = order_chart.render(spec).decode("utf-8")
    assert "2.5 @ $" in svg
    assert order_essentials(dollars).startswith("buy $1,000.00 of ACME market")
