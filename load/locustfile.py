"""A realistic trader mix against the mockbroker service (Locust, FastHttpUser).

Each simulated trader owns one of the service's accounts (``GET /mock/accounts``; several traders share one when
there are fewer accounts than traders). Every iteration submits one order - a market order (it fills, and its
round trip is measured) or a limit order far from the market (it rests, so it can be replaced or cancelled) - then
maybe one follow-up: replace or cancel a resting order, or query the account, the open orders or the positions.

Round trip = from just before the submit request to the moment this process sees the order's ``fill`` event:
on the trade-updates WebSocket (``/stream``, one connection per account per process; ``--fills-from stream``, the
default) or by polling ``GET /mock/events?since=`` every ``--poll-ms`` ms (``--fills-from events``).

Market-data subscribers (``--subscribers N``, a fixed number of extra users) hold a ``/v2/iex`` connection each,
subscribed to every symbol's quotes and trades, and count what arrives. Market-data delay = wall time of receipt -
the message's simulated time mapped to wall time (the real-time clock runs simulated time at wall speed; the
offset is read once from ``GET /mock/state`` at the start). At the end each process reports
what it saw (accepted ids per account, submit times and latencies, round trips): the local runner writes it into
``--results-dir`` (``orders-<host>-<pid>.json``); a worker, which may run on another machine, sends it to the master
as a Locust message (``mockbroker_orders``) and the master writes the file. The master (or the local runner) also
writes ``stats-<pid>.json`` from Locust's own stats. ``python -m load.run`` merges them; see docs/performance.md.

Pacing: ``--order-rate`` orders a second per trader (0: as fast as possible), ``--orders-per-trader`` stops a
trader after that many submissions (0: until the run ends).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import socket
import time
from collections import defaultdict

import gevent
import requests
from locust import FastHttpUser, User, constant, constant_throughput, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

SYMBOLS_FALLBACK = ["ACME"]


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--order-rate", type=float, default=0.0, help="orders a second per trader (0 = unpaced)")
    parser.add_argument("--orders-per-trader", type=int, default=0, help="stop a trader after N orders (0 = no limit)")
    parser.add_argument("--results-dir", default="", help="where each process writes its orders and stats (JSON)")
    parser.add_argument("--poll-ms", type=float, default=10.0, help="fill watcher poll interval, milliseconds")
    parser.add_argument("--mix-seed", type=int, default=2109, help="seed of the traders' choices")
    parser.add_argument("--market-share", type=float, default=0.6, help="share of submissions that are market orders")
    parser.add_argument("--follow-up", type=float, default=0.5, help="chance of a follow-up request per order")
    parser.add_argument("--fills-from", choices=("stream", "events"), default="stream",
                        help="see fills on the trade-updates stream or by polling the event log")
    parser.add_argument("--subscribers", type=int, default=0, help="market-data stream subscribers (extra users)")


class Book:
    """What this process saw: accepted ids, submit start times, latencies and round trips (one per process)."""

    def __init__(self) -> None:
        self.accepted: dict[str, list[str]] = defaultdict(list)
        self.submit_started: dict[str, float] = {}  # market order id -> perf_counter before the submit
        self.submits: list[tuple[float, float]] = []  # (wall time done, latency s)
        self.round_trips: list[tuple[float, float]] = []  # (wall time the fill was seen, round trip s)
        self.filled: set[str] = set()
        self.rejected = 0
        self.failures: dict[str, int] = defaultdict(int)
        self.accounts: list[dict] = []
        self.symbols: list[str] = SYMBOLS_FALLBACK
        self.last_seq = 0
        self.watcher = None
        self.stream_watchers: list = []
        self.running = False
        self.listening = False  # market-data subscribers: off as soon as the run starts stopping
        self.sim_offset_s = 0.0  # wall time - simulated time (the real-time clock keeps it constant)
        self.md_messages: dict[str, int] = defaultdict(int)
        self.md_delays: list[float] = []  # seconds, capped at MAX_SAMPLES
        self.md_first = self.md_last = None
        self.md_connected = 0
        self.stream_errors: dict[str, int] = defaultdict(int)


MAX_SAMPLES = 200_000
BOOK = Book()
_user_numbers = itertools.count()


def _keys(account: dict) -> dict:
    return {"APCA-API-KEY-ID": account["api_key_id"], "APCA-API-SECRET-KEY": account["api_secret_key"]}


def _watch_fills(host: str, poll_s: float) -> None:
    """Poll the event log and time every fill of an order this process submitted (bounded by the run)."""
    session = requests.Session()
    while BOOK.running:
        _poll_once(session, host)
        gevent.sleep(poll_s)


def _poll_once(session, host: str) -> None:
    try:
        body = session.get(f"{host}/mock/events", params={"since": BOOK.last_seq}, timeout=10).json()
    except Exception:  # the service is busy or restarting: try again next round
        return
    now = time.perf_counter()
    wall = time.time()
    for e in body.get("events", ()):
        if e.get("event") == "fill":
            _filled(e["order"]["id"], now, wall)
    BOOK.last_seq = body.get("last_seq", BOOK.last_seq)


def _filled(order_id: str, now: float, wall: float) -> None:
    started = BOOK.submit_started.pop(order_id, None)
    if started is not None:
        BOOK.round_trips.append((wall, now - started))
    BOOK.filled.add(order_id)  # a fill seen before its submit returned: the submit does not start a timer


def _ws_url(host: str, path: str) -> str:
    return host.replace("https://", "wss://").replace("http://", "ws://") + path


def _watch_trade_updates(host: str, account: dict) -> None:
    """One /stream connection for ``account``: every ``fill`` update ends that order's round trip."""
    import websocket  # websocket-client (a Locust dependency); cooperative under gevent's patching

    try:
        ws = websocket.create_connection(_ws_url(host, "/stream"), timeout=10)
        ws.send(json.dumps({"action": "authenticate", "data": {"key_id": account["api_key_id"],
                                                              "secret_key": account["api_secret_key"]}}))
        ws.send(json.dumps({"action": "listen", "data": {"streams": ["trade_updates"]}}))
        ws.settimeout(0.5)
    except Exception as exc:  # noqa: BLE001 - counted and reported; round trips then come from nowhere
        BOOK.stream_errors[f"trade_updates connect: {type(exc).__name__}"] += 1
        return
    try:
        while BOOK.running:
            try:
                raw = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            now, wall = time.perf_counter(), time.time()
            if '"fill"' not in raw:  # most updates are not fills: skip parsing them (the load generator's CPU)
                continue
            msg = json.loads(raw)
            if msg.get("stream") == "trade_updates" and msg["data"].get("event") == "fill":
                _filled(msg["data"]["order"]["id"], now, wall)
    except Exception as exc:  # noqa: BLE001
        if BOOK.running:
            BOOK.stream_errors[f"trade_updates: {type(exc).__name__}"] += 1
    finally:
        ws.close()


