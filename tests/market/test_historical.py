"""Historical replay: real bars (the S&P 500 that ``arch`` ships, daily 1999-2018) and the fixtures in
tests/fixtures/market-data. Replay is exact: no tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig, MarketConfig, SymbolConfig
from mockbroker.errors import ConfigurationError
from mockbroker.market.models import read_history

from market_helpers import FIXTURES, make_model


@pytest.mark.parametrize("ticks", [4, 5, 8, 13])
def test_replayed_closes_equal_the_input_and_ticks_stay_inside_each_bar(sp500_csv, ticks):
    data = read_history(sp500_csv)
    model = make_model("historical", params={"path": str(sp500_csv), "ticks_per_bar": ticks})
    prices = model.path(len(data["close"]) * ticks, 1e-4).reshape(-1, ticks)
    assert np.array_equal(prices[:, -1], data["close"])  # exactly, bar by bar
    assert np.array_equal(prices[:, 0], data["open"])
    assert np.all(prices >= data["low"][:, None]) and np.all(prices <= data["high"][:, None])
    assert np.all(prices.max(axis=1) == data["high"]) and np.all(prices.min(axis=1) == data["low"])


def test_step_by_step_replay_equals_the_vectorized_one():
    path = str(FIXTURES / "ACME-1min.csv")
    one = make_model("historical", params={"path": path}).path(800, 1e-4)
    stepper = make_model("historical", params={"path": path})
    assert [stepper.step(1e-4) for _ in range(800)] == one.tolist()


def test_tick_files_replay_one_print_per_update_and_the_last_price_holds_at_the_end():
    data = read_history(FIXTURES / "ACME-ticks.csv")
    model = make_model("historical", params={"path": str(FIXTURES / "ACME-ticks.csv")})
    prices = model.path(len(data["price"]) + 10, 1e-4)
    assert np.array_equal(prices[:len(data["price"])], data["price"])
    assert np.all(prices[len(data["price"]):] == data["price"][-1])
    assert model.finished


def test_loop_and_rebase():
    model = make_model("historical", price=100.0, params={"path": str(FIXTURES / "ACME-ticks.csv"), "rebase": True,
                                                         "loop": True})
    data = read_history(FIXTURES / "ACME-ticks.csv")
    prices = model.path(2 * len(data["price"]), 1e-4)
    assert prices[0] == pytest.approx(100.0)
    assert np.allclose(prices[:len(data["price"])], prices[len(data["price"]):])


def test_the_live_broker_replays_real_history_on_its_quotes(sp500_csv):
    """A broker on the historical model starts at the history's first price and, update after update, shows the
    replayed closes as its mid (to the tick)."""
    config = BrokerConfig(market=MarketConfig(model="historical", spread=2.0, update_frequency=1000,
                                              params={"path": str(sp500_csv), "ticks_per_bar": 4}),
                          symbols=(SymbolConfig(symbol="SPX", price="1229.23", daily_volume=10**9),))
    broker = MockBroker(config)
    closes = read_history(sp500_csv)["close"]
    seen = []
    for _ in range(5):
        broker.advance(4.0)
        seen.append(broker.market["SPX"].model.price)
    assert seen == closes[:5].tolist()


@pytest.mark.parametrize("content, complaint", [
    ("time,open,high,low,close,volume\n2020-01-01,10,9,8,9.5,100\n", "row 2: high/low"),
    ("time,open,high,low,close,volume\n2020-01-01,10,11,9,abc,100\n", "row 2, column close"),
    ("when,what\n1,2\n", "neither bars"),
    ("", "empty"),
])
def test_bad_history_files_are_refused_naming_row_and_column(tmp_path, content, complaint):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=complaint):
        read_history(path)
