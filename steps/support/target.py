"""Which broker the suite drives, chosen by ``-D target=``; the steps never know which one they hold.

- ``inprocess`` (default): ``mockbroker.broker.MockBroker`` in this process.
- ``http``: one ``mockbroker.harness.ServiceProcess`` for the whole run, driven through
  ``mockbroker.client.HttpBroker``.
- ``package.module:factory``: any callable returning an object that implements ``Broker`` and
  ``SimulationControl``.

Each opener is a generator in behave's fixture style: set up, ``yield`` the broker, clean up. The target modules
are imported lazily, so the in-process run works without the service installed.
"""

from __future__ import annotations

import importlib
from typing import Callable, Iterator

from mockbroker.config import BrokerConfig
from mockbroker.interface import Broker, SimulationControl


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


def opener_for(spec: str) -> Callable[[], Iterator[object]]:
    return OPENERS[spec] if spec in OPENERS else _factory(spec)


def check_contract(broker: object, spec: str) -> None:
    """Refuse early, with the missing names, a target that does not implement both protocols."""
    missing = [name for protocol in (Broker, SimulationControl)
               for name in dir(protocol) if not name.startswith("_") and not hasattr(broker, name)]
    if missing:
        raise TypeError(f"target={spec!r}: {type(broker).__name__} lacks {', '.join(sorted(set(missing)))}")
