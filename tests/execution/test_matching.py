"""Book walking, VWAP, partial fills, time in force, partialFillRatio, limits crossing vs touching, price
improvement, stops and trailing stops."""

from decimal import Decimal

import pytest

from mockbroker.domain import OrderRequest, OrderStatus, OrderType, Side, TimeInForce, Trade

from .helpers import broker, events_of, limit, market, move_mid, place


def test_a_market_order_walks_the_book_and_pays_the_vwap_of_the_levels_it_took():
    b = broker(liquidity=500, impact_coefficient=0, permanent_impact_coefficient=0, latency_min=0, latency_max=0)
    asks = b.get_order_book("ACME", depth=10).asks
    order = place(b, market(2_000))
    assert order.status is OrderStatus.FILLED
    left, notional, worst = 2_000, Decimal(0), None
    for level in asks:
        take = min(left, level.size)
        notional += take * level.price
        left -= take
        worst = level.price
        if not left:
            break
    assert worst > asks[0].price, "2,000 shares must go deeper than the best level"
    assert order.filled_avg_price == (notional / 2_000).quantize(Decimal("0.0001"))
    assert asks[0].price < order.filled_avg_price < worst


def test_what_the_book_cannot_absorb_ioc_cancels_and_fok_never_starts():
    b = broker()
    b.inject({"type": "offered_liquidity", "shares": 1_000})
    ioc = place(b, market(5_000, tif=TimeInForce.IOC))
    assert (ioc.status, ioc.filled_qty) == (OrderStatus.CANCELED, 1_000)
    b = broker()
    b.inject({"type": "offered_liquidity", "shares": 1_000})
    fok = place(b, market(5_000, tif=TimeInForce.FOK))
    assert (fok.status, fok.filled_qty) == (OrderStatus.CANCELED, 0)
    assert events_of(b, fok.id)[-1].reason == "no_liquidity"


def test_a_day_market_order_keeps_taking_liquidity_as_the_book_replenishes_and_expires_at_the_close():
    b = broker(liquidity=100, update_ms=1_000)  # 100 shares at the touch, ~1,600 over ten levels
    order = place(b, market(5_000))
    first = order.filled_qty
    assert order.status is OrderStatus.PARTIALLY_FILLED and 0 < first < 5_000
    b.advance(10)
    later = b.get_order(order.id, "a")
    assert later.filled_qty > first, "the book replenishes and the order keeps taking"
    assert later.filled_qty <= 5_000
    b.advance(7 * 3600)
    final = b.get_order(order.id, "a")
    assert final.status in (OrderStatus.FILLED, OrderStatus.EXPIRED)


def test_a_gtc_order_survives_the_close_and_a_day_order_does_not():
    b = broker(update_ms=60_000)
    day = place(b, limit(100, "45.00"))
    gtc = place(b, limit(100, "45.00", tif=TimeInForce.GTC))
    b.advance(7 * 3600)
    assert b.get_order(day.id, "a").status is OrderStatus.EXPIRED
    assert b.get_order(gtc.id, "a").status is OrderStatus.NEW
    expired = [e for e in events_of(b, day.id) if e.event.value == "expired"]
    assert expired and expired[0].time_ns == b.get_order(day.id, "a").expired_ns


def test_partial_fill_ratio_caps_each_match():
    b = broker(partial_fill_ratio=0.5)
    order = place(b, market(1_000))
    fills = b.list_fills("a", order.id)
    assert fills[0].qty == 500
    b.advance(1)
    fills = b.list_fills("a", order.id)
    assert [f.qty for f in fills[:3]] == [500, 250, 125]
    assert sum(f.qty for f in fills) <= 1_000


def test_a_limit_the_market_crosses_fills_and_one_it_only_touches_fills_by_chance():
    never = broker(fill_probability=0.0)
    always = broker(fill_probability=1.0)
    for b in (never, always):
        bid, ask = b.market["ACME"].touch()
        place(b, limit(100, bid))  # rests at the bid
    for b in (never, always):
        move_mid(b, 49.98)  # the ask comes down to the old bid (49.99): touched, not crossed
    assert never.list_orders("a", "open")[0].filled_qty == 0
    filled = always.list_orders("a", "all")[0]
    assert filled.status is OrderStatus.FILLED
    assert always.list_fills("a")[0].liquidity == "maker"
    move_mid(never, 49.90)  # crossed: fills whatever the chance
    assert never.list_orders("a", "all")[0].status is OrderStatus.FILLED


