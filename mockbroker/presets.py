"""The named scenarios' presets: how each one adjusts a configuration, and the market events it starts.

A plain function of the configuration (no broker, no market objects), so the live broker (``broker.py``) and the
vectorized generator (``market/generator.py``) apply the same presets without either importing the other's layer.
The table of what each scenario means is in ``scenarios.py``.
"""

from __future__ import annotations

from dataclasses import replace

from .config import BrokerConfig, MarketConfig
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
        if "momentum" in available_models and _replaceable(market, "momentum"):
            params = {"trend": 3.0, "trend_half_life": 1.0, **_carried(market, "momentum")}
            market = market.with_changes(model="momentum", drift=market.drift or 1.5, params=params)
        else:
            market = market.with_changes(drift=market.drift or 1.5)
    elif name == "range":
        if "mean_reversion" in available_models and _replaceable(market, "mean_reversion"):
            market = market.with_changes(model="mean_reversion", drift=0.0, params=_carried(market, "mean_reversion"))
        else:
            market = market.with_changes(volatility=market.volatility * 0.5, drift=0.0)
    elif name == "flash_crash":
        events.append({"type": "flash_crash"})  # shaped like 6 May 2010 (the event's defaults)
    elif name == "no_liquidity":
        events.append({"type": "liquidity_crisis", "liquidity_factor": 0.05, "spread_factor": 20.0})
    elif name == "failure":
        execution = execution.with_changes(rejection_rate=max(execution.rejection_rate, 0.25))
    else:
        raise ConfigurationError(f"scenario={name!r}: must be one of {', '.join(SCENARIOS)}")
    return replace(config, market=market, execution=execution), events


def _replaceable(market: MarketConfig, model: str) -> bool:
    """A preset that implies a model takes over a plain market (the default realistic model or a random walk,
    without parameters of its own); a model chosen with parameters (a calibrated scenario) stays."""
    own = set(market.params) - {"volume_profile"}
    return market.model == model or market.model == "random_walk" or (market.model == "realistic" and not own)


def _carried(market: MarketConfig, model: str) -> dict:
    """The parameters a preset's model keeps: all of its own model's, else only those every model takes."""
    return dict(market.params) if market.model == model else \
        {k: v for k, v in market.params.items() if k == "volume_profile"}
