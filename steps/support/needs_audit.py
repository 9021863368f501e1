"""The capability audit: does every scenario carry the ``@needs:`` tags its steps ask for?

A scenario's tags are what a reader (and ``behave --tags``) sees, so they must say everything the scenario needs:
what its steps declare (``@needs(...)`` on each step function), and ``control`` outside the ``@conformance``
profile. The ``@conformance`` profile itself is held to what any broker adapter can offer: it needs nothing
beyond ``fills`` and ``two-accounts``, and it names no ticker (it trades the target's own symbol).

    .venv/bin/python -m steps.support.needs_audit [features/...]     # every problem, each with its fix

``tests/test_capability_tags.py`` runs the same audit.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mockbroker.capabilities import PROFILE_CAPABILITIES, Capability

from .capabilities import (CONFORMANCE_TAG, IMPLICIT_OUTSIDE_PROFILE, in_profile, needs_of_steps, step_needs,
                           tagged_needs)

ROOT = Path(__file__).resolve().parents[2]
NAMED_TICKER = ":Symbol}"
"""A step pattern with a ticker parameter: conformance scenarios may not use one (the target picks the symbol)."""


@dataclass(frozen=True)
class ScenarioNeeds:
    location: str
    name: str
    tags: frozenset[str]
    declared: frozenset[Capability]
    derived: dict  # Capability -> steps (as written) that need it

    @property
    def in_profile(self) -> bool:
        return in_profile(self.tags)

    @property
    def required(self) -> frozenset[Capability]:
        wanted = set(self.derived)
        if not self.in_profile:
            wanted.add(IMPLICIT_OUTSIDE_PROFILE)
        return frozenset(wanted)


def load_registry():
    """behave's step registry, loaded from steps/ (as the step catalog does)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry

    registry.clear()
    load_step_modules([str(ROOT / "steps")])
    return registry


def feature_files(paths: list[str] | None = None) -> list[Path]:
    found: list[Path] = []
    for item in paths or [str(ROOT / "features")]:
        path = Path(item)
        found += sorted(path.rglob("*.feature")) if path.is_dir() else [path]
    return found


def scenarios(path: Path, registry) -> list[ScenarioNeeds]:
    from behave.parser import parse_file

    feature = parse_file(str(path))
    found = []
    for scenario in feature.walk_scenarios():
        tags = frozenset(scenario.effective_tags)
        found.append(ScenarioNeeds(location=f"{_relative(path)}:{scenario.line}", name=scenario.name, tags=tags,
                                   declared=tagged_needs(tags), derived=needs_of_steps(scenario.all_steps, registry)))
    return found


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def problems_of(item: ScenarioNeeds, registry) -> list[str]:
    problems = []
    for capability in sorted(item.required - item.declared, key=lambda c: list(Capability).index(c)):
        if capability in item.derived:
            why = "; ".join(f"'{s}'" for s in item.derived[capability][:3])
            because = f"its steps need {capability.value}: {why}"
        else:
            because = (f"outside the @{CONFORMANCE_TAG} profile a scenario relies on the default scene, which only a "
                       "target with control sets up")
        problems.append(f"{item.location} '{item.name}' lacks {capability.tag}: {because}. Add the tag to the "
                        "Scenario or to its Feature")
    if item.in_profile:
        beyond = sorted(c.value for c in (item.required | item.declared) - PROFILE_CAPABILITIES)
        if beyond:
            problems.append(f"{item.location} '{item.name}' is in the @{CONFORMANCE_TAG} profile but needs "
                            f"{', '.join(beyond)}: a broker adapter cannot offer that (the profile may need only "
                            f"{', '.join(sorted(c.value for c in PROFILE_CAPABILITIES))})")
    return problems


def named_tickers(path: Path, registry) -> list[str]:
    """Steps of @conformance scenarios that name a ticker (the profile trades the target's symbol)."""
    from behave.parser import parse_file

    problems = []
    for scenario in parse_file(str(path)).walk_scenarios():
        if not in_profile(scenario.effective_tags):
            continue
        for step in scenario.all_steps:
            definition = registry.find_step_definition(step)
            if definition is not None and NAMED_TICKER in definition.pattern:
                problems.append(f"{_relative(path)}:{step.line} '{step.keyword} {step.name}' names a ticker in a "
                                f"@{CONFORMANCE_TAG} scenario: write the step without one (\"1 share\"), so it "
                                "trades the target's own symbol")
    return problems


def undeclared_steps(registry) -> list[str]:
    """Step functions that declare no needs (``@needs()`` says "any broker")."""
    seen, problems = set(), []
    for matchers in registry.steps.values():
        for matcher in matchers:
            func = matcher.func
            if func in seen:
                continue
            seen.add(func)
            if step_needs(func) is None:
                problems.append(f"{func.__module__}.{func.__name__} ({matcher.location}) declares no needs: add "
                                "@needs(...) under its behave decorators (@needs() when any broker will do)")
    return problems


def audit(paths: list[str] | None = None) -> tuple[list[ScenarioNeeds], list[str]]:
    """Every scenario with its needs, and every problem in words."""
    registry = load_registry()
    everything: list[ScenarioNeeds] = []
    problems = undeclared_steps(registry)
    for path in feature_files(paths):
        try:
            found = scenarios(path, registry)
        except ValueError as error:  # an unknown capability in a tag
            problems.append(f"{_relative(path)}: {error}")
            continue
        everything += found
        for item in found:
            problems += problems_of(item, registry)
        problems += named_tickers(path, registry)
    return everything, problems


def main(argv: list[str] | None = None) -> int:
    everything, problems = audit(argv or None)
    for problem in problems:
        print(problem)
    profile = sum(1 for s in everything if s.in_profile)
    print(f"{len(everything)} scenarios, {profile} in the @{CONFORMANCE_TAG} profile, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
