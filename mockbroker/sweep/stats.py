"""Pass rates and their uncertainty: the Wilson score interval.

A scenario that passed 197 of 200 seeds has an observed pass rate of 98.5 %; the interval says which true rates
such a count is consistent with. Wilson's interval (not the normal approximation) stays inside [0, 1] and is
sensible at 0 and n successes, which is where sweeps mostly are: 200 of 200 gives [98.1 %, 100 %].
"""

from __future__ import annotations

import math

Z_95 = 1.959963984540054
"""The two-sided 95 % standard normal quantile."""


def wilson_interval(passed: int, runs: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for ``passed`` successes in ``runs`` trials, as fractions; (0, 1) for no runs."""
    if runs < 0 or not 0 <= passed <= runs:
        raise ValueError(f"passed={passed}, runs={runs}: need 0 <= passed <= runs")
    if runs == 0:
        return 0.0, 1.0
    p = passed / runs
    z2 = z * z
    centre = (p + z2 / (2 * runs)) / (1 + z2 / runs)
    half = z / (1 + z2 / runs) * math.sqrt(p * (1 - p) / runs + z2 / (4 * runs * runs))
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    if passed == 0:
        low = 0.0
    if passed == runs:
        high = 1.0
    return low, high


def percent(fraction: float) -> str:
    """A fraction as a percentage for reports, to 0.1: 0.985 -> "98.5%", 0.5 -> "50%", 1.0 -> "100%"."""
    text = f"{fraction * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"
