"""Statistics of the price models, with fixed seeds. Each test states its tolerance and why it is stable.

Standard errors quoted are of the estimate under the model; tolerances are at least 3 of them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mockbroker.errors import ConfigurationError
from mockbroker.market.models import MODELS, garch_variances

from market_helpers import MINUTE, autocorr, excess_kurtosis, make_model


# --- random walk ---------------------------------------------------------------------------------------------------

def test_random_walk_realized_daily_volatility_is_within_10_percent_of_configured():
    """2,000 days of one-minute steps, summed to daily returns: the sample sd's standard error is ~1.6% of sigma,
    so 10% is more than 6 standard errors. Checked for three volatilities."""
    for volatility in (0.5, 2.0, 6.0):
        model = make_model(volatility=volatility, seed=11)
        prices = model.path(390 * 2000, MINUTE)
        daily = np.diff(np.log(np.concatenate([[50.0], prices[389::390]])))
        realized = daily.std(ddof=1) * 100
        assert abs(realized / volatility - 1) < 0.10, (volatility, realized)


def test_random_walk_mean_daily_return_matches_drift():
    """100,000 daily steps with drift 0.1%/day and volatility 2%: the mean simple return's standard error is
    2%/sqrt(100,000) = 0.0063%; the tolerance is 0.025% (4 standard errors). Also a negative drift."""
    for drift in (0.1, -0.2):
        model = make_model(volatility=2.0, drift=drift, seed=12)
        prices = model.path(100_000, 1.0)
        simple = np.diff(np.concatenate([[50.0], prices])) / np.concatenate([[50.0], prices[:-1]])
        assert abs(simple.mean() * 100 - drift) < 0.025, (drift, simple.mean() * 100)


# --- mean reversion ------------------------------------------------------------------------------------------------

def test_mean_reversion_fitted_half_life_is_within_20_percent_of_configured():
    """200,000 five-minute steps with a half-life of 1 day: the AR(1) coefficient's standard error is
    sqrt((1 - a^2) / n) = 0.0003, about 3.4% of (1 - a), so the fitted half-life is within 20% (6 standard errors)."""
    dt = 5 * MINUTE
    for half_life in (0.5, 1.0, 2.0):
        model = make_model("mean_reversion", volatility=2.0, seed=13, params={"half_life": half_life})
        x = np.log(model.path(200_000, dt))
        level = math.log(50.0)
        a = np.dot(x[:-1] - level, x[1:] - level) / np.dot(x[:-1] - level, x[:-1] - level)
        fitted = -math.log(2) / math.log(a) * dt
        assert abs(fitted / half_life - 1) < 0.20, (half_life, fitted)


def test_mean_reversion_returns_toward_the_level():
    """Started 20% above its level, after three half-lives the expected log distance is 1/8 of the start's. Over
    50 seeds (volatility 1%), the mean distance is within 30% of that (its standard error is ~2%)."""
    distances = []
    for seed in range(50):
        model = make_model("mean_reversion", volatility=1.0, seed=seed, price=60.0,
                           params={"half_life": 0.5, "level": 50.0})
        distances.append(math.log(model.path(int(1.5 * 390), MINUTE)[-1] / 50.0))
    expected = math.log(60 / 50) / 8
    assert abs(np.mean(distances) / expected - 1) < 0.30, (np.mean(distances), expected)


# --- momentum ------------------------------------------------------------------------------------------------------

def test_momentum_returns_trend_then_fade():
    """Trends persist: 30-minute returns are positively autocorrelated (lag 1 above 0.05; 20,000 samples give a
    standard error of 0.007) and the autocorrelation fades with the lag (lag 40 = 3 trend half-lives: below a
    third of lag 1). The random walk's lag-1 autocorrelation is within +-0.03."""
    dt = 30 * MINUTE
    momentum = make_model("momentum", volatility=1.0, seed=14, params={"trend_half_life": 1.0,
                                                                       "trend_volatility": 3.0})
    r = np.diff(np.log(momentum.path(20_000, dt)))
    assert autocorr(r, 1) > 0.05
    assert autocorr(r, 40) < autocorr(r, 1) / 3
    walk = np.diff(np.log(make_model(volatility=1.0, seed=14).path(20_000, dt)))
    assert abs(autocorr(walk, 1)) < 0.03


def test_momentum_initial_trend_moves_the_price_that_way():
    """A +5%/day trend with a 2-day half-life and low noise (0.3%): after one day the price is up, on 20 of 20
    seeds (the trend adds ~3.6%; the noise sd is ~0.4%)."""
    ups = [make_model("momentum", volatility=0.3, seed=s, params={"trend": 5.0, "trend_half_life": 2.0,
                                                                  "trend_volatility": 0.5}).path(390, MINUTE)[-1] > 50
           for s in range(20)]
    assert all(ups)


# --- garch ---------------------------------------------------------------------------------------------------------

