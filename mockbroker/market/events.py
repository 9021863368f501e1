"""Market events a scenario or a step injects: flash crash, liquidity crisis, volatility spike, halt, gap, ...

Rules:
- An event is a small object that, given the seconds since it started, says how it bends the market:
  a price multiplier, a spread factor, a liquidity factor and a volatility factor (1.0 = no effect).
- When an event ends, whatever permanent price change it left (a crash's unrecovered part) is folded into the
  price model, so the market carries on from there and the event can be dropped.
- ``parse_event`` turns the dict form (``{"type": "flash_crash", "symbol": "ACME", "drop_pct": 8, ...}``) into an
  event and raises ``ConfigurationError`` naming the field for bad input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError


@dataclass
class Effect:
    price: float = 1.0
    spread: float = 1.0
    liquidity: float = 1.0
    volatility: float = 1.0
    volume: float = 1.0
    """The tape's trading rate relative to normal (a crash brings a surge, a liquidity crisis a drought)."""
    stub: float = 0.0
    """The share of the tape's prints that hit a stub quote (an absurd price) instead of the book."""
    stub_price: float = 0.01


@dataclass
class MarketEvent:
    """Base: lasts ``duration_seconds`` (None = until the scenario ends)."""

    kind: str = "event"
    symbol: str | None = None
    duration_seconds: float | None = None
    started_ns: int = 0

    def effect(self, elapsed_s: float) -> Effect:
        return Effect()

    def finished(self, elapsed_s: float) -> bool:
        return self.duration_seconds is not None and elapsed_s >= self.duration_seconds

    def lasting_price_factor(self) -> float:
        """The price change that stays after the event ends."""
        return 1.0

    def describe(self) -> str:
        return self.kind

    def to_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items()}
        data["type"] = data.pop("kind")
        return data


RECOVERY_CURVATURE = 3.0
"""How front-loaded a crash's recovery is: the share of it won back after a fraction y of the recovery time is
(1 - e^(-3 y)) / (1 - e^-3): two thirds in the first third, as the rebound of 6 May 2010 (fast, then slower)."""
STUB_WINDOW_S = (30.0, 120.0)
"""Stub-quote prints happen from this many seconds before the bottom to this many after it (2010: 14:45:35 to
about 14:48, around the bottoms of the stocks that printed at a penny)."""
STUB_SHARE = 0.02
"""The share of the tape's prints in that window that hit a stub quote."""