def test_with_queue_position_a_touched_limit_waits_for_the_shares_ahead_of_it():
    b = broker(queue_position=True)
    bid, _ = b.market["ACME"].touch()
    order = place(b, limit(100, bid))
    working = b.engine.orders[order.id]
    assert working.queue_ahead == 2_000, "the shares displayed at its price were there first"
    move_mid(b, 49.98)
    assert b.market["ACME"].touch()[1] == bid
    assert b.get_order(order.id, "a").filled_qty == 0, "touched, but 2,000 shares are ahead"
    market = b.market["ACME"]
    market.last_trade = Trade("ACME", bid, 2_000, b.now_ns())  # the tape prints 2,000 at its price
    b.engine.on_market_update("ACME")
    assert working.queue_ahead == 0
    assert b.get_order(order.id, "a").status is OrderStatus.FILLED


def test_a_market_that_gaps_through_a_limit_gives_price_improvement():
    b = broker()
    order = place(b, limit(100, "49.00"))
    b.inject({"type": "gap", "pct": -10})
    done = b.get_order(order.id, "a")
    assert done.status is OrderStatus.FILLED
    assert done.filled_avg_price < Decimal("45.10"), "it fills at the market, well below its limit"
    assert b.list_fills("a", order.id)[0].liquidity == "taker"


def test_a_buy_limit_never_pays_more_than_its_limit_even_with_slippage():
    b = broker(slippage_bps=100)
    _, ask = b.market["ACME"].touch()
    order = place(b, limit(100, ask))
    assert order.filled_avg_price == ask


@pytest.mark.parametrize("side,stop,gap,fires", [
    (Side.SELL, "48.00", -5, True), (Side.SELL, "48.00", -2, False),
    (Side.BUY, "52.00", 5, True), (Side.BUY, "52.00", 2, False)])
def test_stops_trigger_on_their_side_of_the_market(side, stop, gap, fires):
    b = broker()
    if side is Side.SELL:
        place(b, market(100))
    order = place(b, OrderRequest("ACME", 100, side, OrderType.STOP, stop_price=Decimal(stop)))
    assert order.status is OrderStatus.NEW
    b.inject({"type": "gap", "pct": gap})
    b.advance(1)
    assert (b.get_order(order.id, "a").status is OrderStatus.FILLED) is fires


def test_a_stop_limit_triggered_through_its_limit_does_not_chase():
    b = broker()
    place(b, market(100))
    order = place(b, OrderRequest("ACME", 100, Side.SELL, OrderType.STOP_LIMIT, stop_price=Decimal("48.00"),
                                  limit_price=Decimal("47.90")))
    b.inject({"type": "gap", "pct": -10})
    b.advance(1)
    now = b.get_order(order.id, "a")
    assert now.status is OrderStatus.NEW and b.engine.orders[order.id].triggered and now.filled_qty == 0


@pytest.mark.parametrize("trail", [{"trail_price": Decimal("1.00")}, {"trail_percent": Decimal("2")}])
def test_a_trailing_stop_follows_the_price_up_and_sells_on_the_way_down(trail):
    b = broker()
    place(b, market(100))
    order = place(b, OrderRequest("ACME", 100, Side.SELL, OrderType.TRAILING_STOP, **trail))
    first_stop = b.get_order(order.id, "a").stop_price
    b.inject({"type": "gap", "pct": 10})
    b.advance(0.2)
    raised = b.get_order(order.id, "a").stop_price
    assert raised > first_stop + Decimal("4"), "the stop follows the price up"
    b.inject({"type": "gap", "pct": -1})
    b.advance(0.2)
    assert b.get_order(order.id, "a").status is OrderStatus.NEW, "a 1% dip stays above the stop"
    assert b.get_order(order.id, "a").stop_price == raised, "and the stop never moves back down"
    b.inject({"type": "gap", "pct": -5})
    b.advance(0.2)
    done = b.get_order(order.id, "a")
    assert done.status is OrderStatus.FILLED and done.filled_avg_price > Decimal("51")
