"""Price charts (matplotlib, PNG) of simulated or replayed market data: for ``simulate --plot`` and the Allure
report ("Then attach a price chart of ACME to the report").

Headless: the Agg backend, figures closed after drawing, nothing shown on screen.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def price_chart_png(times_ns: np.ndarray, bid: np.ndarray, ask: np.ndarray, last: np.ndarray | None = None,
                    volume: np.ndarray | None = None, title: str = "", marks: Sequence[tuple[int, str]] = (),
                    band: str = "bid-ask", line: np.ndarray | None = None, line_label: str = "mid") -> bytes:
    """A PNG: the bid/ask band (or another ``band``), the mid (or ``line``) and the last price above, volume
    below; ``marks`` are (time ns, label) dashed lines (events, the scenario's start)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    times = np.asarray(times_ns).astype("datetime64[ns]")
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
        top.axvline(np.datetime64(int(moment), "ns"), color="tab:red", lw=0.8, ls="--")
        top.annotate(label, (np.datetime64(int(moment), "ns"), top.get_ylim()[1]), fontsize=7, color="tab:red",
                     rotation=90, va="top", ha="right")
    top.set_ylabel("price ($)")
    top.set_title(title, fontsize=10)
    top.legend(loc="best", fontsize=7)
    if bottom is not None:
        bottom.fill_between(times, 0, volume, step="post", color="tab:gray", lw=0)
        bottom.set_ylabel("volume")
    figure.autofmt_xdate()
    figure.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.14, hspace=0.08)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def bars_chart_png(bars: Sequence, title: str = "", marks: Sequence[tuple[int, str]] = ()) -> bytes:
    """The same chart from one-minute bars (``Bar`` records): the high-low band, the close and the volume."""
    times = np.array([b.start_ns for b in bars], dtype=np.int64)
    high = np.array([float(b.high) for b in bars])
    low = np.array([float(b.low) for b in bars])
    close = np.array([float(b.close) for b in bars])
    volume = np.array([b.volume for b in bars], dtype=float)
    return price_chart_png(times, low, high, None, volume, title, marks, band="high-low", line=close,
                           line_label="close")
