"""Reading and writing the files of an Allure results folder (allure-behave's format, read by Allure 3).

Shared by the tools that finish a behave run before `allure generate`: label_target.py (labels), run_outcome.py
(aborted runs), quality_gate.py, flaky_rerun.py. Each of them changes result
files in place; this module only knows the file format:

- ``<uuid>-result.json``: one test result (a scenario, or an example of an outline);
- ``<uuid>-attachment.<ext>``: an attachment, named by the ``source`` of an entry in a result's ``attachments``;
- ``<uuid>-globals.json``: global errors and attachments (Allure 3 shows them on the report's front page).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Iterator


def results(folder: Path) -> Iterator[tuple[Path, dict]]:
    """Every test result of the folder, with its path, in file-name order."""
    for path in sorted(Path(folder).glob("*-result.json")):
        yield path, json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def label(data: dict, name: str) -> str | None:
    """The value of the result's first label called ``name``."""
    return next((item.get("value") for item in data.get("labels", []) if item.get("name") == name), None)


def label_values(data: dict, name: str) -> list[str]:
    return [item.get("value") for item in data.get("labels", []) if item.get("name") == name]


def set_label(data: dict, name: str, value: str) -> None:
    """Make ``value`` the one label called ``name``."""
    data["labels"] = [item for item in data.get("labels", []) if item.get("name") != name]
    data["labels"].append({"name": name, "value": value})


def now_ms() -> int:
    return int(time.time() * 1000)


def new_uuid() -> str:
    return str(uuid.uuid4())


def write_global_error(folder: Path, message: str, trace: str | None = None) -> Path:
    """A global error: shown in the report's "Global Errors" tab, whatever the environment filter."""
    error = {"message": message, "timestamp": now_ms()}
    if trace:
        error["trace"] = trace
    path = Path(folder) / f"{new_uuid()}-globals.json"
    path.write_text(json.dumps({"errors": [error], "attachments": []}), encoding="utf-8")
    return path


def global_errors(folder: Path) -> list[dict]:
    errors: list[dict] = []
    for path in sorted(Path(folder).glob("*-globals.json")):
        errors += json.loads(path.read_text(encoding="utf-8")).get("errors", [])
    return errors
