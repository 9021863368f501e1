"""Failures in trader's words (steps/support: matchers, market_context, words), evidence times, the seed check."""

from __future__ import annotations

import re
import sys
from decimal import Decimal

import pytest

from mockbroker.domain import OrderStatus, OrderType, Side, TimeInForce
from steps.support import hooks, matchers, tasks
from steps.support.desk import Desk
from steps.support.evidence import order_timeline, rerun_command, timed
from steps.support.market_context import MarketLens
from steps.support.words import iso_ms, order_essentials, span

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


@pytest.fixture
def desk():
    from mockbroker.broker import MockBroker
    from mockbroker.config import BrokerConfig

    desk = Desk(broker=MockBroker(BrokerConfig()), seed=7, master_seed=2109, target="inprocess",
                location="features/orders/x.feature:12", seed_name="x")
    desk.scene.add_account("alice", cash=Decimal("1000000"))
    lens = MarketLens(desk)
    matchers.observe(lens)
    yield desk, lens
    matchers.observe(None)


def failure(call) -> str:
    with pytest.raises(AssertionError) as raised:
        call()
    return str(raised.value)


def test_a_limit_order_that_never_filled_says_so_with_the_prices_it_could_have_had(desk):
    desk, lens = desk
    order = tasks.place(desk, "alice", tasks.order_request("ACME", 100, Side.BUY, OrderType.LIMIT,
                                                           TimeInForce.GTC, limit=Decimal("45.00")))
    lens.sample()
    tasks.pass_time(desk, 300)
    lens.sample()
    order = desk.broker.get_order(order.id, account="alice")
    message = failure(lambda: matchers.assert_that(order, matchers.is_status(OrderStatus.FILLED),
                                                   matchers.describe_order(order)))
    first = message.splitlines()[0]
    assert re.fullmatch(r"buy 100 ACME limit \$45\.00 gtc: expected filled, but still new after 5 min, 0 of 100 "
                        r"filled; lowest price in that time \$\d\d\.\d\d \(the limit \$45\.00 was never reached\)",
                        first), first
    assert order.id in message and not UUID.search(first)
    assert "Expected: an order that is filled" in message


def test_a_number_against_a_bound_leads_with_what_and_both_values():
    message = failure(lambda: matchers.assert_that(Decimal("9950"), matchers.compares(
        "alice's cash", "exactly", Decimal("10000"), matchers.money), "she bought 1 ACME"))
    assert message.splitlines()[0] == ("alice's cash: expected exactly $10,000.00, got $9,950.00 "
                                       "(she bought 1 ACME)")


def test_a_slippage_bound_is_noted_for_the_chart(desk):
    desk, lens = desk
    order = tasks.place(desk, "alice", tasks.order_request("ACME", 100, Side.BUY))
    fills = desk.broker.list_fills(account="alice", order_id=order.id)
    matchers.assert_that(Decimal("1"), matchers.compares("slippage", "below", Decimal("50"), matchers.bps),
                         matchers.describe_order(order, fills))
    [band] = lens.notes
    assert band.unit == "bps" and band.held and band.bound == "below" and band.expected == Decimal("50")


def test_words():
    assert [span(n) for n in (42_000_000, 1_500_000_000, 300 * 10**9, 7_800 * 10**9, 3 * 86_400 * 10**9)] == [
        "42 ms", "1.5 s", "5 min", "2 h 10 min", "3 days"]
    assert iso_ms(1_700_000_000_123_456_789) == "2023-11-14T22:13:20.123Z"


def test_order_essentials_read_like_a_ticket(desk):
    desk, _lens = desk
    order = tasks.place(desk, "alice", tasks.order_request("ACME", 100, Side.SELL, OrderType.STOP_LIMIT,
                                                           stop=Decimal("48"), limit=Decimal("47.50")))
    assert order_essentials(order) == "sell 100 ACME stop $48.00 limit $47.50 day"


def test_evidence_times_are_iso_and_milliseconds_from_the_start():
    start = 1_700_000_000_000_000_000
    assert timed({"orders": [{"created_ns": start + 12_345_678, "filled_ns": None, "qty": 5}]}, start) == {
        "orders": [{"created_at": "2023-11-14T22:13:20.012Z", "created_ms": 12.346, "filled_at": None,
                    "filled_ms": None, "qty": 5}]}


def test_the_order_timeline_lists_events_at_their_offsets(desk):
    desk, _lens = desk
    tasks.place(desk, "alice", tasks.order_request("ACME", 100, Side.BUY))
    text = order_timeline(desk.broker.order_events(0, account=None), desk.start_ns)
    lines = text.splitlines()
    assert lines[0].startswith("Order events in simulated time; ms from the scenario's start")
    assert re.search(r"^\s+\+\d[\d,]*\.\d{3}  \S+Z\s+#1\s+accepted  \[alice: buy 100 ACME market day; id ", text, re.M)
    assert re.search(r"#1\s+fill: 100 @ \$\d+\.\d\d \(-?\d+\.\d bps\), 100 of 100 filled", text), text


def test_the_rerun_command_carries_every_define(desk):
    desk, _lens = desk
    command = rerun_command(desk, {"scale": "0.2", "time_headroom": "2", "target": "ignored", "x": "a b"})
    assert command == (".venv/bin/python -m behave -D target=inprocess -D seed=2109 -D scale=0.2 "
                       "-D time_headroom=2 -D 'x=a b' features/orders/x.feature:12")


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", str(2**63), ""])
def test_a_bad_seed_is_refused_with_the_valid_range(raw):
    with pytest.raises(hooks.RunRefused, match=r"must be a whole number from 0 to 9,223,372,036,854,775,807"):
        hooks.master_seed({"seed": raw})


def test_good_seeds_pass():
    assert hooks.master_seed({"seed": "2109"}) == 2109
    assert hooks.master_seed({"seed": str(2**63 - 1)}) == 2**63 - 1
    assert hooks.master_seed({}) == 2109


def test_tracebacks_keep_the_steps_frames_and_where_it_was_raised():
    import json

    def library():
        json.loads("{")

    try:
        exec(compile("library()", str(hooks.STEPS_DIR / "order_steps.py"), "exec"), {"library": library})
    except ValueError:
        tb = sys.exc_info()[2]
    kept = []
    tb = hooks.steps_frames(tb)
    while tb is not None:
        kept.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert kept[0].endswith("steps/order_steps.py") and "json" in kept[-1]
    assert not any(name.endswith("test_failure_words.py") for name in kept)


def test_a_target_that_cannot_be_opened_refuses_the_run_naming_the_cause(tmp_path):
    """An unreachable service or a broken factory: behave stops before any scenario, with the cause."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "behave", "-D", "target=no_such_module:broker", "-f", "null",
                           "--junit", "--junit-directory", str(tmp_path), "tests/report/fixtures/features"],
                          cwd=hooks.STEPS_DIR.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert ("HOOK-ERROR in before_all: RunRefused: target=no_such_module:broker: the broker could not be opened: "
            "ModuleNotFoundError: No module named 'no_such_module'") in done.stdout
    assert "5 untested" in done.stdout


def test_a_before_scenario_error_shows_as_the_scenarios_own():
    class Step:
        exception = exc_traceback = None

    class Scenario:
        hook_failed = True
        exception = RuntimeError("the desk could not be made")
        exc_traceback = None
        all_steps = [Step(), Step()]

    scenario = Scenario()
    hooks.show_hook_error(scenario)
    assert scenario.all_steps[0].exception is scenario.exception and scenario.all_steps[1].exception is None
