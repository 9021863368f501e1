"""Named scenarios from the product spec, as presets on top of a configuration.

A scenario adjusts the market and execution settings it is about and may start market events at time zero;
everything else stays as configured, so ``scenario="volatile"`` with ``volatility=2`` means "twice as wild as 2%".

| name          | what a trader sees                                                                    |
|---------------|---------------------------------------------------------------------------------------|
| normal        | the configuration as given: calm, tight spreads, deep book                             |
| volatile      | volatility x3 (at least 4% a day), spreads x2.5; the model stays (by default the       |
|               | realistic one: fat tails, clustering and intraday shapes at every time scale)          |
| trending      | momentum model: drift +1.5% a day plus a +3%/day trend that persists (half-life 1 day)  |
| range         | a sideways market: mean reversion to the start price, half-life 0.25 day (~1.6 hours)  |
|               | (both replace the default realistic model or a random walk; a realistic model with     |
|               | parameters of its own, e.g. calibrated, keeps them: trending adds the drift, range      |
|               | halves the volatility)                                                                 |
| flash_crash   | a flash crash like 6 May 2010 on every symbol: -5%, accelerating, over 13.5 minutes;   |
|               | 90% back over the next 23 minutes; spreads x40 and a tenth of the book at once         |
| no_liquidity  | a liquidity crisis on every symbol: 5% of the usual size shown, spreads x20             |
| failure       | an unreliable venue: 25% of orders are rejected on arrival                             |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .config import AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig
from .documents import read_document
from .errors import ConfigurationError

from .presets import SCENARIOS, apply_scenario  # noqa: F401 - the presets are part of this module's API


# --- scenario files and the fluent builder ------------------------------------------------------------------------

SCENARIO_FILE_FIELDS = ("name", "description", "scenario", "seed", "marketConfig", "executionConfig", "symbols",
                        "accounts", "events")
"""Top-level fields of a scenario file (snake_case spellings of the configure body are accepted too)."""

_ALIASES = {"market_config": "marketConfig", "market": "marketConfig", "execution_config": "executionConfig",
            "execution": "executionConfig"}


@dataclass(frozen=True)
class ScenarioSpec:
    """A market scenario as data: the broker configuration and the market events it starts (each may carry
    ``at_seconds``: how long after the start it happens). ``config, events = spec`` unpacks it."""

    config: BrokerConfig
    events: tuple[dict, ...] = ()
    name: str | None = None
    description: str = ""

    def __iter__(self):
        yield self.config
        yield self.events

    def to_dict(self) -> dict:
        data: dict[str, Any] = {}
        if self.name:
            data["name"] = self.name
        if self.description:
            data["description"] = self.description
        data.update(self.config.to_dict())
        data["events"] = [dict(e) for e in self.events]
        return data

    def save(self, path: str | Path) -> Path:
        """Write the scenario as YAML (``.yaml``/``.yml``) or JSON (any other name)."""
        path = Path(path)
        data = _plain(self.to_dict())
        if path.suffix in (".yaml", ".yml"):
            import yaml

            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        else:
            path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return path


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def parse_scenario(data: Any, source: str = "scenario", base_dir: str | Path | None = None) -> ScenarioSpec:
    """Validate a scenario document (the ``POST /mock/configure`` body plus ``name``, ``description`` and
    ``events``) and build it. Errors are ``ConfigurationError`` naming the source and the field."""
    from .market.events import parse_event

    if not isinstance(data, dict):
        raise ConfigurationError(f"{source}: must hold one object with the fields {', '.join(SCENARIO_FILE_FIELDS)}")
    data = {_ALIASES.get(k, k): v for k, v in data.items()}
    unknown = sorted(set(data) - set(SCENARIO_FILE_FIELDS))
    if unknown:
        raise ConfigurationError(f"{source}: {unknown[0]}: unknown field (fields: {', '.join(SCENARIO_FILE_FIELDS)})")
    name, description = data.pop("name", None), data.pop("description", "")
    for field_name, value in (("name", name), ("description", description)):
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{source}: {field_name}={value!r}: must be text")
    events = data.pop("events", None) or []
    if not isinstance(events, list):
        raise ConfigurationError(f"{source}: events={events!r}: must be a list of events")
    market = data.get("marketConfig")
    if isinstance(market, dict) and base_dir is not None:
        params = market.get("params")
        if isinstance(params, dict) and isinstance(params.get("path"), str) and not Path(params["path"]).is_absolute():
            market = {**market, "params": {**params, "path": str(Path(base_dir) / params["path"])}}
            data["marketConfig"] = market
    try:
        config = BrokerConfig.from_dict(data)
        apply_scenario(config, frozenset(_models()))
        from .market.models import create_model
        import numpy as np

        for symbol in config.symbols:  # a model that cannot be built (bad params, missing replay file) fails here
            create_model(apply_scenario(config, frozenset(_models()))[0].market, float(symbol.price),
                         np.random.default_rng(0))
    except ConfigurationError as error:
        raise ConfigurationError(f"{source}: {error.message}") from None
    symbols = [s.symbol for s in config.symbols]
    checked = []
    for i, event in enumerate(events):
        try:
            parsed = parse_event(event, default_symbol=symbols[0] if len(symbols) == 1 else None)
        except ConfigurationError as error:
            raise ConfigurationError(f"{source}: events[{i}]: {error.message}") from None
        if parsed.symbol is not None and parsed.symbol not in symbols:
            raise ConfigurationError(f"{source}: events[{i}].symbol={parsed.symbol!r}: not one of the scenario's "
                                     f"symbols ({', '.join(symbols)})")
        checked.append(dict(event))
    return ScenarioSpec(config, tuple(checked), name, description)


def _models() -> set[str]:
    from .market.models import MODELS

    return set(MODELS)


def load_scenario_file(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario file (YAML or JSON); see docs/market-simulation.md for the format.

    The service calls it for ``POST /mock/configure`` with a file, then ``broker.configure(spec.config)`` and
    ``broker.inject(event)`` for each of ``spec.events`` (or simply ``broker.load_scenario(path)``)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"scenario file {str(path)!r}: no such file")
    data = read_document(path, ConfigurationError)
    return parse_scenario(data, source=str(path), base_dir=path.parent)


class ScenarioBuilder:
    """Compose a scenario fluently::

        spec = (scenario("volatile").model("realistic", open_volatility=3.0).symbols("ACME", "XYZ").seed(7)
                .flash_crash(drop_pct=8, over_seconds=180, at_seconds=300).build())
        broker = MockBroker.from_scenario(spec)      # or spec.save("volatile-crash.yaml")
    """

    def __init__(self, base: str = "normal") -> None:
        self._scenario = base
        self._market: dict[str, Any] = {}
        self._execution: dict[str, Any] = {}
        self._symbols: dict[str, SymbolConfig] = {}
        self._accounts: dict[str, AccountConfig] = {}
        self._events: list[dict] = []
        self._seed: int | None = None
        self._name: str | None = None
        self._description = ""

    def named(self, name: str, description: str = "") -> "ScenarioBuilder":
        self._name, self._description = name, description
        return self

    def preset(self, scenario: str) -> "ScenarioBuilder":
        self._scenario = scenario
        return self

    def model(self, name: str, **params: Any) -> "ScenarioBuilder":
        self._market["model"] = name
        if params:
            self._market["params"] = {**self._market.get("params", {}), **params}
        return self

    def market(self, **settings: Any) -> "ScenarioBuilder":
        self._market.update(settings)
        return self

    def execution(self, **settings: Any) -> "ScenarioBuilder":
        self._execution.update(settings)
        return self

    def symbols(self, *names: str) -> "ScenarioBuilder":
        for name in names:
            self._symbols.setdefault(name, SymbolConfig(symbol=name))
        return self

    def symbol(self, name: str, **settings: Any) -> "ScenarioBuilder":
        self._symbols[name] = SymbolConfig(symbol=name, **settings)
        return self

    def account(self, account_id: str, cash: Any = Decimal("100000"), **settings: Any) -> "ScenarioBuilder":
        self._accounts[account_id] = AccountConfig(id=account_id, cash=cash, **settings)
        return self

    def seed(self, seed: int) -> "ScenarioBuilder":
        self._seed = seed
        return self

    def event(self, kind: str, at_seconds: float = 0.0, **fields: Any) -> "ScenarioBuilder":
        self._events.append({"type": kind, **({"at_seconds": at_seconds} if at_seconds else {}), **fields})
        return self

    def flash_crash(self, drop_pct: float = 5.0, over_seconds: float = 810.0, at_seconds: float = 0.0,
                    **fields: Any) -> "ScenarioBuilder":
        """A flash crash; the defaults (and every field not given) are 6 May 2010's (``events.FlashCrash``)."""
        return self.event("flash_crash", at_seconds, drop_pct=drop_pct, duration_seconds=over_seconds, **fields)

    def halt(self, symbol: str | None = None, at_seconds: float = 0.0, for_seconds: float | None = None) -> "ScenarioBuilder":
        return self.event("halt", at_seconds, symbol=symbol, duration_seconds=for_seconds)

    def gap(self, pct: float, symbol: str | None = None, at_seconds: float = 0.0) -> "ScenarioBuilder":
        return self.event("gap", at_seconds, pct=pct, symbol=symbol)

    def config(self) -> BrokerConfig:
        extra = {} if self._seed is None else {"seed": self._seed}
        return BrokerConfig(scenario=self._scenario, market=MarketConfig(**self._market),
                            execution=ExecutionConfig(**self._execution),
                            symbols=tuple(self._symbols.values()) or (SymbolConfig(),),
                            accounts=tuple(self._accounts.values()) or (AccountConfig(),), **extra)

    def build(self) -> ScenarioSpec:
        """Validate everything (as a scenario file would be) and return the scenario."""
        spec = ScenarioSpec(self.config(), tuple(self._events), self._name, self._description)
        return parse_scenario(_plain(spec.to_dict()), source=f"scenario {self._name or self._scenario!r}")


def scenario(base: str = "normal") -> ScenarioBuilder:
    """Start a fluent scenario from a named preset (``normal``, ``volatile``, ...)."""
    return ScenarioBuilder(base)
