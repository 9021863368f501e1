"""Sample a process's resident memory and open file descriptors over time, and judge whether memory leaks.

    sampler = ResourceSampler(pid, interval=1.0).start()
    ...                              # load the process
    samples = sampler.stop()
    verdict = leak_verdict(samples, warmup_s=60, max_growth_mb=20, max_growth_pct=10)

The verdict compares the median RSS of the first window after warm-up with the median of the last window (medians,
so one garbage-collection spike does not decide), and fails when the growth passes *both* the absolute and the
relative threshold. File descriptors fail when the last window's count exceeds the first window's by more than
``max_fd_growth``. Sampling is bounded: at most ``max_samples`` samples are kept (older ones are thinned).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import asdict, dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since sampling started
    rss_bytes: int
    fds: int
    threads: int
    cpu_percent: float


def _reader(pid: int):
    try:
        import psutil
    except ImportError:  # /proc fallback (Linux)
        psutil = None
    if psutil is not None:
        proc = psutil.Process(pid)
        proc.cpu_percent(None)

        def read() -> tuple[int, int, int, float]:
            with proc.oneshot():
                return proc.memory_info().rss, proc.num_fds(), proc.num_threads(), proc.cpu_percent(None)
        return read

    page = os.sysconf("SC_PAGE_SIZE")

    def read_proc() -> tuple[int, int, int, float]:
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * page
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        threads = len(os.listdir(f"/proc/{pid}/task"))
        return rss, fds, threads, float("nan")
    return read_proc


class ResourceSampler:
    """A daemon thread sampling ``pid`` every ``interval`` seconds until ``stop()`` (or the process ends)."""

    def __init__(self, pid: int, interval: float = 1.0, max_samples: int = 10_000) -> None:
        self.pid = pid
        self.interval = interval
        self.max_samples = max_samples
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._read = _reader(pid)
        self._t0 = 0.0

    def sample_now(self) -> Sample | None:
        try:
            rss, fds, threads, cpu = self._read()
        except (OSError, ProcessLookupError, Exception):  # the process went away: stop sampling
            return None
        s = Sample(time.monotonic() - self._t0, rss, fds, threads, cpu)
        self.samples.append(s)
        if len(self.samples) > self.max_samples:
            self.samples = self.samples[::2]
        return s

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.sample_now() is None:
                return
            self._stop.wait(self.interval)

    def start(self) -> "ResourceSampler":
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"sampler-{self.pid}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Sample]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        return list(self.samples)


@dataclass(frozen=True)
class LeakVerdict:
    ok: bool
    warmup_s: float
    baseline_rss_mb: float
    final_rss_mb: float
    growth_mb: float
    growth_pct: float
    max_growth_mb: float
    max_growth_pct: float
    baseline_fds: int
    final_fds: int
    max_fd_growth: int
    peak_rss_mb: float
    samples: int
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def leak_verdict(samples: list[Sample], warmup_s: float, max_growth_mb: float = 20.0, max_growth_pct: float = 10.0,
                 max_fd_growth: int = 20, window: int = 5) -> LeakVerdict:
    """Judge the samples taken after ``warmup_s`` (see the module docstring)."""
    after = [s for s in samples if s.t >= warmup_s]
    if len(after) < 2:
        raise ValueError(f"{len(after)} samples after the {warmup_s:g} s warm-up: sample longer or more often")
    w = max(1, min(window, len(after) // 2))
    base = statistics.median(s.rss_bytes for s in after[:w]) / MB
    final = statistics.median(s.rss_bytes for s in after[-w:]) / MB
    base_fds = int(statistics.median(s.fds for s in after[:w]))
    final_fds = int(statistics.median(s.fds for s in after[-w:]))
    growth = final - base
    pct = growth / base * 100 if base else 0.0
    reasons = []
    if growth > max_growth_mb and pct > max_growth_pct:
        reasons.append(f"RSS grew {growth:.1f} MB ({pct:.1f} %) after warm-up: more than {max_growth_mb:g} MB "
                       f"and {max_growth_pct:g} %")
    if final_fds - base_fds > max_fd_growth:
        reasons.append(f"open file descriptors grew from {base_fds} to {final_fds} (more than {max_fd_growth})")
    return LeakVerdict(not reasons, warmup_s, round(base, 2), round(final, 2), round(growth, 2), round(pct, 2),
                       max_growth_mb, max_growth_pct, base_fds, final_fds, max_fd_growth,
                       round(max(s.rss_bytes for s in samples) / MB, 2), len(samples),
                       "; ".join(reasons) or "within thresholds")
