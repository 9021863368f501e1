"""The numeric core of the realistic price model: skewed Student-t shocks, the daily variance with several time
scales and a leverage effect, the intraday GARCH factor, and the intraday shapes (volatility and spread).

Rules:
- Pure numpy (scipy only for calibration's filter, imported there: the model itself must not cost every process
  that builds a broker scipy's import time), no broker types: the model (``realistic.py``) and calibration (``calibration.py``) share it, so
  what calibration fits is exactly what the model simulates.
- Daily variance (``DailyVariance``): h_d = V + sum_j u_j (kept between ``floor`` x V and ``ceiling`` x V: a day's
  volatility from 0.14 to 5 times the long-run level; the S&P 500's worst, autumn 2008, was about 4), each component
  u_j <- rho_j u_j + a_j (news_d - h_d) - b_j sqrt(V) x_d, where x_d is the day's excess log return,
  news_d = x_d^2 (1 + theta) / kappa after a fall and x_d^2 (1 - theta) / kappa after a rise (kappa makes its mean
  h_d). The news term has mean zero, so E[h] = V exactly: ``volatility`` is the long-run daily volatility.
  rho_j sets a component's memory (a fast one and a slow one give volatility clustering that decays slowly),
  a_j how much squared news feeds it (GARCH), theta how much more a fall counts than a rise (GJR), b_j how much
  the signed return moves it (QGARCH: a fall raises volatility, a rise calms it; the leverage effect).
  One component with b = 0 is GJR-GARCH(1,1): beta = rho - a, alpha = a (1 - theta) / kappa,
  gamma = 2 a theta / kappa.
- Shocks: Hansen's (1994) skewed Student-t, standardized (mean 0, variance 1): ``nu`` degrees of freedom
  (tails) and ``skew`` lambda in (-1, 1) (negative: a longer left tail).
- Everything is drawn from the generator handed in, in its natural order: the same seed, the same numbers.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

# --- Hansen's skewed Student-t ---------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def skewt_constants(nu: float, skew: float) -> tuple[float, float, float]:
    """(a, b, c) of Hansen's skewed t: density b c (1 + ((b z + a) / (1 -/+ skew))^2 / (nu - 2))^(-(nu + 1) / 2)."""
    c = math.exp(math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2)) / math.sqrt(math.pi * (nu - 2))
    a = 4.0 * skew * c * (nu - 2) / (nu - 1)
    b = math.sqrt(1.0 + 3.0 * skew * skew - a * a)
    return a, b, c


def skewt_logpdf(z: np.ndarray, nu: float, skew: float) -> np.ndarray:
    a, b, c = skewt_constants(nu, skew)
    y = b * np.asarray(z, dtype=float) + a
    s = np.where(y < 0, 1.0 - skew, 1.0 + skew)
    return math.log(b) + math.log(c) - (nu + 1) / 2 * np.log1p((y / s) ** 2 / (nu - 2))


def skewt_draw(rng: np.random.Generator, n: int, nu: float, skew: float) -> np.ndarray:
    """``n`` standardized skewed-t numbers: a unit-variance t, folded to the left with probability (1 - skew) / 2
    (scaled by 1 - skew) or to the right (scaled by 1 + skew), then centred and scaled."""
    a, b, _ = skewt_constants(nu, skew)
    w = np.abs(rng.standard_t(nu, n)) * math.sqrt((nu - 2) / nu)
    left = rng.random(n) < (1.0 - skew) / 2
    y = np.where(left, -(1.0 - skew) * w, (1.0 + skew) * w)
    return (y - a) / b


def _t_tail_moments(nu: float, c: float) -> tuple[float, float, float]:
    """E[|T|^m; |T| > c] for m = 0, 1, 2, T a standard Student-t with ``nu`` degrees of freedom (closed forms: the
    second by parts, through the t with nu - 2 degrees of freedom)."""
    def norm(v: float) -> float:
        return math.exp(math.lgamma((v + 1) / 2) - math.lgamma(v / 2)) / math.sqrt(v * math.pi)

    base = 1.0 + c * c / nu
    m0 = 2.0 * t_sf(c, nu)
    m1 = 2.0 * (nu + c * c) / (nu - 1) * norm(nu) * base ** (-(nu + 1) / 2)
    m2 = 2.0 * norm(nu) * nu / (nu - 1) * (c * base ** (-(nu - 1) / 2) + math.sqrt(nu / (nu - 2))
                                          * t_sf(c * math.sqrt((nu - 2) / nu), nu - 2) / norm(nu - 2))
    return m0, m1, m2


