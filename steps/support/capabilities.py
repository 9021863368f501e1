"""Capabilities in the suite: what each step needs, what each scenario needs, and skipping what a target lacks.

Rules (docs/conformance.md):
- Every step function declares what it needs beyond the ``Broker`` contract with ``@needs(...)`` under its
  behave decorators; ``@needs()`` says "any broker will do". ``tests/test_capability_tags.py`` fails when a step
  declares nothing, and when a scenario uses a step without carrying the tags its needs ask for.
- A scenario needs what its ``@needs:<capability>`` tags say (on the Feature or the Scenario), what its steps
  need, and ``control`` when it is not in the ``@conformance`` profile: outside the profile a scenario relies on
  the default scene (ACME at $50.00, accounts with $100,000), which only a mock can set up.
- Before each scenario, needs the target does not meet skip it with a reason that names each missing capability
  and what it is for. behave prints the reason; behave's JUnit and the Allure report count the scenario as skipped
  for that target, and the Allure result carries the reason as its message.
"""

from __future__ import annotations

import sys
from typing import Iterable

import allure_commons
from allure_commons.model2 import StatusDetails

from mockbroker.capabilities import Capability, describe, parse_capabilities

NEEDS_TAG = "needs:"
CONFORMANCE_TAG = "conformance"
IMPLICIT_OUTSIDE_PROFILE = Capability.CONTROL


def needs(*capabilities: Capability | str):
    """Declare what a step function needs beyond the ``Broker`` contract (place it under the behave decorators)."""
    declared = parse_capabilities(capabilities)

    def mark(func):
        func.needs = declared
        return func

    return mark


def step_needs(func) -> frozenset[Capability] | None:
    """What a step function declared, or None when it declared nothing."""
    return getattr(func, "needs", None)


def tagged_needs(tags: Iterable[str]) -> frozenset[Capability]:
    """The capabilities ``@needs:<name>`` tags name (unknown names raise ``ValueError`` with the known ones)."""
    return parse_capabilities(t[len(NEEDS_TAG):] for t in tags if t.startswith(NEEDS_TAG))


def in_profile(tags: Iterable[str]) -> bool:
    return CONFORMANCE_TAG in set(tags)


def needs_of_steps(steps, registry) -> dict[Capability, list[str]]:
    """Each capability the steps need, with the steps (as written) that need it; undefined steps need nothing."""
    found: dict[Capability, list[str]] = {}
    for step in steps:
        match = registry.find_match(step)
        if match is None:
            continue
        for capability in step_needs(match.func) or ():
            found.setdefault(capability, []).append(f"{step.keyword} {step.name}")
    return found


def scenario_needs(scenario, registry) -> frozenset[Capability]:
    """Everything a scenario needs: its tags, its steps and, outside the profile, control."""
    tags = scenario.effective_tags
    wanted = set(tagged_needs(tags)) | set(needs_of_steps(scenario.all_steps, registry))
    if not in_profile(tags):
        wanted.add(IMPLICIT_OUTSIDE_PROFILE)
    return frozenset(wanted)


def skip_reason(profile, missing: list[Capability]) -> str:
    what = "; ".join(f"{c.value} ({c.meaning})" for c in missing)
    return (f"target {profile.name} lacks {', '.join(c.value for c in missing)}: the scenario needs {what}. "
            f"The target offers: {describe(profile.capabilities)} (docs/conformance.md)")


class SkipReasons:
    """An allure-commons plugin: the Allure result of a scenario skipped for a missing capability carries the
    reason as its message (allure-behave leaves skipped results without one)."""

    def __init__(self) -> None:
        self.pending: str | None = None

    def note(self, reason: str | None) -> None:
        self.pending = reason

    @allure_commons.hookimpl(tryfirst=True)  # before allure-commons' file logger writes the result
    def report_result(self, result) -> None:
        reason, self.pending = self.pending, None
        if reason is None or getattr(result, "status", None) != "skipped":
            return
        result.statusDetails = StatusDetails(message=f"skipped: {reason}")


_reasons = SkipReasons()


def install(context) -> None:
    """Once per run: when the target lacks a capability, scenarios skipped for it are reported (JUnit and Allure
    drop skipped scenarios otherwise) and carry their reason into Allure."""
    if context.profile.is_complete:
        return
    context.config.show_skipped = True
    if not allure_commons.plugin_manager.is_registered(_reasons):
        allure_commons.plugin_manager.register(_reasons, name="mockbroker-skip-reasons")


def skip_if_unmet(context, scenario) -> bool:
    """Skip the scenario when the target lacks something it needs; True when it was skipped."""
    _reasons.note(None)
    profile = context.profile
    if profile.is_complete:
        return False
    runner = getattr(context, "_runner", None)
    registry = getattr(runner, "step_registry", None)
    if registry is None:
        from behave.step_registry import registry
    missing = profile.lacks(scenario_needs(scenario, registry))
    if not missing:
        return False
    reason = skip_reason(profile, missing)
    _reasons.note(reason)
    print(f"skipped: {reason}")  # captured with the scenario: behave's JUnit keeps it beside the <skipped/>
    _skipped.setdefault(tuple(c.value for c in missing), []).append(scenario.name)
    scenario.skip(reason)
    return True


_skipped: dict[tuple[str, ...], list[str]] = {}


def summarize(profile, out=None) -> None:
    """At the end of a run: how many scenarios each missing capability (or set of them) skipped."""
    if not _skipped:
        return
    total = sum(len(names) for names in _skipped.values())
    lines = [f"{total} scenarios skipped on target {profile.name}, which offers {describe(profile.capabilities)}:"]
    for missing, names in sorted(_skipped.items(), key=lambda item: -len(item[1])):
        lines.append(f"  {len(names):4d} lacking {', '.join(missing)}")
    (out or sys.__stdout__).write("\n".join(lines) + "\n")


def announce(profile, out=None) -> None:
    """One line at the start of a run on a target that lacks something: what it offers, what will be skipped."""
    if profile.is_complete:
        return
    (out or sys.__stdout__).write(f"target {profile.name} offers {describe(profile.capabilities)}; scenarios that "
                                  "need more are skipped, each with the capability it lacks\n")
