"""The desk: one scenario's working state -- the broker, the scene, the orders placed, the last refusal.

A ``Desk`` is created before each scenario (``context.desk``). Given steps write to ``desk.scene``; When and Then
steps call ``desk.ready()``, which sets the scene on the broker the first time (see ``steps.support.scene``) and
records the starting balances and prices that later steps compare against.

On a target without control (a broker adapter: ``desk.profile`` says what the target offers) the scene is met
instead of set: nothing is configured; the scenario's accounts are the target's own (the first account the scenario
names, or "I", is the target's first account, the next one its second), it trades the target's symbol, and the
starting cash, buying power and shares held are read from the broker as they are.

Rules:
- The desk only calls the ``Broker`` and ``SimulationControl`` protocols, and ``SimulationControl`` only on a
  target whose profile offers control (``configure``, ``market_state``) or a clock (``now_ns``).
- "The order" is the last order a When step placed; a refused order is kept as ``refusal`` instead, so a Then
  step can say why it was refused, and any other Then step about the order fails saying it was refused.
- Requests about an existing order (cancel, change, look-up) are made with the acting account's own credentials,
  never the order owner's; the last of each kind is kept in ``requests`` as a ``Request`` (who asked, what the
  broker answered or why it refused), for a Then step to judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mockbroker.capabilities import Capability
from mockbroker.domain import OrderRequest
from mockbroker.errors import BrokerError, PositionNotFound

from .scene import Scene, SceneError
from .target import TargetProfile


@dataclass
class PlacedOrder:
    account: str
    order_id: str
    request: OrderRequest


@dataclass
class Request:
    """One request about an existing order: the account that made it, and the answer or the refusal."""

    kind: str
    account: str
    order_id: str
    answer: object = None
    refusal: BrokerError | None = None


@dataclass
class Desk:
    broker: object
    seed: int
    master_seed: int
    target: str
    location: str
    seed_name: str = ""
    scene: Scene = field(default_factory=Scene)
    orders: list[PlacedOrder] = field(default_factory=list)
    refusal: BrokerError | None = None
    refused_request: OrderRequest | None = None
    cancel_refusal: BrokerError | None = None
    requests: dict[str, Request] = field(default_factory=dict)
    start_cash: dict[str, Decimal] = field(default_factory=dict)
    start_buying_power: dict[str, Decimal] = field(default_factory=dict)
    start_mid: dict[str, Decimal] = field(default_factory=dict)
    start_volatility: dict[str, float] = field(default_factory=dict)
    actors: set[str] = field(default_factory=set)
    opening_fills: set[str] = field(default_factory=set)
    start_ns: int = 0
    is_set: bool = False
    profile: TargetProfile = field(default_factory=lambda: TargetProfile(name="inprocess"))
    start_shares: dict[tuple[str, str], int] = field(default_factory=dict)
    target_accounts: dict[str, str] = field(default_factory=dict)
    waited: float | None = None
    run_token: str = ""

    @property
    def has_control(self) -> bool:
        return self.profile.has(Capability.CONTROL)

    def ready(self) -> "Desk":
        """Set the scene on the broker once, then hand back the desk."""
        if not self.is_set:
            self._set_scene()
        return self

    def _set_scene(self) -> None:
        if not self.has_control:
            self._meet_target()
            return
        scene, broker = self.scene, self.broker
        config = scene.config(self.seed)
        scene.frozen = True
        self.is_set = True
        broker.configure(config)
        self.actors.update(a.id for a in config.accounts)
        for account in config.accounts:
            self.opening_fills.update(f.fill_id for f in broker.list_fills(account=account.id))
            balances = broker.get_account(account.id)
            self.start_cash[account.id] = balances.cash
            self.start_buying_power[account.id] = balances.buying_power
        for symbol in config.symbols:
            state = broker.market_state(symbol.symbol)
            self.start_mid[symbol.symbol] = state.mid
            self.start_volatility[symbol.symbol] = state.volatility_pct
        self.start_ns = broker.now_ns()
        for event in scene.events:
            broker.inject(dict(event))

    def _meet_target(self) -> None:
        """A target without control: take its accounts and market as they are, and note where they started."""
        scene, broker = self.scene, self.broker
        scene.frozen = True
        self.is_set = True
        wishes = scene.control_wishes()
        if wishes:
            raise SceneError(f"target {self.profile.name} cannot set the scene ({'; '.join(wishes)}): only a target "
                             "with control can; tag the scenario @needs:control")
        symbol = self.symbol()
        for name in scene.account_ids():
            account = self.account_of(name)
            self.opening_fills.update(f.fill_id for f in broker.list_fills(account=account))
            balances = broker.get_account(account)
            self.start_cash[account] = balances.cash
            self.start_buying_power[account] = balances.buying_power
            self.start_shares[(account, symbol)] = self.shares_now(account, symbol)

    def shares_now(self, account: str, symbol: str) -> int:
        try:
            return self.broker.get_position(symbol, account=account).qty
        except PositionNotFound:
            return 0

    def client_order_id(self, written: str) -> str:
        """The client order id to send for one a feature writes. A target without control keeps every order it
        ever took, and a broker refuses a client order id used before, even in an earlier run: there the id goes
        out with this run's token appended ("desk-1" -> "desk-1-3f9c0a2b"), the same for every account."""
        if self.has_control or not self.run_token:
            return written
        return f"{written}-{self.run_token}"

    def start_of(self, symbol: str) -> tuple[Decimal, float]:
        """The symbol's mid price and volatility when the scene was set; a symbol not in the scene is a mistake
        of the feature, said so."""
        self.ready()
        if symbol not in self.start_mid:
            from .scene import SceneError

            raise SceneError(f"{symbol} is not traded in this scenario (symbols: {', '.join(self.start_mid)}): "
                             f"list it first, e.g. Given {symbol} trades around $50.00")
        return self.start_mid[symbol], self.start_volatility[symbol]

    def account_of(self, actor: str) -> str:
        account = self._target_account(self.scene.resolve_actor(actor))
        self.actors.add(account)
        return account

    def _target_account(self, name: str) -> str:
        """The account the target acts as for a name of the scenario: the same name on a target with control;
        on one without, the target's own accounts, given out in the order the scenario names them."""
        if self.has_control:
            return name
        if name in self.target_accounts:
            return self.target_accounts[name]
        taken = set(self.target_accounts.values())
        free = [a for a in self.profile.accounts if a not in taken]
        if not free:
            raise SceneError(f"target {self.profile.name} acts as {len(self.profile.accounts)} account(s) "
                             f"({', '.join(self.profile.accounts)}), all in use by "
                             f"{', '.join(self.target_accounts)}; {name} would need another: tag the scenario "
                             "@needs:two-accounts, or give the adapter more accounts")
        account = name if name in free else free[0]
        self.target_accounts[name] = account
        return account

    def named(self, account: str) -> str:
        """An account as the feature names it: "bob", or "bob (the target's secondary)" on a target whose accounts
        have names of their own."""
        name = next((n for n, a in self.target_accounts.items() if a == account), account)
        return name if name == account else f"{name} (the target's {account})"

    def symbol(self, symbol: str | None = None) -> str:
        if symbol:
            return symbol
        if self.has_control or self.scene.symbols:
            return self.scene.default_symbol()
        return self.profile.symbol