def _sim_offset(host: str) -> float:
    before = time.time()
    now_ns = requests.get(f"{host}/mock/state", timeout=10).json()["now_ns"]
    after = time.time()
    return (before + after) / 2 - now_ns / 1e9


@events.test_start.add_listener
def _on_start(environment, **_kw) -> None:
    if isinstance(environment.runner, MasterRunner):
        return
    host = environment.host.rstrip("/")
    accounts = requests.get(f"{host}/mock/accounts", timeout=10).json()
    BOOK.accounts = sorted(accounts, key=lambda a: a["id"])
    try:
        state = requests.get(f"{host}/mock/state", timeout=10).json()["state"]
        BOOK.symbols = [s["symbol"] for s in state["config"]["symbols"]] or SYMBOLS_FALLBACK
    except Exception:
        BOOK.symbols = SYMBOLS_FALLBACK
    BOOK.sim_offset_s = _sim_offset(host)
    BOOK.running = BOOK.listening = True
    if environment.parsed_options.fills_from == "events":
        BOOK.last_seq = requests.get(f"{host}/mock/events", params={"since": 0}, timeout=30).json().get("last_seq", 0)
        BOOK.watcher = gevent.spawn(_watch_fills, host, environment.parsed_options.poll_ms / 1000.0)
    else:
        BOOK.stream_watchers = [gevent.spawn(_watch_trade_updates, host, a) for a in BOOK.accounts]
        gevent.sleep(0.2)  # let the connections authenticate before the first order


