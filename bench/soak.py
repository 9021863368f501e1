"""A bounded soak: hours-style stability in minutes. Samples the service's RSS and open file descriptors while
traders and market-data subscribers load it, and fails when memory keeps growing after warm-up; measures how long
the service takes to recover from an injected outage.

    .venv/bin/python bench/soak.py --minutes 5                     # by hand (the numbers in docs/performance.md)
    .venv/bin/python bench/soak.py --seconds 20 --warmup 6         # CI-sized (tests/perf/test_soak.py)

How memory is judged: the engine keeps every order, fill and event of a simulation (that is its job), so memory
grows with the orders taken - retention, not a leak. The soak therefore resets the simulation every
``--cycle-seconds`` (``POST /mock/reset``: same accounts and keys, empty history) and judges the RSS sampled just
after each reset: after ``--warmup`` seconds it must not grow by more than ``--max-growth-mb`` MB *and*
``--max-growth-pct`` % (medians of the first and last samples, so one garbage-collection spike does not decide);
open file descriptors must not grow by more than ``--max-fd-growth``. The whole RSS series is charted and printed.

Outage recovery: at half time a fault rule makes every broker call fail (503 ``service_unavailable``) for
``--outage-seconds`` of simulated time (the real-time clock runs it at wall speed). A probe submits an order every
``--probe-ms`` ms; recovery time = first accepted order after the outage's end - the outage's end, and the time
until the traders' order rate is back to 90 % of what it was before the outage.

Exit 0 when memory and descriptors stay within the thresholds and the service recovered, 1 otherwise. Load goes
only to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load.run import service_config  # noqa: E402  (load.run never imports locust)
from mockbroker import progress  # noqa: E402
from mockbroker.perf import charts  # noqa: E402
from mockbroker.perf.recovery import Probe, inject_outage, recovery  # noqa: E402
from mockbroker.perf.report import key_values  # noqa: E402
from mockbroker.perf.resources import MB, ResourceSampler, Sample, leak_verdict  # noqa: E402
from mockbroker.perf.stats import throughput_series  # noqa: E402
from mockbroker.harness import ServiceProcess  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = ap.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="soak length in minutes")
    length.add_argument("--seconds", type=float, help="soak length in seconds (default 60)")
    ap.add_argument("--warmup", type=float, help="seconds before memory is judged (default: a fifth of the run)")
    ap.add_argument("--traders", type=int, default=10)
    ap.add_argument("--rate", type=float, default=100.0, help="orders a second, all traders together (default 100)")
    ap.add_argument("--subscribers", type=int, default=5, help="market-data subscribers (default 5)")
    ap.add_argument("--cycle-seconds", type=float, default=15.0, help="reset the simulation this often (default 15)")
    ap.add_argument("--interval", type=float, default=1.0, help="sampling interval, seconds (default 1)")
    ap.add_argument("--max-growth-mb", type=float, default=20.0)
    ap.add_argument("--max-growth-pct", type=float, default=10.0)
    ap.add_argument("--max-fd-growth", type=int, default=20)
    ap.add_argument("--outage-seconds", type=float, default=2.0, help="injected outage length (0: none)")
    ap.add_argument("--probe-ms", type=float, default=50.0)
    ap.add_argument("--charts", help="write PNG charts into this folder")
    ap.add_argument("--json", help="write the numbers to this file")
    args = ap.parse_args(argv)
    total = args.minutes * 60 if args.minutes is not None else (args.seconds or 60.0)
    warmup = args.warmup if args.warmup is not None else total / 5
    if not 0 < warmup < total:
        ap.error("--warmup must be shorter than the run")

    config = service_config(args.traders, ["ACME", "BETA", "GAMA"], 2109, (1.0, 5.0))
    results_json = tempfile.mktemp(prefix="mockbroker-soak-", suffix=".json")
    with ServiceProcess(config=config, clock="realtime") as service:
        base = service.base_url
        sampler = ResourceSampler(service.proc.pid, interval=args.interval).start()
        accounts = requests.get(f"{base}/mock/accounts", timeout=10).json()
        probe_headers = {"APCA-API-KEY-ID": accounts[0]["api_key_id"],
                         "APCA-API-SECRET-KEY": accounts[0]["api_secret_key"]}
        load = subprocess.Popen(
            [sys.executable, "-m", "load.run", "--host", base, "--users", str(args.traders), "--subscribers",
             str(args.subscribers), "--duration", f"{total:g}", "--orders", str(int(args.rate * total)),
             "--no-consistency", "--json", results_json],
            cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        probe = Probe(base, probe_headers, args.probe_ms / 1000, total + 60).start()
        t0 = time.monotonic()
        after_reset: list[Sample] = []
        outage = None
        next_reset = args.cycle_seconds
        outage_at = total / 2 if args.outage_seconds > 0 else None
        with progress.task(f"soak of {total:g} s", total=total, unit="s", delay=0) as bar:
            for _ in range(int(total * 20) + 100):  # 50 ms steps, bounded
                elapsed = time.monotonic() - t0
                latest = sampler.samples[-1] if sampler.samples else None
                bar.update(completed=min(elapsed, total))
                if latest is not None:
                    bar.describe(f"soak: RSS {latest.rss_bytes / MB:.0f} MB, {latest.fds} fds, {len(after_reset)} resets"
                                 + (", outage injected" if outage else ""))
                if elapsed >= total or load.poll() is not None:
                    break
                if outage_at is not None and outage is None and elapsed >= outage_at:
                    outage = inject_outage(base, args.outage_seconds, "soak-outage")
                if elapsed >= next_reset and (outage is None or time.time() > outage[1] + 2):
                    requests.post(f"{base}/mock/reset", timeout=30)
                    time.sleep(min(1.0, args.cycle_seconds / 4))  # let the freed state settle, then sample
                    s = sampler.sample_now()
                    if s is not None:
                        after_reset.append(s)
                    next_reset += args.cycle_seconds
                time.sleep(0.05)
        try:
            out, _ = load.communicate(timeout=total + 120)
        except subprocess.TimeoutExpired:
            load.kill()
            out, _ = load.communicate(timeout=30)
        probe.stop()
        samples = sampler.stop()
        reconcile = requests.get(f"{base}/mock/reconcile", timeout=30).json()

    run = json.loads(Path(results_json).read_text()) if os.path.exists(results_json) else {}
    Path(results_json).unlink(missing_ok=True)
    judged = after_reset if len(after_reset) >= 4 else samples  # too few cycles: judge the raw series
    verdict = leak_verdict(judged, warmup, args.max_growth_mb, args.max_growth_pct, args.max_fd_growth,
                           window=max(1, min(3, len(judged) // 3)))
    rec = recovery(probe.results, [t for t, _ in run.get("samples", {}).get("submits", [])], *outage) \
        if outage else None
    recovered = rec is None or rec["first_success_after_end_s"] is not None
    rss = [s.rss_bytes / MB for s in samples]
    report = {
        "seconds": total, "warmup_s": warmup, "cycles": len(after_reset), "judged_on": "after each reset"
        if judged is after_reset else "every sample", "verdict": verdict.to_dict(),
        "rss_mb_start": round(rss[0], 1) if rss else None, "rss_mb_end": round(rss[-1], 1) if rss else None,
        "rss_mb_peak": round(max(rss), 1) if rss else None,
        "fds_start": samples[0].fds if samples else None, "fds_end": samples[-1].fds if samples else None,
        "orders_submitted": run.get("orders_submitted"), "orders_per_second": run.get("orders_per_second"),
        "market_data_messages_per_second": run.get("market_data", {}).get("messages_per_second"),
        "recovery": rec, "reconciles": reconcile.get("ok"),
        "samples": [[round(s.t, 2), s.rss_bytes, s.fds] for s in samples],
    }
    print(key_values([
        ("soak length (s)", total), ("warm-up (s)", warmup), ("reset cycles", len(after_reset)),
        ("orders submitted", run.get("orders_submitted", "-")), ("orders/s", run.get("orders_per_second", "-")),
        ("market-data messages/s", report["market_data_messages_per_second"] or "-"),
        ("RSS start / end / peak (MB)", f"{report['rss_mb_start']} / {report['rss_mb_end']} / {report['rss_mb_peak']}"),
        (f"RSS after warm-up ({report['judged_on']}) (MB)",
         f"{verdict.baseline_rss_mb} -> {verdict.final_rss_mb} ({verdict.growth_mb:+.2f} MB, {verdict.growth_pct:+.2f} %)"),
        ("open fds start / end", f"{report['fds_start']} / {report['fds_end']}"),
        ("memory verdict", ("ok: " if verdict.ok else "LEAK: ") + verdict.reason),
        ("outage (s)", rec["outage_s"] if rec else "none"),
        ("first order accepted after the outage (s)", rec and rec["first_success_after_end_s"]),
        ("order rate back to 90 % after (s)", rec and rec["throughput_back_after_end_s"]),
        ("accounts reconcile at the end", reconcile.get("ok")),
    ]))
    if args.charts:
        os.makedirs(args.charts, exist_ok=True)
        Path(args.charts, "soak-memory.png").write_bytes(
            charts.memory_over_time(samples, "service RSS and open fds during the soak", warmup))
        if run.get("samples"):
            Path(args.charts, "soak-throughput.png").write_bytes(charts.throughput_over_time(
                {"orders accepted": throughput_series([t for t, _ in run["samples"]["submits"]])},
                "orders over the soak"))
        print(f"charts: {args.charts}/soak-memory.png, soak-throughput.png")
    if args.json:
        Path(args.json).write_text(json.dumps(report))
    if not run:
        print("error: the load run wrote no results:\n" + (out or "")[-3000:], file=sys.stderr)
        return 1
    return 0 if verdict.ok and recovered and reconcile.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
