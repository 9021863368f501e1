"""Make an aborted behave run visible in the Allure report: a broken result and a global error naming the cause.

Usage: python tools/run_outcome.py RESULTS_DIR TARGET --exit-code N [--junit DIR] [--timeout S]

Run it right after behave, before tools/label_target.py (so the result it may add is labelled with the run's
target). A run counts as aborted when behave

- left scenarios untested (JUnit ``status="untested"``: a ``before_all`` hook error, such as a bad ``-D seed=`` or
  a service that cannot be reached), or
- exited non-zero without writing a single Allure result (a crash before any scenario, a timeout kill).

The cause is what the hooks reported as an Allure global error (``steps/support/hooks.py`` does that for errors in
``before_all``); failing that, behave's exit status. Exit status of this tool: 0 when the run was complete, 3 when
it was aborted (the Makefile then keeps the run out of the report's history: a run that did not happen must not
show as a trend point).
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402

ABORTED = 3
TIMEOUT_CODES = (124, 137)


def untested(junit_dir: Path | None) -> int:
    if junit_dir is None or not junit_dir.is_dir():
        return 0
    count = 0
    for xml_file in junit_dir.glob("*.xml"):
        count += sum(1 for case in ET.parse(xml_file).getroot().iter("testcase") if case.get("status") == "untested")
    return count


def new_results(results: Path) -> int:
    """Results this run wrote: those not labelled with a target yet."""
    return sum(1 for _path, data in allure_files.results(results) if allure_files.label(data, "target") is None)


def hook_errors(results: Path, since_ms: int) -> list[str]:
    """Global errors the hooks of this run reported (written at or after ``since_ms``)."""
    return [e["message"] for e in allure_files.global_errors(results)
            if e.get("message") and int(e.get("timestamp", 0)) >= since_ms]


def cause(reported: list[str], exit_code: int, timeout: str | None) -> str:
    if reported:
        return reported[-1]
    if exit_code in TIMEOUT_CODES:
        limit = f" within {timeout} s (BEHAVE_TIMEOUT)" if timeout else ""
        return f"behave did not finish{limit} and was killed"
    return f"behave exited with status {exit_code} before running any scenario (see its output)"


def record_abort(results: Path, target: str, message: str, not_run: int, already_global: bool,
                 where: str = "") -> None:
    """A broken result for the run itself, and the same words as a global error (unless a hook reported one).
    ``where`` names the shards that aborted when the target ran in several behave processes (tools/run_suite.py)."""
    start = allure_files.now_ms()
    scenarios = f"; {not_run} scenarios were not run" if not_run else ""
    place = f"; {where}" if where else ""
    headline = f"{message} (target={target}{place}{scenarios})"
    result = {
        "uuid": allure_files.new_uuid(),
        "historyId": f"run-aborted-{target}",
        "testCaseId": f"run-aborted-{target}",
        "fullName": f"behave run: target={target}",
        "name": f"The behave run against {target} was aborted before its scenarios ran",
        "status": "broken",
        "statusDetails": {"message": headline},
        "description": ("behave stopped before running the scenarios of this target, so none of them is in this "
                        "report. The message names the cause; fix it and run again. This run is not written "
                        "into the report's history."),
        "start": start,
        "stop": start,
        "titlePath": ["behave run"],
        "labels": [{"name": "epic", "value": "run"}, {"name": "feature", "value": "behave run"},
                   {"name": "severity", "value": "blocker"}, {"name": "framework", "value": "behave"}],
    }
    allure_files.save(results / f"{result['uuid']}-result.json", result)
    if not already_global:
        allure_files.write_global_error(results, headline)


@dataclass(frozen=True)
class Abort:
    """Why a behave run stopped before its scenarios: the cause, how many were not run, whether a hook already
    reported the cause as a global error."""

    message: str
    not_run: int
    reported: bool


def assess(results: Path, junit: Path | None, exit_code: int, timeout: str | None = None,
           started: int = 0) -> Abort | None:
    """The run's abort, or None when it was complete (see the module's docstring)."""
    not_run = untested(junit)
    if not (not_run > 0 or (exit_code != 0 and new_results(results) == 0)):
        return None
    reported = hook_errors(results, started)
    return Abort(cause(reported, exit_code, timeout), not_run, bool(reported))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("target")
    parser.add_argument("--exit-code", type=int, required=True, help="behave's exit status")
    parser.add_argument("--junit", type=Path, default=None, help="this run's JUnit folder")
    parser.add_argument("--timeout", default=None, help="the time limit behave ran under (for the message)")
    parser.add_argument("--started", type=int, default=0,
                        help="when behave started (ms since the epoch): older global errors are another run's")
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    abort = assess(args.results, args.junit, args.exit_code, args.timeout, args.started)
    if abort is None:
        return 0
    record_abort(args.results, args.target, abort.message, abort.not_run, already_global=abort.reported)
    print(f"error: the behave run against target={args.target} was aborted: {abort.message}", file=sys.stderr)
    return ABORTED


if __name__ == "__main__":
    sys.exit(main())
