"""Headless Chromium for the report checks: serve a report on 127.0.0.1, render a page, read its text, screenshot it.

The report (Allure 3 "awesome", not single-file) needs HTTP, so a report is served from a folder of its own by a
`python -m http.server` subprocess on a free port: the report under /report/, and a helper page /open.html that
sets what a user's clicks would (the environment filter, every tree group expanded: the report keeps them in
localStorage "currentEnvironment" and "expandedTrees") and then goes to the report's page named after the "#".
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from steps.support.performance import run_queue_per_core

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]
SERVER_START_TIMEOUT_S = 60  # ends as soon as it answers; a busy shared machine is slow to start Python
CHROMIUM_TIMEOUT_S = 40  # on an idle machine; stretched by CPU contention and doubled on each new attempt
CHROMIUM_ATTEMPTS = 3
CHROMIUM_TIMEOUT_CAP_S = 400

OPEN_PAGE = """<!doctype html><meta charset="utf-8"><title>open</title><script>
const query = new URLSearchParams(location.search);
localStorage.setItem("expandedTrees", JSON.stringify(%s));
localStorage.setItem("currentEnvironment", JSON.stringify(query.get("env") || null));
location.replace("/report/index.html" + location.hash);
</script>
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_group_ids(report_dir: Path) -> list[str]:
    group_ids: list[str] = []
    for tree in sorted(report_dir.glob("widgets/*/tree.json")):
        environment = tree.parent.name
        for group_id in json.loads(tree.read_text(encoding="utf-8")).get("groupsById", {}):
            group_ids += [group_id, f"{environment}:{group_id}"]
    return sorted(set(group_ids))


@contextmanager
def served(report_dir: Path, site: Path):
    """Serve the report (symlinked into ``site``) with the helper page; yields the base URL."""
    (site / "report").symlink_to(report_dir, target_is_directory=True)
    (site / "open.html").write_text(OPEN_PAGE % json.dumps(tree_group_ids(report_dir)), encoding="utf-8")
    # The same with every group closed, for screenshots of a large report: with thousands of rows expanded, headless
    # Chromium's screenshot (unlike --dump-dom) often never finishes (seen with the three-target suite report).
    (site / "front.html").write_text(OPEN_PAGE % json.dumps([]), encoding="utf-8")
    port = free_port()
    # http.server logs every request on stderr: into a file, never an unread pipe, which fills after a few hundred
    # requests (a report of three targets is thousands of files) and then blocks the server mid-answer.
    log = (site / "http-server.log").open("w+b")
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                log.seek(0)
                pytest.fail(f"http.server exited with {server.returncode}: {log.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/report/index.html", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"http.server did not answer on {base} within {SERVER_START_TIMEOUT_S} s")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def chromium(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run headless Chromium once more if it hangs: a browser that never returns is the machine's problem, not the
    report's. Chromium runs in a process group of its own, so a hung renderer or zygote (which keeps the output
    pipe open) is killed with it instead of blocking the test."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make bootstrap` (apt-get install -y chromium)")
    tmp_path.mkdir(parents=True, exist_ok=True)
    waited = []
    for attempt in range(CHROMIUM_ATTEMPTS):
        # A shared CI machine at 4 runnable processes per core renders the full report in minutes, not seconds:
        # a browser that is merely slow is given the time the machine's load asks for.
        timeout = min(CHROMIUM_TIMEOUT_CAP_S, round(CHROMIUM_TIMEOUT_S * run_queue_per_core() * 2 ** attempt))
        waited.append(timeout)
        profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
        profile.mkdir()
        browser = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            stdout, stderr = browser.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.communicate()
            continue
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        assert browser.returncode == 0, f"chromium exited {browser.returncode}: {stderr[-2000:]}"
        return subprocess.CompletedProcess(browser.args, browser.returncode, stdout, stderr)
    pytest.fail(f"chromium did not finish rendering {url} in {CHROMIUM_ATTEMPTS} attempts of "
                f"{', '.join(f'{t} s' for t in waited)} (load average {os.getloadavg()[0]:.1f} on "
                f"{os.cpu_count()} CPUs)")


def visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
    return re.sub(r"\s+", " ", text)


def page_text(url: str, tmp_path: Path) -> str:
    dom = chromium(url, tmp_path, "--dump-dom").stdout
    assert "<html" in dom.lower() or "<svg" in dom.lower(), f"chromium returned no DOM for {url}"
    return visible_text(dom)


def screenshot(url: str, target: Path, tmp_path: Path, size: str = "1440,1000") -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    chromium(url, tmp_path, f"--window-size={size}", f"--screenshot={target}")
    assert target.is_file() and target.stat().st_size > 10_000, f"no usable screenshot at {target}"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{target} is not a PNG"
    return target
