"""Compare the generated Allure report with behave's own JUnit results of the same run.

Usage: python tools/check_report.py [--report reports/allure-report] [--junit reports/junit]

behave writes one JUnit folder per target (reports/junit/<target>/TESTS-*.xml, and <target>/rerun/ when failed
@performance scenarios ran once more: there the last attempt counts, as in Allure); every target's results go into
the one Allure report, each target an Allure environment (allurerc.mjs). The report agrees with behave when

- summary.json's stats equal the JUnit counts summed over all targets;
- for each environment, every number the report shows equals its target's counts: the summary
  (widgets/<env>/statistic.json), the tree (each result exactly once, by status), the search index, and the
  categories (every result that did not pass in exactly one category, and of the passed ones only those marked
  flaky);
- no environment other than the targets' shows up (no empty "default");
- no result carries more than one ``feature``, ``epic`` or ``story`` label (two would show it twice in the tree).

Status mapping, as allure-behave does it: <failure> (a failed assertion) -> failed, <error> (any other exception,
undefined step) -> broken, <skipped> -> skipped, otherwise passed. The pytest tests in tests/report use this module.
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
ONE_LABEL_EACH = ("feature", "epic", "story")
# behave lists scenarios it never ran (e.g. after a before_all hook error) as status="untested";
# allure-behave writes no result for them, so they are counted apart and are an error by themselves
UNTESTED = "untested"
RERUN_FOLDER = "rerun"


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


def _testcases(folder: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """{(classname, name): (status, name)} of one folder's JUnit files, in file order."""
    cases: dict[tuple[str, str], tuple[str, str]] = {}
    for xml_file in sorted(folder.glob("*.xml")):
        for case in ET.parse(xml_file).getroot().iter("testcase"):
            key = (case.get("classname", ""), case.get("name", ""))
            if key in cases:  # two scenarios of one feature with the same name: keep both
                key = (key[0], f"{key[1]}#{len(cases)}")
            cases[key] = (testcase_status(case), case.get("name", ""))
    return cases


def read_junit(junit_dir: Path) -> dict[str, JUnitRun]:
    """{target: JUnitRun} from reports/junit/<target>/*.xml, each scenario's last attempt counting."""
    runs: dict[str, JUnitRun] = {}
    for target_dir in sorted(p for p in junit_dir.iterdir() if p.is_dir()):
        cases = _testcases(target_dir)
        rerun = target_dir / RERUN_FOLDER
        if rerun.is_dir():
            for key, value in _testcases(rerun).items():
                if key in cases:
                    cases[key] = value
        run = JUnitRun(target_dir.name)
        for status, name in cases.values():
            run.counts[status] += 1
            if status != UNTESTED:
                run.names.append(name)
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


def _counted(statuses: Counter) -> dict[str, int]:
    return report_stats({**statuses, "total": sum(statuses.values())})


def summary_stats(report_dir: Path) -> dict[str, int]:
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    return report_stats(summary["stats"])


def _widget(report_dir: Path, *parts: str):
    path = report_dir.joinpath("widgets", *parts)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def environment_ids(report_dir: Path) -> dict[str, str]:
    """{environment name: id} as the report lists them (the first target has the id "default")."""
    listed = _widget(report_dir, "environments.json") or []
    return {env["name"]: env["id"] for env in listed}


def environment_stats(report_dir: Path, environment: str) -> dict[str, int] | None:
    """The summary the report shows for an environment (by name), if it has one."""
    env_id = environment_ids(report_dir).get(environment)
    stats = _widget(report_dir, env_id, "statistic.json") if env_id else None
    return report_stats(stats) if stats is not None else None


