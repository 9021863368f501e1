"""Scenarios whose result differs between targets: the same scenario passed on one and failed on another.

Usage: python tools/target_differences.py [RESULTS_DIR] [--out reports/target-differences.md]

Run after every target's behave run has been labelled (tools/label_target.py), before `allure generate`. The
Allure report already shows each scenario once per target (each target is an environment; a scenario's page lists
its result in every environment side by side). This adds, to each result of a scenario that differs, an
attachment "results on every target" with every target's status and message, and writes the same as a Markdown
table (printed too), so a broker adapter's departures from the mock read at a glance. A scenario skipped on a
target (a capability it lacks) is not a difference.

Exit code 0 either way: the behave runs themselves fail the build; this only explains.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAN = ("passed", "failed", "broken")
ATTACHMENT_NAME = "results on every target"


MOCK_TARGETS = ("inprocess", "http")
"""The mock's own targets come first in every table, the adapters after them (by name)."""


def _order(target: str | None) -> tuple:
    return (MOCK_TARGETS.index(target) if target in MOCK_TARGETS else len(MOCK_TARGETS), target or "")


def _target(result: dict) -> str | None:
    return next((label.get("value") for label in result.get("labels", []) if label.get("name") == "target"), None)


def _message(result: dict) -> str:
    message = (result.get("statusDetails") or {}).get("message") or ""
    return " ".join(message.split())[:300]


def load(results: Path) -> dict[str, list[tuple[Path, dict]]]:
    """Results grouped by test case (the same scenario on every target)."""
    groups: dict[str, list[tuple[Path, dict]]] = defaultdict(list)
    for path in sorted(results.glob("*-result.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        key = data.get("testCaseId") or data.get("fullName") or data.get("name")
        if _target(data) is not None:
            groups[f"{key}|{json.dumps(data.get('parameters', []), sort_keys=True)}"].append((path, data))
    return groups


def differences(groups) -> list[list[tuple[Path, dict]]]:
    found = []
    for members in groups.values():
        ran = {data["status"] for _path, data in members if data.get("status") in RAN}
        if len(ran) > 1:
            found.append(members)
    return found


def describe(members) -> list[tuple[str, str, str]]:
    """(target, status, message) for each target of one scenario: the mock's targets first."""
    ordered = sorted(members, key=lambda member: _order(_target(member[1])))
    return [(_target(data) or "?", data.get("status", "?"), _message(data)) for _path, data in ordered]


def attach(results: Path, members) -> None:
    table = "\n".join(f"{target}: {status}" + (f"\n    {message}" if message else "")
                      for target, status, message in describe(members))
    for path, data in members:
        if any(a.get("name") == ATTACHMENT_NAME for a in data.get("attachments", [])):
            continue
        source = f"{uuid.uuid4()}-attachment.txt"
        (results / source).write_text(table + "\n", encoding="utf-8")
        data.setdefault("attachments", []).append({"name": ATTACHMENT_NAME, "source": source, "type": "text/plain"})
        path.write_text(json.dumps(data), encoding="utf-8")


def markdown(found, targets: list[str]) -> str:
    lines = ["# Scenarios whose result differs between targets", "",
             "| scenario | " + " | ".join(targets) + " |", "| --- |" + " --- |" * len(targets)]
    for members in found:
        by_target = {t: (s, m) for t, s, m in describe(members)}
        name = members[0][1].get("fullName") or members[0][1].get("name", "?")
        cells = []
        for target in targets:
            status, message = by_target.get(target, ("-", ""))
            cells.append(f"{status}: {message}".replace("|", "/") if message and status != "passed" else status)
        lines.append(f"| {name.replace('|', '/')} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=ROOT / "reports" / "allure-results")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "target-differences.md")
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        print(f"error: no results folder {args.results}", file=sys.stderr)
        return 2
    groups = load(args.results)
    targets = sorted({_target(d) for members in groups.values() for _p, d in members}, key=_order)
    found = differences(groups)
    on_several = sum(1 for members in groups.values()
                     if len({_target(d) for _p, d in members if d.get("status") in RAN}) > 1)
    if not found:
        print(f"no scenario differs between targets: {on_several} scenarios ran (not skipped) on more than one of "
              f"{', '.join(targets) or 'no targets'}")
        args.out.unlink(missing_ok=True)
        return 0
    for members in found:
        attach(args.results, members)
    text = markdown(found, targets)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{len(found)} scenarios differ between targets (each result carries '{ATTACHMENT_NAME}'; {args.out}):")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
