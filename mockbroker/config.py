"""Configuration: the product spec's ``MarketSimulation`` and ``ExecutionConfig``, accounts and symbols.

Units (also in docs/configuration.md):
- ``MarketConfig.volatility``: daily volatility in percent (2.0 = a typical day moves 2%).
- ``MarketConfig.drift``: expected daily return in percent (0.05 = +0.05% a day; negative trends down).
- ``MarketConfig.spread``: bid-ask spread in basis points of the price (1 bp = 0.01%).
- ``MarketConfig.liquidity``: shares displayed at the best price level on each side; deeper levels hold more.
- ``MarketConfig.update_frequency``: milliseconds of market time between price updates.
- ``ExecutionConfig.fill_probability``: chance (0-1) that a resting limit order fills when the market only touches
  its price (an order the market crosses always fills).
- ``ExecutionConfig.partial_fill_ratio``: fraction (0-1] of the remaining quantity that one match may fill;
  1 = fill all the book allows at once.
- ``ExecutionConfig.latency_min``/``latency_max``: milliseconds between submission and arrival at the venue.
- ``ExecutionConfig.slippage_bps``: extra adverse slippage added to every fill, in basis points.
- ``ExecutionConfig.rejection_rate``: chance (0-1) that the venue rejects an order on arrival.
- ``ExecutionConfig.latency_distribution``: ``uniform`` (every latency equally likely between ``latency_min`` and
  ``latency_max`` ms) or ``lognormal`` (heavy-tailed: ``latency_min`` plus a lognormal whose median is halfway to
  ``latency_max``, with log-sd ``latency_sigma``; about one command in four takes longer than ``latency_max``,
  none longer than ``latency_cap`` ms or ``latency_max``, whichever is larger).
- ``ExecutionConfig.latency_sigma``: the lognormal's log-standard-deviation (dimensionless, default 1.0).
- ``ExecutionConfig.latency_cap``: the longest latency the lognormal may draw, in ms (default 2,000).
- ``ExecutionConfig.impact_coefficient``: Y of the square-root law for temporary impact, dimensionless: a taker
  fill of q shares pays at least ``Y x sigma x sqrt(q / daily volume)`` of the mid price away from the mid
  (sigma = the symbol's current daily volatility as a fraction), however deep the displayed book; where the
  levels it took cost more, it pays those. 0 turns it off.
- ``ExecutionConfig.permanent_impact_coefficient``: the same law for what the trade leaves in the price: after a
  taker order of q shares the simulated price has moved by ``coefficient x sigma x sqrt(q / daily volume)`` in the
  trade's direction (the law on the parent order: charged as the order fills, once in total, not per fill).
- ``ExecutionConfig.impact_lasting``: the share (0-1, default 0.5) of that move that stays for good; the rest fades
  with a half-life of ``ExecutionConfig.impact_half_life`` seconds of market time (default 300; 0 = nothing
  fades), as prices partly revert after a large trade (transient impact).
- ``ExecutionConfig.queue_position``: when true, a resting limit order the market only touches fills once the
  shares queued ahead of it at its price (estimated from the displayed size when it started resting, and worn
  down by the tape's prints at its price) are gone, instead of by ``fill_probability``.
- ``ExecutionConfig.fees``: ``per_share`` ($ a share), ``min_per_order`` ($ an order, charged with its first
  fill) and ``bps`` (basis points of the notional); every fill carries its fee and the ledger books it.

``from_dict`` accepts the spec's camelCase names (``fillProbability``) and snake_case alike and raises
``ConfigurationError`` naming the field and the bad value.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ConfigurationError

DEFAULT_SEED = 2109
"""The master seed when none is given (here, in the domain layer, so configuration needs nothing above it)."""

MARKET_MODELS = ("random_walk", "mean_reversion", "momentum", "garch", "historical", "realistic")
LATENCY_DISTRIBUTIONS = ("uniform", "lognormal")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _number(section: str, name: str, value: Any, low: float | None = None, high: float | None = None,
            low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ConfigurationError(f"{section}.{name}={value!r}: must be a number")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ConfigurationError(f"{section}.{name}={value!r}: must be a finite number")
    if low is not None and (number < low or (low_open and number == low)):
        bound = f"greater than {low}" if low_open else f"at least {low}"
        raise ConfigurationError(f"{section}.{name}={value!r}: must be {bound}")
    if high is not None and number > high:
        raise ConfigurationError(f"{section}.{name}={value!r}: must be at most {high}")
    return number


class _Section:
    """Mixin: build from a camelCase or snake_case dict, refusing unknown keys."""

    SECTION = "config"

    @classmethod
    def from_dict(cls, data: dict | None):
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ConfigurationError(f"{cls.SECTION}={data!r}: must be an object")
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        values = {}
        for key, value in data.items():
            name = _snake(key)
            if name not in known:
                raise ConfigurationError(f"{cls.SECTION}.{key}: unknown field (known: {', '.join(sorted(known))})")
            values[name] = value
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    def with_changes(self, **changes):
        return replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class MarketConfig(_Section):
    SECTION = "marketConfig"

    model: str = "realistic"
    volatility: float = 1.5
    drift: float = 0.0
    spread: float = 4.0
    liquidity: int = 2_000
    update_frequency: int = 100
    params: dict = field(default_factory=dict)
    """Model-specific parameters (for example ``half_life`` for mean reversion, ``path`` for historical)."""

    def __post_init__(self) -> None:
        if self.model not in MARKET_MODELS:
            raise ConfigurationError(f"marketConfig.model={self.model!r}: must be one of {', '.join(MARKET_MODELS)}")
        _number(self.SECTION, "volatility", self.volatility, 0, 100)
        _number(self.SECTION, "drift", self.drift, -50, 50)
        _number(self.SECTION, "spread", self.spread, 0, 5_000, low_open=True)
        if isinstance(self.liquidity, bool) or not isinstance(self.liquidity, int) or self.liquidity < 0:
            raise ConfigurationError(f"marketConfig.liquidity={self.liquidity!r}: must be a whole number of shares >= 0")
        if isinstance(self.update_frequency, bool) or not isinstance(self.update_frequency, int) \
                or not 1 <= self.update_frequency <= 3_600_000:
            raise ConfigurationError(
                f"marketConfig.updateFrequency={self.update_frequency!r}: must be whole milliseconds, 1 to 3,600,000")
        if not isinstance(self.params, dict):
            raise ConfigurationError(f"marketConfig.params={self.params!r}: must be an object")


@dataclass(frozen=True)
class FeeConfig(_Section):
    SECTION = "executionConfig.fees"

    per_share: Decimal = Decimal("0")
    min_per_order: Decimal = Decimal("0")
    bps: Decimal = Decimal("0")

    def __post_init__(self) -> None:
        for name in ("per_share", "min_per_order", "bps"):
            value = getattr(self, name)
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise ConfigurationError(f"{self.SECTION}.{name}={value!r}: must be a number") from None
            if not amount.is_finite() or amount < 0:
                raise ConfigurationError(f"{self.SECTION}.{name}={value!r}: must be a finite number >= 0")
            object.__setattr__(self, name, amount)

    def fee_for(self, qty: int, notional: Decimal) -> Decimal:
        fee = self.per_share * qty + notional * self.bps / Decimal(10_000)
        return fee.quantize(Decimal("0.01"))

    def order_minimum_top_up(self, fees_so_far: Decimal) -> Decimal:
        return max(Decimal("0"), self.min_per_order - fees_so_far)

    def to_dict(self) -> dict:
        return {"per_share": str(self.per_share), "min_per_order": str(self.min_per_order), "bps": str(self.bps)}


@dataclass(frozen=True)
class ExecutionConfig(_Section):
    SECTION = "executionConfig"

    fill_probability: float = 1.0
    partial_fill_ratio: float = 1.0
    latency_min: float = 20.0
    latency_max: float = 60.0
    slippage_bps: float = 0.0
    rejection_rate: float = 0.0
    fees: FeeConfig = field(default_factory=FeeConfig)
    latency_distribution: str = "uniform"
    latency_sigma: float = 1.0
    latency_cap: float = 2_000.0
    impact_coefficient: float = 1.0
    permanent_impact_coefficient: float = 0.1
    queue_position: bool = False
    impact_lasting: float = 0.5
    impact_half_life: float = 300.0

    def __post_init__(self) -> None:
        _number(self.SECTION, "fillProbability", self.fill_probability, 0, 1)
        _number(self.SECTION, "partialFillRatio", self.partial_fill_ratio, 0, 1, low_open=True)
        _number(self.SECTION, "latencyMin", self.latency_min, 0, 600_000)
        _number(self.SECTION, "latencyMax", self.latency_max, 0, 600_000)
        if self.latency_max < self.latency_min:
            raise ConfigurationError(
                f"executionConfig.latencyMax={self.latency_max!r}: must be at least latencyMin ({self.latency_min})")
        _number(self.SECTION, "slippageBps", self.slippage_bps, 0, 10_000)
        _number(self.SECTION, "rejectionRate", self.rejection_rate, 0, 1)
        if self.latency_distribution not in LATENCY_DISTRIBUTIONS:
            raise ConfigurationError(f"executionConfig.latencyDistribution={self.latency_distribution!r}: must be "
                                     f"one of {', '.join(LATENCY_DISTRIBUTIONS)}")
        _number(self.SECTION, "latencySigma", self.latency_sigma, 0, 5)
        _number(self.SECTION, "latencyCap", self.latency_cap, 0, 600_000)
        _number(self.SECTION, "impactCoefficient", self.impact_coefficient, 0, 100)
        _number(self.SECTION, "permanentImpactCoefficient", self.permanent_impact_coefficient, 0, 100)
        _number(self.SECTION, "impactLasting", self.impact_lasting, 0, 1)
        _number(self.SECTION, "impactHalfLife", self.impact_half_life, 0, 86_400 * 30)
        if not isinstance(self.queue_position, bool):
            raise ConfigurationError(f"executionConfig.queuePosition={self.queue_position!r}: must be true or false")
        if isinstance(self.fees, dict):
            object.__setattr__(self, "fees", FeeConfig.from_dict(self.fees))
        elif not isinstance(self.fees, FeeConfig):
            raise ConfigurationError(f"executionConfig.fees={self.fees!r}: must be an object")

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "fees"}
        data["fees"] = self.fees.to_dict()
        return data


@dataclass(frozen=True)
class SymbolConfig(_Section):
    SECTION = "symbols[]"

    symbol: str = "ACME"
    price: Decimal = Decimal("50.00")
    tick_size: Decimal = Decimal("0.01")
    daily_volume: int = 5_000_000
    shortable: bool = True
    fractionable: bool = True
    """Whether fractional shares and dollar (notional) orders are allowed in this symbol (Alpaca's asset field)."""

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not re.fullmatch(r"[A-Z][A-Z0-9.]{0,9}", self.symbol):
            raise ConfigurationError(f"symbols[].symbol={self.symbol!r}: must be 1-10 capital letters or digits")
        for name in ("price", "tick_size"):
            value = getattr(self, name)
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise ConfigurationError(f"symbols[{self.symbol}].{name}={value!r}: must be a number") from None
            if not amount.is_finite() or amount <= 0:
                raise ConfigurationError(f"symbols[{self.symbol}].{name}={value!r}: must be a positive number")
            object.__setattr__(self, name, amount)
        if isinstance(self.daily_volume, bool) or not isinstance(self.daily_volume, int) or self.daily_volume <= 0:
            raise ConfigurationError(f"symbols[{self.symbol}].dailyVolume={self.daily_volume!r}: must be a positive whole number")

    @classmethod
    def coerce(cls, item: Any) -> "SymbolConfig":
        if isinstance(item, SymbolConfig):
            return item
        if isinstance(item, str):
            return cls(symbol=item)
        return cls.from_dict(item)

    def to_dict(self) -> dict:
        return {"symbol": self.symbol, "price": str(self.price), "tick_size": str(self.tick_size),
                "daily_volume": self.daily_volume, "shortable": self.shortable, "fractionable": self.fractionable}


@dataclass(frozen=True)
class AccountConfig(_Section):
    SECTION = "accounts[]"

    id: str = "default"
    cash: Decimal = Decimal("100000")
    shorting_enabled: bool = True
    api_key_id: str | None = None
    api_secret_key: str | None = None
    positions: tuple = ()
    """Holdings the account starts with, without trading for them: ``{"symbol", "qty" (negative = short),
    "avg_price" (optional: the symbol's starting price)}``. Cash stays as given."""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", self.id):
            raise ConfigurationError(f"accounts[].id={self.id!r}: must be 1-64 letters, digits, '.', '_' or '-'")
        try:
            cash = Decimal(str(self.cash))
        except InvalidOperation:
            raise ConfigurationError(f"accounts[{self.id}].cash={self.cash!r}: must be a number") from None
        if not cash.is_finite() or cash < 0:
            raise ConfigurationError(f"accounts[{self.id}].cash={self.cash!r}: must be a finite amount >= 0")
        object.__setattr__(self, "cash", cash)
        object.__setattr__(self, "positions", tuple(self._opening(p) for p in self.positions or ()))

    def _opening(self, item: Any) -> dict:
        where = f"accounts[{self.id}].positions[]"
        if not isinstance(item, dict) or set(item) - {"symbol", "qty", "avg_price"}:
            raise ConfigurationError(f"{where}={item!r}: must be an object with symbol, qty and optionally avg_price")
        qty = item.get("qty")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty == 0 or abs(qty) > 10**9:
            raise ConfigurationError(f"{where}.qty={qty!r}: must be a whole, non-zero number of shares")
        if not isinstance(item.get("symbol"), str):
            raise ConfigurationError(f"{where}.symbol={item.get('symbol')!r}: must be a symbol")
        price = item.get("avg_price")
        if price is not None:
            try:
                price = Decimal(str(price))
            except InvalidOperation:
                price = None
            if price is None or not price.is_finite() or price <= 0:
                raise ConfigurationError(f"{where}.avg_price={item.get('avg_price')!r}: must be a positive price")
        return {"symbol": item["symbol"], "qty": qty, "avg_price": None if price is None else str(price)}

    @classmethod
    def coerce(cls, item: Any) -> "AccountConfig":
        if isinstance(item, AccountConfig):
            return item
        return cls.from_dict(item)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["cash"] = str(self.cash)
        data["positions"] = [dict(p) for p in self.positions]
        return data


@dataclass(frozen=True)
class BrokerConfig:
    """Everything needed to build a broker; the same shape as ``POST /mock/configure``."""

    scenario: str = "normal"
    market: MarketConfig = field(default_factory=MarketConfig)
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)
    symbols: tuple[SymbolConfig, ...] = (SymbolConfig(),)
    accounts: tuple[AccountConfig, ...] = (AccountConfig(),)
    seed: int = DEFAULT_SEED
    start: str | None = None
    """When the virtual clock starts: a New York date ("2026-11-27": 09:30 that day) or an ISO date-time with a
    zone; None: Monday 5 January 2026, 09:30 New York."""

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ConfigurationError(f"seed={self.seed!r}: must be a whole number from 0 to 2**63-1")
        if self.start is not None:
            start_ns(self.start)  # refuse a bad start now
        object.__setattr__(self, "symbols", tuple(SymbolConfig.coerce(s) for s in self.symbols))
        object.__setattr__(self, "accounts", tuple(AccountConfig.coerce(a) for a in self.accounts))
        names = [s.symbol for s in self.symbols]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"symbols={names!r}: a symbol is listed twice")
        ids = [a.id for a in self.accounts]
        if len(set(ids)) != len(ids):
            raise ConfigurationError(f"accounts={ids!r}: an account id is listed twice")
        for account in self.accounts:
            for opening in account.positions:
                if opening["symbol"] not in names:
                    raise ConfigurationError(f"accounts[{account.id}].positions[].symbol={opening['symbol']!r}: "
                                             f"not one of the symbols ({', '.join(names)})")

    @classmethod
    def from_dict(cls, data: dict | None) -> "BrokerConfig":
        """Build from the ``POST /mock/configure`` body (camelCase or snake_case)."""
        data = dict(data or {})
        known = {"scenario", "marketConfig", "market_config", "market", "executionConfig", "execution_config",
                 "execution", "symbols", "accounts", "seed", "start"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigurationError(f"{unknown[0]}: unknown field (known: scenario, marketConfig, executionConfig, "
                                     "symbols, accounts, seed, start)")
        market = data.get("marketConfig", data.get("market_config", data.get("market")))
        execution = data.get("executionConfig", data.get("execution_config", data.get("execution")))
        scenario = data.get("scenario", "normal")
        if not isinstance(scenario, str):
            raise ConfigurationError(f"scenario={scenario!r}: must be a scenario name")
        symbols = data.get("symbols", ["ACME"])
        accounts = data.get("accounts", [{"id": "default"}])
        if not isinstance(symbols, list) or not symbols:
            raise ConfigurationError(f"symbols={symbols!r}: must be a non-empty list")
        if not isinstance(accounts, list):
            raise ConfigurationError(f"accounts={accounts!r}: must be a list")
        return cls(
            scenario=scenario,
            market=market if isinstance(market, MarketConfig) else MarketConfig.from_dict(market),
            execution=execution if isinstance(execution, ExecutionConfig) else ExecutionConfig.from_dict(execution),
            symbols=tuple(symbols),
            accounts=tuple(accounts),
            seed=data.get("seed", DEFAULT_SEED),
            start=data.get("start"),
        )

    def to_dict(self) -> dict:
        out = {
            "scenario": self.scenario,
            "marketConfig": self.market.to_dict(),
            "executionConfig": self.execution.to_dict(),
            "symbols": [s.to_dict() for s in self.symbols],
            "accounts": [a.to_dict() for a in self.accounts],
            "seed": self.seed,
        }
        if self.start is not None:
            out["start"] = self.start
        return out


def start_ns(start: str) -> int:
    """The clock's start from a New York date (09:30 that day) or an ISO date-time with a zone."""
    from datetime import date as date_, datetime, time as time_, timezone
    from zoneinfo import ZoneInfo

    def to_ns(moment: datetime) -> int:  # as clock.to_ns, which this layer may not import
        delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000

    if not isinstance(start, str):
        raise ConfigurationError(f"start={start!r}: must be a date (YYYY-MM-DD) or an ISO date-time with a zone")
    try:
        if len(start) == 10:
            return to_ns(datetime.combine(date_.fromisoformat(start), time_(9, 30), ZoneInfo("America/New_York")))
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(f"start={start!r}: not a date (YYYY-MM-DD) or an ISO date-time") from None
    if moment.tzinfo is None:
        raise ConfigurationError(f"start={start!r}: give the time zone (e.g. 2026-11-27T09:30:00-05:00)")
    if not 1990 <= moment.year <= 2100:
        raise ConfigurationError(f"start={start!r}: must be between 1990 and 2100")
    return to_ns(moment)
