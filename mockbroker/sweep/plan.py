"""Which scenarios a sweep runs: feature files, directories or ``file:line`` locations, filtered by tags.

Selection follows behave's own rules (the same parser and location rules: ``file:line`` picks the scenario that
line belongs to; a directory means every ``.feature`` below it; ``--tags`` is a behave tag expression), so a sweep
runs exactly what ``behave PATH... --tags ...`` would run. Paths are made relative to the project root, so each
scenario's file name, and with it the seed behave derives for it, is the one a plain ``behave`` run from the root
uses.

A scenario (or its feature) may state the pass rate it is expected to reach, for behaviour that is probabilistic
on purpose: ``@pass_rate:0.95`` (or ``@pass_rate:95%``). Untagged scenarios must reach ``--min-pass-rate``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PASS_RATE_TAG = "pass_rate:"


class SweepError(Exception):
    """A sweep cannot run as asked (bad path, no scenario selected, a worker with other files...)."""


@dataclass(frozen=True)
class ScenarioRef:
    """One scenario to sweep: where it is (``location`` reruns it), its name, tags and stated pass rate."""

    filename: str
    line: int
    name: str
    feature: str
    tags: tuple[str, ...] = ()
    required_rate: float | None = None

    @property
    def location(self) -> str:
        return f"{self.filename}:{self.line}"

    def labels(self) -> dict[str, str]:
        """Allure labels stated by tags (``@allure.label.epic:x`` -> ``{"epic": "x"}``)."""
        out = {}
        for tag in self.tags:
            m = re.fullmatch(r"allure\.label\.([\w-]+):(.+)", tag) or re.fullmatch(r"allure\.(story|severity):(.+)", tag)
            if m:
                out[m.group(1)] = m.group(2)
        return out


@dataclass
class Selection:
    root: Path
    scenarios: list[ScenarioRef] = field(default_factory=list)
    feature_files: list[str] = field(default_factory=list)


def parse_rate(text: str) -> float:
    """``0.95`` or ``95%`` -> 0.95; anything outside [0, 1] is refused."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise SweepError(f"pass rate {text!r}: write a fraction (0.95) or a percentage (95%)") from None
    if not 0 <= value <= 1:
        raise SweepError(f"pass rate {text!r}: must be between 0 and 1 (0% and 100%)")
    return value


def stated_rate(tags) -> float | None:
    rates = [t[len(PASS_RATE_TAG):] for t in tags if t.startswith(PASS_RATE_TAG)]
    return parse_rate(rates[-1]) if rates else None


def relative_location(path: str, root: Path) -> str:
    """``path`` (maybe ``file:line``, absolute or relative to the cwd) relative to ``root``."""
    name, line = path, ""
    m = re.fullmatch(r"(.+?):(\d+)", path)
    if m:
        name, line = m.group(1), ":" + m.group(2)
    absolute = Path(name).resolve()
    if not absolute.exists():
        raise SweepError(f"{path}: no such feature file or directory")
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        raise SweepError(f"{path}: outside the project ({root}); the steps and environment.py live there") from None
    return f"{relative.as_posix()}{line}"


def select(paths: list[str], root: Path, tags: list[str] | None = None) -> Selection:
    """The scenarios ``behave PATHS --tags TAGS`` would run, in file order."""
    from behave.runner_util import collect_feature_locations, parse_features
    from behave.tag_expression import make_tag_expression

    cwd = os.getcwd()
    locations = [relative_location(p, root) for p in (paths or ["features"])]
    os.chdir(root)
    try:
        try:
            features = parse_features(collect_feature_locations(locations))
        except Exception as problem:  # noqa: BLE001 - a parser error names the file and line
            raise SweepError(f"cannot read the features: {problem}") from None
    finally:
        os.chdir(cwd)
    expression = make_tag_expression(list(tags)) if tags else None
    selection = Selection(root=root)
    for feature in features:
        if feature is None:
            continue
        selection.feature_files.append(feature.filename)
        for scenario in feature.walk_scenarios():
            if scenario.status.name == "skipped":  # not at a location that was asked for
                continue
            if expression is not None and not scenario.should_run_with_tags(expression):
                continue
            tags_here = tuple(sorted(str(t) for t in scenario.effective_tags))
            try:
                rate = stated_rate(tags_here)
            except SweepError as problem:
                raise SweepError(f"{scenario.filename}:{scenario.line}: @{PASS_RATE_TAG}... {problem}") from None
            selection.scenarios.append(ScenarioRef(scenario.filename, scenario.line, scenario.name, feature.name,
                                                   tags_here, rate))
    if not selection.scenarios:
        raise SweepError(f"no scenario selected by {' '.join(paths or ['features'])}"
                         + (f" with --tags {' '.join(tags)}" if tags else ""))
    return selection
