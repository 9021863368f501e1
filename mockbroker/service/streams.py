"""The WebSocket streams, in Alpaca's protocols, and the hub that fans the engine's events out to them.

- ``/stream``: trade updates (JSON). The client sends ``{"action": "authenticate", "data": {"key_id",
  "secret_key"}}`` and gets ``{"stream": "authorization", "data": {"status": "authorized"|"unauthorized"}}``, then
  ``{"action": "listen", "data": {"streams": ["trade_updates"]}}`` and gets ``{"stream": "listening", ...}``; then
  ``{"stream": "trade_updates", "data": {"event", "order", "timestamp", "execution_id", "price", "qty"}}`` for
  every event of that account's orders (new, fill, partial_fill, canceled, expired, rejected, replaced...).
- ``/v2/iex`` and ``/v2/sip``: market data (msgpack, every message a list). ``[{"T": "success", "msg":
  "connected"}]`` first; ``{"action": "auth", "key", "secret"}``; ``{"action": "subscribe"|"unsubscribe",
  "trades", "quotes", "bars", "statuses": [symbols or "*"]}``; data ``T`` = ``q``/``t``/``b``/``s`` with ``S`` and a
  msgpack ``Timestamp`` in ``t``. Errors as Alpaca sends them: 400 invalid syntax, 401 not authenticated, 402 auth
  failed, 403 already authenticated, 405 symbol limit exceeded, 406 connection limit exceeded, 407 slow client.

Rules:
- Messages flow as simulated time passes: the hub reads the engine's feed and event log after every HTTP request
  (``notify``), every 50 ms (the real-time clock moves the engine between requests), and on ``flush``. One pump
  hands each connection its messages in engine order, through the connection's fault gate (``disconnect`` and
  ``slow_client`` rules), so the same seed and requests give the same messages.
- A connection whose unsent backlog passes ``MAX_BACKLOG`` messages and that has not accepted a message for
  ``SLOW_SECONDS`` of wall time is dropped as a slow client (407): a big batch after a long ``advance`` is not
  slowness, a client that stopped reading is.
- ``POST /mock/streams/flush`` pumps and waits until every connection's backlog is written; it answers how many
  messages each connection has been sent, so a client can wait until it has read them all (``HttpBroker`` does).
- Caps (``guard.Limits``): a connection that has not authenticated within ``ws_auth_timeout`` seconds is told so
  (market data: 404 ``auth timeout``, as Alpaca; trade updates: ``unauthorized``) and closed; one client address
  may hold ``ws_per_client`` connections and the service ``ws_total``, authenticated or not (406 ``connection limit
  exceeded``, then closed). A closed connection leaves nothing behind in the hub.
- Every frame gets an answer: one that is not valid JSON/msgpack, not an object, has an unknown action or fields
  of the wrong shape is answered with the protocol's error (trade updates ``{"stream": "error", "data": {"code":
  400, "message": ...}}``, market data ``[{"T": "error", "code": 400, "msg": "invalid syntax"}]``) and the
  connection stays open; the handlers never let an exception out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import json
import logging
from typing import Any

import msgpack
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ..streams import KIND_CODE, MARKET_KINDS
from . import serializers as ser
from .guard import Limits

log = logging.getLogger("mockbroker.service.streams")

router = APIRouter()
MAX_BACKLOG = 10_000
SLOW_SECONDS = 2.0
BATCH = 200
PUMP_INTERVAL = 0.05
CLOSE_CODES = {"slow_client": 1008, "auth_timeout": 1008, "connection_limit": 1008}
"""Close codes by reason (1008: policy violation); anything else closes normally (1000)."""
SYMBOL_CHANNELS = ("trades", "quotes", "bars", "statuses", "updatedBars", "dailyBars", "lulds", "corrections",
                   "cancelErrors", "orderbooks")


def release_freed_memory() -> None:
    """Give the memory that closed connections freed back to the operating system: glibc's allocator keeps freed
    heap pages otherwise (a burst of 2,000 connections left ~120 MB resident after they had all gone)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _loop_time() -> float:
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:  # pumped from a thread without a loop: judge by the backlog alone
        return float("inf")


