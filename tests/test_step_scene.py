"""The scene (steps/support/scene.py): a spread a feature names is the spread quoted as the scene starts, whatever
the model's intraday shape."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mockbroker.broker import MockBroker
from steps.support.scene import Scene


def _quoted_cents(scene: Scene, after_seconds: float = 0.0) -> Decimal:
    broker = MockBroker(scene.config(seed=5))
    broker.advance(after_seconds)
    bid, ask = broker.market["ACME"].touch()
    return (ask - bid) * 100


@pytest.mark.parametrize("model", ["realistic", "random_walk", "garch"])
def test_a_spread_in_cents_is_quoted_as_the_scene_starts(model):
    """"ACME trades around $50.00 with a spread of 2 cents", in a still market: 2 cents at 09:30 and still after a
    minute, under every model (the default realistic one quotes wider at the open than its session average)."""
    scene = Scene()
    scene.add_symbol("ACME", price=Decimal("50.00"))
    scene.set_spread_cents(Decimal(2))
    scene.set_market(model=model, volatility=0.0)
    assert _quoted_cents(scene) == _quoted_cents(scene, 60) == 2


def test_a_spread_in_bps_is_quoted_as_the_scene_starts_and_narrows_by_midday():
    """"the spread is 20 bps" quotes 20 bps (10 cents at $50) at the start; the realistic model's midday is
    narrower (20 / 1.69 x 0.95: about 6 cents)."""
    scene = Scene()
    scene.set_spread_bps(20.0)
    scene.set_market(volatility=0.0)
    assert _quoted_cents(scene) == 10
    assert _quoted_cents(scene, 3 * 3600) == 6


def test_a_scenario_files_spread_is_the_configured_one():
    """A spread that comes with a configuration (a scenario file) is marketConfig.spread as documented: the
    session average, not translated; it replaces a spread named before it."""
    scene = Scene()
    scene.set_spread_cents(Decimal(2))
    scene.set_market(spread=4.0)
    config = scene.config(seed=1)
    assert config.market.spread == 4.0
    assert _quoted_cents(scene) == 3, "4 bps is 2 cents on average, 3 at the open"
