"""Errors inside steps speak trading: a bad name or value in a feature fails its scenario with a message that
names the bad value and the form that works, never with a Python traceback from ``mockbroker``.

Every step function is wrapped once, when the run starts (``install``). A step that expects a refusal catches it
itself (the desk keeps it for a Then step); what escapes a step is translated here:

- a ``BrokerError`` that means the feature named something that is not there (an account, a symbol, a snapshot,
  a saved state, a position) becomes a ``FeatureMistake`` with the broker's own words (they name the bad value
  and what exists) and the step that sets it up;
- any other ``BrokerError`` (the broker failed at something it should do, or could not be reached) becomes a
  ``BrokerFailure`` that says so with its code: an error, not a failed assertion, so the report files it under
  broken tests (the service or connection), not under product defects, and no traceback from inside
  ``mockbroker`` is shown;
- a ``ValueError`` from the package (a malformed value: a strategy name, a parameter) becomes a
  ``FeatureMistake`` with its message.

``FeatureMistake`` is an ``AssertionError``, so behave reports it as a failed step with the message alone.
Errors of the step code itself (``TypeError``, ``AttributeError``, ...) keep their traceback: they are bugs of
the suite, and the traceback is what fixes them.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from mockbroker.errors import BrokerError

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_FIXTURES = ROOT / "tests" / "fixtures" / "snapshots"


class FeatureMistake(AssertionError):
    """The feature names or writes something the broker cannot take; the message says what and how to fix it."""


class BrokerFailure(Exception):
    """The broker failed, or could not be reached, while a step used it (not a mistake of the feature)."""


def _saved_states() -> str:
    names = sorted(p.stem for p in SNAPSHOT_FIXTURES.glob("*.y*ml")) if SNAPSHOT_FIXTURES.is_dir() else []
    return ", ".join(names) or "none"


def _value(error: BrokerError, *keys: str) -> str:
    """The bad value: from the error's details, else the first quoted value of its message."""
    for key in keys:
        value = error.details.get(key)
        if value is not None:
            return str(value)
    quoted = re.search(r"'([^']+)'", error.message)
    return quoted.group(1) if quoted else "<name>"


FIXES = {
    "unknown_account": lambda e: (f'set the account up first, e.g. Given the account "{_value(e, "account")}" '
                                  "with $100,000 cash"),
    "unknown_symbol": lambda e: f"list the symbol first, e.g. Given {_value(e, 'symbol')} trades around $50.00",
    "snapshot_not_found": lambda e: ('save it first with When I save a snapshot "<name>", or load a saved state '
                                     f'with Given the broker state from snapshot "<name>" ({_saved_states()})'),
    "invalid_fixture": lambda e: f"the saved states in tests/fixtures/snapshots/ are: {_saved_states()}",
    "position_not_found": lambda e: "the account holds none of it: check its positions before closing",
    "order_not_found": lambda e: "an order exists only for the account that placed it",
    "invalid_argument": lambda e: "see docs/steps.md for the form each value takes",
    "invalid_configuration": lambda e: "see docs/market-simulation.md for the settings and their ranges",
}
"""Codes that mean a mistake in the feature, with how to fix it."""


def explain(error: BaseException) -> Exception | None:
    """The trading-words failure for an error that escaped a step, or None to let it through as it is."""
    if isinstance(error, AssertionError):
        return None
    if isinstance(error, BrokerError):
        fix = FIXES.get(error.code)
        if fix is not None:
            return FeatureMistake(f"{error.message} [{error.code}]: {fix(error)}")
        return BrokerFailure(f"the broker failed: {error.message} [{error.code}] (a defect of the broker or its "
                             "connection, not of the feature, unless a fault rule of the scenario asked for it)")
    if isinstance(error, ValueError) and type(error).__module__.startswith(("mockbroker", "builtins", "decimal")):
        return FeatureMistake(f"{error}")
    return None


def speak_trading(func):
    """Wrap a step function so that what escapes it is explained in trading words (see ``explain``)."""
    if getattr(func, "speaks_trading", False):
        return func

    @functools.wraps(func)
    def step(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - translated or re-raised untouched
            mistake = explain(error)
            if mistake is None:
                raise
            raise mistake from None

    step.speaks_trading = True
    return step


def install(context) -> None:
    """Wrap every step function behave matched steps with (once per run; wrapping twice is a no-op)."""
    runner = getattr(context, "_runner", None)
    registry = getattr(runner, "step_registry", None)
    if registry is None:
        from behave.step_registry import registry
    for matchers in registry.steps.values():
        for matcher in matchers:
            matcher.func = speak_trading(matcher.func)
