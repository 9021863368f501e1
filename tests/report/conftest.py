"""Fixtures for the report checks: where the generated report and behave's JUnit results are.

These tests check a report generated earlier in the same run (`make test` runs them after
`allure generate`); they skip nothing: a missing report is a failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def report_dir() -> Path:
    path = ROOT / "reports" / "allure-report"
    if not (path / "index.html").is_file():
        pytest.fail(f"no Allure report at {path}: run `make report` (or `make test`) first")
    return path


@pytest.fixture(scope="session")
def junit_dir() -> Path:
    path = ROOT / "reports" / "junit"
    if not path.is_dir() or not any(path.glob("*/*.xml")):
        pytest.fail(f"no behave JUnit results under {path}: run `make report` (or `make test`) first")
    return path
