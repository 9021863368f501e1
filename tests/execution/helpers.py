"""Builders for execution tests: a broker with a still market (volatility 0) and a flat spread (a random walk:
the default realistic model quotes its spread 1.7 times wider at the open) unless a test asks otherwise."""

from __future__ import annotations

from decimal import Decimal

from mockbroker import MockBroker
from mockbroker.domain import OrderRequest, OrderType, Side, TimeInForce
from mockbroker.market import session

CASH = Decimal("10000000")


def broker(seed: int = 11, *, volatility: float = 0.0, liquidity: int = 2_000, spread: float = 4.0,
           cash=CASH, scenario: str = "normal", shorting: bool = True, update_ms: int = 100,
           model: str = "random_walk", **execution) -> MockBroker:
    """A broker with one account "a" and ACME at $50. ``execution`` settings go to ``ExecutionConfig``; a test
    that lets hours pass uses a slow ``update_ms`` (market updates are what a simulated hour costs)."""
    execution.setdefault("latency_min", 20.0)
    execution.setdefault("latency_max", 60.0)
    return (MockBroker.builder().seed(seed).symbol("ACME", price=Decimal("50.00"))
            .account("a", cash=cash, shorting_enabled=shorting)
            .market(model=model, volatility=volatility, liquidity=liquidity, spread=spread, update_frequency=update_ms)
            .scenario(scenario).execution(**execution).build())


def market(qty: int, side: Side = Side.BUY, tif: TimeInForce = TimeInForce.DAY) -> OrderRequest:
    return OrderRequest("ACME", qty, side, OrderType.MARKET, tif)


def limit(qty: int, price, side: Side = Side.BUY, tif: TimeInForce = TimeInForce.DAY) -> OrderRequest:
    return OrderRequest("ACME", qty, side, OrderType.LIMIT, tif, limit_price=Decimal(str(price)))


def place(b: MockBroker, request: OrderRequest, settle: bool = True):
    order = b.submit_order(request, "a")
    return b.settle_order(order.id, "a") if settle else order


def events_of(b: MockBroker, order_id: str):
    return [e for e in b.order_events() if e.order.id == order_id]


def seconds_to_close(b: MockBroker) -> float:
    return (session.next_close(b.now_ns()) - b.now_ns()) / 1e9


def move_mid(b: MockBroker, mid: float) -> None:
    """Put ACME's mid at ``mid`` (a still market stays there) and let the engine see it, as a market update does."""
    m = b.market["ACME"]
    m.model.price = mid
    m.mid = mid
    b.engine.on_market_update("ACME")