@dataclass
class FlashCrash(MarketEvent):
    """A flash crash shaped like 6 May 2010 (the E-mini S&P 500; CFTC-SEC staff report of 30 September 2010;
    Kirilenko, Kyle, Samadi and Tuzun, Journal of Finance 2017). The defaults are that day's:

    - the plunge: ``drop_pct`` (5: the E-mini fell about 5% from 14:32 to 14:45:28) over ``duration_seconds``
      (810 s = 13.5 minutes), accelerating: the fall so far is drop x (t / duration) ^ ``acceleration`` (2.5: 60%
      of the fall comes in the last 30% of the time, as 3 of the 5 points came in the last 4 of 13 minutes);
    - the recovery: ``recovery_pct`` of the fall (90) won back over ``recovery_seconds`` (1,380 s: by 15:08 the
      E-mini was back near its 14:32 level), fast at first, then slower (``RECOVERY_CURVATURE``);
    - liquidity providers step back at once: the spread widens ``spread_factor`` times (40) and the displayed size
      falls to ``liquidity_factor`` (0.1); both come back as the price recovers;
    - volatility x3 during the plunge, back to normal with the recovery;
    - volume surges: the tape's rate rises with the speed of the fall to ``volume_factor`` (6) x normal at the
      bottom, then fades with the recovery (US equities traded ~2 billion shares from 14:40 to 15:00, about four
      times a normal 20 minutes);
    - ``stub_prints`` (off by default): around the bottom (``STUB_WINDOW_S``) a share (``STUB_SHARE``) of the tape's
      prints hit stub quotes at ``stub_price`` ($0.01), as the 20,000 trades at absurd prices that day (later
      broken)."""

    kind: str = "flash_crash"
    drop_pct: float = 5.0
    duration_seconds: float | None = 810.0
    acceleration: float = 2.5
    recovery_pct: float = 90.0
    recovery_seconds: float = 1380.0
    spread_factor: float = 40.0
    liquidity_factor: float = 0.1
    volume_factor: float = 6.0
    stub_prints: bool = False
    stub_price: float = 0.01

    def _total(self) -> float:
        return float(self.duration_seconds or 0) + self.recovery_seconds

    def finished(self, elapsed_s: float) -> bool:
        return elapsed_s >= self._total()

    def recovered(self, elapsed_s: float) -> float:
        """The share of the recovery done (0 until the bottom, 1 at the end)."""
        crash_s = float(self.duration_seconds or 0)
        if elapsed_s <= crash_s:
            return 0.0
        if not self.recovery_seconds:
            return 1.0
        y = min(1.0, (elapsed_s - crash_s) / self.recovery_seconds)
        return -math.expm1(-RECOVERY_CURVATURE * y) / -math.expm1(-RECOVERY_CURVATURE)

    def effect(self, elapsed_s: float) -> Effect:
        fall = self.drop_pct / 100.0
        crash_s = float(self.duration_seconds or 0)
        stub = STUB_SHARE if self.stub_prints and -STUB_WINDOW_S[0] <= elapsed_s - crash_s <= STUB_WINDOW_S[1] \
            else 0.0
        if elapsed_s <= crash_s:
            x = max(0.0, elapsed_s / crash_s) if crash_s else 1.0
            speed = x ** (self.acceleration - 1.0) if self.acceleration >= 1.0 else 1.0
            return Effect(price=1.0 - fall * x ** self.acceleration, spread=self.spread_factor,
                          liquidity=self.liquidity_factor, volatility=3.0,
                          volume=1.0 + (self.volume_factor - 1.0) * speed, stub=stub, stub_price=self.stub_price)
        recovered = self.recovered(elapsed_s)
        calm = 1.0 - recovered
        return Effect(
            price=1.0 - fall + fall * self.recovery_pct / 100.0 * recovered,
            spread=1.0 + (self.spread_factor - 1.0) * calm,
            liquidity=self.liquidity_factor + (1.0 - self.liquidity_factor) * recovered,
            volatility=1.0 + 2.0 * calm,
            volume=1.0 + (self.volume_factor - 1.0) * calm,
            stub=stub, stub_price=self.stub_price,
        )

    def lasting_price_factor(self) -> float:
        return 1.0 - self.drop_pct / 100.0 * (1.0 - self.recovery_pct / 100.0)

    def describe(self) -> str:
        return f"flash crash of {self.drop_pct:g}% over {self.duration_seconds:g} s"


@dataclass
class LiquidityCrisis(MarketEvent):
    """Market makers withdraw: displayed size falls to ``liquidity_factor``, the spread widens ``spread_factor``x."""

    kind: str = "liquidity_crisis"
    liquidity_factor: float = 0.05
    spread_factor: float = 20.0

    def effect(self, elapsed_s: float) -> Effect:
        return Effect(spread=self.spread_factor, liquidity=self.liquidity_factor, volatility=1.5,
                      volume=self.liquidity_factor)

    def describe(self) -> str:
        return f"liquidity crisis (size x{self.liquidity_factor:g}, spread x{self.spread_factor:g})"


@dataclass
class VolatilitySpike(MarketEvent):
    """Volatility multiplies by ``factor``; spreads widen with the square root of it, as market makers quote wider."""

    kind: str = "volatility_spike"
    factor: float = 3.0
    duration_seconds: float | None = 600.0

    def effect(self, elapsed_s: float) -> Effect:
        return Effect(volatility=self.factor, spread=math.sqrt(self.factor))

    def describe(self) -> str:
        return f"volatility spike x{self.factor:g}"


@dataclass
class Halt(MarketEvent):
    kind: str = "halt"


@dataclass
class Resume(MarketEvent):
    kind: str = "resume"


@dataclass
class Gap(MarketEvent):
    """The price jumps by ``pct`` percent at once (an overnight gap, news)."""

    kind: str = "gap"
    pct: float = -5.0


