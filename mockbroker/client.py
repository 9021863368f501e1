"""``HttpBroker``: the ``Broker`` and ``SimulationControl`` contracts over the service's HTTP API (requests).

It parses responses back into the same frozen dataclasses the engine returns (reading the ``"mock"`` objects the
service adds to Alpaca's shapes) and raises the same typed error class the engine raised, chosen by the body's
``error`` code; a refused connection raises ``ConnectionFailed`` and a timeout ``Timeout``.

Calls made ``account=<id>`` use that account's API keys: ``configure`` and ``open_account`` remember them, and
keys of accounts configured some other way are read once from ``GET /mock/accounts``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import requests

from .config import AccountConfig, BrokerConfig
from .domain import (Account, Bar, BookLevel, EventType, Fill, MarketState, Order, OrderBook, OrderClass, OrderEvent,
                     OrderRequest, OrderStatus, OrderType, Position, Quote, Side, TimeInForce, Trade, canonical_qty)
from .errors import (ERROR_CLASSES, BrokerError, ConnectionFailed, InvalidArgument, RateLimited, RejectReason,
                     Timeout, UnknownAccount)
from .interface import DEFAULT_ACCOUNT
from .snapshot_types import SnapshotInfo, StateDiff
from .stream_client import HttpStream

MAX_ADVANCE_PER_CALL = 3600


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _decimal_text(value: Any) -> str:
    """A price as the service's schema writes decimals: plain digits, never an exponent (``Decimal("5E+1")`` is
    sent as ``"50"``); a value that is no number is sent as it is, for the service to refuse."""
    try:
        return format(Decimal(str(value)), "f")
    except ArithmeticError:
        return str(value)


def _error_from(status: int, body: Any) -> BrokerError:
    if not isinstance(body, dict):
        body = {"message": str(body)[:500]}
    code = body.get("error") or "broker_error"
    cls = ERROR_CLASSES.get(code, BrokerError)
    message = str(body.get("message", f"HTTP {status}"))
    reason = None
    if body.get("reason"):
        try:
            reason = RejectReason(body["reason"])
        except ValueError:
            reason = None
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    exc = cls.__new__(cls)
    BrokerError.__init__(exc, message, reason=reason, **details)
    if isinstance(exc, RateLimited):
        exc.retry_after = float(details.get("retry_after", 1.0))
    if isinstance(exc, InvalidArgument):
        exc.argument = details.get("argument", "")
        exc.value = details.get("value")
    if cls is BrokerError:
        exc.code = code
        exc.http_status = status
    return exc


def _qty(value: Any) -> "int | Decimal":
    return canonical_qty(Decimal(str(value)))


def order_from(data: dict) -> Order:
    m = data.get("mock") or {}
    return Order(
        id=m.get("order_id") or data["id"], client_order_id=data["client_order_id"], account_id=m.get("account_id", ""),
        symbol=data["symbol"], side=Side(data["side"]), type=OrderType(data["type"]),
        time_in_force=TimeInForce(data["time_in_force"]), qty=_qty(m.get("qty") or data["qty"]),
        filled_qty=_qty(data["filled_qty"]), status=OrderStatus(data["status"]),
        limit_price=_dec(data.get("limit_price")), stop_price=_dec(data.get("stop_price")),
        filled_avg_price=_dec(data.get("filled_avg_price")), created_ns=m["created_ns"], updated_ns=m["updated_ns"],
        submitted_ns=m["submitted_ns"], filled_ns=m.get("filled_ns"), canceled_ns=m.get("canceled_ns"),
        expired_ns=m.get("expired_ns"), arrival_mid=_dec(m.get("arrival_mid")),
        reject_reason=RejectReason(m["reject_reason"]) if m.get("reject_reason") else None,
        replaced_by=m.get("replaced_by"), replaces=m.get("replaces"), trail_price=_dec(data.get("trail_price")),
        trail_percent=_dec(data.get("trail_percent")), fees=_dec(m.get("fees", "0")),
        extended_hours=bool(data.get("extended_hours", False)), notional=_dec(data.get("notional")),
        order_class=OrderClass(data.get("order_class") or "simple"), legs=tuple(m.get("leg_order_ids") or ()),
        parent_id=m.get("parent_order_id"))


def fill_from(data: dict) -> Fill:
    m = data["mock"]
    return Fill(fill_id=data["id"], order_id=m["order_id"], account_id=m["account_id"], symbol=data["symbol"],
                side=Side(data["side"]), qty=_qty(data["qty"]), price=Decimal(data["price"]),
                fee=Decimal(m["fee"]), time_ns=m["time_ns"], arrival_mid=Decimal(m["arrival_mid"]),
                slippage_bps=Decimal(m["slippage_bps"]), liquidity=m.get("liquidity", "taker"))


def position_from(data: dict) -> Position:
    m = data.get("mock") or {}
    return Position(account_id=m.get("account_id", ""), symbol=data["symbol"], qty=_qty(data["qty"]),
                    avg_entry_price=Decimal(data["avg_entry_price"]), cost_basis=Decimal(data["cost_basis"]),
                    market_price=Decimal(data["current_price"]), market_value=Decimal(data["market_value"]),
                    unrealized_pl=Decimal(data["unrealized_pl"]), realized_pl=Decimal(m.get("realized_pl", "0")))


def account_from(data: dict) -> Account:
    m = data.get("mock") or {}
    return Account(id=m.get("account_id", data["account_number"]), cash=Decimal(data["cash"]),
                   buying_power=Decimal(data["buying_power"]), equity=Decimal(data["equity"]),
                   long_market_value=Decimal(data["long_market_value"]),
                   short_market_value=Decimal(data["short_market_value"]),
                   realized_pl=Decimal(m.get("realized_pl", "0")), unrealized_pl=Decimal(m.get("unrealized_pl", "0")),
                   fees_paid=Decimal(m.get("fees_paid", "0")), shorting_enabled=bool(data.get("shorting_enabled", True)))


def event_from(data: dict) -> OrderEvent:
    return OrderEvent(seq=data["seq"], time_ns=data["time_ns"], event=EventType(data["event"]),
                      order=order_from(data["order"]), fill=fill_from(data["fill"]) if data.get("fill") else None,
                      reason=data.get("reason"))


def _timeframe(seconds: int) -> str:
    for unit, size in (("Day", 86400), ("Hour", 3600), ("Min", 60)):
        if seconds > 0 and seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise InvalidArgument("timeframe_seconds", seconds, "must be a whole number of minutes, in seconds")


class HttpBroker:
    """The broker over HTTP. ``admin_key`` is sent as ``X-Mock-Admin-Key`` on control calls."""

    parse_order = staticmethod(order_from)  # what its streams read trade updates' orders with

    def __init__(self, base_url: str, admin_key: str | None = None, timeout: float = 10.0,
                 keys: dict[str, tuple[str, str]] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin_key = admin_key
        self.timeout = timeout
        self.session = requests.Session()
        self._keys: dict[str, tuple[str, str]] = dict(keys or {})
        self._streams: list = []  # open HttpStreams (advance waits until a dropped one has reconnected)

    def close(self) -> None:
        for stream in list(self._streams):
            stream.close()
        self.session.close()

    def __enter__(self) -> "HttpBroker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- plumbing
    def _request(self, method: str, path: str, *, account: str | None = None, admin: bool = False,
                 json: Any = None, params: dict | None = None) -> Any:
        headers = {}
        if account is not None:
            key_id, secret = self._keys_for(account)
            headers["APCA-API-KEY-ID"] = key_id
            headers["APCA-API-SECRET-KEY"] = secret
        if admin and self.admin_key is not None:
            headers["X-Mock-Admin-Key"] = self.admin_key
        url = self.base_url + path
        try:
            response = self.session.request(method, url, headers=headers, json=json, params=params,
                                            timeout=self.timeout)
        except requests.Timeout as exc:
            raise Timeout(f"{method} {url}: no answer within {self.timeout:g} s") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise ConnectionFailed(f"{method} {url}: {exc}") from exc
        if response.status_code == 204:
            return None
        if not response.content and response.status_code < 400:
            raise ConnectionFailed(f"{method} {url}: an empty response (HTTP {response.status_code})")
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            raise _error_from(response.status_code, body)
        return body

    def _keys_for(self, account: str) -> tuple[str, str]:
        if account not in self._keys:
            self._remember(self._request("GET", "/mock/accounts", admin=True))
        try:
            return self._keys[account]
        except KeyError:
            raise UnknownAccount(f"account={account!r}: the service has no such account") from None

    def _remember(self, accounts: list[dict]) -> None:
        for a in accounts:
            if a.get("api_key_id") and a.get("api_secret_key"):
                self._keys[a["id"]] = (a["api_key_id"], a["api_secret_key"])

    # ----- Broker: accounts and positions
    def get_account(self, account: str = DEFAULT_ACCOUNT) -> Account:
        return account_from(self._request("GET", "/v2/account", account=account))

    def list_positions(self, account: str = DEFAULT_ACCOUNT) -> list[Position]:
        return [position_from(p) for p in self._request("GET", "/v2/positions", account=account)]

    def get_position(self, symbol: str, account: str = DEFAULT_ACCOUNT) -> Position:
        return position_from(self._request("GET", f"/v2/positions/{symbol}", account=account))

    def close_position(self, symbol: str, account: str = DEFAULT_ACCOUNT, *, qty: Any = None,
                       percentage: Any = None) -> Order:
        params = {k: str(v) for k, v in (("qty", qty), ("percentage", percentage)) if v is not None} or None
        return order_from(self._request("DELETE", f"/v2/positions/{symbol}", account=account, params=params))

    def close_all_positions(self, account: str = DEFAULT_ACCOUNT, cancel_orders: bool = False) -> list:
        params = {"cancel_orders": "true"} if cancel_orders else None
        out = []
        for item in self._request("DELETE", "/v2/positions", account=account, params=params):
            body = item.get("body") or {}
            if item.get("status") == 200:
                out.append((item["symbol"], order_from(body)))
            else:
                out.append((item["symbol"], _error_from(int(item.get("status") or 500), body)))
        return out

    def get_account_configurations(self, account: str = DEFAULT_ACCOUNT) -> dict:
        return self._request("GET", "/v2/account/configurations", account=account)

    def set_account_configurations(self, account: str = DEFAULT_ACCOUNT, **changes: Any) -> dict:
        return self._request("PATCH", "/v2/account/configurations", account=account, json=changes)

    # ----- orders
    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        body: dict[str, Any] = {"symbol": request.symbol, "side": Side(request.side).value,
                                "type": OrderType(request.type).value,
                                "time_in_force": TimeInForce(request.time_in_force).value}
        if request.qty is not None:
            body["qty"] = request.qty if isinstance(request.qty, int) else str(request.qty)
        if request.notional is not None:
            body["notional"] = str(request.notional)
        order_class = getattr(request.order_class, "value", request.order_class)
        if order_class != "simple":
            body["order_class"] = order_class
        if request.take_profit is not None:
            body["take_profit"] = {"limit_price": str(request.take_profit)}
        if request.stop_loss is not None:
            body["stop_loss"] = {"stop_price": str(request.stop_loss)}
            if request.stop_loss_limit is not None:
                body["stop_loss"]["limit_price"] = str(request.stop_loss_limit)
        for name in ("limit_price", "stop_price", "trail_price", "trail_percent"):
            value = getattr(request, name)
            if value is not None:
                body[name] = _decimal_text(value)
        if request.client_order_id is not None:
            body["client_order_id"] = request.client_order_id
        if request.extended_hours:
            body["extended_hours"] = True
        return order_from(self._request("POST", "/v2/orders", account=account, json=body))

    def get_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        return order_from(self._request("GET", f"/v2/orders/{order_id}", account=account))

    def get_order_by_client_id(self, client_order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        return order_from(self._request("GET", "/v2/orders:by_client_order_id", account=account,
                                        params={"client_order_id": client_order_id}))

    def list_orders(self, account: str = DEFAULT_ACCOUNT, status: str = "open") -> list[Order]:
        data = self._request("GET", "/v2/orders", account=account,
                             params={"status": status, "limit": 10_000, "direction": "asc"})
        return [order_from(o) for o in data]

    def cancel_order(self, order_id: str, account: str = DEFAULT_ACCOUNT) -> Order:
        self._request("DELETE", f"/v2/orders/{order_id}", account=account)
        return self.get_order(order_id, account)

    def cancel_all_orders(self, account: str = DEFAULT_ACCOUNT) -> list[Order]:
        data = self._request("DELETE", "/v2/orders", account=account)
        return [order_from(item["body"]) for item in data if item.get("body")]

    def replace_order(self, order_id: str, account: str = DEFAULT_ACCOUNT, *, qty: int | None = None,
                      limit_price: Any = None, stop_price: Any = None, time_in_force: Any = None,
                      trail: Any = None, client_order_id: str | None = None) -> Order:
        body: dict[str, Any] = {}
        if trail is not None:
            body["trail"] = _decimal_text(trail)
        if client_order_id is not None:
            body["client_order_id"] = client_order_id
        if qty is not None:
            body["qty"] = qty
        if limit_price is not None:
            body["limit_price"] = _decimal_text(limit_price)
        if stop_price is not None:
            body["stop_price"] = _decimal_text(stop_price)
        if time_in_force is not None:
            body["time_in_force"] = TimeInForce(time_in_force).value
        return order_from(self._request("PATCH", f"/v2/orders/{order_id}", account=account, json=body))

    def list_fills(self, account: str = DEFAULT_ACCOUNT, order_id: str | None = None) -> list[Fill]:
        params = {"order_id": order_id} if order_id is not None else None
        return [fill_from(f) for f in self._request("GET", "/v2/account/activities/FILL", account=account,
                                                    params=params)]

    # ----- market data (read with the default account's keys, or any known account's)
    def _data_account(self) -> str:
        if DEFAULT_ACCOUNT in self._keys or not self._keys:
            return DEFAULT_ACCOUNT
        return next(iter(self._keys))

    def get_quote(self, symbol: str) -> Quote:
        q = self._request("GET", f"/v2/stocks/{symbol}/quotes/latest", account=self._data_account())["quote"]
        m = q["mock"]
        return Quote(symbol=symbol, bid=Decimal(m["bid"]), ask=Decimal(m["ask"]), bid_size=q["bs"],
                     ask_size=q["as"], last=Decimal(m["last"]), time_ns=m["time_ns"])

    def get_latest_trade(self, symbol: str) -> Trade:
        t = self._request("GET", f"/v2/stocks/{symbol}/trades/latest", account=self._data_account())["trade"]
        return Trade(symbol=symbol, price=Decimal(t["mock"]["price"]), size=t["s"], time_ns=t["mock"]["time_ns"])

    def get_bars(self, symbol: str, timeframe_seconds: int = 60, limit: int = 100) -> list[Bar]:
        if isinstance(timeframe_seconds, bool) or not isinstance(timeframe_seconds, int):
            raise InvalidArgument("timeframe_seconds", timeframe_seconds, "must be a whole number of seconds")
        data = self._request("GET", f"/v2/stocks/{symbol}/bars", account=self._data_account(),
                             params={"timeframe": _timeframe(timeframe_seconds), "limit": limit})
        bars = []
        for b in data["bars"]:
            m = b["mock"]
            bars.append(Bar(symbol=symbol, start_ns=m["start_ns"], open=Decimal(m["open"]), high=Decimal(m["high"]),
                            low=Decimal(m["low"]), close=Decimal(m["close"]), volume=b["v"], trade_count=b["n"],
                            vwap=_dec(m.get("vwap"))))
        return bars

    def get_order_book(self, symbol: str, depth: int = 5) -> OrderBook:
        b = self._request("GET", f"/v2/stocks/{symbol}/book", account=self._data_account(),
                          params={"depth": depth})
        return OrderBook(symbol=b["symbol"], bids=tuple(BookLevel(Decimal(x["p"]), x["s"]) for x in b["b"]),
                         asks=tuple(BookLevel(Decimal(x["p"]), x["s"]) for x in b["a"]), time_ns=b["time_ns"])

    def order_events(self, since_seq: int = 0, account: str | None = None) -> list[OrderEvent]:
        params: dict[str, Any] = {"since": since_seq}
        if account is not None:
            params["account"] = account
        return [event_from(e) for e in self._request("GET", "/mock/events", admin=True, params=params)["events"]]

    # ----- SimulationControl
    @property
    def seed(self) -> int:
        return int(self.state()["seed"])

    def configure(self, config: BrokerConfig | dict) -> dict:
        body = config.to_dict() if isinstance(config, BrokerConfig) else dict(config)
        result = self._request("POST", "/mock/configure", admin=True, json=body)
        self._keys.clear()
        self._remember(result["accounts"])
        return result

    def reset(self) -> None:
        self._request("POST", "/mock/reset", admin=True)

    def open_account(self, account: AccountConfig | dict) -> dict:
        data = account.to_dict() if isinstance(account, AccountConfig) else dict(account)
        body = {k: v for k, v in data.items() if v is not None}
        result = self._request("POST", "/mock/accounts", admin=True, json=body)
        self._remember([result])
        return result

    def now_ns(self) -> int:
        return int(self._request("GET", "/health")["now_ns"])

    def advance(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise InvalidArgument("seconds", seconds, "must be a number of seconds >= 0")
        for stream in list(self._streams):
            stream.wait_open()  # a stream that dropped reconnects before time moves on, as in process
        remaining = float(seconds)
        while True:
            step = min(remaining, MAX_ADVANCE_PER_CALL)
            self._request("POST", "/mock/advance", admin=True, json={"seconds": step})
            remaining -= step
            if remaining <= 0:
                return

    def settle_order(self, order_id: str, account: str = DEFAULT_ACCOUNT, max_seconds: float = 5.0) -> Order:
        body = {"untilOrderSettled": order_id, "account": account, "maxSeconds": max_seconds}
        return order_from(self._request("POST", "/mock/advance", admin=True, json=body)["order"])

    def inject(self, event: dict) -> dict:
        return self._request("POST", "/mock/inject", admin=True, json=event)["result"]

    # ----- faults and streams (mockbroker.faults, mockbroker.service.streams)
    def fault_rules(self) -> list[dict]:
        """Every fault rule with how often it matched and fired."""
        return self._request("GET", "/mock/faults", admin=True)["rules"]

    def open_stream(self, stream: str, account: str = DEFAULT_ACCOUNT, *, quotes=(), trades=(), bars=(),
                    statuses=(), timeout: float = 5.0):
        """Subscribe over the service's WebSockets: ``trade_updates`` or ``market_data`` (symbols per channel).
        Returns an ``HttpStream`` (``messages()``, iteration, ``on_message`` callbacks, ``close()``)."""
        channels = {"quotes": tuple(quotes), "trades": tuple(trades), "bars": tuple(bars),
                    "statuses": tuple(statuses)}
        opened = HttpStream(self, stream, account, channels, timeout=timeout)
        self._streams.append(opened)
        return opened

    def market_state(self, symbol: str) -> MarketState:
        d = self._request("GET", f"/mock/market/{symbol}", admin=True)
        return MarketState(symbol=d["symbol"], mid=Decimal(d["mid"]), spread_bps=Decimal(d["spread_bps"]),
                           volatility_pct=float(d["volatility_pct"]), liquidity=int(d["liquidity"]),
                           halted=bool(d["halted"]), events=tuple(d.get("events") or ()))

    def state(self) -> dict:
        return self._request("GET", "/mock/state", admin=True)["state"]

    # ----- snapshots
    def snapshot(self, name: str) -> SnapshotInfo:
        return SnapshotInfo.from_dict(self._request("POST", "/mock/snapshot", admin=True, json={"name": name}))

    def restore(self, name: str) -> SnapshotInfo:
        return SnapshotInfo.from_dict(self._request("POST", f"/mock/snapshots/{name}/restore", admin=True))

    def list_snapshots(self) -> list[SnapshotInfo]:
        return [SnapshotInfo.from_dict(d) for d in self._request("GET", "/mock/snapshots", admin=True)]

    def rewind(self, to_ns: int) -> SnapshotInfo:
        """Step the clock back to ``to_ns`` (from the latest snapshot at or before it, run forward)."""
        body = self._request("POST", "/mock/rewind", admin=True, json={"to_ns": to_ns})
        return SnapshotInfo.from_dict(body["snapshot"])

    def delete_snapshot(self, name: str) -> None:
        self._request("DELETE", f"/mock/snapshots/{name}", admin=True)

    def diff_snapshots(self, before: str, after: str | None = None) -> StateDiff:
        params = {"after": after} if after is not None else None
        return StateDiff.from_dict(self._request("GET", f"/mock/snapshots/{before}/diff", admin=True, params=params))