@events.test_stopping.add_listener
def _on_stopping(environment, **_kw) -> None:
    BOOK.listening = False  # subscribers leave their loop now instead of holding the stop for --stop-timeout


@events.test_stop.add_listener
def _on_stop(environment, **_kw) -> None:
    options = environment.parsed_options
    if not isinstance(environment.runner, MasterRunner):
        _write_orders(environment)  # first, in case the process exits while the last fills are awaited
        # Let the last fills arrive (bounded: at most 2 s), then stop watching.
        host = environment.host.rstrip("/")
        session = requests.Session()
        deadline = time.perf_counter() + 2.0
        while BOOK.submit_started and time.perf_counter() < deadline:
            if options.fills_from == "events":
                _poll_once(session, host)
            gevent.sleep(options.poll_ms / 1000.0)
        BOOK.running = False
        _write_orders(environment)
        if isinstance(environment.runner, WorkerRunner):  # the master writes it: this worker may be elsewhere
            environment.runner.send_message(ORDERS_MESSAGE, _orders_report(environment))
        for g in [BOOK.watcher, *BOOK.stream_watchers]:
            if g is not None:
                g.kill(block=False)
    if not isinstance(environment.runner, WorkerRunner):
        _write(options.results_dir, f"stats-{os.getpid()}.json", _locust_stats(environment))


@events.quitting.add_listener
def _on_quitting(environment, **_kw) -> None:
    """The last word: Locust may shut down while a test_stop handler still waits for fills."""
    if not isinstance(environment.runner, MasterRunner):
        _write_orders(environment)
    if not isinstance(environment.runner, WorkerRunner):
        _write(environment.parsed_options.results_dir, f"stats-{os.getpid()}.json", _locust_stats(environment))


ORDERS_MESSAGE = "mockbroker_orders"
REPORTER = f"{socket.gethostname()}-{os.getpid()}"


def _orders_report(environment) -> dict:
    """What this process saw, as plain JSON data (it travels as a Locust message from a worker)."""
    options = environment.parsed_options
    return json.loads(json.dumps({
        "reporter": REPORTER, "worker_index": getattr(environment.runner, "worker_index", None),
        "accepted": BOOK.accepted, "submits": BOOK.submits, "round_trips": BOOK.round_trips,
        "unfilled_market_orders": len(BOOK.submit_started), "rejected": BOOK.rejected,
        "failures": BOOK.failures, "fills_from": options.fills_from, "stream_errors": BOOK.stream_errors,
        "market_data": {"subscribers": BOOK.md_connected, "messages": BOOK.md_messages,
                        "delays": BOOK.md_delays, "first": BOOK.md_first, "last": BOOK.md_last}}))


def _write_orders(environment) -> None:
    """The local runner writes its report; a worker sends it to the master at the end of its test_stop."""
    if isinstance(environment.runner, WorkerRunner):
        return
    _write(environment.parsed_options.results_dir, f"orders-{REPORTER}.json", _orders_report(environment))


def _orders_from_a_worker(environment, msg, **_kw) -> None:
    """On the master: a worker's report, written as if the worker had written it here."""
    name = "".join(c if c.isalnum() or c in "-._" else "_" for c in str(msg.data.get("reporter", msg.node_id)))
    _write(environment.parsed_options.results_dir, f"orders-{name}.json", msg.data)


def _stop_workers_then_quit(runner: MasterRunner) -> None:
    """Headless Locust ends a run with ``quit()``, which tells the workers to quit and waits half a second: a
    worker's report (sent after it waited up to 2 s for its last fills) would be lost. So the master first stops
    the workers and waits until each has stopped (Locust's own wait, at most --stop-timeout + 60 s), then tells
    each of them to quit (a stopped worker is no longer in ``runner.clients``) and quits."""
    from locust.rpc import Message

    quit_now = runner.quit

    def quit_after_stop() -> None:
        workers = [client.id for client in runner.clients.all]
        runner.stop()
        for client_id in workers:
            runner.server.send_to_client(Message("quit", None, client_id))
        quit_now()

    runner.quit = quit_after_stop


