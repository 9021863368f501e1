"""Errors inside steps speak trading: a feature that names what is not there, or writes a value in a form the
step does not take, fails with the bad value and the form that works, on every target, never with a traceback
from mockbroker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MISTAKES = {
    "a saved state that does not exist": ('Given the broker state from snapshot "nope"',
                                          "the saved states in tests/fixtures/snapshots/ are: before-close"),
    "a snapshot never saved": ('Given the account "alice" with $1,000 cash\n    When I go back to the snapshot "never"',
                               'save it first with When I save a snapshot'),
    "an unknown account": ('Given the account "alice" with $1,000 cash\n    Then zed has $1.00 cash',
                           'Given the account "zed" with $100,000 cash'),
    "an unknown symbol": ("Given the account \"alice\" with $1,000 cash\n    Then the ZZZ spread is below 10 bps",
                          "Given ZZZ trades around $50.00"),
    "an unknown symbol's fall": ("Then ZZZ has fallen by at least 4%", "Given ZZZ trades around $50.00"),
    "a malformed share count": ("Given the account \"alice\" with $1,000 cash\n    When alice places these orders:\n"
                                "      | side | shares |\n      | buy  | 1o0    |",
                                "row 1, column 'shares': '1o0' is not a number of shares: write it like 100"),
    "a malformed price": ("Given the account \"alice\" with $1,000 cash\n    When alice places these orders:\n"
                          "      | side | shares | type  | limit price |\n      | buy  | 10     | limit | abc |",
                          "'abc' is not an amount of money: write it like $49.00"),
    "a wrong side word": ("Given the account \"alice\" with $1,000 cash\n    When alice places these orders:\n"
                          "      | side     | shares |\n      | purchase | 10     |",
                          "'purchase' is not a side: write one of buy, sell"),
    "an unknown strategy": ('Given the strategy "nope" on GOOG history\n    When I run the backtest with ideal execution',
                            "strategy='nope'"),
    "closing a position not held": ('Given the account "alice" with $1,000 cash\n    When alice closes the ACME position',
                                    "account 'alice' holds no ACME"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mistakes")
    (folder / "features").mkdir()
    for name in ("steps", "environment.py"):
        os.symlink(ROOT / name, folder / name)
    scenarios = "\n".join(f"  Scenario: {title}\n    {steps}\n" for title, (steps, _m) in MISTAKES.items())
    (folder / "features" / "mistakes.feature").write_text(f"Feature: mistakes in a feature\n\n{scenarios}")
    return folder


@pytest.mark.parametrize("target", ["inprocess", "http"])
def test_mistakes_fail_in_trading_words_without_a_traceback(workdir, target):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COVERAGE_PROCESS_START", None)
    run = subprocess.run([sys.executable, "-m", "behave", "--no-junit", "-D", f"target={target}", "-f", "plain",
                          "--no-capture", "features/mistakes.feature"], cwd=workdir, capture_output=True, text=True,
                         timeout=180, env=env)
    output = run.stdout + run.stderr
    assert run.returncode == 1
    assert "Traceback" not in output, output[-4000:]
    assert not re.search(r"^mockbroker\.[\w.]+Error", output, re.M), output[-4000:]
    failures = re.findall(r"ASSERT FAILED: (.*)", output)
    assert len(failures) == len(MISTAKES), output[-4000:]
    for title, (_steps, message) in MISTAKES.items():
        assert any(message in f for f in failures), f"{title}: no failure says {message!r}:\n" + "\n".join(failures)


def test_a_broker_that_fails_is_not_called_a_mistake_of_the_feature():
    """An unreachable service or a broker defect stays an error (broken, not failed), in one line of words."""
    sys.path.insert(0, str(ROOT))
    from mockbroker.errors import ConnectionFailed, UnknownSymbol
    from steps.support.plain_errors import BrokerFailure, FeatureMistake, explain

    broken = explain(ConnectionFailed("POST /v2/orders: connection refused"))
    assert isinstance(broken, BrokerFailure) and not isinstance(broken, AssertionError)
    assert "the broker failed" in str(broken) and "[connection_failed]" in str(broken)
    mistake = explain(UnknownSymbol("symbol 'ZZZ' is not traded here (symbols: ACME)", symbol="ZZZ"))
    assert isinstance(mistake, FeatureMistake) and "Given ZZZ trades around $50.00" in str(mistake)
    assert explain(AssertionError("expected filled")) is None
    assert explain(TypeError("a bug in step code")) is None
