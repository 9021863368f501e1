"""The desk: one scenario's working state -- the broker, the scene, the orders placed, the last refusal.

A ``Desk`` is created before each scenario (``context.desk``). Given steps write to ``desk.scene``; When and Then
steps call ``desk.ready()``, which sets the scene on the broker the first time (see ``steps.support.scene``) and
records the starting balances and prices that later steps compare against.

Rules:
- The desk only calls the ``Broker`` and ``SimulationControl`` protocols.
- "The order" is the last order a When step placed; a refused order is kept as ``refusal`` instead, so a Then
  step can say why it was refused, and any other Then step about the order fails saying it was refused.
- Requests about an existing order (cancel, change, look-up) are made with the acting account's own credentials,
  never the order owner's; the last of each kind is kept in ``requests`` as a ``Request`` (who asked, what the
  broker answered or why it refused), for a Then step to judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mockbroker.domain import OrderRequest
from mockbroker.errors import BrokerError

from .scene import Scene


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

    def ready(self) -> "Desk":
        """Set the scene on the broker once, then hand back the desk."""
        if not self.is_set:
            self._set_scene()
        return self

    def _set_scene(self) -> None:
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
        account = self.scene.resolve_actor(actor)
        self.actors.add(account)
        return account

    def symbol(self, symbol: str | None = None) -> str:
        return symbol or self.scene.default_symbol()
