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
    fig.savefig(buf, format="png", bbox_inches="tight")  # "tight" keeps a legend placed below the plot
    plt.close(fig)
    return buf.getvalue()


def _legend_below(ax, columns: int = 3) -> None:
    """The legend under the plot, where it can never cover the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=columns, fontsize=8, frameon=False)


def latency_histogram(values_ms: Sequence[float], title: str, marks: dict[str, float] | None = None,
                      limits: Sequence[tuple[str, float]] = ()) -> bytes:
    """Histogram of latencies with dashed lines at the named marks (e.g. {"p50": 3.1, "p99": 12.0}) and a solid
    red line at each limit a check held them to (label, ms), the x axis wide enough to show both."""
    plt, fig, ax = _figure()
    edges, counts = histogram(list(values_ms), bins=50)
    ax.bar(edges[:-1], counts, width=edges[1] - edges[0], align="edge", color="#4472c4")
    for i, (name, value) in enumerate((marks or {}).items()):
        ax.axvline(value, color=("#ed7d31", "#70ad47", "#7030a0")[i % 3], linestyle="--", label=f"{name} {value:.1f} ms")
    for label, value in limits:
        ax.axvline(value, color="#c00000", linewidth=2.0, label=label)
    if limits:
        ax.set_xlim(left=0, right=max([edges[-1], *[v for _l, v in limits]]) * 1.05)
    if marks or limits:
        _legend_below(ax)
    ax.set_xlabel("milliseconds")
    ax.set_ylabel("count")
    ax.set_title(title)
    return _png(plt, fig)


def throughput_over_time(series: dict[str, list[tuple[float, int]]], title: str, bucket_s: float = 1.0) -> bytes:
    """One line per named series of (offset s, count per bucket), plotted as a rate per second, from zero on both
    axes (a rate near the top of a cropped axis would look like a collapse)."""
    plt, fig, ax = _figure()
    for name, points in series.items():
        if points:
            ax.plot([p[0] for p in points], [p[1] / bucket_s for p in points], marker=".", label=name)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"seconds since start ({bucket_s:g} s buckets)")
    ax.set_ylabel("per second")
    ax.set_title(title)
    _legend_below(ax)
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
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3,
              fontsize=8, frameon=False)
    return _png(plt, fig)
