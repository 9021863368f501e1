"""Latency percentiles, histograms and throughput series, with numbers a report can print.

Percentiles use the nearest-rank method on the sorted sample (no interpolation: a p99 is a latency that really
happened). Times are seconds in, milliseconds out where the name says ``_ms``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

PERCENTILES = (50, 90, 95, 99, 99.9)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank ``q``-th percentile (0 < q <= 100) of an ascending sequence; NaN when it is empty."""
    if not 0 < q <= 100:
        raise ValueError(f"q={q!r}: must be in (0, 100]")
    if not sorted_values:
        return math.nan
    rank = math.ceil(q / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


@dataclass(frozen=True)
class LatencySummary:
    """Count and percentiles of a latency sample, in milliseconds."""

    name: str
    count: int
    min_ms: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @classmethod
    def of(cls, name: str, seconds: Iterable[float]) -> "LatencySummary":
        values = sorted(float(v) * 1000.0 for v in seconds)
        if not values:
            nan = math.nan
            return cls(name, 0, nan, nan, nan, nan, nan, nan, nan, nan)
        p = [percentile(values, q) for q in PERCENTILES]
        return cls(name, len(values), values[0], sum(values) / len(values), *p, values[-1])

    def to_dict(self) -> dict:
        return asdict(self)


def histogram(values_ms: Sequence[float], bins: int = 40) -> tuple[list[float], list[int]]:
    """Equal-width bins from 0 to the largest value: (bin edges, counts)."""
    if not values_ms:
        return [0.0, 1.0], [0]
    top = max(values_ms) or 1.0
    width = top / bins
    counts = [0] * bins
    for v in values_ms:
        counts[min(int(v / width), bins - 1)] += 1
    return [i * width for i in range(bins + 1)], counts


def throughput_series(timestamps: Iterable[float], bucket_s: float = 1.0) -> list[tuple[float, int]]:
    """Events per ``bucket_s`` bucket from the first timestamp on: [(bucket start offset in s, count)]."""
    ts = sorted(timestamps)
    if not ts:
        return []
    start = ts[0]
    n = int((ts[-1] - start) / bucket_s) + 1
    counts = [0] * n
    for t in ts:
        counts[int((t - start) / bucket_s)] += 1
    return [(i * bucket_s, c) for i, c in enumerate(counts)]


def sustained_rate(timestamps: Sequence[float]) -> float:
    """Events per second between the first and the last event (0 for fewer than two)."""
    if len(timestamps) < 2:
        return 0.0
    span = max(timestamps) - min(timestamps)
    return (len(timestamps) - 1) / span if span > 0 else 0.0