def _ts(time_ns: int) -> msgpack.Timestamp:
    return msgpack.Timestamp.from_unix_nano(time_ns)


def market_item_wire(item) -> dict:
    """A feed item as Alpaca's market-data stream sends it."""
    data, symbol = item.data, item.symbol
    if item.kind == "quotes":
        return {"T": "q", "S": symbol, "bx": "V", "bp": float(data.bid), "bs": data.bid_size, "ax": "V",
                "ap": float(data.ask), "as": data.ask_size, "c": ["R"], "z": "C", "t": _ts(item.time_ns)}
    if item.kind == "trades":
        return {"T": "t", "S": symbol, "i": item.seq, "x": "V", "p": float(data.price), "s": data.size, "c": ["@"],
                "z": "C", "t": _ts(item.time_ns)}
    if item.kind == "bars":
        return {"T": "b", "S": symbol, "o": float(data.open), "h": float(data.high), "l": float(data.low),
                "c": float(data.close), "v": data.volume, "n": data.trade_count,
                "vw": float(data.vwap if data.vwap is not None else data.close), "t": _ts(item.time_ns)}
    halted = data["halted"]
    return {"T": "s", "S": symbol, "sc": "H" if halted else "T", "sm": "Trading Halt" if halted else
            "Trading Resumption", "rc": "T12" if halted else "", "rm": "Halt by the simulation" if halted else "",
            "t": _ts(item.time_ns), "z": "C"}


def trade_update_wire(event, ids) -> dict:
    data: dict[str, Any] = {"event": event.event.value, "timestamp": ser.iso(event.time_ns),
                            "order": ser.order_json(event.order, ids)}
    if event.fill is not None:
        data.update(execution_id=ids.public(event.fill.fill_id), price=str(event.fill.price),
                    qty=str(event.fill.qty))
    return {"stream": "trade_updates", "data": data}


class Connection:
    """One open socket: its subscription, its fault gate, its outgoing queue and the count of what it was sent."""

    ids = itertools.count(1)

    def __init__(self, ws: WebSocket, stream: str, client: str | None) -> None:
        self.ws = ws
        self.stream = stream  # trade_updates or market_data
        self.id = next(Connection.ids)
        self.client = client
        self.address = ws.client.host if ws.client is not None else None  # what the per-client cap counts
        self.account: str | None = None
        self.listening = False
        self.channels: dict[str, set[str]] = {k: set() for k in MARKET_KINDS}
        self.queue: asyncio.Queue = asyncio.Queue()
        self.sent = 0  # list elements (msgpack) or messages (JSON) written
        self.backlog = 0
        self.gate = None
        self.gate_owner = None
        self.closing: str | None = None
        self.last_progress = 0.0  # loop time of the last message written (or of the connection)

    def is_slow(self, now: float) -> bool:
        return self.backlog > MAX_BACKLOG and now - self.last_progress > SLOW_SECONDS

    @property
    def engine_stream(self) -> str:
        return "market_data_stream" if self.stream == "market_data" else "trade_updates_stream"

    def wants(self, kind: str, symbol: str) -> bool:
        chosen = self.channels[kind]
        return "*" in chosen or symbol in chosen

    def symbol_count(self, channels: dict[str, set[str]] | None = None) -> int:
        return len(set().union(*(channels or self.channels).values()))

    def push(self, payload: Any, count: int = 1) -> None:
        self.backlog += count
        self.queue.put_nowait((payload, count))

    def info(self) -> dict:
        return {"id": self.id, "client": self.client, "stream": self.stream, "account": self.account,
                "sent": self.sent, "backlog": self.backlog, "closing": self.closing,
                "subscribed": {k: sorted(v) for k, v in self.channels.items() if v} if self.stream == "market_data"
                else (["trade_updates"] if self.listening else [])}