def test_garch_has_fat_tails_and_volatility_clustering():
    """100,000 GARCH(1,1)-t steps (alpha 0.1, beta 0.85, nu 5): excess kurtosis > 1 (theory: infinite-ish for
    nu 5; t alone gives 6); autocorrelation of |returns| positive at lags 1..10 (standard error ~0.003, the
    values ~0.1); autocorrelation of returns at lag 1 within +-0.05 (standard error 0.003)."""
    model = make_model("garch", volatility=2.0, seed=15)
    r = np.diff(np.log(model.path(100_000, MINUTE)))
    assert excess_kurtosis(r) > 1
    for lag in range(1, 11):
        assert autocorr(np.abs(r), lag) > 0, lag
    assert abs(autocorr(r, 1)) < 0.05


def test_garch_long_run_daily_volatility_is_the_configured_one():
    """Daily GARCH periods (period_seconds 23,400) with 390 one-minute updates a day, the period's return spread
    over them as a Brownian bridge: over 5,000 days the daily returns' sd is within 15% of 1.5% (persistence 0.95
    makes the sample sd noisier than iid: its standard error is ~4%), and the daily tails stay fat."""
    model = make_model("garch", volatility=1.5, seed=16, params={"period_seconds": 23_400})
    prices = model.path(390 * 5000, MINUTE)
    daily = np.diff(np.log(np.concatenate([[50.0], prices[389::390]])))
    assert abs(daily.std() * 100 / 1.5 - 1) < 0.15
    assert excess_kurtosis(daily) > 1  # the tails survive at the period's scale


def test_garch_variance_recursion_matches_the_plain_loop():
    """The chunked vectorized recursion equals the textbook loop to 1e-12 relative."""
    rng = np.random.default_rng(3)
    z2 = rng.standard_t(5, 5000) ** 2 * 0.6
    fast = garch_variances(z2, 1.3, 0.05, 0.1, 0.85)
    s, slow = 1.3, []
    for value in z2:
        slow.append(s)
        s = 0.05 + s * (0.85 + 0.1 * value)
    assert np.allclose(fast, slow, rtol=1e-12, atol=0)


# --- every model ---------------------------------------------------------------------------------------------------

SIMULATED = ("random_walk", "mean_reversion", "momentum", "garch", "realistic")


@pytest.mark.parametrize("name", SIMULATED)
def test_path_and_steps_draw_the_same_numbers(name):
    """``path(n)`` and ``n`` calls of ``step`` (in any chunking) give the same prices to 1e-9 relative."""
    dt = 0.1 / 23_400
    one = make_model(name, seed=5).path(10_000, dt)
    stepper = make_model(name, seed=5)
    steps = np.array([stepper.step(dt) for _ in range(6_000)])
    mixed = np.concatenate([steps, stepper.path(4_000, dt)])
    assert np.allclose(one, mixed, rtol=1e-9, atol=0)


@pytest.mark.parametrize("name", SIMULATED)
def test_same_seed_same_bytes_other_seed_other_path(name):
    a = make_model(name, seed=9, volatility=3.0).path(50_000, MINUTE)
    b = make_model(name, seed=9, volatility=3.0).path(50_000, MINUTE)
    c = make_model(name, seed=10, volatility=3.0).path(50_000, MINUTE)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


@pytest.mark.parametrize("name", SIMULATED)
def test_prices_stay_positive_even_when_wild(name):
    prices = make_model(name, seed=4, volatility=60.0, drift=-20.0).path(20_000, 1.0 / 78)
    assert np.all(prices > 0) and np.all(np.isfinite(prices))


@pytest.mark.parametrize("name", SIMULATED)
def test_state_restores_the_future(name):
    """``state()`` then ``restore()`` replays the same future (snapshots rely on it)."""
    model = make_model(name, seed=8, params={"period_seconds": 600} if name == "garch" else {})
    model.path(1234, MINUTE / 60)
    saved, generator = model.state(), model.rng.bit_generator.state  # the broker's seed bank keeps the generator
    ahead = [model.step(MINUTE / 60) for _ in range(5000)]
    model.restore(saved)
    model.rng.bit_generator.state = generator
    assert [model.step(MINUTE / 60) for _ in range(5000)] == ahead


def test_unknown_or_bad_parameters_name_the_field():
    with pytest.raises(ConfigurationError, match=r"marketConfig\.params\.half_lif"):
        make_model("mean_reversion", params={"half_lif": 1})
    with pytest.raises(ConfigurationError, match=r"marketConfig\.params\.half_life"):
        make_model("mean_reversion", params={"half_life": -1})
    with pytest.raises(ConfigurationError, match=r"marketConfig\.params\.beta"):
        make_model("garch", params={"alpha": 0.3, "beta": 0.7})
    with pytest.raises(ConfigurationError, match=r"marketConfig\.params\.nu"):
        make_model("garch", params={"nu": 2})
    with pytest.raises(ConfigurationError, match=r"marketConfig\.params\.path"):
        make_model("historical")
    with pytest.raises(ConfigurationError, match=r"volume_profile"):
        make_model(params={"volume_profile": [1, -1]})
    assert set(MODELS) == {"random_walk", "mean_reversion", "momentum", "garch", "historical", "realistic"}