def t_sf(c: float, nu: float) -> float:
    """P(T > c) for a Student-t with ``nu`` degrees of freedom and c >= 0: half the regularized incomplete beta
    I_x(nu / 2, 1 / 2), x = nu / (nu + c^2) (as scipy's ``stats.t.sf``, without importing scipy)."""
    c2 = c * c
    return 0.5 * _betainc(nu / 2.0, 0.5, nu / (nu + c2), c2 / (nu + c2))


def _betainc(a: float, b: float, x: float, one_minus_x: float) -> float:
    """The regularized incomplete beta I_x(a, b) by its continued fraction (Numerical Recipes 6.4), on the side
    where it converges fast; ``one_minus_x`` given separately keeps the precision when x is near 1."""
    if x <= 0.0:
        return 0.0
    if one_minus_x <= 0.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x)
                     + b * math.log(one_minus_x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, one_minus_x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        for aa in (m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m)),
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


@lru_cache(maxsize=1024)
def skewt_left_second_moment(nu: float, skew: float) -> float:
    """E[z^2; z < 0] of the standardized skewed t (0.5 when symmetric), in closed form: z < 0 is y = b z + a < a,
    on Hansen's left branch y = -(1 - skew) w and, when a > 0, part of the right one y = (1 + skew) w, with w the
    absolute value of a unit-variance t."""
    a, b, _ = skewt_constants(nu, skew)
    s = math.sqrt((nu - 2) / nu)

    def w_moments(k: float) -> tuple[float, float, float]:  # E[w^m; w > k], w = s |T|
        m0, m1, m2 = _t_tail_moments(nu, k / s)
        return m0, s * m1, s * s * m2

    left = 1.0 - skew
    if a <= 0:
        w0, w1, w2 = w_moments(-a / left)
        return left / (2 * b * b) * (left * left * w2 + 2 * a * left * w1 + a * a * w0)
    right = 1.0 + skew
    all0, all1, all2 = w_moments(0.0)
    above0, above1, above2 = w_moments(a / right)
    whole_left = left / (2 * b * b) * (left * left * all2 + 2 * a * left * all1 + a * a * all0)
    part_right = right / (2 * b * b) * (right * right * (all2 - above2) - 2 * a * right * (all1 - above1)
                                        + a * a * (all0 - above0))
    return whole_left + part_right


def t_scale(nu: float) -> float:
    """Multiplier that gives a Student-t with ``nu`` degrees of freedom unit variance."""
    return math.sqrt((nu - 2.0) / nu)


# --- the daily variance ---------------------------------------------------------------------------------------------


