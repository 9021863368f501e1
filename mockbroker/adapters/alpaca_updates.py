"""The trade-updates stream of each account, kept as the ``Broker`` contract's order event log.

Alpaca has no REST call for an order's history of events; it pushes them on the trade-updates WebSocket. Each
account gets one alpaca-py ``TradingStream`` in a daemon thread, started when the adapter connects and ready once
the broker has confirmed it is listening (so no update of a later order is missed); every update received is kept,
numbered in arrival order (``seq``), for ``order_events``.

Rules:
- Updates are kept as alpaca-py parsed them; ``updates_since`` hands them out with the account they came for.
- Alpaca's ``pending_new`` is our ``accepted`` (docs/differences.md says the mock sends ``accepted`` where Alpaca
  sends ``pending_new``); events the contract has no word for (``restated``, ``done_for_day``, ...) are left out.
- ``close`` stops every stream within a second: it closes the socket instead of waiting for alpaca-py's 5-second
  receive timeout.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import ConnectionFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Update:
    seq: int
    account: str
    update: Any  # alpaca.trading.models.TradeUpdate


def _listening_stream_class():
    from alpaca.trading.stream import TradingStream

    class ListeningStream(TradingStream):
        """alpaca-py's stream, telling when the broker has confirmed the ``listen`` (alpaca-py ignores that)."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.listening = threading.Event()

        async def _dispatch(self, msg: dict) -> None:
            if msg.get("stream") == "listening":
                self.listening.set()
            await super()._dispatch(msg)

    return ListeningStream


class TradeUpdates:
    """Every account's trade updates, in the order they arrived."""

    def __init__(self, url: str, credentials: dict[str, tuple[str, str]], *, ready_timeout: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._updates: list[Update] = []
        self._streams: list = []
        self._threads: list[threading.Thread] = []
        stream_class = _listening_stream_class()
        for account, (key, secret) in credentials.items():
            stream = stream_class(key, secret, paper=True, url_override=url)
            stream.subscribe_trade_updates(self._handler(account))
            thread = threading.Thread(target=stream.run, name=f"trade-updates-{account}", daemon=True)
            thread.start()
            self._streams.append(stream)
            self._threads.append(thread)
        for stream in self._streams:
            if not stream.listening.wait(ready_timeout):
                self.close()
                raise ConnectionFailed(f"the trade-updates stream at {url} did not confirm listening within "
                                       f"{ready_timeout:g} s")

    def _handler(self, account: str):
        async def keep(update) -> None:
            with self._lock:
                self._updates.append(Update(len(self._updates) + 1, account, update))
        return keep

    def updates_since(self, since_seq: int = 0, account: str | None = None) -> list[Update]:
        with self._lock:
            kept = list(self._updates[since_seq:])
        return [u for u in kept if account is None or u.account == account]

    def close(self) -> None:
        stream_log = logging.getLogger("alpaca.trading.stream")
        level = stream_log.level
        stream_log.setLevel(logging.CRITICAL)  # closing the socket is logged as a "websocket error" otherwise
        try:
            for stream in self._streams:
                loop = getattr(stream, "_loop", None)
                if loop is None or not loop.is_running():
                    continue
                try:
                    asyncio.run_coroutine_threadsafe(stream.stop_ws(), loop).result(1)
                    asyncio.run_coroutine_threadsafe(stream.close(), loop).result(1)
                except Exception as problem:  # noqa: BLE001 - a stream that is already gone is closed enough
                    log.debug("closing a trade-updates stream: %s", problem)
            for thread in self._threads:
                thread.join(2)
        finally:
            stream_log.setLevel(level)
        self._streams.clear()
        self._threads.clear()
