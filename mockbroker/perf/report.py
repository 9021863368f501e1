"""Plain-text tables for the numbers of a performance run (the same text goes to stdout and to Allure)."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from .stats import LatencySummary


def _cell(value) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A fixed-width table: first column left-aligned, the others right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def latency_table(summaries: Iterable[LatencySummary]) -> str:
    return table(["latency (ms)", "count", "p50", "p90", "p95", "p99", "p99.9", "max"],
                 [[s.name, s.count, s.p50_ms, s.p90_ms, s.p95_ms, s.p99_ms, s.p999_ms, s.max_ms] for s in summaries])


def key_values(pairs: Iterable[tuple[str, object]]) -> str:
    return table(["measure", "value"], [[k, v] for k, v in pairs])
