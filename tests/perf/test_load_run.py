"""python -m load.run end to end at tiny scale: local, and distributed (one master + 2 workers on 127.0.0.1).

Locust runs in processes of its own (it patches the interpreter through gevent); this test only starts them.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_run(tmp_path, *args):
    out = tmp_path / "run.json"
    done = subprocess.run([sys.executable, "-m", "load.run", "--users", "4", "--orders", "60", "--duration", "2s",
                           "--json", str(out), *args], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text()), done.stdout


@pytest.mark.parametrize("workers", [0, 2], ids=["local", "master+2 workers"])
def test_load_run_is_consistent(tmp_path, workers):
    run, text = load_run(tmp_path, "--workers", str(workers))
    assert run["orders_submitted"] == 60
    assert run["locust_processes"] == max(workers, 1)  # every worker reported its orders
    c = run["consistency"]
    assert c["ok"], c["problems"]
    assert c["accounted_for"] == c["accepted"] == run["orders_accepted"]
    assert run["round_trip"]["count"] > 0
    assert "orders/s sustained" in text and "consistency" in text


def test_distributed_commands_bind_loopback_only():
    from load.run import locust_commands  # load.run imports no locust

    class Args:
        users, duration, workers, master_port, loglevel, poll_ms, seed = 4, 2.0, 3, 5557, "WARNING", 10.0, 1
        subscribers, fills_from = 2, "stream"

    master, *workers = locust_commands(Args, "http://127.0.0.1:1", "/tmp/x", 10, 5.0)
    assert master[master.index("--master-bind-host") + 1] == "127.0.0.1"
    assert len(workers) == 3 and all(w[w.index("--master-host") + 1] == "127.0.0.1" for w in workers)
    assert "locust" not in sys.modules
