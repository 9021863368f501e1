"""simulate --bars writes OHLCV bars that backtest --data reads (the two chain); charts skip closed sessions."""

from __future__ import annotations

import numpy as np

from mockbroker.backtest import load_history
from mockbroker.cli import main
from mockbroker.config import BrokerConfig, MarketConfig
from mockbroker.market.charts import _trading_axis, price_chart_png
from mockbroker.market.generator import generate
from mockbroker.market.ohlcv import to_bars


def test_minute_bars_summarize_the_updates_of_each_minute():
    ticks = generate(BrokerConfig(seed=5), 3_000)
    bars = to_bars(ticks, "1min")
    minutes = ticks.time_ns // 60_000_000_000
    assert len(bars["key"]) == len(np.unique(minutes))
    first = minutes == minutes[0]
    assert bars["open"][0] == ticks.last[first][0] and bars["close"][0] == ticks.last[first][-1]
    assert bars["high"][0] == ticks.last[first].max() and bars["low"][0] == ticks.last[first].min()
    assert bars["volume"].sum() == ticks.volume.sum()
    assert np.all(bars["low"] <= np.minimum(bars["open"], bars["close"]))
    assert np.all(np.maximum(bars["open"], bars["close"]) <= bars["high"])


def test_simulated_daily_bars_chain_into_a_backtest(tmp_path, capsys):
    out = tmp_path / "sim.csv"
    assert main(["simulate", "--model", "garch", "--days", "40", "--update-ms", "60000", "--bars", "1day",
                 "--seed", "3", "--out", str(out)]) == 0
    history = load_history(str(out), "SIM")
    assert 40 <= len(history.bars) <= 41  # the first session may start after its open
    days = [np.datetime64(t, "ns").astype("datetime64[D]") for t in history.times_ns]
    assert len(set(days)) == len(days)  # one bar a session, closed days have none
    assert main(["backtest", "--strategy", "sma_crossover", "--data", str(out), "--symbol", "SIM",
                 "--param", "fast=3", "--param", "slow=8"]) == 0
    assert "SIM" in capsys.readouterr().out


def test_charts_draw_trading_time_across_closed_sessions():
    config = BrokerConfig(market=MarketConfig(update_frequency=60_000), seed=2)
    ticks = generate(config, 390 * 3)  # three sessions, with nights between
    x, starts = _trading_axis(ticks.time_ns)
    assert len(starts) >= 3
    hours = x[-1] - x[0]
    assert hours < 3 * 6.5 + 0.1  # nights and the weekend squeezed out (real span: over two days)
    assert (ticks.time_ns[-1] - ticks.time_ns[0]) / 3.6e12 > 40
    png = price_chart_png(ticks.time_ns, ticks.bid, ticks.ask, ticks.last, ticks.volume, "three sessions")
    assert png[:4] == b"\x89PNG"
    assert _trading_axis(ticks.time_ns[:300]) is None  # within one session: real times