class StreamHub:
    """Every open connection, and the cursors into the engine's feed and event log."""

    def __init__(self, service, metrics=None, limits: Limits | None = None) -> None:
        self.service = service
        self.metrics = metrics
        self.limits = limits or Limits()
        self.connections: dict[int, Connection] = {}
        self.feed = None
        self.feed_seq = 0
        self.event_seq = 0
        self.events_ref = None
        self.changed: asyncio.Event | None = None
        self.task: asyncio.Task | None = None
        self.watching = 0
        self.sent_total = 0

    # ----- lifecycle
    def over_limit(self, client: str | None) -> bool:
        """Whether one more connection (from ``client``'s address) would pass the caps."""
        if len(self.connections) >= self.limits.ws_total:
            return True
        return sum(1 for c in self.connections.values() if c.address == client) >= self.limits.ws_per_client

    def add(self, conn: Connection) -> None:
        conn.last_progress = asyncio.get_running_loop().time()
        self.connections[conn.id] = conn
        if self.task is None or self.task.done():
            self.changed = asyncio.Event()
            self.task = asyncio.get_running_loop().create_task(self._loop())
        self._gauge()

    def remove(self, conn: Connection) -> None:
        if self.connections.pop(conn.id, None) is not None and conn.stream == "market_data" and conn.listening:
            self._unwatch()
        if not self.connections:
            if self.task is not None:
                self.task.cancel()
                self.task = None
            release_freed_memory()
        self._gauge()

    def _gauge(self) -> None:
        if self.metrics is not None:
            for stream in ("trade_updates", "market_data"):
                self.metrics.ws_open.labels(stream).set(
                    sum(1 for c in self.connections.values() if c.stream == stream))

    def notify(self) -> None:
        if self.changed is not None:
            self.changed.set()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), PUMP_INTERVAL)
            self.changed.clear()
            try:
                self.pump()
            except Exception:  # keep streaming; the error is logged
                log.exception("stream hub: pump failed")

    # ----- the engine side
    def _sync_engine(self, broker) -> None:
        """Follow the engine through configure/reset/restore: a new feed or a shorter event log starts over."""
        feed = getattr(broker, "feed", None)
        if feed is not self.feed:
            self.feed = feed
            self.feed_seq = feed.last_seq if feed is not None else 0
            if feed is not None:
                for _ in range(self.watching):
                    feed.watch()
        events = broker.events if hasattr(broker, "events") else None
        if events is not self.events_ref or (events is not None and len(events) < self.event_seq):
            self.events_ref = events
            self.event_seq = len(events) if events is not None else 0

    def watch(self) -> None:
        with self.service.lock:
            self._sync_engine(self.service.broker)
            self.watching += 1
            if self.feed is not None:
                self.feed.watch()
                self.feed_seq = max(self.feed_seq, self.feed.last_seq) if self.watching == 1 else self.feed_seq

    def _unwatch(self) -> None:
        self.watching = max(0, self.watching - 1)
        if self.feed is not None:
            self.feed.unwatch()

    def position(self) -> tuple[int, int]:
        """Where a connection starts reading: now."""
        with self.service.lock:
            self._sync_engine(self.service.broker)
            self.pump_locked()
            return self.feed_seq, self.event_seq

    def pump(self) -> None:
        with self.service.lock:
            self.pump_locked()

    def pump_locked(self) -> None:
        broker = self.service.broker
        self._sync_engine(broker)
        market = [c for c in self.connections.values() if c.stream == "market_data" and c.listening and not c.closing]
        orders = [c for c in self.connections.values() if c.stream == "trade_updates" and c.listening
                  and not c.closing]
        if self.feed is not None and self.feed.last_seq > self.feed_seq:
            items = self.feed.since(self.feed_seq)
            self.feed_seq = self.feed.last_seq
            if market and items:
                wire = {}
                for conn in market:
                    self._deliver(conn, [i for i in items if conn.wants(i.kind, i.symbol)], wire, broker)
        events = broker.events if hasattr(broker, "events") else []
        if len(events) > self.event_seq:
            new = events[self.event_seq:]
            self.event_seq = len(events)
            for conn in orders:
                mine = [e for e in new if e.order.account_id == conn.account]
                self._deliver_orders(conn, mine, broker)

    def _gate(self, conn: Connection, broker):
        faults = getattr(broker, "faults", None)
        if faults is None:
            return None
        if conn.gate_owner is not faults:
            conn.gate_owner = faults
            conn.gate = faults.gate(conn.engine_stream, conn.account)
        return conn.gate

    def _drop(self, conn: Connection, outcome: str) -> None:
        conn.closing = outcome
        if outcome == "slow_client":
            conn.push(msgpack.packb([{"T": "error", "code": 407, "msg": "slow client"}])
                      if conn.stream == "market_data" else json.dumps(
                          {"stream": "error", "data": {"code": 407, "message": "slow client"}}))
        conn.push(None, 0)  # close after what is queued

    def _deliver(self, conn: Connection, items: list, wire: dict, broker) -> None:
        gate = self._gate(conn, broker)
        batch: list = []
        for item in items:
            if gate is not None and (outcome := gate.admit(item.kind, item.symbol)) is not None:
                if batch:
                    conn.push(msgpack.packb(batch), len(batch))
                self._drop(conn, outcome)
                return
            encoded = wire.get(item.seq)
            if encoded is None:
                encoded = wire[item.seq] = market_item_wire(item)
            batch.append(encoded)
            if len(batch) >= BATCH:
                conn.push(msgpack.packb(batch), len(batch))
                batch = []
        if batch:
            conn.push(msgpack.packb(batch), len(batch))
        if conn.is_slow(_loop_time()):
            self._drop(conn, "slow_client")

    def _deliver_orders(self, conn: Connection, events: list, broker) -> None:
        gate = self._gate(conn, broker)
        for event in events:
            if gate is not None and (outcome := gate.admit(event.event.value, event.order.symbol)) is not None:
                self._drop(conn, outcome)
                return
            conn.push(json.dumps(trade_update_wire(event, self.service.ids)))
        if conn.is_slow(_loop_time()):
            self._drop(conn, "slow_client")

    async def flush(self, timeout: float = 5.0) -> list[dict]:
        """Pump, then wait (bounded) until every connection has written its backlog; what each was sent."""
        self.pump()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(c.backlog for c in self.connections.values()) and loop.time() < deadline:
            await asyncio.sleep(0.002)
        return [c.info() for c in self.connections.values()]

    def count_connections(self, stream: str, account: str) -> int:
        return sum(1 for c in self.connections.values() if c.stream == stream and c.account == account
                   and not c.closing)


