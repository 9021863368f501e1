"""The strategy of a backtest runs unchanged against the live mock, in process and over HTTP."""

from __future__ import annotations

from decimal import Decimal

from mockbroker.backtest.live import run_live
from mockbroker.backtest.strategies import SmaCrossover
from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig

CONFIG = {"seed": 11, "symbols": [{"symbol": "ACME", "price": "50.00"}], "accounts": [{"id": "default", "cash": "100000"}],
          "marketConfig": {"volatility": 4.0, "updateFrequency": 1000}}


def trade_live(broker) -> tuple[int, list]:
    strategy = SmaCrossover(fast=3, slow=8)
    seen = run_live(strategy, broker, "ACME", bars=60, bar_seconds=60)
    return len(seen), broker.list_orders(status="all")


def test_the_sma_crossover_trades_the_in_process_mock():
    broker = MockBroker(BrokerConfig.from_dict(CONFIG))
    seen, orders = trade_live(broker)
    assert seen == 60
    assert sum(o.status.value == "filled" for o in orders) >= 4, orders
    assert broker.reconciles()
    assert broker.get_account().equity > Decimal("50000")


def test_the_same_strategy_trades_over_http():
    from mockbroker.client import HttpBroker
    from mockbroker.harness import ServiceProcess

    local = MockBroker(BrokerConfig.from_dict(CONFIG))
    local_seen, local_orders = trade_live(local)
    with ServiceProcess() as service, HttpBroker(service.base_url) as remote:
        remote.configure(BrokerConfig.from_dict(CONFIG))
        remote_seen, remote_orders = trade_live(remote)
    assert remote_seen == local_seen
    assert [(o.side, o.qty, o.status, o.filled_avg_price) for o in remote_orders] == \
        [(o.side, o.qty, o.status, o.filled_avg_price) for o in local_orders]
