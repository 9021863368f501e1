"""Unit tests of the report tooling (tools/) and of the report's words in steps/support: no report needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))


class ResultsFolder(type(Path())):
    """An Allure results folder that can write test result files into itself."""

    def write(self, name: str, **fields) -> Path:
        data = {"uuid": name, "name": name, "historyId": f"h-{name}", "status": "passed", "start": 1, "stop": 2,
                "labels": [], "steps": [], "attachments": [], **fields}
        path = self / f"{name}-result.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path


@pytest.fixture
def results(tmp_path) -> ResultsFolder:
    folder = ResultsFolder(tmp_path / "allure-results")
    folder.mkdir()
    return folder


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
