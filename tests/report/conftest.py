"""Fixtures for the report checks: where the generated report and behave's JUnit results are.

These tests check a report generated earlier in the same run (`make test` runs them after
`allure generate`, with MOCKBROKER_REQUIRE_REPORT=1, so a missing report is a failure). Run bare
(`pytest tests/`) before any report exists, they skip and say how to make one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # browser.py, the headless Chromium helpers


def _missing(what: str) -> None:
    message = f"{what}: run `make report` (or `make test`) first"
    if os.environ.get("MOCKBROKER_REQUIRE_REPORT") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def report_dir() -> Path:
    path = ROOT / "reports" / "allure-report"
    if not (path / "index.html").is_file():
        _missing(f"no Allure report at {path}")
    return path


@pytest.fixture(scope="session")
def junit_dir() -> Path:
    path = ROOT / "reports" / "junit"
    if not path.is_dir() or not any(path.glob("*/*.xml")):
        _missing(f"no behave JUnit results under {path}")
    return path
