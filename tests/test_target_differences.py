"""tools/target_differences.py: a scenario that passed on one target and failed on another is listed, and each of
its results carries every target's status and message; skipped results are no difference."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("target_differences", ROOT / "tools" / "target_differences.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result(results: Path, name: str, target: str, status: str, message: str = "") -> Path:
    path = results / f"{name}-{target}-result.json"
    data = {"name": name, "fullName": f"F: {name}", "testCaseId": name, "status": status,
            "labels": [{"name": "target", "value": target}], "attachments": []}
    if message:
        data["statusDetails"] = {"message": message}
    path.write_text(json.dumps(data))
    return path


def test_a_scenario_that_differs_is_listed_and_explained_on_each_target(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    passed = _result(results, "ids", "inprocess", "passed")
    failed = _result(results, "ids", "alpaca", "failed", "Expected: the order's client order id exactly 'a'")
    _result(results, "crash", "inprocess", "passed")
    _result(results, "crash", "alpaca", "skipped", "skipped: target alpaca lacks control")
    out = tmp_path / "differences.md"
    assert _tool().main([str(results), "--out", str(out)]) == 0
    table = out.read_text()
    assert "| F: ids | passed | failed: Expected: the order's client order id exactly 'a' |" in table
    assert "crash" not in table
    for path in (passed, failed):
        attachment = json.loads(path.read_text())["attachments"][0]
        assert attachment["name"] == "results on every target"
        text = (results / attachment["source"]).read_text()
        assert "inprocess: passed" in text and "alpaca: failed" in text
    assert "1 scenarios differ between targets" in capsys.readouterr().out


def test_no_difference_says_so_and_writes_no_table(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    _result(results, "ids", "inprocess", "passed")
    _result(results, "ids", "http", "passed")
    out = tmp_path / "differences.md"
    assert _tool().main([str(results), "--out", str(out)]) == 0
    assert not out.exists() and "no scenario differs between targets" in capsys.readouterr().out
