"""bench/soak.py at CI size: memory sampled, judged after warm-up, an injected outage recovered from."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_short_soak_passes_and_measures_recovery(tmp_path):
    out = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, "bench/soak.py", "--seconds", "14", "--warmup", "4", "--cycle-seconds",
                           "2", "--traders", "4", "--rate", "40", "--subscribers", "2", "--outage-seconds", "1",
                           "--max-growth-mb", "40", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert report["cycles"] >= 3 and report["verdict"]["ok"] and report["reconciles"]
    assert report["recovery"]["probe_failures_during_outage"] > 0  # the outage really happened
    assert report["recovery"]["first_success_after_end_s"] is not None
    assert len(report["samples"]) >= 10 and all(rss > 0 for _, rss, _ in report["samples"])
    assert "memory verdict" in done.stdout
