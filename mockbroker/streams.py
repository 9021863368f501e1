"""Streams, engine side: the market-data feed (quotes, trades, bars, halts per symbol) and in-process subscriptions.

``MarketFeed`` listens to the market (it is one of the simulator's listeners, called after every update and every
injected event) and records what a market-data stream would publish into a bounded buffer with a gap-free
``seq``: a quote when the top of the book changed, a trade when the tape printed (ours or others'), a bar when a
one-minute bar closed, a status when trading halted or resumed. Order updates are the broker's event log.

Rules:
- Recording starts when the first subscriber (an in-process subscription or a service connection) is counted in
  ``watchers``, so a broker nobody watches pays nothing; it never draws random numbers, so watching does not
  change the simulation: the same seed and requests give the same messages.
- The buffer keeps the last ``capacity`` messages; a subscriber slower than that loses the oldest (the service
  drops such a client as a slow client).
- ``Subscription`` is what ``MockBroker.open_stream`` returns: it reads the feed (or the event log) from the moment
  it opened, passes every message through the stream fault rules (``faults.StreamGate``) and, like a real client,
  reconnects after a drop: messages published while it was away are lost.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterator

from .domain import Bar, Order, Quote, Trade

MARKET_KINDS = ("quotes", "trades", "bars", "statuses")
KIND_CODE = {"quotes": "q", "trades": "t", "bars": "b", "statuses": "s"}
"""Alpaca's message types (``T``) for each channel."""
STREAMS = {"trade_updates": "trade_updates_stream", "market_data": "market_data_stream"}


@dataclass(frozen=True)
class StreamMessage:
    """One message a stream delivered. ``kind``: ``order_update``, ``quote``, ``trade``, ``bar``, ``status``, or
    ``disconnected`` (the connection dropped; ``data["reason"]`` says why) and ``error`` (``data`` has ``code``
    and ``message``, as the real stream sends them)."""

    kind: str
    symbol: str | None
    time_ns: int
    data: Any = None
    event: str | None = None  # order updates: new, fill, partial_fill, canceled, ...
    seq: int = 0

    @property
    def order(self) -> Order | None:
        return self.data if self.kind == "order_update" else None


@dataclass
class FeedItem:
    seq: int
    kind: str  # quotes, trades, bars, statuses
    symbol: str
    time_ns: int
    data: Any


class MarketFeed:
    """The market-data messages, in publication order (see the module docstring)."""

    def __init__(self, market, clock, capacity: int = 200_000) -> None:
        self.market = market
        self.clock = clock
        self.buffer: deque = deque(maxlen=capacity)
        self.last_seq = 0
        self.watchers = 0
        self._quotes: dict[str, tuple] = {}
        self._trades: dict[str, Trade] = {}
        self._bars: dict[str, int] = {}
        self._halted: dict[str, bool] = {}
        market.listeners.append(self.on_update)

    def watch(self) -> None:
        if self.watchers == 0:  # start from the present: remember what is there now, publish only changes
            for symbol, m in self.market.symbols.items():
                q = m.quote(self.clock.now_ns())
                self._quotes[symbol] = (q.bid, q.ask, q.bid_size, q.ask_size)
                self._trades[symbol] = m.last_trade
                self._bars[symbol] = len(m.bars)
                self._halted[symbol] = m.halted
        self.watchers += 1

    def unwatch(self) -> None:
        self.watchers = max(0, self.watchers - 1)

    def _publish(self, kind: str, symbol: str, time_ns: int, data: Any) -> None:
        self.last_seq += 1
        self.buffer.append(FeedItem(self.last_seq, kind, symbol, time_ns, data))

    def on_update(self, symbol: str) -> None:
        if not self.watchers:
            return
        m = self.market.symbols[symbol]
        now = self.clock.now_ns()
        halted = m.halted
        if halted != self._halted.get(symbol, False):
            self._halted[symbol] = halted
            self._publish("statuses", symbol, now, {"halted": halted})
        trade = m.last_trade
        if trade is not self._trades.get(symbol):
            self._trades[symbol] = trade
            self._publish("trades", symbol, trade.time_ns, trade)
        count = len(m.bars)
        seen = self._bars.get(symbol, count)
        if count > seen:
            for bar in m.bars[seen:count]:
                self._publish("bars", symbol, bar.start_ns, bar)
        self._bars[symbol] = count
        q = m.quote(now)
        key = (q.bid, q.ask, q.bid_size, q.ask_size)
        if key != self._quotes.get(symbol):
            self._quotes[symbol] = key
            self._publish("quotes", symbol, now, q)

    def since(self, seq: int) -> list[FeedItem]:
        """Messages with ``seq`` > ``seq`` still in the buffer, oldest first."""
        buffer = self.buffer
        if not buffer or seq >= self.last_seq:
            return []
        first = buffer[0].seq
        start = max(0, seq + 1 - first)
        return [buffer[i] for i in range(start, len(buffer))]


