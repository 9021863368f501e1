"""Within the day: the realistic model's U-shaped volatility and spread, the volume profile and its coupling to
volatility, fat-tailed and clustered one-minute returns, and quotes that are what the configuration says.

Generated with one update a minute (the model's period), so each update is one minute; the first partial session
is dropped so rows are whole sessions (09:30 .. 15:59). Sizes: 80 sessions in CI, ``MOCKBROKER_FULL_SIZE=1``: 500.
"""

from __future__ import annotations

import numpy as np
import pytest

from mockbroker.config import BrokerConfig, MarketConfig, SymbolConfig
from mockbroker.market import facts, microstructure
from mockbroker.market.generator import generate
from mockbroker.market.realistic import RealisticModel
from mockbroker.market.volatility import session_shape, shape_mean

from market_helpers import size


def sessions(days: int, seed: int = 4, **params):
    """``days`` whole sessions of one-minute updates of the realistic model on a $500 stock (4 bps = 20 cents:
    the spread's shape is not lost in the tick)."""
    config = BrokerConfig(market=MarketConfig(model="realistic", update_frequency=60_000, params=params),
                          symbols=(SymbolConfig(symbol="ACME", price=500),), seed=seed)
    ticks = generate(config, 389 + 390 * days)
    keep = slice(389, None)  # the first session starts one update after the open
    spread = (ticks.ask - ticks.bid) / ((ticks.ask + ticks.bid) / 2) * 10_000
    return ticks.mid[keep], spread[keep], ticks.volume[keep].astype(float)


def documented_half_hours(at_open: float, at_close: float, minutes: float, power: float = 1.0) -> np.ndarray:
    """The documented shape averaged over each half hour, relative to midday (12:00-13:30)."""
    t = (np.arange(390) + 0.5) / 390
    shape = session_shape(t, at_open, at_close, minutes) ** power
    buckets = shape.reshape(13, 30).mean(axis=1)
    return buckets / buckets[5:8].mean()


@pytest.mark.slow
def test_intraday_volatility_spread_and_volume_are_u_shaped_as_documented():
    """Half-hourly profiles relative to midday. Volatility: the documented shape (open 2.5x, close 1.5x midday,
    20-minute decay) gives 1.80x in the first half hour and 1.15x in the last; measured within 15% (each
    half hour's sd over 80 sessions has a standard error of ~4% with one-minute kurtosis ~15). Spread: 1.44x and
    1.09x documented (open 1.8x, close 1.2x), within 5% (it is deterministic but for the volatility factor).
    Volume: the default U, open and close above 1.8x midday."""
    mids, spreads, volumes = sessions(size(80, 500))
    measured = facts.intraday_facts(mids, spreads=spreads, volumes=volumes)
    sd = documented_half_hours(2.5, 1.5, 20.0)
    assert measured["volatility_profile"][0] == pytest.approx(sd[0], rel=0.15)
    assert measured["volatility_profile"][-1] == pytest.approx(sd[-1], rel=0.15)
    assert measured["volatility_profile"][0] > 1.4 * measured["volatility_profile"][-1] > 1.4
    spread = documented_half_hours(1.8, 1.2, 20.0)
    assert measured["spread_profile"][0] == pytest.approx(spread[0], rel=0.05)
    assert measured["spread_profile"][-1] == pytest.approx(spread[-1], rel=0.05)
    assert measured["volume_profile"][0] > 1.8 and measured["volume_profile"][-1] > 1.8


@pytest.mark.slow
def test_one_minute_returns_are_fat_tailed_clustered_and_not_autocorrelated():
    """One-minute returns inside the day (the overnight gap left out): excess kurtosis above 5 (the intraday
    GARCH's t(5) shocks, its clustering and the U-shape; a normal gives 0); autocorrelation of |r| positive and
    decaying within the day (lag 1 > lag 10 > lag 60 > 0: bursts fade in minutes, the day's level stays);
    autocorrelation of returns within +-0.03 (standard error ~0.006)."""
    mids, _, _ = sessions(size(80, 500), seed=6)
    measured = facts.intraday_facts(mids)
    assert measured["minute_kurtosis"] > 5
    assert measured["minute_acf_abs_1"] > measured["minute_acf_abs_10"] > measured["minute_acf_abs_60"] > 0.02
    assert abs(measured["minute_acf_1"]) < 0.03


def test_volume_rises_with_volatility_within_the_day():
    """The tape's rate follows the intraday GARCH factor (intraday_volume_coupling 0.5): over 40 sessions the
    one-minute volume divided by its time-of-day average correlates with |return| divided by its time-of-day sd
    (above 0.1; without coupling it is ~0: checked with the coupling at 0)."""
    def coupling(**params) -> float:
        mids, _, volumes = sessions(40, seed=9, **params)
        r = np.abs(np.diff(np.log(mids.reshape(-1, 390)), axis=1))
        v = volumes.reshape(-1, 390)[:, 1:]
        return float(np.corrcoef((r / r.std(axis=0)).ravel(), (v / v.mean(axis=0)).ravel())[0, 1])

    assert coupling() > 0.1
    assert abs(coupling(intraday_volume_coupling=0.0)) < 0.05


def test_a_days_volume_averages_the_symbols_daily_volume():
    """Every volume factor has mean 1: over 60 sessions the mean day's volume is within 10% of daily_volume
    (the day factor's sd 13% and the coupling make a day's volume vary ~20%: the mean's standard error ~3%)."""
    _, _, volumes = sessions(60, seed=2)
    assert volumes.reshape(-1, 390).sum(axis=1).mean() == pytest.approx(5_000_000, rel=0.10)


def test_the_quoted_spread_is_the_configured_spread_in_whole_ticks():
    """Random walk, calm market, 1-cent tick: 4 bps of $50 is exactly 2 cents at every update, 10 bps 5 cents,
    3 bps (1.5 cents) rounds to 2; at $5, 4 bps (0.2 cents) is one tick. The quote is centred: the mid of bid
    and ask is within half a tick of the model's mid."""
    for price, spread, cents in ((50, 4, 2), (50, 10, 5), (50, 3, 2), (5, 4, 1)):
        config = BrokerConfig(market=MarketConfig(model="random_walk", spread=spread, volatility=1.0),
                              symbols=(SymbolConfig(symbol="ACME", price=price),), seed=3)
        ticks = generate(config, 5000)
        assert np.all(np.round((ticks.ask - ticks.bid) * 100) == cents), (price, spread)
        assert np.all(np.abs((ticks.ask + ticks.bid) / 2 - ticks.mid) <= 0.005 + 1e-9)


def test_live_quotes_and_generated_quotes_round_alike():
    """The book (one quote at a time, floats) and the generator (numpy arrays) share ``quote_ticks``."""
    mids = np.random.default_rng(1).uniform(1, 500, 2000)
    spreads = np.random.default_rng(2).uniform(0.5, 200, 2000)
    bid, ask = microstructure.quote_ticks(mids, spreads, 0.01)
    one = [microstructure.quote_ticks(float(m), float(s), 0.01) for m, s in zip(mids, spreads)]
    assert [(int(b), int(a)) for b, a in zip(bid, ask)] == one


def test_the_realistic_models_spread_shape_has_mean_one_over_the_session():
    model = RealisticModel(MarketConfig(model="realistic"), 50.0, np.random.default_rng(0))
    f = (np.arange(23_400) + 0.5) / 23_400
    assert model.spread_shapes(f).mean() == pytest.approx(1.0, abs=0.002)
    assert shape_mean(1.8, 1.2, 20.0) > 1.0
