"""A mistyped step leads to the right one: the nearest catalog steps come first, printed and in the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry as behave_registry

    behave_registry.clear()
    load_step_modules([str(ROOT / "steps")])
    return behave_registry


@pytest.mark.parametrize("kind, written, meant", [
    # the examples
    ("then", "it fills with slippage above 50 percent", "step_fills_with_slippage"),
    ("when", "I submitt a market order", "step_submits_a_market_order"),
    # what newcomers wrote
    ("given", 'an acount "alice" with $1000 cash', "step_account_with_cash"),
    ("when", "alice cancel order", "step_cancels_the_order"),
    ("then", "alice has 100 ACME", "step_holds"),
    ("when", "alice buys 100 ACME at the market", "step_trades_at_market"),
    ("when", "I check my account", "step_checks_account"),
    ("then", "the order was filled", "step_order_is"),
    ("when", "alice buys 100 ACME with limit $49.00", "step_trades_with_limit"),
    ("when", "10 minute passes by", "step_time_passes"),
    ("then", "alice's cancel is rejected because the order was not found", "step_request_is_refused"),
    ("then", "the order is refused for insufficient buying power", "step_order_is_refused"),
    ("given", "a flash-crash on ACME", "step_a_flash_crash"),
])
def test_the_first_suggestion_is_the_step_meant(registry, kind, written, meant):
    from steps.support.suggestions import suggest

    found = suggest(kind, written, registry=registry)
    assert [s.phrasing.function for s in found][:1] == [meant], [s.phrasing.readable for s in found]
    assert len(found) == 3


def test_the_hint_shows_the_example_the_units_and_the_catalog(registry):
    from steps.support.suggestions import hint

    text = hint("then", "it fills with slippage above 50 percent", registry=registry)
    first = text.split("did you mean:")[1]
    assert "Then it fills with slippage {bound} {limit}" in first
    assert "example: Then it fills with slippage above 50 bps" in first
    assert "{limit}: Bps, such as 50 bps, 50bps, 50 basis points, 0.5%" in first
    assert text.count("did you mean:") == 3
    assert text.rstrip().endswith("docs/steps.md")


def test_behave_prints_the_hint_and_the_report_carries_it(tmp_path):
    """A real run: behave's own output plus the hint; the Allure result is broken with the hint as message."""
    (tmp_path / "features").mkdir()
    for name in ("steps", "environment.py"):
        os.symlink(ROOT / name, tmp_path / name)
    (tmp_path / "features" / "typo.feature").write_text(
        "Feature: a typo\n  Scenario: a mistyped step\n    Given the account \"alice\" with $1,000 cash\n"
        "    When I submitt a market order\n    Then the order is filled\n")
    results = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COVERAGE_PROCESS_START", None)
    run = subprocess.run([sys.executable, "-m", "behave", "--no-junit", "-f",
                          "allure_behave.formatter:AllureFormatter", "-o", str(results), "-f", "plain",
                          "features/typo.feature"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env=env)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "undefined" in output.lower()  # behave's own report stays
    assert "did you mean: When {actor} submit a market order" in output
    assert "example: When I submit a market order" in output
    [result] = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    assert result["status"] == "broken"
    assert "undefined step: When I submitt a market order" in result["statusDetails"]["message"]
    assert "did you mean: When {actor} submit a market order" in result["statusDetails"]["message"]
    assert "did you mean" in [a["name"] for a in result.get("attachments", [])]