def market_message(item: FeedItem) -> StreamMessage:
    kind = {"quotes": "quote", "trades": "trade", "bars": "bar", "statuses": "status"}[item.kind]
    return StreamMessage(kind, item.symbol, item.time_ns, item.data, seq=item.seq)


def order_message(event) -> StreamMessage:
    return StreamMessage("order_update", event.order.symbol, event.time_ns, event.order, event.event.value,
                         seq=event.seq)


@dataclass
class Channels:
    """What a market-data subscriber asked for: symbols per channel ("*" = every symbol)."""

    quotes: tuple = ()
    trades: tuple = ()
    bars: tuple = ()
    statuses: tuple = ()

    def wants(self, kind: str, symbol: str) -> bool:
        symbols = getattr(self, kind)
        return "*" in symbols or symbol in symbols

    def symbol_count(self) -> int:
        return len({s for kind in MARKET_KINDS for s in getattr(self, kind)})


@dataclass
class Subscription:
    """An in-process stream subscription (see the module docstring). Iterate it, or call ``messages()``."""

    broker: Any
    stream: str  # trade_updates or market_data
    account: str | None
    channels: Channels = field(default_factory=Channels)
    received: list = field(default_factory=list)
    closed: bool = False

    def __post_init__(self) -> None:
        self._connect()

    def _connect(self) -> None:
        broker = self.broker
        self.gate = broker.faults.gate(STREAMS[self.stream], self.account)
        if self.stream == "market_data":
            broker.feed.watch()
            self.cursor = broker.feed.last_seq
        else:
            self.cursor = len(broker.events)

    def _pump(self) -> None:
        if self.closed:
            return
        broker = self.broker
        if self.stream == "market_data":
            items = [market_message(i) for i in broker.feed.since(self.cursor) if self.channels.wants(i.kind, i.symbol)]
            end = broker.feed.last_seq
        else:
            items = [order_message(e) for e in broker.order_events(self.cursor, self.account)]
            end = len(broker.events)
        for message in items:
            outcome = self.gate.admit(message.kind + "s" if message.kind != "order_update" else message.event,
                                      message.symbol)
            if outcome is not None:
                if outcome == "slow_client":
                    self.received.append(StreamMessage("error", None, broker.now_ns(),
                                                       {"code": 407, "message": "slow client"}))
                self.received.append(StreamMessage("disconnected", None, broker.now_ns(), {"reason": outcome}))
                if self.stream == "market_data":
                    broker.feed.unwatch()
                self._connect()  # a real client reconnects; what was published meanwhile is lost
                return
            self.received.append(message)
        self.cursor = end

    def messages(self) -> list[StreamMessage]:
        """Everything received so far (order updates, market data, and ``disconnected``/``error`` markers)."""
        self._pump()
        return list(self.received)

    def wait_for(self, predicate, timeout_seconds: float = 5.0) -> StreamMessage | None:
        """The first received message matching ``predicate`` (in process everything has arrived already)."""
        return next((m for m in self.messages() if predicate(m)), None)

    def __iter__(self) -> Iterator[StreamMessage]:
        return iter(self.messages())

    def close(self) -> None:
        if not self.closed:
            if self.stream == "market_data":
                self.broker.feed.unwatch()
            key = (self.stream, self.account)
            opened = self.broker.faults.open_streams
            if opened.get(key):
                opened[key] -= 1
        self.closed = True

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
