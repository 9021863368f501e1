"""Capabilities decide what runs: every scenario carries the @needs: tags its steps ask for, and the @conformance
profile needs nothing a broker adapter cannot offer (``steps.support.needs_audit``; docs/conformance.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockbroker.capabilities import EVERY_CAPABILITY, PROFILE_CAPABILITIES, Capability, capabilities_of  # noqa: E402
from steps.support import needs_audit  # noqa: E402

MIN_PROFILE = 30


@pytest.fixture(scope="module")
def audit():
    return needs_audit.audit()


def test_every_scenario_carries_the_tags_its_steps_need(audit):
    _everything, problems = audit
    assert not problems, "\n".join(problems)


def test_the_conformance_profile_is_big_enough_and_needs_only_what_adapters_offer(audit):
    everything, _problems = audit
    profile = [s for s in everything if s.in_profile]
    assert len(profile) >= MIN_PROFILE, f"only {len(profile)} @conformance scenarios"
    for scenario in profile:
        assert scenario.required | scenario.declared <= PROFILE_CAPABILITIES, scenario.location


def test_every_scenario_outside_the_profile_needs_control(audit):
    everything, _problems = audit
    outside = [s for s in everything if not s.in_profile]
    assert outside and all(Capability.CONTROL in s.declared for s in outside)


def _audit_of(tmp_path, text: str) -> list[str]:
    feature = tmp_path / "probe.feature"
    feature.write_text(text)
    _everything, problems = needs_audit.audit([str(feature)])
    return [p for p in problems if "probe.feature" in p]


def test_a_scenario_using_a_control_step_without_the_tag_fails_the_audit(tmp_path):
    problems = _audit_of(tmp_path, """@needs:fills
Feature: probe
  Scenario: a crash without its tag
    Given a flash crash
    When I submit a market order
    Then the order is filled
""")
    assert len(problems) == 1 and "lacks @needs:control" in problems[0] and "'Given a flash crash'" in problems[0]


def test_a_profile_scenario_that_needs_the_clock_or_names_a_ticker_fails_the_audit(tmp_path):
    problems = _audit_of(tmp_path, """@conformance @needs:clock @needs:fills
Feature: probe
  Scenario: waiting for time in the profile
    When I buy 1 share at market
    And 5 minutes pass
    And alice buys 100 ACME at market
    Then the order is filled
""")
    assert any("needs clock" in p and "cannot offer" in p for p in problems), problems
    assert any("names a ticker" in p and "alice buys 100 ACME at market" in p for p in problems), problems


def test_an_unknown_capability_in_a_tag_names_the_known_ones(tmp_path):
    problems = _audit_of(tmp_path, """@needs:time-travel
Feature: probe
  Scenario: a typo
    Then the order is filled
""")
    assert len(problems) == 1 and "unknown capability 'time-travel'" in problems[0] and "control" in problems[0]


def test_every_step_function_declares_what_it_needs():
    assert not needs_audit.undeclared_steps(needs_audit.load_registry())


def test_a_mock_offers_everything_and_a_plain_broker_what_it_says():
    from mockbroker.broker import MockBroker

    class Plain:
        capabilities = ("fills",)

    assert capabilities_of(MockBroker()) == EVERY_CAPABILITY
    assert capabilities_of(Plain()) == {Capability.FILLS}
    assert capabilities_of(object()) == frozenset()
    with pytest.raises(ValueError, match="unknown capability 'time travel'.*control"):
        Capability.parse("time travel")