def tree_stats(report_dir: Path, env_id: str) -> tuple[dict[str, int], list[str]]:
    """Counts of the results in an environment's tree, each leaf counted once per place it appears; and the
    names of results that appear more than once."""
    tree = _widget(report_dir, env_id, "tree.json") or {}
    groups, leaves = tree.get("groupsById", {}), tree.get("leavesById", {})
    seen: Counter = Counter()
    pending = [tree.get("root", {})]
    while pending:
        node = pending.pop()
        seen.update(node.get("leaves", []))
        pending += [groups[g] for g in node.get("groups", []) if g in groups]
    statuses: Counter = Counter()
    twice = []
    for leaf_id, times in seen.items():
        leaf = leaves.get(leaf_id, {})  # a leaf is a scenario's last attempt ("retry": it has earlier ones)
        statuses[leaf.get("status", "unknown")] += times
        if times > 1:
            twice.append(leaf.get("name", leaf_id))
    return _counted(statuses), twice


def flaky_count(report_dir: Path, env_id: str) -> int:
    """Passed results marked flaky (they, and only they of the passed ones, have a category)."""
    tree = _widget(report_dir, env_id, "tree.json") or {}
    return sum(1 for leaf in tree.get("leavesById", {}).values()
               if leaf.get("flaky") and leaf.get("status") == "passed")


def search_count(report_dir: Path, env_id: str) -> int:
    return len(_widget(report_dir, env_id, "search-index.json") or [])


def category_stats(report_dir: Path, env_id: str) -> dict[str, int]:
    """Counts over the environment's categories (each category's statistic, summed)."""
    categories = _widget(report_dir, env_id, "categories.json") or {}
    statuses: Counter = Counter()
    for root in categories.get("roots", []):
        stat = categories.get("nodes", {}).get(root, {}).get("statistic", {})
        statuses.update({k: v for k, v in stat.items() if k in STATUSES})
    return _counted(statuses)


def label_problems(report_dir: Path) -> list[str]:
    """Results with more than one feature, epic or story label."""
    problems = []
    for path in sorted((report_dir / "data" / "test-results").glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        counts = Counter(label.get("name") for label in result.get("labels", []))
        extra = [f"{counts[name]} {name} labels" for name in ONE_LABEL_EACH if counts[name] > 1]
        if extra:
            problems.append(f"{result.get('name')!r} ({result.get('environment')}): {', '.join(extra)}")
    return problems


def compare_environment(report_dir: Path, target: str, env_id: str, run: JUnitRun) -> list[str]:
    expected, problems = run.stats(), []
    shown = _widget(report_dir, env_id, "statistic.json")
    if shown is None:
        return [f"environment '{target}': no widgets/{env_id}/statistic.json"]
    if report_stats(shown) != expected:
        problems.append(f"environment '{target}': summary {report_stats(shown)} != behave JUnit {expected}")
    tree, twice = tree_stats(report_dir, env_id)
    if tree != expected:
        problems.append(f"environment '{target}': tree {tree} != behave JUnit {expected}")
    if twice:
        problems.append(f"environment '{target}': {len(twice)} results appear more than once in the tree, "
                        f"e.g. {twice[:3]}")
    if search_count(report_dir, env_id) != expected["total"]:
        problems.append(f"environment '{target}': search finds {search_count(report_dir, env_id)} results, "
                        f"behave ran {expected['total']}")
    categories = category_stats(report_dir, env_id)
    not_passed = {s: expected[s] for s in ("failed", "broken", "skipped")}
    flaky_passed = flaky_count(report_dir, env_id)
    if {s: categories[s] for s in not_passed} != not_passed or categories["passed"] != flaky_passed:
        problems.append(f"environment '{target}': categories hold {categories}, behave's results that did not pass "
                        f"are {not_passed}")
    return problems


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
    ids = environment_ids(report_dir)
    strays = sorted(set(ids) - set(runs))
    if strays:
        problems.append(f"the report has environments no target ran: {strays} (an empty 'default'?)")
    for target, run in runs.items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", target):
            continue  # not an Allure environment name: allurerc.mjs cannot make it an environment
        if target not in ids:
            problems.append(f"the report has no environment '{target}' (widgets/environments.json: {sorted(ids)})")
            continue
        problems += compare_environment(report_dir, target, ids[target], run)
    problems += [f"more than one label: {p}" for p in label_problems(report_dir)]
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
