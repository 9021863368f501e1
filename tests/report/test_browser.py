"""The generated report really renders: served on 127.0.0.1, loaded in headless Chromium.

The report (Allure 3 "awesome", not single-file) needs HTTP, so the test serves it with a
`python -m http.server` subprocess on a free port, loads it with Debian's chromium --dump-dom,
and checks that the page shows every scenario behave ran and the totals. It also saves a
screenshot to reports/allure-report.png.

The report tree collapses all-passed groups, and only expanded groups are in the DOM. So the
page loaded first is a tiny helper, served from the same origin, that marks every tree group as
expanded the way a user's clicks would (the report keeps them in localStorage "expandedTrees",
as "<group id>" and "<environment>:<group id>") and then goes to the report.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import check_report

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
CHROMIUM_TIMEOUT_S = 40
CHROMIUM_ATTEMPTS = 3


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _expand_all_page(report_dir: Path) -> str:
    group_ids: list[str] = []
    for tree in sorted(report_dir.glob("widgets/*/tree.json")):
        environment = tree.parent.name
        for group_id in json.loads(tree.read_text(encoding="utf-8")).get("groupsById", {}):
            group_ids += [group_id, f"{environment}:{group_id}"]
    return (
        "<!doctype html><meta charset='utf-8'><title>expand</title><script>\n"
        f"localStorage.setItem('expandedTrees', JSON.stringify({json.dumps(sorted(set(group_ids)))}));\n"
        "location.replace('/report/index.html');\n</script>\n"
    )


@pytest.fixture(scope="module")
def served_report(report_dir, tmp_path_factory):
    """Serve a folder holding the report (symlinked) and the helper page; yield the base URL."""
    site = tmp_path_factory.mktemp("site")
    (site / "report").symlink_to(report_dir, target_is_directory=True)
    (site / "expand.html").write_text(_expand_all_page(report_dir), encoding="utf-8")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"http.server exited with {server.returncode}: {server.stderr.read().decode()[-2000:]}")
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


def _chromium(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run headless Chromium once more if it hangs: a browser that never returns is the machine's problem, not the
    report's. Chromium runs in a process group of its own, so a hung renderer or zygote (which keeps the output
    pipe open) is killed with it instead of blocking the test."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make bootstrap` (apt-get install -y chromium)")
    for attempt in range(1, CHROMIUM_ATTEMPTS + 1):
        profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
        profile.mkdir()
        browser = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            stdout, stderr = browser.communicate(timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.communicate()
            continue
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        assert browser.returncode == 0, f"chromium exited {browser.returncode}: {stderr[-2000:]}"
        return subprocess.CompletedProcess(browser.args, browser.returncode, stdout, stderr)
    pytest.fail(f"chromium did not finish rendering {url} within {CHROMIUM_TIMEOUT_S} s, {CHROMIUM_ATTEMPTS} times")


def _visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def page_text(served_report, tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("chromium")
    dom = _chromium(f"{served_report}/expand.html", tmp, "--dump-dom").stdout
    assert "<html" in dom.lower(), "chromium returned no DOM"
    return _visible_text(dom)


def test_page_shows_the_report(page_text):
    assert "mockbroker acceptance" in page_text, f"report title missing; page text: {page_text[:500]}"


def test_page_shows_every_scenario(page_text, junit_dir):
    runs = check_report.read_junit(junit_dir)
    names = sorted({re.sub(r"\s+", " ", name).strip() for run in runs.values() for name in run.names})
    assert names, "behave reported no scenarios"
    missing = [name for name in names if name not in page_text]
    assert not missing, f"{len(missing)} of {len(names)} scenarios not shown: {missing[:10]}"


def test_page_shows_the_totals(page_text, junit_dir):
    expected = check_report.total_stats(check_report.read_junit(junit_dir))
    assert re.search(rf"\bTotal {expected['total']}\b", page_text), (
        f"page does not show 'Total {expected['total']}'; page text: {page_text[:800]}"
    )
    for status in check_report.STATUSES:
        if expected[status]:
            label = status.capitalize()
            assert re.search(rf"\b{label} {expected[status]}\b", page_text), (
                f"page does not show '{label} {expected[status]}'; page text: {page_text[:800]}"
            )


def test_screenshot(served_report, tmp_path, root):
    target = root / "reports" / "allure-report.png"
    target.unlink(missing_ok=True)
    _chromium(f"{served_report}/expand.html", tmp_path, "--window-size=1440,1000", f"--screenshot={target}")
    assert target.is_file() and target.stat().st_size > 10_000, f"no usable screenshot at {target}"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG"
