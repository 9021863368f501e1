"""Named scenarios from the product spec, as presets on top of a configuration.

A scenario adjusts the market and execution settings it is about and may start market events at time zero;
everything else stays as configured, so ``scenario="volatile"`` with ``volatility=2`` means "twice as wild as 2%".

| name          | what a trader sees                                                                    |
|---------------|---------------------------------------------------------------------------------------|
| normal        | the configuration as given: calm, tight spreads, deep book                             |
| volatile      | volatility x3 (at least 4% a day), spreads x2.5                                        |
| trending      | a steady upward drift of +1.5% a day (momentum model where available)                 |
| range         | a sideways market: prices pulled back toward the start (mean reversion where available)|
| flash_crash   | a flash crash starts at once on every symbol: -8% over 3 minutes, half recovered after |
| no_liquidity  | a liquidity crisis on every symbol: 5% of the usual size shown, spreads x20             |
| failure       | an unreliable venue: 25% of orders are rejected on arrival                             |
"""

from __future__ import annotations

from dataclasses import replace

from .config import BrokerConfig
from .errors import ConfigurationError

SCENARIOS = ("normal", "volatile", "trending", "range", "flash_crash", "no_liquidity", "failure")


def apply_scenario(config: BrokerConfig, available_models: set[str] | frozenset[str] = frozenset()) -> tuple[BrokerConfig, list[dict]]:
    """The configuration with the scenario's preset applied, and the market events it starts at time zero."""
    name = config.scenario
    market, execution = config.market, config.execution
    events: list[dict] = []
    if name == "normal":
        pass
    elif name == "volatile":
        market = market.with_changes(volatility=max(4.0, market.volatility * 3), spread=market.spread * 2.5)
    elif name == "trending":
        model = "momentum" if "momentum" in available_models else market.model
        market = market.with_changes(model=model, drift=market.drift or 1.5)
    elif name == "range":
        if "mean_reversion" in available_models:
            market = market.with_changes(model="mean_reversion", drift=0.0)
        else:
            market = market.with_changes(volatility=market.volatility * 0.5, drift=0.0)
    elif name == "flash_crash":
        events.append({"type": "flash_crash", "drop_pct": 8.0, "duration_seconds": 180.0})
    elif name == "no_liquidity":
        events.append({"type": "liquidity_crisis", "liquidity_factor": 0.05, "spread_factor": 20.0})
    elif name == "failure":
        execution = execution.with_changes(rejection_rate=max(execution.rejection_rate, 0.25))
    else:
        raise ConfigurationError(f"scenario={name!r}: must be one of {', '.join(SCENARIOS)}")
    return replace(config, market=market, execution=execution), events
