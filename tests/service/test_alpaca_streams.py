"""alpaca-py 0.44's TradingStream and StockDataStream, unchanged except for ``url_override``, against the running
service: the fills of their orders, the quotes, trades and bars they subscribed to, and the documented errors for
bad keys, too many symbols and too many connections. Each stream runs in a thread; every wait is bounded."""

import logging
import threading
import time

import pytest
import requests

alpaca = pytest.importorskip("alpaca")

from alpaca.data.live import StockDataStream  # noqa: E402
from alpaca.trading.client import TradingClient  # noqa: E402
from alpaca.trading.enums import OrderSide, TimeInForce  # noqa: E402
from alpaca.trading.requests import MarketOrderRequest  # noqa: E402
from alpaca.trading.stream import TradingStream  # noqa: E402

KEY, SECRET = "PKSTREAMALICE000001", "alice-stream-secret-000000000000000000000"
WAIT = 60.0  # a bound for a busy machine, not a speed claim: the waits end as soon as the event is seen


@pytest.fixture
def svc(service):
    body = {"symbols": ["ACME", "BETA"], "seed": 11,
            "accounts": [{"id": "alice", "cash": "100000", "api_key_id": KEY, "api_secret_key": SECRET}]}
    assert requests.post(service.base_url + "/mock/configure", json=body, timeout=10).status_code == 200
    return service


class Logs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logs():
    handler = Logs()
    logger = logging.getLogger("alpaca")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(old)


def until(condition, what: str, timeout: float = WAIT, nudge=None):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {timeout:g} s")
        if nudge is not None:
            nudge()
        time.sleep(0.02)


def advance(service, seconds: float = 1.0) -> None:
    assert requests.post(service.base_url + "/mock/advance", json={"seconds": seconds}, timeout=10).ok


def connections(service) -> list[dict]:
    return requests.get(service.base_url + "/mock/streams", timeout=10).json()["connections"]


class Running:
    """A stream's ``run()`` on a thread; ``stop()`` stops it and joins, bounded."""

    def __init__(self, stream, service) -> None:
        self.stream = stream
        self.service = service
        self.thread = threading.Thread(target=stream.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        until(lambda: getattr(self.stream, "_loop", None) is not None, "the stream's loop")
        self.stream.stop()
        # the client notices the stop between receives: let messages flow so it need not wait for its 5 s timeout
        until(lambda: not self.thread.is_alive(), "the stream thread to end", timeout=15,
              nudge=lambda: advance(self.service, 1))


def ws_url(service, path: str) -> str:
    return service.base_url.replace("http://", "ws://") + path


def test_trading_stream_receives_the_fills_of_its_orders(svc):
    updates = []

    async def on_update(update):
        updates.append(update)

    stream = TradingStream(KEY, SECRET, paper=True, url_override=ws_url(svc, "/stream"))
    stream.subscribe_trade_updates(on_update)
    running = Running(stream, svc)
    try:
        until(lambda: any(c["stream"] == "trade_updates" and c["subscribed"] for c in connections(svc)),
              "the trading stream to listen")
        trading = TradingClient(KEY, SECRET, paper=True, url_override=svc.base_url)
        order = trading.submit_order(MarketOrderRequest(symbol="ACME", qty=10, side=OrderSide.BUY,
                                                        time_in_force=TimeInForce.DAY))
        advance(svc, 1)
        until(lambda: any(u.event == "fill" for u in updates), "a fill update")
        fill = next(u for u in updates if u.event == "fill")
        assert str(fill.order.id) == str(order.id)
        assert fill.order.status == "filled" and float(fill.qty) == 10 and fill.price > 0
        assert [u.event for u in updates if str(u.order.id) == str(order.id)][-1] == "fill"
    finally:
        running.stop()


def test_stock_data_stream_receives_quotes_trades_and_bars(svc):
    got = {"q": [], "t": [], "b": []}

    async def on_quote(q):
        got["q"].append(q)

    async def on_trade(t):
        got["t"].append(t)

    async def on_bar(b):
        got["b"].append(b)

    stream = StockDataStream(KEY, SECRET, url_override=ws_url(svc, "/v2/iex"))
    stream.subscribe_quotes(on_quote, "ACME")
    stream.subscribe_trades(on_trade, "ACME")
    stream.subscribe_bars(on_bar, "ACME")
    running = Running(stream, svc)
    try:
        until(lambda: any(c["stream"] == "market_data" and c["subscribed"] for c in connections(svc)),
              "the data stream to subscribe")
        until(lambda: got["q"] and got["t"] and got["b"], "quotes, trades and bars", nudge=lambda: advance(svc, 30))
        quote, trade, bar = got["q"][0], got["t"][0], got["b"][0]
        assert quote.symbol == "ACME" and 0 < quote.bid_price < quote.ask_price
        assert trade.symbol == "ACME" and trade.price > 0 and trade.size > 0
        assert bar.symbol == "ACME" and bar.low <= bar.open <= bar.high and bar.volume >= 0
    finally:
        running.stop()


async def _ignore(_):
    return None


def test_stock_data_stream_bad_keys_get_auth_failed(svc, logs):
    stream = StockDataStream(KEY, "wrong-secret", url_override=ws_url(svc, "/v2/iex"))
    stream.subscribe_quotes(_ignore, "ACME")
    running = Running(stream, svc)
    try:
        until(lambda: any("auth failed" in line for line in logs), "alpaca-py to report 'auth failed'")
    finally:
        running.stop()


def test_trading_stream_bad_keys_fail_to_authenticate(svc, logs):
    stream = TradingStream(KEY, "wrong-secret", paper=True, url_override=ws_url(svc, "/stream"))
    stream.subscribe_trade_updates(_ignore)
    running = Running(stream, svc)
    try:
        until(lambda: any("failed to authenticate" in line for line in logs),
              "alpaca-py to report 'failed to authenticate'")
    finally:
        running.stop()


def test_stock_data_stream_too_many_symbols(svc, logs):
    stream = StockDataStream(KEY, SECRET, url_override=ws_url(svc, "/v2/iex"))
    stream.subscribe_quotes(_ignore, *[f"S{i:02d}" for i in range(31)])  # the limit is 30 symbols
    running = Running(stream, svc)
    try:
        until(lambda: any("symbol limit exceeded (405)" in line for line in logs),
              "alpaca-py to report 'symbol limit exceeded (405)'")
    finally:
        running.stop()


def test_stock_data_stream_too_many_connections(svc, logs):
    assert requests.post(svc.base_url + "/mock/inject", json={"type": "stream_limits", "max_connections": 1},
                         timeout=10).ok
    first = StockDataStream(KEY, SECRET, url_override=ws_url(svc, "/v2/iex"))
    first.subscribe_quotes(_ignore, "ACME")
    running = [Running(first, svc)]
    try:
        until(lambda: any(c["stream"] == "market_data" and c["subscribed"] for c in connections(svc)),
              "the first data stream to subscribe")
        second = StockDataStream(KEY, SECRET, url_override=ws_url(svc, "/v2/sip"))
        second.subscribe_quotes(_ignore, "BETA")
        running.append(Running(second, svc))
        until(lambda: any("connection limit exceeded" in line for line in logs),
              "alpaca-py to report 'connection limit exceeded'")
    finally:
        for r in running:
            r.stop()
