"""python -m load.run end to end at tiny scale: local, and distributed (one master + 2 workers on 127.0.0.1).

Locust runs in processes of its own (it patches the interpreter through gevent); this test only starts them.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _with_root_on_path() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}


def load_run(tmp_path, *args):
    out = tmp_path / "run.json"
    done = subprocess.run([sys.executable, "-m", "load.run", "--users", "4", "--orders", "60", "--duration", "2s",
                           "--json", str(out), *args], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text()), done.stdout


@pytest.mark.parametrize("workers", [0, 2], ids=["local", "master + a local worker + a joined worker"])
def test_load_run_is_consistent(tmp_path, workers):
    if workers:
        # one worker started by load.run, one joining from outside with `python -m load.worker` as a worker on
        # another machine would (it shares no files with the master: its orders come back as a Locust message)
        from mockbroker.service.process import free_port

        port = free_port()
        joiner = subprocess.Popen([sys.executable, "-m", "load.worker", f"127.0.0.1:{port}", "--processes", "1",
                                   "--timeout", "170"], cwd=tmp_path, env=_with_root_on_path(),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            run, text = load_run(tmp_path, "--workers", "1", "--remote-workers", "1", "--master-port", str(port))
            assert joiner.wait(timeout=60) == 0, joiner.stdout.read()
        finally:
            if joiner.poll() is None:
                joiner.kill()
    else:
        run, text = load_run(tmp_path, "--workers", "0")
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


@pytest.mark.parametrize("args, refused", [
    (["--host", "http://10.20.30.40:8000"], "--allow-remote"),
    (["--host", "http://broker.example:8000"], "--allow-remote"),
    (["--master-bind-host", "0.0.0.0", "--workers", "2"], "--allow-remote"),
    (["--host", "ftp://127.0.0.1:1"], "expected a base URL"),
])
def test_load_goes_only_to_loopback_unless_allowed(capsys, args, refused):
    from load.run import main

    with pytest.raises(SystemExit) as stopped:
        main(["--users", "1", *args])  # refused before anything starts or any request is sent
    assert stopped.value.code == 2 and refused in capsys.readouterr().err


def test_allow_remote_lets_the_master_listen_for_workers_elsewhere():
    from load.run import check_where_load_goes, is_loopback, locust_commands

    class Args:
        users, duration, workers, master_port, loglevel, poll_ms, seed = 4, 2.0, 1, 5557, "WARNING", 10.0, 1
        subscribers, fills_from, remote_workers, remote_wait = 0, "stream", 3, 45.0
        host, allow_remote, master_bind_host = "http://10.20.30.40:8000", True, "0.0.0.0"

    assert check_where_load_goes(Args) is None
    master, *local = locust_commands(Args, Args.host, "/tmp/x", 10, 5.0)
    assert master[master.index("--master-bind-host") + 1] == "0.0.0.0"
    assert master[master.index("--expect-workers") + 1] == "4"  # 1 local + 3 remote
    assert len(local) == 1 and local[0][local[0].index("--master-host") + 1] == "127.0.0.1"
    assert [is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "localhost", "::1", "10.0.0.1", "example.com")] == \
        [True, True, True, True, False, False]


def test_a_worker_joins_only_a_loopback_master_unless_allowed(capsys):
    from load.worker import main

    with pytest.raises(SystemExit) as stopped:
        main(["10.20.30.40:5557"])
    assert stopped.value.code == 2 and "--allow-remote" in capsys.readouterr().err