async def _writer(conn: Connection, hub: StreamHub, binary: bool) -> None:
    while True:
        payload, count = await conn.queue.get()
        if payload is None:
            with contextlib.suppress(Exception):
                await conn.ws.close(code=CLOSE_CODES.get(conn.closing, 1000))
            conn.backlog = 0
            return
        if binary:
            await conn.ws.send_bytes(payload)
        else:
            await conn.ws.send_text(payload)
        conn.sent += count
        conn.backlog -= count
        conn.last_progress = asyncio.get_running_loop().time()
        hub.sent_total += count


async def _run(ws: WebSocket, conn: Connection, hub: StreamHub, handle, binary: bool, malformed, timed_out) -> None:
    """Read frames until the client or the writer ends the connection. A frame the handler cannot take is answered
    with ``malformed()`` (the protocol's error); no authentication within the timeout, with ``timed_out()``."""
    loop = asyncio.get_running_loop()
    hub.add(conn)
    writer = loop.create_task(_writer(conn, hub, binary))
    deadline = loop.time() + hub.limits.ws_auth_timeout
    try:
        while not writer.done():
            receive = loop.create_task(ws.receive())
            waiting = conn.account is None and conn.closing is None
            done, _ = await asyncio.wait({receive, writer}, timeout=max(0.0, deadline - loop.time())
                                         if waiting else None, return_when=asyncio.FIRST_COMPLETED)
            if not done:  # still not authenticated: say so, then close once that is written
                receive.cancel()
                timed_out()
                conn.closing = "auth_timeout"
                conn.push(None, 0)
                continue
            if receive not in done:
                receive.cancel()
                break
            message = receive.result()
            if message["type"] == "websocket.disconnect":
                break
            if conn.closing is not None:
                continue  # the connection is being closed: the rest is not read
            raw = message.get("bytes") if message.get("bytes") is not None else message.get("text")
            try:
                await handle(raw)
            except Exception:  # noqa: BLE001 - a frame must never break the connection: answer it
                log.warning("stream %s: unexpected frame %r", conn.stream, raw if len(raw or "") < 200 else "...",
                            exc_info=True)
                malformed()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(conn)
        writer.cancel()
        with contextlib.suppress(BaseException):
            await writer
        conn.ws = None  # nothing of the connection stays referenced from its own state


