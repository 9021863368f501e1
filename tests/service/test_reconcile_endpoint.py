"""GET /mock/reconcile: per-account checks that fills explain positions and cash, and that no id repeats."""

from decimal import Decimal

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig
from mockbroker.domain import OrderRequest, OrderType, Side, TimeInForce
from mockbroker.reconciliation import reconcile


def test_reconcile_after_trading(client):
    for side in ("buy", "buy", "sell"):
        r = client.post("/v2/orders", headers=client.accounts["alice"],
                        json={"symbol": "ACME", "qty": 3, "side": side, "type": "market", "time_in_force": "day"})
        assert r.status_code == 200, r.text
    client.post("/mock/advance", json={"seconds": 2})
    body = client.get("/mock/reconcile").json()
    assert body["ok"] is True
    alice = next(a for a in body["accounts"] if a["account"] == "alice")
    assert alice["fills"] == 3 and alice["orders"] == 3
    assert alice["positions_match_fills"] and alice["cash_matches_fills"] and alice["ledger_identity"]
    assert alice["problems"] == []


def test_reconcile_names_a_cash_mismatch():
    broker = MockBroker(BrokerConfig.from_dict({"symbols": ["ACME"], "accounts": [{"id": "a", "cash": "100000"}]}))
    broker.submit_order(OrderRequest("ACME", 5, Side.BUY, OrderType.MARKET, TimeInForce.DAY), "a")
    broker.advance(1)
    good = reconcile(broker, [("a", Decimal("100000"))])
    assert good["ok"], good
    bad = reconcile(broker, [("a", Decimal("99000"))])  # the wrong starting cash: fills no longer explain the cash
    assert not bad["ok"] and "cash" in bad["accounts"][0]["problems"][0]
