"""HttpBroker against the real subprocess: the same results and the same event log as the in-process engine."""

from decimal import Decimal

import pytest

from mockbroker import errors
from mockbroker.broker import MockBroker
from mockbroker.client import HttpBroker
from mockbroker.config import BrokerConfig
from mockbroker.domain import OrderRequest, OrderType, Side

CONFIG = BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "default"}, {"id": "bob"}], "seed": 11})


def scenario(broker):
    broker.configure(CONFIG)
    out = []
    first = broker.submit_order(OrderRequest("ACME", 10, Side.BUY))
    second = broker.submit_order(OrderRequest("ACME", 5, Side.BUY, OrderType.LIMIT, limit_price=Decimal("40.00")),
                                 "bob")
    broker.advance(2)
    broker.replace_order(second.id, "bob", qty=7)
    broker.advance(1)
    with pytest.raises(errors.OrderNotFound):
        broker.get_order(first.id, "bob")
    with pytest.raises(errors.InsufficientFunds) as caught:
        broker.submit_order(OrderRequest("ACME", 10**6, Side.BUY))
    out.append(caught.value.reason)
    out.append(broker.get_account().to_dict())
    out.append([p.to_dict() for p in broker.list_positions()])
    out.append([f.to_dict() for f in broker.list_fills()])
    out.append(broker.get_quote("ACME").to_dict())
    out.append([b.to_dict() for b in broker.get_bars("ACME", 60, 5)])
    out.append(broker.get_order_book("ACME").to_dict())
    out.append(broker.market_state("ACME").to_dict())
    out.append(broker.get_latest_trade("ACME").to_dict())
    out.append(broker.settle_order(broker.close_position("ACME").id).to_dict())
    out.append([o.to_dict() for o in broker.list_orders("bob", status="all")])
    out.append([e.to_dict() for e in broker.order_events()])
    return out


def test_same_results_in_both_targets(service):
    assert scenario(HttpBroker(service.base_url)) == scenario(MockBroker())


def test_typed_errors_and_connection_failures(service):
    broker = HttpBroker(service.base_url)
    broker.configure(CONFIG)
    with pytest.raises(errors.UnknownSymbol):
        broker.get_quote("NOPE")
    with pytest.raises(errors.InvalidOrder) as caught:
        broker.submit_order(OrderRequest("ACME", 1, Side.BUY, OrderType.LIMIT))
    assert caught.value.reason is not None
    with pytest.raises(errors.UnknownAccount):
        broker.get_account("nobody")
    with pytest.raises(errors.ConnectionFailed):
        HttpBroker("http://127.0.0.1:9", timeout=2).get_account()


def advanced_scenario(broker):
    """Issue 15's orders: a bracket whose stop loss a crash fills, an OCO, dollar and fractional orders, partial and
    full closes, on a day with an early close."""
    import json

    from mockbroker.domain import OrderClass

    broker.configure(BrokerConfig.from_dict({"symbols": ["ACME", "BOLT"], "accounts": [{"id": "default"}],
                                             "seed": 19, "start": "2026-11-27",
                                             "marketConfig": {"updateFrequency": 1000}}))
    entry = broker.submit_order(OrderRequest("ACME", 100, Side.BUY, order_class=OrderClass.BRACKET,
                                             take_profit=Decimal("55"), stop_loss=Decimal("47")))
    broker.submit_order(OrderRequest("BOLT", None, Side.BUY, notional=Decimal("1234.56")))
    broker.submit_order(OrderRequest("BOLT", Decimal("2.125"), Side.BUY))
    broker.advance(2)
    broker.inject({"type": "gap", "symbol": "ACME", "pct": -10})
    broker.advance(2)
    broker.settle_order(broker.close_position("BOLT", percentage="40").id)
    broker.close_all_positions()
    broker.advance(3 * 3600 + 60)  # past the 13:00 close
    legs = [broker.get_order(leg).to_dict() for leg in broker.get_order(entry.id).legs]
    return json.dumps([legs, [p.to_dict() for p in broker.list_positions()], broker.get_account().to_dict(),
                       [e.to_dict() for e in broker.order_events()]], sort_keys=True, default=str)


def test_advanced_orders_give_the_same_event_log_in_both_targets(service):
    assert advanced_scenario(HttpBroker(service.base_url)) == advanced_scenario(MockBroker())
