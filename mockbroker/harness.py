"""The test harness's one way to start services: ``ServiceProcess``, the service as a real subprocess on a free
127.0.0.1 port (pytest, behave's targets and ``@performance`` features, the benchmarks and ``load.run``).

    with ServiceProcess(seed=7) as service:
        broker = HttpBroker(service.base_url)

Steps never start processes themselves (``steps/support/target.py`` and ``performance.py`` call this module), and
nothing outside ``mockbroker/service/`` imports the service's modules to do it
(``tests/test_layers.py`` checks both).

The environment passes through (so ``COVERAGE_PROCESS_START`` measures the child). Start waits for
``/health`` for at most ``start_timeout`` seconds (90: it returns as soon as the service answers, ~2 s on a quiet
machine, but a busy shared box took 25 s); stop sends SIGTERM, waits ``stop_timeout``, then kills.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    def __init__(self, config: dict | None = None, *, seed: int | None = None, admin_key: str | None = None,
                 clock: str = "virtual", port: int | None = None, start_timeout: float = 90.0,
                 stop_timeout: float = 5.0, extra_args: list[str] | None = None, env: dict | None = None) -> None:
        self.config = config
        self.seed = seed
        self.admin_key = admin_key
        self.clock = clock
        self.port = port
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_args = list(extra_args or [])
        self.env = env
        self.proc: subprocess.Popen | None = None
        self._config_file: str | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the service is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServiceProcess":
        if self.proc is not None:
            return self
        last_error: Any = None
        for _attempt in range(3):  # a freshly found port can be taken by someone else before we bind it
            port = self.port or free_port()
            cmd = [sys.executable, "-m", "mockbroker", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--clock", self.clock]
            if self.config is not None:
                fd, self._config_file = tempfile.mkstemp(suffix=".json", prefix="mockbroker-config-")
                with os.fdopen(fd, "w") as f:
                    json.dump(self.config, f)
                cmd += ["--config", self._config_file]
            if self.seed is not None:
                cmd += ["--seed", str(self.seed)]
            if self.admin_key is not None:
                cmd += ["--admin-key", self.admin_key]
            cmd += self.extra_args
            env = dict(os.environ if self.env is None else self.env)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
            self._log = tempfile.TemporaryFile()
            self.proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=self._log, stderr=subprocess.STDOUT)
            self.port = port
            try:
                self._wait_healthy()
                return self
            except RuntimeError as exc:
                last_error = exc
                self.stop()
                self.port = None if self.port == port else self.port
        raise RuntimeError(f"the mockbroker service did not start: {last_error}")

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        url = f"http://127.0.0.1:{self.port}/health"
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with code {self.proc.returncode}:\n{self._output()}")
            try:
                if requests.get(url, timeout=1.0).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no healthy answer from {url} within {self.start_timeout:g} s:\n{self._output()}")
            time.sleep(0.05)  # polling a real process's readiness: wall-clock waiting is what is meant here

    def stop(self) -> int | None:
        proc, self.proc = self.proc, None
        code = None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=self.stop_timeout)
            code = proc.returncode
        if self._config_file:
            Path(self._config_file).unlink(missing_ok=True)
            self._config_file = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