async def _refuse_over_limit(ws: WebSocket, hub: StreamHub, message: str | bytes) -> bool:
    """Accept, and when the connection would pass a cap, send ``message`` (406) and close: True if refused."""
    refused = hub.over_limit(ws.client.host if ws.client is not None else None)
    await ws.accept()
    if refused:
        with contextlib.suppress(Exception):
            await (ws.send_bytes(message) if isinstance(message, bytes) else ws.send_text(message))
            await ws.close(code=CLOSE_CODES["connection_limit"])
    return refused


def _hub(ws: WebSocket) -> StreamHub:
    return ws.app.state.hub


@router.websocket("/stream")
async def trade_updates(ws: WebSocket):
    """Alpaca's trade-updates stream (JSON)."""
    hub = _hub(ws)
    if await _refuse_over_limit(ws, hub, json.dumps({"stream": "error", "data": {
            "code": 406, "message": "connection limit exceeded"}})):
        return
    service = ws.app.state.service
    conn = Connection(ws, "trade_updates", ws.query_params.get("client"))

    def reply(stream: str, data: dict) -> None:
        conn.push(json.dumps({"stream": stream, "data": data}))

    def invalid(why: str = "") -> None:
        reply("error", {"code": 400, "message": "invalid syntax" + (f": {why}" if why else "")})

    async def handle(raw) -> None:
        parsed = parse_trade_message(raw)
        if isinstance(parsed, str):
            invalid(parsed)
            return
        action, data = parsed
        if action in ("authenticate", "auth"):
            key_id, secret = data["key_id"], data["secret_key"]
            try:
                with service.lock:
                    account = service.authenticate(key_id, secret)
                    auth_fault(service.broker, "trade_updates_stream", account)
            except Exception:  # noqa: BLE001 - every failure is "unauthorized" on the wire
                reply("authorization", {"action": "authenticate", "status": "unauthorized",
                                        "message": "access key verification failed"})
                conn.push(None, 0)
                return
            conn.account = account
            limit = _max_connections(service)
            if limit is not None and hub.count_connections("trade_updates", account) > limit:
                reply("authorization", {"action": "authenticate", "status": "unauthorized",
                                        "message": "connection limit exceeded"})
                conn.closing = "connection_limit"
                conn.push(None, 0)
                return
            reply("authorization", {"action": "authenticate", "status": "authorized"})
        elif action == "listen":
            if conn.account is None:
                reply("authorization", {"action": "listen", "status": "unauthorized",
                                        "message": "not authenticated"})
                return
            if "trade_updates" in data["streams"] and not conn.listening:
                hub.position()  # deliver what happened before now to the others; this one starts now
                conn.listening = True
            reply("listening", {"streams": ["trade_updates"] if conn.listening else []})

    def timed_out() -> None:
        reply("authorization", {"action": "authenticate", "status": "unauthorized",
                                "message": f"authentication timeout: authenticate within "
                                           f"{hub.limits.ws_auth_timeout:g} s"})

    await _run(ws, conn, hub, handle, binary=False, malformed=invalid, timed_out=timed_out)


TRADE_ACTIONS = {"authenticate": {"key_id": str, "secret_key": str}, "auth": {"key_id": str, "secret_key": str},
                 "listen": {"streams": list}}
"""The trade-updates stream's actions and the fields (and types) their ``data`` needs."""