@dataclass
class OfferedLiquidity(MarketEvent):
    """Only ``shares`` are displayed on each side, and taken shares do not come back."""

    kind: str = "offered_liquidity"
    shares: int | None = 1000


@dataclass
class Split(MarketEvent):
    """A stock split: ``ratio`` new shares for each old one (2 = two-for-one; 0.1 = a one-for-ten reverse split).
    Prices (and the history's bars) are divided by the ratio; positions are multiplied by it, a fraction of a
    share paid out in cash at the new price (the broker does that part)."""

    kind: str = "split"
    ratio: float = 2.0

    def describe(self) -> str:
        return f"split {self.ratio:g}-for-1"


@dataclass
class Dividend(MarketEvent):
    """A cash dividend of ``amount`` dollars a share, going ex now: the price drops by the amount and holders are
    paid (shorts pay it); the broker does the paying."""

    kind: str = "dividend"
    amount: float = 0.5

    def describe(self) -> str:
        return f"dividend ${self.amount:g} a share"


CORPORATE_ACTIONS = ("split", "dividend")

EVENT_TYPES: dict[str, type[MarketEvent]] = {
    cls.kind: cls for cls in (FlashCrash, LiquidityCrisis, VolatilitySpike, Halt, Resume, Gap, OfferedLiquidity,
                              Split, Dividend)
}

_NUMBER_LIMITS = {
    "drop_pct": (0.0, 99.0), "recovery_pct": (0.0, 100.0), "duration_seconds": (0.0, 86_400.0 * 365),
    "recovery_seconds": (0.0, 86_400.0), "spread_factor": (1.0, 10_000.0), "liquidity_factor": (0.0, 1.0),
    "factor": (0.0, 1_000.0), "pct": (-99.0, 1_000.0), "shares": (0, 10**12),
    "ratio": (0.001, 1_000.0), "amount": (0.0, 1_000_000.0), "at_seconds": (0.0, 86_400.0 * 365),
    "acceleration": (0.1, 10.0), "volume_factor": (0.0, 1_000.0), "stub_price": (0.0001, 1_000_000.0),
}
_FLAGS = ("stub_prints",)


def _check_number(key: str, value: Any) -> None:
    low, high = _NUMBER_LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not low <= value <= high:
        raise ConfigurationError(f"event.{key}={value!r}: must be a number from {low:g} to {high:g}")


def parse_event(data: dict[str, Any], default_symbol: str | None = None) -> MarketEvent:
    if not isinstance(data, dict):
        raise ConfigurationError(f"event={data!r}: must be an object with a 'type'")
    kind = data.get("type")
    if kind not in EVENT_TYPES:
        raise ConfigurationError(f"event.type={kind!r}: must be one of {', '.join(sorted(EVENT_TYPES))}")
    cls = EVENT_TYPES[kind]
    allowed = {f for f in cls.__dataclass_fields__ if f not in ("kind", "started_ns")}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "at_seconds" and value is not None:
            _check_number(key, value)
        if key in ("type", "at_seconds"):
            continue
        if key not in allowed:
            raise ConfigurationError(f"event.{key}: not a field of {kind} (fields: {', '.join(sorted(allowed))})")
        if key in _NUMBER_LIMITS and value is not None:
            _check_number(key, value)
        if key in _FLAGS and not isinstance(value, bool):
            raise ConfigurationError(f"event.{key}={value!r}: must be true or false")
        if key == "symbol" and value is not None and not isinstance(value, str):
            raise ConfigurationError(f"event.symbol={value!r}: must be a ticker symbol")
        values[key] = value
    if values.get("symbol") is None:
        values["symbol"] = default_symbol
    if kind == "offered_liquidity" and values.get("shares") is not None:
        values["shares"] = int(values["shares"])
    return cls(**values)


__all__ = ["Effect", "MarketEvent", "FlashCrash", "LiquidityCrisis", "VolatilitySpike", "Halt", "Resume", "Gap",
           "OfferedLiquidity", "Split", "Dividend", "CORPORATE_ACTIONS", "EVENT_TYPES", "parse_event"]
