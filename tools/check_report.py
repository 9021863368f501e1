"""Compare the generated Allure report with behave's own JUnit results of the same run.

Usage: python tools/check_report.py [--report reports/allure-report] [--junit reports/junit]

behave writes one JUnit folder per target (reports/junit/<target>/TESTS-*.xml); every target's
results go into the one Allure report. So the report's summary.json `stats` must equal the
JUnit counts summed over all targets, and each Allure environment (one per target, see
allurerc.mjs) must equal its own target's counts. Status mapping, as allure-behave does it:
<failure> (a failed assertion) -> failed, <error> (any other exception, undefined step) ->
broken, <skipped> -> skipped, otherwise passed. The pytest tests in tests/report use this module.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUSES = ("passed", "failed", "broken", "skipped")
# behave lists scenarios it never ran (e.g. after a before_all hook error) as status="untested";
# allure-behave writes no result for them, so they are counted apart and are an error by themselves
UNTESTED = "untested"


@dataclass
class JUnitRun:
    """behave's results for one target: counts by Allure status and the scenario names."""

    target: str
    counts: Counter = field(default_factory=Counter)
    names: list[str] = field(default_factory=list)

    def stats(self) -> dict[str, int]:
        """Counts of the scenarios behave ran (what Allure has results for)."""
        run = {s: self.counts.get(s, 0) for s in STATUSES}
        return {**run, "total": sum(run.values())}

    @property
    def untested(self) -> int:
        return self.counts.get(UNTESTED, 0)


# behave's own testcase status (the `status` attribute) when no child element says more
_BEHAVE_STATUS = {
    "passed": "passed",
    "failed": "failed",
    "error": "broken",
    "hook_error": "broken",
    "undefined": "broken",
    "pending": "broken",
    "skipped": "skipped",
    "untested": UNTESTED,
}


def testcase_status(testcase: ET.Element) -> str:
    if testcase.find("failure") is not None:
        return "failed"
    if testcase.find("error") is not None:
        return "broken"
    if testcase.find("skipped") is not None:
        return "skipped"
    return _BEHAVE_STATUS.get(testcase.get("status", "passed"), "broken")


def read_junit(junit_dir: Path) -> dict[str, JUnitRun]:
    """{target: JUnitRun} from reports/junit/<target>/*.xml."""
    runs: dict[str, JUnitRun] = {}
    for target_dir in sorted(p for p in junit_dir.iterdir() if p.is_dir()):
        run = JUnitRun(target_dir.name)
        for xml_file in sorted(target_dir.glob("*.xml")):
            for testcase in ET.parse(xml_file).getroot().iter("testcase"):
                status = testcase_status(testcase)
                run.counts[status] += 1
                if status != UNTESTED:
                    run.names.append(testcase.get("name", ""))
        runs[run.target] = run
    return runs


def total_stats(runs: dict[str, JUnitRun]) -> dict[str, int]:
    total = Counter()
    for run in runs.values():
        total.update(run.stats())
    return {key: total.get(key, 0) for key in (*STATUSES, "total")}


def report_stats(stats: dict) -> dict[str, int]:
    """Allure omits zero counts; fill them in, and keep only the statuses behave can produce."""
    return {key: int(stats.get(key, 0)) for key in (*STATUSES, "total")}


def summary_stats(report_dir: Path) -> dict[str, int]:
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    return report_stats(summary["stats"])


def environment_stats(report_dir: Path, environment: str) -> dict[str, int] | None:
    """Per-environment statistic the report shows (widgets/<env>/statistic.json), if present."""
    path = report_dir / "widgets" / environment / "statistic.json"
    if not path.is_file():
        return None
    return report_stats(json.loads(path.read_text(encoding="utf-8")))


def compare(report_dir: Path, junit_dir: Path) -> list[str]:
    """Differences between report and behave, in words; empty when they agree."""
    problems: list[str] = []
    runs = read_junit(junit_dir)
    if not runs:
        return [f"no behave JUnit results under {junit_dir}"]
    for target, run in runs.items():
        if run.untested:
            problems.append(f"behave left {run.untested} scenarios of target '{target}' untested (aborted run: "
                            "see the HOOK-ERROR in its output); the report cannot show them")
    if not (report_dir / "summary.json").is_file():
        return [*problems, f"no {report_dir / 'summary.json'}: the report was not generated"]
    expected, actual = total_stats(runs), summary_stats(report_dir)
    if expected["total"] == 0:
        problems.append("behave ran no scenarios (JUnit total is 0)")
    if actual != expected:
        problems.append(f"summary.json stats {actual} != behave JUnit {expected} (targets {sorted(runs)})")
    for target, run in runs.items():
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", target):
            continue  # not an Allure environment name: allurerc.mjs leaves it in "default"
        env = environment_stats(report_dir, target)
        if env is None:
            problems.append(f"the report has no environment '{target}' (widgets/{target}/statistic.json)")
        elif env != run.stats():
            problems.append(f"environment '{target}': report {env} != behave JUnit {run.stats()}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "allure-report")
    parser.add_argument("--junit", type=Path, default=ROOT / "reports" / "junit")
    args = parser.parse_args(argv)
    problems = compare(args.report, args.junit)
    for problem in problems:
        print(f"MISMATCH: {problem}", file=sys.stderr)
    if not problems:
        print(f"report matches behave: {summary_stats(args.report)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
