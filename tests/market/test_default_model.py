"""The realistic model as the default: what it means at the start of a session, a still market at volatility 0,
the presets on top of it, and what it costs every process (no scipy to import)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig, MarketConfig, SymbolConfig
from mockbroker.market.generator import generate, opening_spread_factor
from mockbroker.market.models import MODELS, create_model
from mockbroker.scenarios import apply_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_model_is_realistic_everywhere():
    """The configuration, a broker built without one and the simulate command's generator."""
    assert MarketConfig().model == "realistic"
    assert type(MockBroker().market["ACME"].model).__name__ == "RealisticModel"
    ticks = generate(BrokerConfig(seed=1), 100)
    twin = create_model(MarketConfig(model="realistic"), 50.0, np.random.default_rng(0))
    assert len(ticks) == 100 and twin.name == "realistic"


def test_volatility_zero_is_a_still_market_with_a_spread_and_a_book():
    """No moves for a whole session (drift 0), quotes in whole ticks, wider at the open than at midday (the
    intraday shape stays), the spread not widened by a volatility that is not there, and the tape still prints;
    live and generated alike."""
    broker = MockBroker(BrokerConfig(market=MarketConfig(volatility=0.0, spread=10), seed=4))
    market = broker.market["ACME"]
    spreads, volume = [], 0
    for _ in range(390):
        broker.advance(60)
        assert market.mid == pytest.approx(50.0, abs=1e-12)
        bid, ask = market.touch()
        assert bid < ask and market.model.vol_ratio() == 1.0
        spreads.append(float(ask - bid))
        volume += broker.get_bars("ACME", timeframe_seconds=60, limit=1)[-1].volume
    assert spreads[0] > spreads[200] and volume > 0
    ticks = generate(BrokerConfig(market=MarketConfig(volatility=0.0), seed=4), 5_000)
    assert np.all(ticks.mid == 50.0) and np.all(ticks.ask > ticks.bid) and ticks.volume.sum() > 0


def test_the_first_session_opens_at_the_symbols_price_later_ones_with_a_gap():
    """A broker started at 09:30 does not jump 100 ms later: the model's first session has no overnight gap (its
    day's variance lies inside the session), the next ones open with one (20% of a day's variance: sd 0.67% at
    1.5% a day). Over 300 seeds, the sd of the first minute's return: the open's minute (~0.17%) in the first
    session, the gap on top (~0.69%) in the second. The days still add up to the daily path exactly
    (tests/market/test_realism.py)."""
    first, second = [], []
    for seed in range(300):
        model = create_model(MarketConfig(), 50.0, np.random.default_rng(seed))
        prices = model.path(780, 60 / 23_400)
        first.append(np.log(prices[0] / 50.0))
        second.append(np.log(prices[390] / prices[389]))
    assert np.std(first) < 0.0025, np.std(first)
    assert 0.005 < np.std(second) < 0.009, np.std(second)


def test_the_book_quotes_the_open_s_spread_from_the_start():
    """Before the first update the quote is already the open's (no widening 100 ms after the start): the default
    4 bps quotes 3 cents on $50 at 09:30, before and after the first update; a random walk's stays 2 cents."""
    for model, cents in (("realistic", 3), ("random_walk", 2)):
        broker = MockBroker(BrokerConfig(market=MarketConfig(model=model, volatility=0.0), seed=2))
        bid, ask = broker.market["ACME"].touch()
        broker.advance(0.1)
        again = broker.market["ACME"].touch()
        assert (ask - bid) == (again[1] - again[0]) == Decimal(cents) / 100, model
    assert opening_spread_factor(BrokerConfig()) == pytest.approx(1.693, abs=0.001)
    assert opening_spread_factor(BrokerConfig(market=MarketConfig(model="random_walk"))) == 1.0
    assert opening_spread_factor(BrokerConfig(scenario="trending")) == 1.0, "the preset's model: momentum"


def test_presets_on_the_default_model():
    """volatile keeps the realistic model (x3 volatility, at least 4%; spreads x2.5); trending and range replace
    the default realistic model, but a realistic model with parameters of its own (a calibrated one) stays."""
    preset = lambda name, **market: apply_scenario(  # noqa: E731
        BrokerConfig(scenario=name, market=MarketConfig(**market)), set(MODELS))[0].market
    volatile = preset("volatile")
    assert volatile.model == "realistic" and volatile.volatility == 4.5 and volatile.spread == 10
    assert preset("trending").model == "momentum" and preset("range").model == "mean_reversion"
    assert preset("trending", params={"volume_profile": [2, 1, 2]}).params["volume_profile"] == [2, 1, 2]
    calibrated = {"persistence": [0.9, 0.99], "reaction": [0.01, 0.05], "leverage": [0.1, 0.0]}
    kept = preset("trending", params=calibrated)
    assert kept.model == "realistic" and kept.drift == 1.5 and kept.params == calibrated
    assert preset("range", params=calibrated).model == "realistic"


def test_building_a_broker_imports_no_scipy():
    """scipy.signal alone cost ~0.65 s of the package's ~0.7 s import: the default model and the broker must not
    import scipy (a fresh interpreter builds a broker, lets a minute pass, and looks)."""
    code = ("import sys; from mockbroker.broker import MockBroker; import mockbroker.cli; "
            "MockBroker().advance(60); print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_a_symbol_priced_elsewhere_quotes_the_same_shape():
    """The opening factor depends on the model, not on the price (the first symbol's price builds the model)."""
    config = BrokerConfig(symbols=(SymbolConfig(symbol="MEGA", price=Decimal("200")),))
    assert opening_spread_factor(config) == pytest.approx(opening_spread_factor(BrokerConfig()))


def test_the_volatile_preset_is_fat_tailed_at_one_minute():
    """volatile on the default model is a realistic high-volatility regime, not Gaussian above a few seconds:
    60 sessions of one-minute updates (the first partial session and the overnight gaps left out), excess kurtosis
    of the one-minute returns above 3 (seeds 1-4 give 6 to 11; a random walk's is 0) and their sd about 4.5% a day
    spread over 390 minutes (x0.89 for the gap's share) within 30%: volatility clusters in regimes of months, so
    60 days are one stretch of it (this seed's is calm: 0.76 of the long-run level)."""
    ticks = generate(BrokerConfig(scenario="volatile", market=MarketConfig(update_frequency=60_000), seed=2),
                     389 + 390 * 60)
    minutes = np.diff(np.log(ticks.mid[389:].reshape(60, 390)), axis=1).ravel()
    centred = minutes - minutes.mean()
    assert np.mean(centred ** 4) / np.var(minutes) ** 2 - 3 > 3
    expected = 0.045 * np.sqrt(0.8 / 390)
    assert abs(minutes.std() / expected - 1) < 0.3, minutes.std() / expected
