"""The quality gate: no ``@allure.severity:critical`` scenario may fail or break, in any target.

Usage: python tools/quality_gate.py RESULTS_DIR

Reads the labelled results of the whole run (every target). When a critical scenario did not pass (its latest
attempt, so a @performance scenario that passed when run once more does not count), it writes an Allure global
error listing them (the report's front page shows why the gate failed) and exits 1; `make report` and
`make test` then fail. Exit 0 when the gate holds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402

GATE_SEVERITIES = ("critical",)
NOT_PASSING = ("failed", "broken")


def latest_attempts(results: Path) -> list[dict]:
    """One result per scenario and target: the latest attempt (reruns come after first runs)."""
    latest: dict[tuple, dict] = {}
    for _path, data in allure_files.results(results):
        key = (data.get("historyId") or data.get("fullName"), allure_files.label(data, "target"))
        if key not in latest or data.get("stop", 0) >= latest[key].get("stop", 0):
            latest[key] = data
    return list(latest.values())


def blocking(results: Path) -> list[dict]:
    """Critical scenarios that did not pass (an aborted run says so by itself: tools/run_outcome.py)."""
    return [data for data in latest_attempts(results)
            if allure_files.label(data, "severity") in GATE_SEVERITIES and data.get("status") in NOT_PASSING
            and allure_files.label(data, "epic") != "run"]


def verdict(blocked: list[dict]) -> str:
    lines = [f"Quality gate failed: {len(blocked)} critical scenario{'s' if len(blocked) != 1 else ''} did not pass "
             f"(@allure.severity:critical must always pass)"]
    for data in sorted(blocked, key=lambda d: (allure_files.label(d, "target") or "", d.get("name", ""))):
        message = ((data.get("statusDetails") or {}).get("message") or "").strip().splitlines()
        lines.append(f"- [{allure_files.label(data, 'target')}] {data.get('name')} ({data.get('status')}): "
                     f"{message[0] if message else 'no message'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        print(f"error: no results folder {args.results}", file=sys.stderr)
        return 2
    blocked = blocking(args.results)
    if not blocked:
        print("quality gate: every critical scenario passed")
        return 0
    text = verdict(blocked)
    allure_files.write_global_error(args.results, text)
    print(text, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
