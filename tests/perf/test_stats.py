"""mockbroker.perf: percentiles, histograms, throughput series, leak verdicts, tables."""

import math

import pytest

from mockbroker.perf.report import latency_table, table
from mockbroker.perf.resources import MB, ResourceSampler, Sample, leak_verdict
from mockbroker.perf.stats import LatencySummary, histogram, percentile, sustained_rate, throughput_series


def test_nearest_rank_percentiles():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 0)


def test_latency_summary_in_milliseconds():
    s = LatencySummary.of("x", [i / 1000 for i in range(1, 1001)])
    assert (s.count, s.p50_ms, s.p99_ms, s.max_ms) == (1000, 500, 990, 1000)
    assert LatencySummary.of("none", []).count == 0
    assert "p99" in latency_table([s])


def test_histogram_and_throughput():
    edges, counts = histogram([1, 2, 3, 10], bins=10)
    assert sum(counts) == 4 and edges[-1] == 10
    assert throughput_series([0.0, 0.5, 1.2, 2.9]) == [(0.0, 2), (1.0, 1), (2.0, 1)]
    assert sustained_rate([0.0, 1.0, 2.0]) == 1.0


def samples(rss_mb):
    return [Sample(float(t), int(r * MB), 10, 4, 0.0) for t, r in enumerate(rss_mb)]


def test_leak_verdict_passes_a_flat_process_and_fails_a_growing_one():
    flat = leak_verdict(samples([50] * 5 + [100] * 20), warmup_s=5)  # the jump is inside the warm-up
    assert flat.ok and flat.growth_mb == 0
    growing = leak_verdict(samples([100 + 3 * t for t in range(30)]), warmup_s=5, max_growth_mb=20, max_growth_pct=10)
    assert not growing.ok and "RSS grew" in growing.reason
    with pytest.raises(ValueError):
        leak_verdict(samples([1, 2]), warmup_s=10)


def test_sampler_reads_this_process():
    import os
    sampler = ResourceSampler(os.getpid(), interval=0.01)
    sample = sampler.sample_now()
    assert sample is not None and sample.rss_bytes > 0 and sample.fds > 0


def test_table_formats_numbers():
    text = table(["what", "n"], [["a", 1234], ["b", 1.5]])
    assert "1,234" in text and "1.50" in text