@events.spawning_complete.add_listener
def _end_when_quotas_are_done(user_count, **_kw) -> None:
    """With quotas, end the run once every trader has stopped (instead of idling until ``-t``)."""
    runner = _RUNNER[0]
    if runner is None or isinstance(runner, WorkerRunner) or not runner.environment.parsed_options.orders_per_trader:
        return

    def watch() -> None:
        seen = False  # a master learns the workers' counts from their reports: wait until traders were seen
        for _ in range(100_000):  # bounded; -t ends the run anyway
            gevent.sleep(0.25)
            if runner.state in ("stopping", "stopped", "cleanup"):
                return
            traders = runner.user_classes_count.get("Trader", 0)
            seen = seen or traders > 0
            if seen and traders == 0:
                runner.quit()
                return
    gevent.spawn(watch)


_RUNNER: list = [None]


@events.init.add_listener
def _remember_runner(environment, **_kw) -> None:
    _RUNNER[0] = environment.runner
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(ORDERS_MESSAGE, _orders_from_a_worker)
        _stop_workers_then_quit(environment.runner)
    if environment.parsed_options is not None:  # the master decides how many subscribers run where
        MarketDataSubscriber.fixed_count = environment.parsed_options.subscribers


def _locust_stats(environment) -> dict:
    out = {}
    for (name, method), s in sorted(environment.stats.entries.items()):
        out[f"{method} {name}"] = _entry(s)
    out["Aggregated"] = _entry(environment.stats.total)
    return {"requests": out, "errors": {f"{e.method} {e.name}: {e.error}": e.occurrences
                                        for e in environment.stats.errors.values()}}


def _entry(s) -> dict:
    return {"requests": s.num_requests, "failures": s.num_failures, "rps": s.total_rps,
            "p50_ms": s.get_response_time_percentile(0.5), "p99_ms": s.get_response_time_percentile(0.99),
            "max_ms": s.max_response_time, "avg_ms": s.avg_response_time,
            "first": s.start_time, "last": s.last_request_timestamp}


def _write(directory: str, name: str, data: dict) -> None:
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, os.path.join(directory, name))