def parse_trade_message(raw: Any) -> tuple[str, dict] | str:
    """``(action, data)`` of a trade-updates frame, or why it is malformed (answered as invalid syntax)."""
    try:
        msg = json.loads(raw if isinstance(raw, str) else bytes(raw).decode("utf-8"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return "not JSON"
    if not isinstance(msg, dict):
        return "a message is a JSON object"
    action, data = msg.get("action"), msg.get("data")
    if not isinstance(action, str) or action not in TRADE_ACTIONS:
        return f"action must be one of {', '.join(sorted(TRADE_ACTIONS))}"
    fields = TRADE_ACTIONS[action]
    if not isinstance(data, dict) or any(not isinstance(data.get(name), kind) for name, kind in fields.items()):
        return f"{action} needs data {{{', '.join(f'{n}: {k.__name__}' for n, k in fields.items())}}}"
    if action == "listen" and not all(isinstance(s, str) for s in data["streams"]):
        return "listen needs data {streams: a list of stream names}"
    return action, data


def auth_fault(broker, stream: str, account: str) -> None:
    """An ``auth_failure`` fault rule on a stream refuses its authentication (the engine's rules decide)."""
    faults = getattr(broker, "faults", None)
    if faults:
        faults.check(stream, broker.now_ns(), account)


def _max_connections(service) -> int | None:
    faults = getattr(service.broker, "faults", None)
    return getattr(faults, "max_connections", None)


def _max_symbols(service) -> int | None:
    faults = getattr(service.broker, "faults", None)
    return getattr(faults, "max_symbols", 30)


async def market_data(ws: WebSocket):
    hub = _hub(ws)
    if await _refuse_over_limit(ws, hub, msgpack.packb([{"T": "error", "code": 406,
                                                          "msg": "connection limit exceeded"}])):
        return
    service = ws.app.state.service
    conn = Connection(ws, "market_data", ws.query_params.get("client"))

    def reply(*items: dict) -> None:
        conn.push(msgpack.packb(list(items)), len(items))

    def error(code: int, msg: str) -> None:
        reply({"T": "error", "code": code, "msg": msg})

    def subscription() -> dict:
        out = {k: sorted(conn.channels.get(k, ())) for k in MARKET_KINDS}
        for extra in ("updatedBars", "dailyBars", "lulds", "corrections", "cancelErrors"):
            out[extra] = []
        return {"T": "subscription", **out}

    async def handle(raw) -> None:
        try:
            msg = msgpack.unpackb(raw) if isinstance(raw, (bytes, bytearray)) else json.loads(raw)
            if not isinstance(msg, dict):
                raise ValueError("not an object")
            action = msg.get("action")
        except Exception:  # noqa: BLE001 - anything unreadable is invalid syntax
            error(400, "invalid syntax")
            return
        if action == "auth":
            if not isinstance(msg.get("key"), str) or not isinstance(msg.get("secret"), str):
                error(400, "invalid syntax")
                return
            if conn.account is not None:
                error(403, "already authenticated")
                return
            try:
                with service.lock:
                    account = service.authenticate(msg.get("key"), msg.get("secret"))
                    auth_fault(service.broker, "market_data_stream", account)
            except Exception:  # noqa: BLE001
                error(402, "auth failed")
                conn.push(None, 0)
                return
            limit = _max_connections(service)
            if limit is not None and hub.count_connections("market_data", account) >= limit:
                error(406, "connection limit exceeded")
                conn.closing = "connection_limit"
                conn.push(None, 0)
                return
            conn.account = account
            reply({"T": "success", "msg": "authenticated"})
        elif action in ("subscribe", "unsubscribe"):
            if conn.account is None:
                error(401, "not authenticated")
                return
            wanted = {k: msg.get(k) or [] for k in MARKET_KINDS}
            if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in wanted.values()):
                error(400, "invalid syntax")
                return
            if action == "subscribe":
                after = {k: conn.channels[k] | set(wanted[k]) for k in MARKET_KINDS}
                limit = _max_symbols(service)
                if limit is not None and conn.symbol_count(after) > limit:
                    error(405, "symbol limit exceeded")
                    return
            else:
                after = {k: conn.channels[k] - set(wanted[k]) for k in MARKET_KINDS}
            if not conn.listening and any(after.values()):
                hub.position()
                hub.watch()
                conn.listening = True
            conn.channels = after
            reply(subscription())
        else:
            error(400, "invalid syntax")

    reply({"T": "success", "msg": "connected"})
    await _run(ws, conn, hub, handle, binary=True, malformed=lambda: error(400, "invalid syntax"),
               timed_out=lambda: error(404, "auth timeout"))


router.add_api_websocket_route("/v2/iex", market_data)
router.add_api_websocket_route("/v2/sip", market_data)
