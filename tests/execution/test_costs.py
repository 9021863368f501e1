"""Latency (and the market moving during it), slippage against the arrival mid, the square-root impact law,
fees in fills and the ledger, and the flash-crash example."""

import math
import statistics
from decimal import Decimal

import numpy as np
import pytest

from mockbroker.config import ExecutionConfig
from mockbroker.domain import OrderStatus, Side
from mockbroker.execution.models import LognormalLatency, UniformLatency

from .helpers import broker, events_of, market, place


def test_default_latency_is_that_of_a_retail_broker_tens_of_milliseconds():
    b = broker(seed=3, latency_min=ExecutionConfig().latency_min, latency_max=ExecutionConfig().latency_max)
    for _ in range(20):
        order = place(b, market(10))
        accepted, new = events_of(b, order.id)[:2]
        assert 20.0 <= (new.time_ns - accepted.time_ns) / 1e6 <= 60.0


def test_lognormal_latency_has_a_heavy_tail_and_a_cap():
    config = ExecutionConfig(latency_min=20, latency_max=60, latency_distribution="lognormal", latency_cap=1_000)
    model = LognormalLatency(config, np.random.Generator(np.random.PCG64(5)))
    draws = [model.draw_ns() / 1e6 for _ in range(5_000)]
    assert min(draws) >= 20 and max(draws) <= 1_000
    assert 35 <= statistics.median(draws) <= 45, "half the commands arrive within the midpoint"
    slow = sum(d > 60 for d in draws) / len(draws)
    assert 0.18 < slow < 0.30, "about one command in four is slower than latencyMax (P(Z > ln 2))"
    uniform = UniformLatency(ExecutionConfig(latency_min=20, latency_max=60), np.random.Generator(np.random.PCG64(5)))
    assert max(uniform.draw_ns() for _ in range(5_000)) <= 60 * 1_000_000


def test_the_market_moves_while_the_order_travels_and_the_slippage_shows_it():
    b = broker(latency_min=500, latency_max=500, impact_coefficient=0)
    sent_mid = b.market_state("ACME").mid
    order = b.submit_order(market(100), "a")
    b.advance(0.1)
    b.inject({"type": "gap", "pct": 5})  # news while the order is in flight
    done = b.settle_order(order.id, "a")
    fill = b.list_fills("a", order.id)[0]
    assert done.arrival_mid == sent_mid == fill.arrival_mid
    assert fill.price > Decimal("52.4")
    assert fill.slippage_bps > 490, "slippage is measured against the mid when the order was sent"


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_every_fill_reports_its_slippage_against_the_arrival_mid_and_pays_the_configured_extra(side):
    b = broker(volatility=2.0, slippage_bps=25)
    if side is Side.SELL:
        place(b, market(3_000))
    order = place(b, market(3_000, side))
    for fill in b.list_fills("a", order.id):
        expected = (fill.price - fill.arrival_mid) / fill.arrival_mid * 10_000 * side.sign
        assert fill.slippage_bps == expected.quantize(Decimal("0.01"))
        assert fill.slippage_bps >= 25


def test_a_small_order_in_a_normal_market_slips_less_than_5_bps():
    b = broker(volatility=1.5)
    order = place(b, market(100))
    assert b.list_fills("a", order.id)[0].slippage_bps < 5


def test_temporary_impact_follows_the_square_root_law_when_the_book_is_deep():
    # A book so deep that walking it costs nothing: what the order pays is the law's Y x sigma x sqrt(q/V).
    sigma, volume = 0.02, 5_000_000
    for qty in (50_000, 200_000):
        b = broker(volatility=100 * sigma, liquidity=10_000_000, impact_coefficient=1.0, cash=10**9,
                   permanent_impact_coefficient=0, latency_min=0, latency_max=0)
        mid = b.market_state("ACME").mid
        order = place(b, market(qty))
        paid = float((order.filled_avg_price - mid) / mid)
        law = sigma * math.sqrt(qty / volume)
        assert paid == pytest.approx(law, rel=0.02)
    # four times the size costs twice as much, not four times


def test_without_impact_the_order_pays_only_the_levels_it_took():
    b = broker(liquidity=10_000_000, impact_coefficient=0, permanent_impact_coefficient=0, cash=10**9)
    order = place(b, market(200_000))
    assert order.filled_avg_price == b.list_fills("a", order.id)[0].price
    assert order.filled_avg_price <= Decimal("50.01")


def test_permanent_impact_moves_the_simulated_price_in_the_direction_of_the_trade():
    def mid_after(qty):
        b = broker(seed=9, volatility=1.0, liquidity=10_000_000, permanent_impact_coefficient=0.5, cash=10**9)
        if qty:
            place(b, market(qty))
        b.advance(1)
        return float(b.market["ACME"].mid)

    calm, bought = mid_after(0), mid_after(200_000)
    law = 0.5 * 0.01 * math.sqrt(200_000 / 5_000_000)
    assert bought / calm - 1 == pytest.approx(law, rel=0.01)


def test_fees_per_share_with_a_minimum_and_in_bps_appear_in_fills_and_in_the_ledger():
    b = broker(fees={"per_share": "0.005", "min_per_order": "1.00"})
    small = place(b, market(100))
    assert b.list_fills("a", small.id)[0].fee == Decimal("1.00"), "100 x $0.005 = $0.50, the minimum is $1.00"
    big = place(b, market(1_000))
    assert sum(f.fee for f in b.list_fills("a", big.id)) == Decimal("5.00")
    account = b.get_account("a")
    assert account.fees_paid == Decimal("6.00")
    spent = sum(f.price * f.qty + f.fee for f in b.list_fills("a"))
    assert account.cash == (Decimal("10000000") - spent).quantize(Decimal("0.01"))
    assert b.reconciles()
    c = broker(fees={"bps": "10"})
    order = place(c, market(1_000))
    fill = c.list_fills("a", order.id)[0]
    assert fill.fee == (fill.price * 1_000 * Decimal("0.001")).quantize(Decimal("0.01"))


def test_the_minimum_fee_is_charged_once_per_order_across_partial_fills():
    b = broker(fees={"per_share": "0.001", "min_per_order": "1.00"}, partial_fill_ratio=0.5)
    order = place(b, market(1_000))
    b.advance(2)
    fees = [f.fee for f in b.list_fills("a", order.id)]
    assert fees[0] == Decimal("1.00") and sum(fees) == Decimal("1.00")


def test_the_flash_crash_example_slips_more_than_50_bps_because_the_spread_blew_out():
    b = broker(scenario="flash_crash", volatility=1.5)
    state = b.market_state("ACME")
    assert state.spread_bps > 150, "the crash widens the usual 4 bps spread 40 times"
    order = place(b, market(100))
    slippage = b.list_fills("a", order.id)[0].slippage_bps
    assert order.status is OrderStatus.FILLED
    assert slippage > 50, "a buy pays half the spread, about 80 bps"
    assert slippage == pytest.approx(float(state.spread_bps) / 2, abs=25)