class Trader(FastHttpUser):
    """One trader: submit, then maybe replace, cancel or look at the account, orders or positions."""

    def wait_time(self):
        rate = self.environment.parsed_options.order_rate
        return constant_throughput(rate)(self) if rate > 0 else constant(0)(self)

    def on_start(self) -> None:
        options = self.environment.parsed_options
        number = next(_user_numbers)
        worker = getattr(self.environment.runner, "worker_index", 0) or 0
        if not BOOK.accounts:
            raise StopUser()
        self.account = BOOK.accounts[(number + worker * 7919) % len(BOOK.accounts)]
        self.headers = _keys(self.account)
        self.rng = random.Random(f"{options.mix_seed}:{worker}:{number}")
        self.resting: list[str] = []
        self.submitted = 0
        self.quota = options.orders_per_trader
        if options.order_rate > 0:  # traders do not move in step: each starts at its own point of the pace
            gevent.sleep(self.rng.uniform(0, 1 / options.order_rate))

    @task
    def trade(self) -> None:
        if self.quota and self.submitted >= self.quota:
            raise StopUser()
        self.submitted += 1
        self.submit()
        if self.rng.random() < self.environment.parsed_options.follow_up:
            self.rng.choices([self.replace, self.cancel, self.account_info, self.open_orders, self.positions],
                             weights=[2, 2, 2, 2, 1])[0]()

    def submit(self) -> None:
        options = self.environment.parsed_options
        market = self.rng.random() < options.market_share
        side = self.rng.choice(("buy", "sell"))
        body = {"symbol": self.rng.choice(BOOK.symbols), "qty": self.rng.randint(1, 10), "side": side,
                "time_in_force": "day", "type": "market" if market else "limit"}
        if not market:  # far from the market: it rests until replaced or cancelled
            body["limit_price"] = "1.00" if side == "buy" else "100000.00"
        started = time.perf_counter()
        with self.rest("POST", "/v2/orders", json=body, headers=self.headers, name="submit order") as r:
            if r.status_code != 200 or r.js is None:
                if r.status_code in (403, 422):
                    BOOK.rejected += 1
                    r.success()  # a refusal by the broker's rules is an answer, not a failure of the service
                BOOK.failures[str(r.status_code)] += 1
                return
            order_id = r.js["id"]
        BOOK.submits.append((time.time(), time.perf_counter() - started))
        BOOK.accepted[self.account["id"]].append(order_id)
        if market:
            if order_id not in BOOK.filled:
                BOOK.submit_started[order_id] = started
        else:
            self.resting.append(order_id)

    def replace(self) -> None:
        if not self.resting:
            return
        order_id = self.resting.pop(self.rng.randrange(len(self.resting)))
        with self.rest("PATCH", f"/v2/orders/{order_id}", json={"qty": self.rng.randint(1, 10)},
                       headers=self.headers, name="replace order") as r:
            if r.status_code == 200 and r.js:
                self.resting.append(r.js["id"])
                BOOK.accepted[self.account["id"]].append(r.js["id"])
            elif r.status_code in (404, 422):
                r.success()  # the order had ended meanwhile (traders share accounts): a fair answer

    def cancel(self) -> None:
        if not self.resting:
            return
        order_id = self.resting.pop(self.rng.randrange(len(self.resting)))
        with self.client.delete(f"/v2/orders/{order_id}", headers=self.headers, name="cancel order",
                                catch_response=True) as r:
            if r.status_code in (204, 404, 422):
                r.success()

    def account_info(self) -> None:
        self.client.get("/v2/account", headers=self.headers, name="get account")

    def open_orders(self) -> None:
        self.client.get("/v2/orders?status=open&limit=50", headers=self.headers, name="list orders")

    def positions(self) -> None:
        self.client.get("/v2/positions", headers=self.headers, name="list positions")


class MarketDataSubscriber(User):
    """Holds one market-data connection (quotes and trades of every symbol) and counts what arrives."""

    fixed_count = 0  # set from --subscribers at the start of the run
    wait_time = constant(0)

    @task
    def listen(self) -> None:
        import msgpack
        import websocket

        host = self.environment.host.rstrip("/")
        account = BOOK.accounts[next(_user_numbers) % len(BOOK.accounts)]
        try:
            ws = websocket.create_connection(_ws_url(host, "/v2/iex"), timeout=10)
            ws.recv()  # [{"T": "success", "msg": "connected"}]
            ws.send_binary(msgpack.packb({"action": "auth", "key": account["api_key_id"],
                                          "secret": account["api_secret_key"]}))
            ws.send_binary(msgpack.packb({"action": "subscribe", "quotes": BOOK.symbols, "trades": BOOK.symbols}))
            ws.settimeout(0.5)
        except Exception as exc:  # noqa: BLE001
            BOOK.stream_errors[f"market data connect: {type(exc).__name__}"] += 1
            raise StopUser()
        BOOK.md_connected += 1
        try:
            while BOOK.listening:
                try:
                    raw = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                wall = time.time()
                for item in msgpack.unpackb(raw):
                    kind = item.get("T")
                    BOOK.md_messages[kind] += 1
                    if kind in ("q", "t", "b"):
                        if BOOK.md_first is None:
                            BOOK.md_first = wall
                        BOOK.md_last = wall
                        if len(BOOK.md_delays) < MAX_SAMPLES:
                            BOOK.md_delays.append(wall - (item["t"].to_unix_nano() / 1e9 + BOOK.sim_offset_s))
        except Exception as exc:  # noqa: BLE001
            if BOOK.listening:
                BOOK.stream_errors[f"market data: {type(exc).__name__}"] += 1
        finally:
            ws.close()
        raise StopUser()
