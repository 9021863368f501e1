"""After failed @performance scenarios ran once more: mark the ones that passed as flaky, and say whether the run
may count as passed.

Usage: python tools/flaky_rerun.py RESULTS_DIR --junit reports/junit/TARGET

The Makefile runs the failed scenarios of a target again (only ``@performance`` ones: they measure wall-clock
time on a shared machine, where a busy neighbour can push a percentile over its limit once), with JUnit into
``JUNIT/rerun/`` and Allure results into the same folder, labelled with the thread ``rerun``. Then this tool

- gives each rerun result that passed, where an earlier attempt of the same scenario failed, the Allure flag
  ``statusDetails.flaky`` and a message quoting the first failure; Allure shows the scenario as flaky, the passed
  attempt first and the failed one under Retries: the failure stays in the report;
- exits 0 when every scenario that failed in the first run passed when run again, 1 otherwise (then behave's
  failure stands).
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402

RERUN_SHARD = "rerun"


def _cases(folder: Path) -> dict[tuple[str, str], str]:
    """{(classname, name): "passed" | "failed" | "other"} of the JUnit files in one folder."""
    cases = {}
    for xml_file in sorted(folder.glob("*.xml")):
        for case in ET.parse(xml_file).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                status = "failed"
            elif case.get("status", "passed") == "passed" and case.find("skipped") is None:
                status = "passed"
            else:
                status = "other"
            cases[(case.get("classname", ""), case.get("name", ""))] = status
    return cases


def all_recovered(junit: Path) -> bool:
    """Did every scenario that failed in the first run pass when run again?"""
    first, again = _cases(junit), _cases(junit / "rerun")
    failed = [key for key, status in first.items() if status == "failed"]
    return bool(failed) and all(again.get(key) == "passed" for key in failed)


def mark_flaky(results: Path) -> list[str]:
    """Flag rerun results that passed after a failed attempt; returns their names."""
    attempts: dict[tuple, list[tuple[Path, dict]]] = {}
    for path, data in allure_files.results(results):
        key = (data.get("historyId"), allure_files.label(data, "target"))
        attempts.setdefault(key, []).append((path, data))
    marked = []
    for tries in attempts.values():
        failures = [d for _p, d in tries if d.get("status") in ("failed", "broken")]
        for path, data in tries:
            rerun = allure_files.label(data, "thread") == RERUN_SHARD
            if not (rerun and data.get("status") == "passed" and failures):
                continue
            first = ((failures[0].get("statusDetails") or {}).get("message") or "").strip().splitlines()
            details = data.setdefault("statusDetails", {})
            details["flaky"] = True
            details["message"] = ("flaky: failed at first, passed when run again (the failed attempt is under "
                                  f"Retries): {first[0] if first else failures[0].get('status')}")
            allure_files.save(path, data)
            marked.append(data.get("name", ""))
    return marked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--junit", type=Path, required=True, help="the target's JUnit folder (rerun/ inside)")
    args = parser.parse_args(argv)
    for name in mark_flaky(args.results):
        print(f"FLAKY: {name}: failed, then passed when run again (marked flaky in the report)", file=sys.stderr)
    if not all_recovered(args.junit):
        print("the scenarios that failed did not all pass when run again: the failure stands", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
