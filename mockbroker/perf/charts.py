"""matplotlib charts of a performance run as PNG bytes (Agg backend, nothing is shown)."""

from __future__ import annotations

import io
from typing import Sequence

from .stats import histogram


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    return plt, fig, ax


def _png(plt, fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def latency_histogram(values_ms: Sequence[float], title: str, marks: dict[str, float] | None = None) -> bytes:
    """Histogram of latencies with vertical lines at the named marks (e.g. {"p50": 3.1, "p99": 12.0})."""
    plt, fig, ax = _figure()
    edges, counts = histogram(list(values_ms), bins=50)
    ax.bar(edges[:-1], counts, width=edges[1] - edges[0], align="edge", color="#4472c4")
    for i, (name, value) in enumerate((marks or {}).items()):
        ax.axvline(value, color=("#c00000", "#ed7d31", "#70ad47")[i % 3], linestyle="--", label=f"{name} {value:.1f} ms")
    if marks:
        ax.legend()
    ax.set_xlabel("milliseconds")
    ax.set_ylabel("count")
    ax.set_title(title)
    return _png(plt, fig)


def throughput_over_time(series: dict[str, list[tuple[float, int]]], title: str, bucket_s: float = 1.0) -> bytes:
    """One line per named series of (offset s, count per bucket), plotted as a rate per second."""
    plt, fig, ax = _figure()
    for name, points in series.items():
        if points:
            ax.plot([p[0] for p in points], [p[1] / bucket_s for p in points], marker=".", label=name)
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("per second")
    ax.set_title(title)
    ax.legend()
    return _png(plt, fig)


def memory_over_time(samples, title: str, warmup_s: float | None = None) -> bytes:
    """RSS (MB, left axis) and open file descriptors (right axis) over time, with the warm-up boundary."""
    plt, fig, ax = _figure()
    ts = [s.t for s in samples]
    ax.plot(ts, [s.rss_bytes / 1024 / 1024 for s in samples], color="#4472c4", label="RSS MB")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("RSS (MB)")
    ax2 = ax.twinx()
    ax2.plot(ts, [s.fds for s in samples], color="#ed7d31", label="open fds")
    ax2.set_ylabel("open file descriptors")
    if warmup_s is not None:
        ax.axvline(warmup_s, color="grey", linestyle=":", label="end of warm-up")
    ax.set_title(title)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="lower right")
    return _png(plt, fig)
