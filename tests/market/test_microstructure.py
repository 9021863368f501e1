"""Spread, volume profile and the book: what a trader sees around the price."""

from __future__ import annotations

import numpy as np
import pytest

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig, MarketConfig
from mockbroker.domain import OrderRequest, Side
from mockbroker.market import microstructure
from mockbroker.market.generator import generate


def test_spread_widens_with_garch_volatility():
    """In a GARCH market (per-update periods, alpha 0.2), quotes in the most volatile tenth of updates are wider
    than in the calmest tenth (by more than 1.5x on average over 50,000 updates)."""
    config = BrokerConfig(market=MarketConfig(model="garch", spread=20, params={"alpha": 0.2, "beta": 0.75}), seed=3)
    ticks = generate(config, 50_000)
    spread = (ticks.ask - ticks.bid) / ticks.mid
    size = np.abs(np.diff(np.log(ticks.mid), prepend=np.log(ticks.mid[0])))
    calm, wild = np.quantile(size, 0.1), np.quantile(size, 0.9)
    assert spread[size >= wild].mean() > 1.5 * spread[size <= calm].mean()


def test_spread_widens_in_thin_markets():
    deep = MockBroker(BrokerConfig(market=MarketConfig(spread=10, liquidity=5_000), seed=1)).market_state("ACME")
    thin = MockBroker(BrokerConfig(market=MarketConfig(spread=10, liquidity=100), seed=1)).market_state("ACME")
    assert float(thin.spread_bps) > 2.5 * float(deep.spread_bps)
    assert microstructure.thin_factor(100) == pytest.approx(10 ** 0.5)


def test_intraday_volume_is_u_shaped():
    """Ten sessions of one-second updates: the first and last half hours each trade more than 1.8x the middle
    half hour (the profile says 2.6x; Poisson noise on ~6,000 prints a half hour is ~1.5%)."""
    ticks = generate(BrokerConfig(market=MarketConfig(update_frequency=1000), seed=4), 23_400 * 10)
    buckets = ticks.volume.reshape(10, 13, 1800).sum(axis=(0, 2))
    assert buckets[0] > 1.8 * buckets[6] and buckets[-1] > 1.8 * buckets[6]
    profile = microstructure.volume_profile(np.linspace(0, 1, 1001))
    assert profile.mean() == pytest.approx(1.0, abs=0.01)


def test_a_days_volume_is_the_configured_daily_volume():
    """Five sessions of a random walk (no day-to-day volume factor) at one-second updates: the mean day's volume
    is within 5% of daily_volume (the realistic model's days vary by ~13%: tests/market/test_intraday.py)."""
    ticks = generate(BrokerConfig(market=MarketConfig(model="random_walk", update_frequency=1000), seed=5),
                     23_400 * 5)
    assert ticks.volume.sum() / 5 == pytest.approx(5_000_000, rel=0.05)


def test_the_book_has_levels_from_liquidity_and_replenishes_after_a_take():
    broker = MockBroker(BrokerConfig(market=MarketConfig(liquidity=500), seed=6))
    book = broker.get_order_book("ACME", depth=10)
    assert len(book.asks) == 10 and book.asks[0].size == 500 and book.asks[1].size > 500
    broker.settle_order(broker.submit_order(OrderRequest("ACME", 800, Side.BUY)).id)
    thinner = sum(level.size for level in broker.get_order_book("ACME", depth=10).asks)
    broker.advance(60)
    refilled = sum(level.size for level in broker.get_order_book("ACME", depth=10).asks)
    assert thinner < sum(level.size for level in book.asks) <= refilled + 1


def test_prices_are_on_the_tick_and_the_quote_is_never_crossed():
    ticks = generate(BrokerConfig(scenario="flash_crash", seed=7), 20_000)
    for column in (ticks.bid, ticks.ask, ticks.last):
        cents = column * 100
        assert np.allclose(cents, np.round(cents), atol=1e-6)
    assert np.all(ticks.ask > ticks.bid) and np.all(ticks.bid > 0)