class DailyVariance:
    """Multi-component asymmetric GARCH of the daily excess log return (see the module docstring).

    ``variance`` is the long-run daily variance V (a fraction squared); ``persistence``, ``reaction`` and
    ``leverage`` are equal-length sequences, one entry per component."""

    def __init__(self, variance: float, persistence, reaction, leverage, asymmetry: float, nu: float, skew: float,
                 floor: float = 0.02, ceiling: float = 25.0) -> None:
        self.V = float(variance)
        self.sd = math.sqrt(self.V)
        self.rho = np.asarray(persistence, dtype=float)
        self.a = np.asarray(reaction, dtype=float)
        self.b = np.asarray(leverage, dtype=float)
        self.theta = float(asymmetry)
        self.nu, self.skew = float(nu), float(skew)
        self.floor = float(floor)
        self.ceiling = float(ceiling)
        self.kappa = 1.0 - self.theta + 2.0 * self.theta * skewt_left_second_moment(self.nu, self.skew)
        self.u = np.zeros(len(self.rho))
        # plain floats for the day-by-day loop (numpy scalars are slower one at a time)
        self._rho, self._a, self._b = self.rho.tolist(), self.a.tolist(), self.b.tolist()

    @property
    def h(self) -> float:
        """Today's conditional variance."""
        return min(max(self.V + float(sum(self.u)), self.floor * self.V), self.ceiling * self.V)

    def simulate(self, shocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Excess log returns and conditional variances for standardized ``shocks``, day by day (advances the state)."""
        n = len(shocks)
        returns, variances = np.empty(n), np.empty(n)
        rho, a, b, theta, kappa, sd, floor, ceiling = self._rho, self._a, self._b, self.theta, self.kappa, self.sd, \
            self.floor * self.V, self.ceiling * self.V
        u = self.u.tolist()
        V = self.V
        k = len(u)
        for t, z in enumerate(shocks.tolist()):
            h = V + sum(u)
            if h < floor:
                h = floor
            elif h > ceiling:
                h = ceiling
            x = math.sqrt(h) * z
            returns[t], variances[t] = x, h
            news = x * x * ((1.0 + theta) if x < 0 else (1.0 - theta)) / kappa - h
            signed = sd * x
            u = [rho[j] * u[j] + a[j] * news - b[j] * signed for j in range(k)]
        self.u = np.array(u)
        return returns, variances

    def filter(self, x: np.ndarray) -> np.ndarray:
        """Conditional variances of an observed series of excess returns (calibration), without the floor:
        the components are a linear system driven by the news and the signed returns, so two IIR filters give
        it exactly. h[0] = V (the components start at zero)."""
        x = np.asarray(x, dtype=float)
        news = x * x * np.where(x < 0, 1.0 + self.theta, 1.0 - self.theta) / self.kappa
        q = np.poly(self.rho)
        p = _weighted_poly(self.rho, self.a)
        pb = _weighted_poly(self.rho, self.b)
        den = q.copy()
        den[1:] += p
        from scipy.signal import lfilter  # calibration only (see the module docstring)

        squared = lfilter(np.concatenate([[0.0], p]), den, news - self.V)
        signed = lfilter(np.concatenate([[0.0], pb]), den, -self.sd * x)
        return self.V + squared + signed

    def state(self) -> list[float]:
        return self.u.tolist()

    def restore(self, state) -> None:
        self.u = np.array(state, dtype=float)


def _weighted_poly(roots: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_j w_j prod_{i != j} (z - r_i): the numerator of sum_j w_j / (z - r_j) over prod_j (z - r_j)."""
    out = np.zeros(len(roots))
    for j, w in enumerate(weights):
        out += w * np.poly(np.delete(roots, j))
    return out


def daily_log_likelihood(x: np.ndarray, model: DailyVariance) -> tuple[float, int]:
    """Log-likelihood of excess returns ``x`` under ``model``, and on how many days the variance hit its floor
    (a fit should not lean on the floor)."""
    raw = model.filter(x)
    floor = model.floor * model.V
    h = np.clip(raw, floor, model.ceiling * model.V)
    z = x / np.sqrt(h)
    return float(np.sum(skewt_logpdf(z, model.nu, model.skew) - 0.5 * np.log(h))), int(np.sum(raw < floor))


# --- intraday ---------------------------------------------------------------------------------------------------


def garch_variances(z2: np.ndarray, s0: float, omega: float, alpha: float, beta: float,
                    chunk: int = 256) -> np.ndarray:
    """Variances s_k of GARCH(1,1), s_{k+1} = omega + s_k (beta + alpha z_k^2), for k = 0..n-1 (s_0 given).

    Vectorized in chunks: inside a chunk s_j = P_j (s_0 + omega sum_{l<=j} 1/P_l), with P the running product of
    (beta + alpha z^2) computed as exp of a cumulative sum of logs (a chunk is short enough not to overflow)."""
    n = len(z2)
    out = np.empty(n)
    s = s0
    for start in range(0, n, chunk):
        c = beta + alpha * z2[start:start + chunk]
        logs = np.concatenate(([0.0], np.cumsum(np.log(c))))  # logs[j] = log prod c[:j]
        m = len(c)
        inv = np.exp(-logs[1:m])
        out[start] = s
        if m > 1:
            out[start + 1:start + m] = np.exp(logs[1:m]) * (s + omega * np.cumsum(inv))
        s = omega + c[-1] * out[start + m - 1]
    return out


SESSION_MINUTES = 390.0


def session_shape(fraction: np.ndarray, at_open: float, at_close: float, decay_minutes: float) -> np.ndarray:
    """A reverse-J / U shape over the session, relative to midday: 1 + (at_open - 1) e^(-t / tau)
    + (at_close - 1) e^(-(390 - t) / tau), t the minutes since the open, tau = ``decay_minutes``."""
    t = np.clip(np.asarray(fraction, dtype=float), 0.0, 1.0) * SESSION_MINUTES
    tau = max(decay_minutes, 1e-9)
    return 1.0 + (at_open - 1.0) * np.exp(-t / tau) + (at_close - 1.0) * np.exp(-(SESSION_MINUTES - t) / tau)


def shape_mean(at_open: float, at_close: float, decay_minutes: float, power: float = 1.0) -> float:
    """The mean of ``session_shape ** power`` over the session (to normalize a profile to mean 1)."""
    f = (np.arange(3900) + 0.5) / 3900
    return float(np.mean(session_shape(f, at_open, at_close, decay_minutes) ** power))


def bucket_profile(fraction: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A profile given as weights over equal parts of the session (normalized to mean 1 by the caller)."""
    f = np.clip(np.asarray(fraction, dtype=float), 0.0, 1.0 - 1e-12)
    return weights[(f * len(weights)).astype(int)]
