"""Seeded fake test data: people, account numbers, accounts with positions and order histories (Faker).

    fakes = FakeData(seed=7)
    fixture = fakes.fixture(accounts=3, symbols=("ACME", "BOLT"), orders=5)

Rules:
- One seed in, the same people and orders out (Faker is pinned in requirements.txt; a Faker upgrade may change
  names, never the shape). Faker's generator and the numbers generator are seeded from the master seed by name,
  so asking for more accounts does not change the first ones' names.
- Nothing reads the wall clock or a global random generator.
- Generated orders are ones a broker accepts: whole shares, prices on the cent tick near the symbol's price,
  sells no larger than what the account holds.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

from faker import Faker

from .fixtures import AccountFixture, Fixture, OrderFixture, PositionFixture, SymbolFixture
from .seeds import DEFAULT_SEED, derive_seed


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    account_number: str


class FakeData:
    def __init__(self, seed: int = DEFAULT_SEED, locale: str = "en_US") -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed={seed!r}: a seed is a non-negative integer")
        self.seed = seed
        self.locale = locale
        self._people = 0
        self._used_ids: set[str] = set()

    def _faker(self, *names: str) -> Faker:
        faker = Faker(self.locale)
        faker.seed_instance(derive_seed(self.seed, "fakes", *names))
        return faker

    def _rng(self, *names: str) -> random.Random:
        return random.Random(derive_seed(self.seed, "fakes/numbers", *names))

    def person(self, index: int | None = None) -> Person:
        """The ``index``-th person of this seed (the next one when omitted)."""
        if index is None:
            index, self._people = self._people, self._people + 1
        faker = self._faker("person", str(index))
        first, last = faker.first_name(), faker.last_name()
        domain = faker.free_email_domain()
        email = f"{first}.{last}@{domain}".lower().replace("'", "")
        return Person(f"{first} {last}", email, "PA" + faker.numerify("##########"))

    def account_id(self, person: Person) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", person.name.split()[0].lower()).strip("-") or "trader"
        candidate, n = base, 2
        while candidate in self._used_ids:
            candidate, n = f"{base}-{n}", n + 1
        self._used_ids.add(candidate)
        return candidate

    def account(self, index: int, symbols: tuple[SymbolFixture, ...], orders: int = 5,
                positions: int = 1) -> AccountFixture:
        person = self.person(index)
        rng = self._rng("account", str(index))
        cash = Decimal(rng.randrange(25, 1001) * 1000)
        held: dict[str, int] = {}
        for symbol in rng.sample(list(symbols), k=min(positions, len(symbols))):
            held[symbol.symbol] = rng.randrange(1, 21) * 10
        return AccountFixture(
            id=self.account_id(person), cash=str(cash), name=person.name, email=person.email,
            account_number=person.account_number,
            positions=tuple(PositionFixture(s, q) for s, q in held.items()),
            orders=self.order_history(index, symbols, orders, dict(held)))

    def order_history(self, index: int, symbols: tuple[SymbolFixture, ...], count: int,
                      held: dict[str, int] | None = None) -> tuple[OrderFixture, ...]:
        """``count`` orders: mostly market buys and sells of what is held, some resting limits, time between."""
        rng = self._rng("orders", str(index))
        held = dict(held or {})
        orders = []
        for _ in range(count):
            symbol = rng.choice(symbols)
            price = Decimal(symbol.price)
            wait = float(rng.choice([0, 1, 5, 30, 60]))
            if held.get(symbol.symbol, 0) >= 10 and rng.random() < 0.4:
                qty = rng.randrange(1, held[symbol.symbol] // 10 + 1) * 10
                held[symbol.symbol] -= qty
                orders.append(OrderFixture(symbol.symbol, "sell", qty, after_seconds=wait))
            elif rng.random() < 0.3:
                limit = (price * Decimal(1 - rng.randrange(5, 50) / 1000)).quantize(Decimal("0.01"))
                orders.append(OrderFixture(symbol.symbol, "buy", rng.randrange(1, 11) * 10, "limit", str(limit),
                                           time_in_force="gtc", after_seconds=wait))
            else:
                qty = rng.randrange(1, 11) * 10
                held[symbol.symbol] = held.get(symbol.symbol, 0) + qty
                orders.append(OrderFixture(symbol.symbol, "buy", qty, after_seconds=wait))
        return tuple(orders)

    def fixture(self, accounts: int = 3, symbols: tuple[str, ...] = ("ACME",), orders: int = 5,
                prices: dict[str, str] | None = None, description: str = "") -> Fixture:
        prices = prices or {}
        symbol_fixtures = tuple(SymbolFixture(s, prices.get(s, "50.00")) for s in symbols)
        return Fixture(accounts=tuple(self.account(i, symbol_fixtures, orders) for i in range(accounts)),
                       symbols=symbol_fixtures, seed=self.seed,
                       description=description or f"generated by mockbroker fixtures generate --seed {self.seed}")
