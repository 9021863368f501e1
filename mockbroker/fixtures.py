"""Test data fixtures: accounts, positions, order histories and market settings, kept as YAML or JSON files.

A fixture file (``tests/fixtures/*.yaml``; the format is in ``docs/fixtures.md``)::

    version: 1
    description: Alice holds ACME and has a limit order resting
    seed: 7                      # optional; a scenario's own seed is used otherwise
    scenario: normal
    marketConfig: {updateFrequency: 1000}      # optional, as POST /mock/configure takes it
    symbols: [{symbol: ACME, price: "50.00"}]
    accounts:
      - id: alice
        name: Alice Example      # people's details are kept for reports; the broker uses id and cash
        cash: "100000"
        positions: [{symbol: ACME, shares: 100}]      # bought (negative: sold short) at market, in order
        orders:                                        # sent in order, after the positions
          - {symbol: ACME, side: buy, qty: 10, type: limit, limit_price: "49.00", time_in_force: gtc}
    advance_seconds: 60          # simulated time that passes after the orders

Rules:
- ``load`` checks everything and raises ``FixtureError`` naming the file, the field and the bad value.
- ``apply`` uses only the ``Broker`` and ``SimulationControl`` protocols, so it loads a fixture into an
  in-process broker and into a running service (through ``HttpBroker``) alike.
- The same fixture and seed give the same state, order ids included.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .config import AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig
from .domain import OrderRequest, OrderType, Side, TimeInForce
from .documents import read_document
from .errors import BrokerError, ConfigurationError

FORMAT_VERSION = 1
FIXTURES_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


class FixtureError(ConfigurationError):
    code = "invalid_fixture"


@dataclass(frozen=True)
class PositionFixture:
    symbol: str
    shares: int


@dataclass(frozen=True)
class OrderFixture:
    symbol: str
    side: str
    qty: int
    type: str = "market"
    limit_price: str | None = None
    stop_price: str | None = None
    time_in_force: str = "day"
    after_seconds: float = 0.0
    """Simulated time that passes before this order is sent."""

    def request(self) -> OrderRequest:
        return OrderRequest(self.symbol, self.qty, Side(self.side), OrderType(self.type),
                            TimeInForce(self.time_in_force),
                            limit_price=None if self.limit_price is None else Decimal(self.limit_price),
                            stop_price=None if self.stop_price is None else Decimal(self.stop_price))


@dataclass(frozen=True)
class AccountFixture:
    id: str
    cash: str = "100000"
    name: str | None = None
    email: str | None = None
    account_number: str | None = None
    shorting_enabled: bool = True
    positions: tuple[PositionFixture, ...] = ()
    orders: tuple[OrderFixture, ...] = ()


@dataclass(frozen=True)
class SymbolFixture:
    symbol: str
    price: str = "50.00"


@dataclass(frozen=True)
class Fixture:
    accounts: tuple[AccountFixture, ...] = ()
    symbols: tuple[SymbolFixture, ...] = (SymbolFixture("ACME"),)
    scenario: str = "normal"
    seed: int | None = None
    market: dict = field(default_factory=dict)
    execution: dict = field(default_factory=dict)
    advance_seconds: float = 0.0
    description: str = ""
    version: int = FORMAT_VERSION

    # ----- reading and writing
    def to_dict(self) -> dict:
        data: dict[str, Any] = {"version": self.version}
        if self.description:
            data["description"] = self.description
        if self.seed is not None:
            data["seed"] = self.seed
        data["scenario"] = self.scenario
        if self.market:
            data["marketConfig"] = dict(self.market)
        if self.execution:
            data["executionConfig"] = dict(self.execution)
        data["symbols"] = [asdict(s) for s in self.symbols]
        data["accounts"] = [_prune(asdict(a)) for a in self.accounts]
        if self.advance_seconds:
            data["advance_seconds"] = self.advance_seconds
        return data

    def config(self, seed: int | None = None) -> BrokerConfig:
        """The ``BrokerConfig`` the fixture starts from (the fixture's seed, else ``seed``, else the default)."""
        extra = {}
        chosen = self.seed if self.seed is not None else seed
        if chosen is not None:
            extra["seed"] = chosen
        return BrokerConfig(
            scenario=self.scenario, market=MarketConfig.from_dict(self.market),
            execution=ExecutionConfig.from_dict(self.execution),
            symbols=tuple(SymbolConfig(symbol=s.symbol, price=Decimal(s.price)) for s in self.symbols),
            accounts=tuple(AccountConfig(id=a.id, cash=Decimal(a.cash), shorting_enabled=a.shorting_enabled)
                           for a in self.accounts) or (AccountConfig(),),
            **extra)


def _prune(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if value is None or value == () or value == []:
            continue
        if isinstance(value, (list, tuple)):
            value = [_prune(v) if isinstance(v, dict) else v for v in value]
            if key == "orders":
                value = [{k: v for k, v in o.items() if not (k == "after_seconds" and v == 0.0)
                          and not (k == "type" and v == "market") and not (k == "time_in_force" and v == "day")}
                         for o in value]
        out[key] = value
    return out


def _need(source: str, where: str, data: Any, kind: type, what: str):
    if not isinstance(data, kind) or isinstance(data, bool) and kind is not bool:
        raise FixtureError(f"{source}: {where}={data!r}: must be {what}", source=source, field=where)
    return data


def _money(source: str, where: str, value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if isinstance(value, bool) or not amount.is_finite() or amount < 0:
        raise FixtureError(f"{source}: {where}={value!r}: must be an amount >= 0", source=source, field=where)
    return str(amount)


def _choice(source: str, where: str, value: Any, enum) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise FixtureError(f"{source}: {where}={value!r}: must be one of {', '.join(e.value for e in enum)}",
                           source=source, field=where) from None


def from_dict(data: Any, source: str = "fixture") -> Fixture:
    _need(source, "(top level)", data, dict, "an object with accounts, symbols, ...")
    known = {"version", "description", "seed", "scenario", "marketConfig", "executionConfig", "symbols", "accounts",
             "advance_seconds"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise FixtureError(f"{source}: {unknown[0]}: unknown field (known: {', '.join(sorted(known))})",
                           source=source, field=unknown[0])
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise FixtureError(f"{source}: version={version!r}: this mockbroker reads fixture version {FORMAT_VERSION}",
                           source=source, field="version")
    symbols = []
    for i, item in enumerate(data.get("symbols", [{"symbol": "ACME"}])):
        if isinstance(item, str):
            item = {"symbol": item}
        _need(source, f"symbols[{i}]", item, dict, "an object with symbol and price")
        symbols.append(SymbolFixture(_need(source, f"symbols[{i}].symbol", item.get("symbol"), str, "a ticker"),
                                     _money(source, f"symbols[{i}].price", item.get("price", "50.00"))))
    accounts = []
    for i, item in enumerate(_need(source, "accounts", data.get("accounts", []), list, "a list")):
        where = f"accounts[{i}]"
        _need(source, where, item, dict, "an object with id and cash")
        extra = sorted(set(item) - {"id", "cash", "name", "email", "account_number", "shorting_enabled", "positions",
                                    "orders"})
        if extra:
            raise FixtureError(f"{source}: {where}.{extra[0]}: unknown field", source=source,
                               field=f"{where}.{extra[0]}")
        positions = tuple(
            PositionFixture(_need(source, f"{where}.positions[{j}].symbol", p.get("symbol"), str, "a ticker"),
                            _need(source, f"{where}.positions[{j}].shares", p.get("shares"), int, "whole shares"))
            for j, p in enumerate(_need(source, f"{where}.positions", item.get("positions", []), list, "a list")))
        orders = []
        for j, o in enumerate(_need(source, f"{where}.orders", item.get("orders", []), list, "a list")):
            ow = f"{where}.orders[{j}]"
            _need(source, ow, o, dict, "an object with symbol, side and qty")
            orders.append(OrderFixture(
                _need(source, f"{ow}.symbol", o.get("symbol"), str, "a ticker"),
                _choice(source, f"{ow}.side", o.get("side"), Side),
                _need(source, f"{ow}.qty", o.get("qty"), int, "whole shares"),
                _choice(source, f"{ow}.type", o.get("type", "market"), OrderType),
                None if o.get("limit_price") is None else _money(source, f"{ow}.limit_price", o["limit_price"]),
                None if o.get("stop_price") is None else _money(source, f"{ow}.stop_price", o["stop_price"]),
                _choice(source, f"{ow}.time_in_force", o.get("time_in_force", "day"), TimeInForce),
                float(_need(source, f"{ow}.after_seconds", o.get("after_seconds", 0), (int, float), "seconds"))))
        accounts.append(AccountFixture(
            _need(source, f"{where}.id", item.get("id"), str, "an account id"),
            _money(source, f"{where}.cash", item.get("cash", "100000")), item.get("name"), item.get("email"),
            item.get("account_number"), bool(item.get("shorting_enabled", True)), positions, tuple(orders)))
    fixture = Fixture(
        accounts=tuple(accounts), symbols=tuple(symbols), scenario=str(data.get("scenario", "normal")),
        seed=data.get("seed"),
        market=dict(_need(source, "marketConfig", data.get("marketConfig", {}), dict, "an object")),
        execution=dict(_need(source, "executionConfig", data.get("executionConfig", {}), dict, "an object")),
        advance_seconds=float(_need(source, "advance_seconds", data.get("advance_seconds", 0), (int, float),
                                    "seconds")),
        description=str(data.get("description", "")))
    try:
        fixture.config()
    except ConfigurationError as problem:
        raise FixtureError(f"{source}: {problem.message}", source=source) from None
    return fixture


def resolve(name_or_path: str | Path, folder: str = "") -> Path:
    """A path as given, else ``tests/fixtures/<folder>/<name>.yaml`` (or ``.yml``/``.json``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    base = FIXTURES_DIR / folder if folder else FIXTURES_DIR
    for suffix in (".yaml", ".yml", ".json"):
        candidate = base / f"{name_or_path}{suffix}"
        if candidate.exists():
            return candidate
    raise FixtureError(f"fixture {str(name_or_path)!r}: no such file (looked for it as a path and in {base})",
                       source=str(name_or_path))


def load(name_or_path: str | Path, folder: str = "") -> Fixture:
    path = resolve(name_or_path, folder)
    data = read_document(path, FixtureError, source=str(path))
    return from_dict(data, str(path))


def dump(fixture: Fixture, path: str | Path | None = None) -> str:
    """YAML (or JSON when ``path`` ends in .json); written to ``path`` when given, returned either way."""
    if path is not None and str(path).endswith(".json"):
        text = json.dumps(fixture.to_dict(), indent=2) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(fixture.to_dict(), sort_keys=False, allow_unicode=True, width=120)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# ----- into a broker ----------------------------------------------------------------------------------------------

def open_positions(fixture: Fixture, broker) -> None:
    for account in fixture.accounts:
        for position in account.positions:
            side = Side.BUY if position.shares > 0 else Side.SELL
            order = broker.submit_order(OrderRequest(position.symbol, abs(position.shares), side), account=account.id)
            settled = broker.settle_order(order.id, account=account.id)
            if settled.filled_qty != abs(position.shares):
                raise FixtureError(f"opening {account.id}'s {position.shares:,} {position.symbol}: the order ended "
                                   f"{settled.status.value} with {settled.filled_qty:,} filled")


def play_orders(fixture: Fixture, broker) -> list[str]:
    """Send each account's orders in order (time passing before each as it says), then ``advance_seconds``."""
    ids = []
    for account in fixture.accounts:
        for item in account.orders:
            if item.after_seconds:
                broker.advance(item.after_seconds)
            order = broker.submit_order(item.request(), account=account.id)
            ids.append(order.id)
            broker.settle_order(order.id, account=account.id)
    if fixture.advance_seconds:
        broker.advance(fixture.advance_seconds)
    return ids


def apply(fixture: Fixture, broker, seed: int | None = None) -> dict:
    """Configure ``broker`` from the fixture, open its positions, play its orders. Returns a short summary."""
    config = fixture.config(seed)
    broker.configure(config)
    open_positions(fixture, broker)
    ids = play_orders(fixture, broker)
    return {"seed": config.seed, "accounts": [a.id for a in fixture.accounts], "orders": len(ids),
            "now_ns": broker.now_ns()}


__all__ = ["Fixture", "AccountFixture", "OrderFixture", "PositionFixture", "SymbolFixture", "FixtureError",
           "from_dict", "load", "dump", "apply", "open_positions", "play_orders", "resolve", "BrokerError"]
