"""The parameter types of the step vocabulary (steps/types.py): words in, domain values out, registered once."""

from __future__ import annotations

import runpy
from decimal import Decimal
from pathlib import Path

import pytest
from behave import matchers

from mockbroker.domain import Side, TimeInForce
from steps import types

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, value", [("$10.50", Decimal("10.50")), ("$1,000,000", Decimal("1000000")),
                                         ("$0.005", Decimal("0.005")), ("-$5.00", Decimal("-5.00"))])
def test_money(text, value):
    assert types.parse_money(text) == value


@pytest.mark.parametrize("text, seconds", [("250 ms", 0.25), ("2 seconds", 2.0), ("3 minutes", 180.0),
                                           ("1 minute", 60.0), ("an hour", 3600.0)])
def test_durations_are_seconds_of_simulated_time(text, seconds):
    assert types.parse_duration(text) == pytest.approx(seconds)


def test_shares_bps_and_percent():
    assert types.parse_shares("1,000") == 1000
    assert types.parse_shares("-5") == -5
    assert types.parse_bps("50 bps") == Decimal("50")
    assert types.parse_percent("8%") == Decimal("8")


def test_words_become_enums():
    assert types.parse_side("sells") is Side.SELL
    assert types.parse_time_in_force("immediate or cancel") is TimeInForce.IOC
    assert types.parse_time_in_force("fill or kill") is TimeInForce.FOK


@pytest.mark.parametrize("pattern, step, expected", [
    ("{amount:Money} cash", "$1,000,000 cash", Decimal("1000000")),
    ("wait {amount:Duration}", "wait 250 ms", 0.25),
    ("buy {amount:Shares}", "buy 5,000", 5000),
])
def test_types_work_in_step_patterns(pattern, step, expected):
    matcher = matchers.ParseMatcher(lambda context, amount: None, pattern)
    match = matcher.match(step)
    assert match is not None and match.arguments[0].value == expected


def test_a_second_registration_is_skipped():
    registry = matchers.ParseMatcher.TYPE_REGISTRY
    before = {name: id(registry[name]) for name in types.PARAMETER_TYPES}
    runpy.run_path(str(ROOT / "steps" / "types.py"))  # what behave does when it loads steps/
    types.register_all()
    assert {name: id(registry[name]) for name in types.PARAMETER_TYPES} == before
