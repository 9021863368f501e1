"""Price charts (matplotlib, PNG) of simulated or replayed market data: for ``simulate --plot`` and the Allure
report ("Then attach a price chart of ACME to the report").

Headless: the Agg backend, figures closed after drawing, nothing shown on screen.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


CLOSED_GAP_NS = 30 * 60 * 1_000_000_000
"""A gap between updates longer than this is a closed market (a night, a weekend, a holiday)."""


def _trading_axis(times_ns: np.ndarray):
    """Positions that skip closed sessions: each update at its trading time since the first, gaps over
    ``CLOSED_GAP_NS`` squeezed to one update interval. Returns (x, session starts as indexes), or None when there
    is no such gap (the chart then uses real times)."""
    times = np.asarray(times_ns, dtype=np.int64)
    if len(times) < 2:
        return None
    steps = np.diff(times)
    gaps = steps > CLOSED_GAP_NS
    if not gaps.any():
        return None
    typical = int(np.median(steps[~gaps])) if (~gaps).any() else 1
    x = np.r_[0, np.cumsum(np.where(gaps, typical, steps))].astype(float) / 3.6e12  # trading hours
    return x, np.r_[0, np.flatnonzero(gaps) + 1]


def price_chart_png(times_ns: np.ndarray, bid: np.ndarray, ask: np.ndarray, last: np.ndarray | None = None,
                    volume: np.ndarray | None = None, title: str = "", marks: Sequence[tuple[int, str]] = (),
                    band: str = "bid-ask", line: np.ndarray | None = None, line_label: str = "mid") -> bytes:
    """A PNG: the bid/ask band (or another ``band``), the mid (or ``line``) and the last price above, volume
    below; ``marks`` are (time ns, label) dashed lines (events, the scenario's start). Data spanning closed
    sessions is drawn on trading time: sessions side by side, each labelled with its date, a thin line between
    them, instead of flat lines across nights and weekends."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    raw = np.asarray(times_ns, dtype=np.int64)
    axis = _trading_axis(raw)
    if axis is None:
        times = raw.astype("datetime64[ns]")

        def at(moment: int):
            return np.datetime64(int(moment), "ns")
    else:
        times, session_starts = axis

        def at(moment: int):
            return float(np.interp(int(moment), raw, times))
    figure = Figure(figsize=(9, 5), dpi=100)
    if volume is not None:
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    else:
        top, bottom = figure.subplots(1, 1), None
    top.fill_between(times, bid, ask, step="post", alpha=0.35, color="tab:blue", label=band)
    middle = (np.asarray(bid) + np.asarray(ask)) / 2 if line is None else line
    top.plot(times, middle, lw=0.8, color="tab:blue", label=line_label)
    if last is not None:
        top.plot(times, last, lw=0.6, color="tab:orange", alpha=0.8, label="last")
    for moment, label in marks:
        top.axvline(at(moment), color="tab:red", lw=0.8, ls="--")
        top.annotate(label, (at(moment), top.get_ylim()[1]), fontsize=7, color="tab:red",
                     rotation=90, va="top", ha="right")
    top.set_ylabel("price ($)")
    top.set_title(title, fontsize=10)
    top.legend(loc="best", fontsize=7)
    if bottom is not None:
        bottom.fill_between(times, 0, volume, step="post", color="tab:gray", lw=0)
        bottom.set_ylabel("volume")
    if axis is None:
        figure.autofmt_xdate()
    else:
        _label_sessions(bottom or top, [top] + ([bottom] if bottom is not None else []), times, raw, session_starts)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.14, hspace=0.08)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _label_sessions(labelled, axes, x: np.ndarray, raw: np.ndarray, starts: np.ndarray) -> None:
    """Session boundaries as thin lines; at most ~10 of them labelled with their date."""
    every = max(1, int(np.ceil(len(starts) / 10)))
    if len(starts) <= 40:  # beyond that the separators would only grey the chart
        for axes_ in axes:
            for start in starts[1:]:
                axes_.axvline(x[start], color="0.8", lw=0.5)
    shown = starts[::every]
    labelled.set_xticks([x[i] for i in shown])
    labelled.set_xticklabels([str(np.datetime64(int(raw[i]), "ns").astype("datetime64[D]")) for i in shown],
                             rotation=30, ha="right", fontsize=7)
    labelled.set_xlabel("trading time (closed sessions skipped)", fontsize=7)


def bars_chart_png(bars: Sequence, title: str = "", marks: Sequence[tuple[int, str]] = ()) -> bytes:
    """The same chart from one-minute bars (``Bar`` records): the high-low band, the close and the volume."""
    times = np.array([b.start_ns for b in bars], dtype=np.int64)
    high = np.array([float(b.high) for b in bars])
    low = np.array([float(b.low) for b in bars])
    close = np.array([float(b.close) for b in bars])
    volume = np.array([b.volume for b in bars], dtype=float)
    return price_chart_png(times, low, high, None, volume, title, marks, band="high-low", line=close,
                           line_label="close")
