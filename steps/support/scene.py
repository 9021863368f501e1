"""The scene: what the Given steps of one scenario ask for, before anything runs.

Given steps only record wishes here (accounts, symbols, market and execution settings, a named scenario,
opening positions, market events). The first When or Then step sets the scene on the broker, in this order:

1. ``configure(BrokerConfig)`` -- resets the broker to the scene, with the scenario's own seed;
   opening positions go in with the accounts: granted at the symbol's starting price, without a trade, so
   the account's cash stays exactly as the feature says;
2. market events -- ``inject`` each, in the order the steps named them.

Rules:
- With no account named, the broker has the account "default" with $100,000; with no symbol named, ACME at $50.00.
- A spread the feature names (in cents or bps) is the spread quoted as the scene starts, at 09:30: the
  realistic model quotes wider at the open than its session average (``marketConfig.spread``), so the scene
  sets the configured spread that quotes the named one at the open (it narrows through the morning).
- A setting named twice keeps the last value (a Scenario can override its Background).
- Once set, a scene is frozen: a Given step after a When step is a mistake in the feature and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from mockbroker.config import AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig
from mockbroker.interface import DEFAULT_ACCOUNT
from mockbroker.market.generator import opening_spread_factor

DEFAULT_SYMBOL = "ACME"
DEFAULT_PRICE = Decimal("50.00")


class SceneError(AssertionError):
    """The feature describes a scene that cannot be built (a mistake in the feature, not in the broker)."""


@dataclass(frozen=True)
class Opening:
    """A position the account holds when the scenario starts: ``shares`` signed (negative = short).
    ``account`` may be "I", resolved when the scene is set (accounts named later still count)."""

    account: str
    symbol: str
    shares: int


@dataclass
class Scene:
    scenario: str = "normal"
    accounts: dict[str, AccountConfig] = field(default_factory=dict)
    symbols: dict[str, SymbolConfig] = field(default_factory=dict)
    market: dict = field(default_factory=dict)
    execution: dict = field(default_factory=dict)
    spread_cents: Decimal | None = None
    spread_bps: float | None = None
    openings: list[Opening] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    start: str | None = None
    frozen: bool = False

    def _check_open(self) -> None:
        if self.frozen:
            raise SceneError("the scene is already set: put every Given step before the first When or Then step")

    # -- wishes -----------------------------------------------------------------------------------------------
    def add_account(self, name: str, cash: Decimal | None = None, shorting: bool | None = None) -> None:
        self._check_open()
        current = self.accounts.get(name, AccountConfig(id=name))
        changes = {}
        if cash is not None:
            changes["cash"] = cash
        if shorting is not None:
            changes["shorting_enabled"] = shorting
        self.accounts[name] = current.with_changes(**changes) if changes else current

    def add_symbol(self, symbol: str, price: Decimal | None = None, shortable: bool | None = None,
                   fractionable: bool | None = None) -> None:
        self._check_open()
        current = self.symbols.get(symbol, SymbolConfig(symbol=symbol, price=DEFAULT_PRICE))
        changes = {}
        if price is not None:
            changes["price"] = price
        if shortable is not None:
            changes["shortable"] = shortable
        if fractionable is not None:
            changes["fractionable"] = fractionable
        self.symbols[symbol] = current.with_changes(**changes) if changes else current

    def set_market(self, **settings) -> None:
        self._check_open()
        if "spread" in settings:  # a configured spread (a scenario file's) replaces a named one
            self.spread_cents = self.spread_bps = None
        self.market.update(settings)

    def set_execution(self, **settings) -> None:
        self._check_open()
        self.execution.update(settings)

    def set_spread_cents(self, cents: Decimal) -> None:
        """A spread in cents is turned into basis points of the default symbol's price when the scene is set."""
        self._check_open()
        self.spread_cents, self.spread_bps = cents, None
        self.market.pop("spread", None)

    def set_spread_bps(self, bps: float) -> None:
        """The spread quoted as the scene starts, in basis points of the price."""
        self._check_open()
        self.spread_cents, self.spread_bps = None, bps
        self.market.pop("spread", None)

    def use_scenario(self, name: str) -> None:
        self._check_open()
        self.scenario = name

    def open_position(self, account: str, symbol: str, shares: int) -> None:
        self._check_open()
        self.openings.append(Opening(account, symbol, shares))

    def set_start(self, day: str) -> None:
        """The virtual clock starts at 09:30 New York on ``day`` (YYYY-MM-DD), a session day or not."""
        self._check_open()
        self.start = day

    def add_event(self, event: dict) -> None:
        self._check_open()
        self.events.append(event)

    # -- reading ----------------------------------------------------------------------------------------------
    def account_ids(self) -> list[str]:
        return list(self.accounts) or [DEFAULT_ACCOUNT]

    def default_symbol(self) -> str:
        return next(iter(self.symbols), DEFAULT_SYMBOL)

    def resolve_actor(self, actor: str) -> str:
        """"I" is the only account set up, else "default"; any other name is taken as written."""
        if actor != "I":
            return actor
        if len(self.accounts) > 1:
            raise SceneError(f'"I" is ambiguous with several accounts set up ({", ".join(self.accounts)}): '
                             "name the account instead")
        return next(iter(self.accounts), DEFAULT_ACCOUNT)

    def control_wishes(self) -> list[str]:
        """What the scene asks for that only a target with control can do (empty when the scene only names
        accounts): a target without control meets the scene as it is."""
        wishes = [f"{name}'s cash or short selling" for name, account in self.accounts.items()
                  if account != AccountConfig(id=name)]
        wishes += [f"the symbol {symbol}" for symbol in self.symbols]
        wishes += [f"market setting {name}" for name in self.market]
        wishes += [f"venue setting {name}" for name in self.execution]
        wishes += ["the spread in cents"] if self.spread_cents is not None else []
        wishes += [f"the {self.scenario} scenario"] if self.scenario != "normal" else []
        wishes += [f"{o.account}'s opening {o.symbol} position" for o in self.openings]
        wishes += [f"the market event {e.get('type', '?')}" for e in self.events]
        return wishes

    def config(self, seed: int) -> BrokerConfig:
        symbols = dict(self.symbols) or {DEFAULT_SYMBOL: SymbolConfig(symbol=DEFAULT_SYMBOL, price=DEFAULT_PRICE)}
        for opening in self.openings:
            symbols.setdefault(opening.symbol, SymbolConfig(symbol=opening.symbol, price=DEFAULT_PRICE))
        accounts = dict(self.accounts)
        holdings: dict[str, dict[str, int]] = {}
        for opening in self.openings:
            account = self.resolve_actor(opening.account)
            accounts.setdefault(account, AccountConfig(id=account))
            held = holdings.setdefault(account, {})
            held[opening.symbol] = held.get(opening.symbol, 0) + opening.shares
        for account, held in holdings.items():
            positions = tuple({"symbol": symbol, "qty": qty, "avg_price": None} for symbol, qty in held.items() if qty)
            accounts[account] = accounts[account].with_changes(positions=positions)
        config = BrokerConfig(
            scenario=self.scenario,
            market=MarketConfig().with_changes(**self.market),
            execution=ExecutionConfig().with_changes(**self.execution),
            symbols=tuple(symbols.values()),
            accounts=tuple(accounts.values()) or (AccountConfig(),),
            seed=seed,
            start=self.start,
        )
        wanted = self.spread_bps
        if self.spread_cents is not None:
            price = symbols[self.default_symbol()].price
            wanted = float(self.spread_cents / 100 / price * 10_000)
        if wanted is None:
            return config
        at_open = opening_spread_factor(replace(config, market=config.market.with_changes(spread=wanted)))
        return replace(config, market=config.market.with_changes(spread=wanted / at_open))
