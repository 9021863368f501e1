"""Which broker the suite drives, chosen by ``-D target=``; the steps never know which one they hold.

- ``inprocess`` (default): ``mockbroker.broker.MockBroker`` in this process.
- ``http``: one ``mockbroker.harness.ServiceProcess`` for the whole run, driven through
  ``mockbroker.client.HttpBroker``.
- ``alpaca``: short for ``mockbroker.adapters.alpaca:connect``, the reference adapter of the conformance profile
  (alpaca-py's ``TradingClient``; without ``APCA_API_*`` variables it starts a service of its own to talk to).
- ``package.module:factory``: any callable returning an object that implements ``Broker``; with
  ``SimulationControl`` too it is a mock and offers every capability, else it offers what its ``capabilities``
  attribute says (``mockbroker.capabilities``) and scenarios needing more are skipped (docs/conformance.md).

``profile_of`` reads what the target offers into a ``TargetProfile``: its capabilities, the accounts and symbol
a target without control trades with, and how long steps wait for it in real time.

Each opener is a generator in behave's fixture style: set up, ``yield`` the broker, clean up. The target modules
are imported lazily, so the in-process run works without the service installed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Iterator

from mockbroker.capabilities import EVERY_CAPABILITY, Capability, capabilities_of, describe, parse_capabilities
from mockbroker.config import BrokerConfig
from mockbroker.interface import DEFAULT_ACCOUNT, Broker


def _inprocess() -> Iterator[object]:
    from mockbroker.broker import MockBroker

    yield MockBroker(BrokerConfig())


def _http() -> Iterator[object]:
    from mockbroker.client import HttpBroker
    from mockbroker.harness import ServiceProcess

    process = ServiceProcess()
    if hasattr(process, "start"):
        process.start()
    try:
        broker = HttpBroker(process.base_url)
        yield broker
        close = getattr(broker, "close", None)
        if callable(close):
            close()
    finally:
        process.stop()


def _factory(spec: str) -> Callable[[], Iterator[object]]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"target={spec!r}: expected inprocess, http or package.module:factory")

    def opener() -> Iterator[object]:
        factory = getattr(importlib.import_module(module_name), attribute)
        broker = factory()
        yield broker
        close = getattr(broker, "close", None)
        if callable(close):
            close()

    return opener


OPENERS: dict[str, Callable[[], Iterator[object]]] = {"inprocess": _inprocess, "http": _http}

ALIASES = {"alpaca": "mockbroker.adapters.alpaca:connect"}
"""Short target names for factories, so the report can name the target as an environment."""


def opener_for(spec: str) -> Callable[[], Iterator[object]]:
    if spec in OPENERS:
        return OPENERS[spec]
    return _factory(ALIASES.get(spec, spec))


CAPABILITY_CALLS: dict[Capability, tuple[str, ...]] = {
    Capability.CONTROL: ("configure", "reset", "open_account", "inject", "market_state", "state"),
    Capability.CLOCK: ("now_ns", "advance", "settle_order"),
    Capability.FAULTS: ("inject", "fault_rules"),
    Capability.STREAMS: ("open_stream",),
    Capability.SNAPSHOTS: ("snapshot", "restore", "list_snapshots", "diff_snapshots"),
}
"""The ``SimulationControl`` calls each capability rests on: a target that claims one must have them."""


def check_contract(broker: object, spec: str) -> None:
    """Refuse early, with the missing names, a target that lacks a ``Broker`` call or a call one of its
    capabilities rests on."""
    needed = {name for name in dir(Broker) if not name.startswith("_")}
    for capability in capabilities_of(broker):
        needed.update(CAPABILITY_CALLS.get(capability, ()))
    missing = sorted(name for name in needed if not hasattr(broker, name))
    if missing:
        raise TypeError(f"target={spec!r}: {type(broker).__name__} lacks {', '.join(missing)} (the Broker contract, "
                        f"plus what its capabilities need: {describe(capabilities_of(broker))})")


DEFAULT_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class TargetProfile:
    """What a target offers the suite.

    - ``capabilities``: beyond the ``Broker`` contract (``mockbroker.capabilities``);
    - ``accounts``: on a target without control, the accounts it can act as, in order: the scenario's first account
      ("I", or the first one a Given step names) is the first of them, the next one the second;
    - ``symbol``: on a target without control, the symbol the conformance profile trades (a scenario names none);
    - ``wait_seconds``: how long a step waits in real time on a target without a virtual clock.
    """

    name: str
    capabilities: frozenset = EVERY_CAPABILITY
    accounts: tuple[str, ...] = (DEFAULT_ACCOUNT,)
    symbol: str = "ACME"
    wait_seconds: float = DEFAULT_WAIT_SECONDS

    def has(self, capability: Capability | str) -> bool:
        return Capability.parse(capability) in self.capabilities

    def lacks(self, needs) -> list[Capability]:
        """The needs this target does not meet, in a stable order."""
        return sorted((Capability.parse(n) for n in needs if Capability.parse(n) not in self.capabilities),
                      key=lambda c: list(Capability).index(c))

    @property
    def is_complete(self) -> bool:
        return self.capabilities >= EVERY_CAPABILITY


def profile_of(name: str, broker: object, userdata=None) -> TargetProfile:
    """The target's profile: what the broker states (``capabilities``, ``accounts``, ``symbols``), narrowed by
    ``-D without=fills,two-accounts``, with ``-D symbol=`` and ``-D wait_timeout=`` (seconds) when given."""
    userdata = userdata or {}
    capabilities = capabilities_of(broker)
    without = str(userdata.get("without", "") or "")
    if without:
        capabilities = capabilities - parse_capabilities(w for w in without.split(",") if w.strip())
    if Capability.CONTROL in capabilities:  # a mock: the scene makes the accounts and symbols
        accounts, symbols = (DEFAULT_ACCOUNT,), ()
    else:
        accounts = tuple(str(a) for a in (getattr(broker, "accounts", None) or ())) or (DEFAULT_ACCOUNT,)
        symbols = tuple(str(s) for s in (getattr(broker, "symbols", None) or ()))
        if Capability.TWO_ACCOUNTS in capabilities and len(accounts) < 2:
            raise TypeError(f"target={name!r} claims two-accounts but names {len(accounts)} account(s) in its "
                            f"`accounts` attribute: {', '.join(accounts)}")
    symbol = str(userdata.get("symbol", "") or "") or (symbols[0] if symbols else "ACME")
    wait = float(userdata.get("wait_timeout", DEFAULT_WAIT_SECONDS) or DEFAULT_WAIT_SECONDS)
    return TargetProfile(name=name, capabilities=frozenset(capabilities), accounts=accounts, symbol=symbol,
                         wait_seconds=wait)
