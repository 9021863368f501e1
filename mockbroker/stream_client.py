"""``HttpStream``: the service's WebSocket streams as a client sees them (``HttpBroker.open_stream`` returns one).

It speaks Alpaca's protocols (``mockbroker.service.streams``) on a background thread, turns each message into the
same ``StreamMessage`` an in-process ``Subscription`` gives, and behaves as a real client does:
- a refused handshake raises the typed error at once: bad keys ``AuthenticationFailed`` (402 / unauthorized),
  too many symbols or connections ``PermissionDenied`` (405 / 406, ``details["stream_code"]``);
- a dropped connection is recorded as a ``disconnected`` message (``data["reason"]``: ``slow_client`` after a 407,
  else ``disconnect``) and re-opened with exponential backoff (``min_backoff`` doubling up to ``max_backoff``);
- ``messages()`` first asks the service to deliver everything published so far (``POST /mock/streams/flush``,
  which answers how many messages this connection was sent) and waits, bounded by ``timeout`` seconds of wall
  time, until it has read them all: what it returns matches what the engine published, with no sleeping.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from decimal import Decimal
from typing import Any, Callable, Iterator

import msgpack
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .domain import Bar, Order, Quote, Trade
from .errors import AuthenticationFailed, BrokerError, ConnectionFailed, PermissionDenied, Timeout
from .streams import MARKET_KINDS, StreamMessage


def _ns_from_iso(text: str) -> int:
    """``2026-01-05T14:30:00.030236452Z`` -> ns since the epoch (nanoseconds kept)."""
    from datetime import datetime, timezone

    date, _, frac = text.rstrip("Z").partition(".")
    base = datetime.strptime(date, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(base.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def _dec(x: Any) -> Decimal:
    return Decimal(str(x))


def market_from_wire(msg: dict) -> StreamMessage | None:
    kind, symbol = msg.get("T"), msg.get("S")
    t = msg.get("t")
    time_ns = t.to_unix_nano() if isinstance(t, msgpack.Timestamp) else 0
    if kind == "q":
        return StreamMessage("quote", symbol, time_ns, Quote(symbol, _dec(msg["bp"]), _dec(msg["ap"]), msg["bs"],
                                                             msg["as"], Decimal("0"), time_ns))
    if kind == "t":
        return StreamMessage("trade", symbol, time_ns, Trade(symbol, _dec(msg["p"]), msg["s"], time_ns),
                             seq=msg.get("i", 0))
    if kind == "b":
        return StreamMessage("bar", symbol, time_ns, Bar(symbol, time_ns, _dec(msg["o"]), _dec(msg["h"]),
                                                         _dec(msg["l"]), _dec(msg["c"]), msg["v"], msg.get("n", 0),
                                                         _dec(msg["vw"]) if msg.get("vw") is not None else None))
    if kind == "s":
        return StreamMessage("status", symbol, time_ns, {"halted": msg.get("sc") == "H", "code": msg.get("sc")})
    if kind == "error":
        return StreamMessage("error", None, 0, {"code": msg.get("code"), "message": msg.get("msg")})
    return None


def order_update_from_wire(data: dict, parse_order: Callable[[dict], Order]) -> StreamMessage:
    """A trade update; ``parse_order`` reads the service's order JSON (``HttpBroker`` hands in its own parser, so
    this module never imports the client that imports it)."""
    order = parse_order(data["order"])
    return StreamMessage("order_update", order.symbol, _ns_from_iso(data["timestamp"]), order, data["event"])


class HttpStream:
    """One stream subscription over a real WebSocket (see the module docstring)."""

    def __init__(self, broker, stream: str, account: str, channels: dict[str, tuple], *, timeout: float = 5.0,
                 min_backoff: float = 0.05, max_backoff: float = 2.0) -> None:
        if stream not in ("trade_updates", "market_data"):
            from .errors import InvalidArgument

            raise InvalidArgument("stream", stream, "must be trade_updates or market_data")
        self.broker = broker
        self.parse_order: Callable[[dict], Order] = broker.parse_order  # the client's order parser
        self.stream = stream
        self.account = account
        self.channels = {k: list(v) for k, v in channels.items() if v}
        self.timeout = timeout
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self._key_pair = broker._keys_for(account)  # here, not on the stream's thread: the HTTP session is not shared
        self.client_id = uuid.uuid4().hex[:12]
        self.received: list[StreamMessage] = []
        self.reconnects = 0
        self._cond = threading.Condition()
        self._conn_no = 0
        self._count = 0  # elements read on the current connection
        self._open = False
        self._closed = False
        self._error: BrokerError | None = None
        self._ws = None
        self._reason = "disconnect"
        self._handlers: list[Callable[[StreamMessage], None]] = []
        self._thread = threading.Thread(target=self._run, name=f"mockbroker-{stream}-{self.client_id}", daemon=True)
        self._thread.start()
        self._wait(lambda: self._open or self._error is not None or self._closed, "the stream to open")
        if self._error is not None:
            self.close()
            raise self._error

    # ----- public
    @property
    def key(self) -> str:
        return f"{self.client_id}.{self._conn_no}"

    def on_message(self, handler: Callable[[StreamMessage], None]) -> None:
        """Call ``handler`` (on the stream's thread) with every message from now on."""
        self._handlers.append(handler)

    def messages(self) -> list[StreamMessage]:
        """Everything received so far, after the service delivered all it has published (bounded wait)."""
        self.sync()
        with self._cond:
            return list(self.received)

    def wait_for(self, predicate, timeout_seconds: float | None = None) -> StreamMessage | None:
        self.sync()
        with self._cond:
            return next((m for m in self.received if predicate(m)), None)

    def __iter__(self) -> Iterator[StreamMessage]:
        return iter(self.messages())

    def sync(self) -> None:
        for _ in range(4):
            self.wait_open()
            key = self.key
            connections = self.broker._request("POST", "/mock/streams/flush", admin=True)["connections"]
            mine = next((c for c in connections if c.get("client") == key), None)
            if mine is None:  # the service already forgot this connection: it dropped; read on after reconnecting
                self._wait(lambda: self.key != key or self._closed, "the dropped stream to be noticed")
                continue
            sent = mine["sent"]
            self._wait(lambda: self.key != key or self._count >= sent or self._closed,
                       f"the {sent} messages the service sent on the {self.stream} stream")
            if mine.get("closing") and self.key == key and not self._closed:
                self._wait(lambda: self.key != key or self._closed, "the dropped stream to be noticed")
                continue
            return

    def wait_open(self) -> None:
        """Wait (bounded) until the stream is connected again after a drop."""
        if not self._closed:
            self._wait(lambda: self._open or self._closed, "the stream to reconnect")

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        ws = self._ws
        if ws is not None:
            try:
                ws.close()
            except Exception:  # noqa: BLE001 - closing a broken socket
                pass
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=self.timeout)
        streams = getattr(self.broker, "_streams", None)
        if streams is not None and self in streams:
            streams.remove(self)

    def __enter__(self) -> "HttpStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- the thread
    def _wait(self, condition, what: str) -> None:
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout(f"{self.stream} stream: still waiting for {what} after {self.timeout:g} s "
                                  f"(received {len(self.received)} messages)")
                self._cond.wait(left)

    def _url(self) -> str:
        base = self.broker.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        path = "/stream" if self.stream == "trade_updates" else "/v2/iex"
        return f"{base}{path}?client={self.key}"

    def _record(self, message: StreamMessage) -> None:
        self.received.append(message)
        for handler in self._handlers:
            handler(message)

    def _run(self) -> None:
        attempt = 0
        while not self._closed:
            self._reason = "disconnect"
            try:
                with self._cond:
                    self._conn_no += 1
                    self._count = 0
                with connect(self._url(), open_timeout=self.timeout, max_size=None) as ws:
                    self._ws = ws
                    self._handshake(ws)
                    attempt = 0
                    with self._cond:
                        self._open = True
                        self._cond.notify_all()
                    self._read(ws)
            except BrokerError as refused:  # a refused handshake: a real client gives up on bad keys and limits
                with self._cond:
                    self._error = refused
                    self._cond.notify_all()
                return
            except (ConnectionClosed, OSError, TimeoutError):
                pass
            finally:
                self._ws = None
            with self._cond:
                was_open, self._open = self._open, False
                if self._closed:
                    self._cond.notify_all()
                    return
                if was_open:
                    self._record(StreamMessage("disconnected", None, 0, {"reason": self._reason}))
                self._cond.notify_all()
            attempt += 1
            self.reconnects += 1
            time.sleep(min(self.max_backoff, self.min_backoff * 2 ** (attempt - 1)))  # reconnect backoff

    def _count_in(self, n: int) -> None:
        with self._cond:
            self._count += n
            self._cond.notify_all()

    def _handshake(self, ws) -> None:
        if self.stream == "market_data":
            self._market_reply(ws)  # connected
            ws.send(msgpack.packb({"action": "auth", "key": self._key_pair[0], "secret": self._key_pair[1]}))
            self._market_reply(ws)
            ws.send(msgpack.packb({"action": "subscribe", **self.channels}))
            self._market_reply(ws)
        else:
            key_id, secret = self._key_pair
            ws.send(json.dumps({"action": "authenticate", "data": {"key_id": key_id, "secret_key": secret}}))
            reply = json.loads(ws.recv(timeout=self.timeout))
            self._count_in(1)
            data = reply.get("data") or {}
            if data.get("status") != "authorized":
                if "connection limit" in str(data.get("message", "")):
                    raise PermissionDenied("connection limit exceeded", stream_code=406)
                raise AuthenticationFailed(f"trade updates stream: {data.get('message', 'unauthorized')}")
            ws.send(json.dumps({"action": "listen", "data": {"streams": ["trade_updates"]}}))
            json.loads(ws.recv(timeout=self.timeout))
            self._count_in(1)

    def _market_reply(self, ws) -> None:
        items = msgpack.unpackb(ws.recv(timeout=self.timeout))
        self._count_in(len(items))
        for item in items:
            if item.get("T") == "error":
                code, msg = item.get("code"), item.get("msg")
                if code == 402:
                    raise AuthenticationFailed(f"market data stream: {msg}", stream_code=code)
                if code in (405, 406):
                    raise PermissionDenied(f"market data stream: {msg}", stream_code=code)
                raise ConnectionFailed(f"market data stream: {msg} ({code})", stream_code=code)

    def _read(self, ws) -> None:
        for raw in ws:
            if self.stream == "market_data":
                items = msgpack.unpackb(raw)
                parsed = [market_from_wire(i) for i in items]
            else:
                items = [json.loads(raw)]
                parsed = [order_update_from_wire(i["data"], self.parse_order) if i.get("stream") == "trade_updates" else
                          StreamMessage("error", None, 0, {"code": i["data"].get("code"),
                                                           "message": i["data"].get("message")})
                          if i.get("stream") == "error" else None for i in items]
            with self._cond:
                for message in parsed:
                    if message is None:
                        continue
                    if message.kind == "error" and message.data.get("code") == 407:
                        self._reason = "slow_client"  # the close that follows is a slow-client drop
                    self._record(message)
                self._count += len(items)
                self._cond.notify_all()
