"""The realistic model's numeric core (market/volatility.py) against independent references: arch's skewed
Student-t, numerical integration, the textbook GJR-GARCH recursion. Exact to rounding: no statistics here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from mockbroker.market.volatility import (DailyVariance, skewt_draw, skewt_left_second_moment, skewt_logpdf)


@pytest.mark.parametrize("nu, skew", [(9.19, -0.135), (5.0, 0.3), (3.0, -0.6), (30.0, 0.0)])
def test_the_skewed_t_density_is_arch_s(nu, skew):
    from arch.univariate import SkewStudent

    z = np.linspace(-6, 6, 101)
    ours = skewt_logpdf(z, nu, skew)
    theirs = [-SkewStudent().loglikelihood(np.array([nu, skew]), np.array([x]), np.array([1.0]), individual=True)[0]
              for x in z]
    assert np.allclose(ours, -np.array(theirs), rtol=0, atol=1e-10)


@pytest.mark.parametrize("nu, skew", [(9.19, -0.135), (4.2, 0.8), (2.5, -0.2)])
def test_the_left_second_moment_in_closed_form_is_the_integral(nu, skew):
    numeric = integrate.quad(lambda z: z * z * math.exp(float(skewt_logpdf(np.array(z), nu, skew))), -np.inf, 0,
                             limit=200)[0]
    assert skewt_left_second_moment(nu, skew) == pytest.approx(numeric, abs=1e-8)


def test_skewed_t_draws_are_standardized_and_skewed():
    """500,000 draws: mean within 0.005 of 0, variance within 1.5% of 1; a negative skew gives more mass far left."""
    z = skewt_draw(np.random.default_rng(1), 500_000, 9.19, -0.4)
    assert abs(z.mean()) < 0.005 and abs(z.var() - 1) < 0.015
    assert np.mean(z < -3) > 2 * np.mean(z > 3)


def test_the_filter_and_the_simulation_agree_on_the_variance():
    """The day-by-day recursion (simulation) and the IIR filters (calibration) give the same variances for the
    same returns (while the floor and ceiling do not bind)."""
    model = DailyVariance(1e-4, [0.8883, 0.9916], [0.0078, 0.0677], [0.1182, 0.0], 0.708, 9.19, -0.135)
    shocks = skewt_draw(np.random.default_rng(4), 3000, 9.19, -0.135)
    returns, variances = model.simulate(shocks)
    fresh = DailyVariance(1e-4, [0.8883, 0.9916], [0.0078, 0.0677], [0.1182, 0.0], 0.708, 9.19, -0.135)
    filtered = fresh.filter(returns)
    inside = (variances > 0.02e-4 * 1.0001) & (variances < 25e-4 * 0.9999)
    assert inside.mean() > 0.99
    first_bound = np.argmin(inside) if not inside.all() else len(inside)
    assert np.allclose(filtered[:first_bound], variances[:first_bound], rtol=1e-9)


def test_one_component_without_leverage_is_gjr_garch():
    """beta = rho - a, alpha = a (1 - theta) / kappa, gamma = 2 a theta / kappa."""
    rho, a, theta = 0.98, 0.08, 0.6
    model = DailyVariance(1e-4, [rho], [a], [0.0], theta, 8.0, -0.1)
    x = np.random.default_rng(5).standard_normal(500) * 0.01
    alpha, gamma, beta = a * (1 - theta) / model.kappa, 2 * a * theta / model.kappa, rho - a
    omega = 1e-4 * (1 - rho)
    h, expected = 1e-4, []
    for value in x:
        expected.append(h)
        h = omega + (alpha + gamma * (value < 0)) * value * value + beta * h
    assert np.allclose(model.filter(x), expected, rtol=1e-10)


def test_the_student_t_tail_is_scipy_s_without_scipy():
    """The model's constants need P(T > c) (the skewed t's left second moment); computed with ``math`` (the
    incomplete beta's continued fraction) so building the default model imports no scipy. Against scipy's
    ``stats.t.sf`` to 1e-11 relative, from the lightest tails the model allows (nu 2.1) to nearly normal."""
    from scipy.stats import t as student

    from mockbroker.market.volatility import t_sf

    for nu in (2.1, 3.0, 5.0, 7.19, 9.19, 30.0, 1000.0):
        for c in (0.0, 1e-6, 0.1, 0.5, 1.0, 2.0, 4.0, 10.0, 100.0):
            assert t_sf(c, nu) == pytest.approx(float(student.sf(c, nu)), rel=1e-11, abs=1e-300), (nu, c)
