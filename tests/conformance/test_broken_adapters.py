"""A broken broker adapter fails the @conformance profile, with messages that name what it broke.

Each case runs behave (a real run, as CI does) with a deliberately broken adapter from
``tests/conformance/broken_adapters.py`` on the profile's scenarios that cover the broken behaviour, and checks
that the run fails and its failures say, in trading words, what went wrong. A profile that let these through would
pass any adapter. The correct adapter passes the same features: ``make test`` runs the whole profile through it
(target ``alpaca``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = {  # factory: (feature, the scenarios to run (by name), what the failures must say)
    "ignores_client_order_id": (
        "features/conformance/client_order_ids.feature",
        ["carries the client order id it was sent with", "second order with the same client order id"],
        [r"Expected: the order's client order id exactly 'coid-1-[0-9a-f]{8}'",
         r"Expected: an order refused because of a client order id already used \(duplicate_client_order_id\)\s+"
         r"but: the order was not refused"]),
    "acts_as_one_account": (
        "features/conformance/isolation.feature",
        ["cannot look up my order by its id", "cannot cancel my order"],
        [r"Expected: bob \(the target's secondary\)'s look-up refused because the order is not found",
         r"bob \(the target's secondary\) asked for a cancel of order \S+ \(alice \(the target's primary\)'s order\); "
         r"it went through"]),
    "ignores_time_in_force": (
        "features/conformance/time_in_force.feature",
        ["An order that may wait rests", "An order that may not wait ends unfilled"],
        [r"Expected: the order's time in force exactly gtc\s+but: the order's time in force: day",
         r"Expected: the order being canceled or expired exactly True"]),
}


def _run(factory: str, feature: str, scenarios: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APCA_")}  # never a real account
    names = [arg for name in scenarios for arg in ("--name", name)]
    return subprocess.run([sys.executable, "-m", "behave", "-f", "plain", "--no-capture", "-D", "wait_timeout=1",
                           "-D", f"target=tests.conformance.broken_adapters:{factory}", *names, feature],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("factory", sorted(CASES))
def test_a_broken_adapter_fails_the_profile_naming_what_it_broke(factory):
    feature, scenarios, messages = CASES[factory]
    run = _run(factory, feature, scenarios)
    output = run.stdout + run.stderr
    assert run.returncode != 0, f"the profile passed an adapter that {factory.replace('_', ' ')}:\n{output[-3000:]}"
    assert "failed" in output and "Traceback" not in output, output[-3000:]
    for message in messages:
        assert re.search(message, output), f"no failure says {message!r}:\n{output[-4000:]}"
