"""A realistic trader mix against the mockbroker service (Locust, FastHttpUser).

Each simulated trader owns one of the service's accounts (``GET /mock/accounts``; several traders share one when
there are fewer accounts than traders). Every iteration submits one order - a market order (it fills, and its
round trip is measured) or a limit order far from the market (it rests, so it can be replaced or cancelled) - then
maybe one follow-up: replace or cancel a resting order, or query the account, the open orders or the positions.

Round trip = from just before the submit request to the moment this process sees the order's ``fill`` event. A
fill watcher per process polls ``GET /mock/events?since=`` every ``--poll-ms`` milliseconds. At the end each process
writes what it saw into ``--results-dir`` (``orders-<pid>.json``: accepted ids per account, submit times and
latencies, round trips) and the master (or the local runner) writes ``stats-<pid>.json`` from Locust's own stats.
``python -m load.run`` merges them; see docs/performance.md.

Pacing: ``--order-rate`` orders a second per trader (0: as fast as possible), ``--orders-per-trader`` stops a
trader after that many submissions (0: until the run ends).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import defaultdict

import gevent
import requests
from locust import FastHttpUser, constant, constant_throughput, events, task
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
        self.running = False


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
        if e.get("event") != "fill":
            continue
        order_id = e["order"]["id"]
        started = BOOK.submit_started.pop(order_id, None)
        if started is not None:
            BOOK.round_trips.append((wall, now - started))
            BOOK.filled.add(order_id)
    BOOK.last_seq = body.get("last_seq", BOOK.last_seq)


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
    BOOK.last_seq = requests.get(f"{host}/mock/events", params={"since": 0}, timeout=30).json().get("last_seq", 0)
    BOOK.running = True
    BOOK.watcher = gevent.spawn(_watch_fills, host, environment.parsed_options.poll_ms / 1000.0)


@events.test_stop.add_listener
def _on_stop(environment, **_kw) -> None:
    options = environment.parsed_options
    if not isinstance(environment.runner, MasterRunner):
        # Let the last fills arrive (bounded: at most 2 s), then stop watching.
        host = environment.host.rstrip("/")
        session = requests.Session()
        deadline = time.perf_counter() + 2.0
        while BOOK.submit_started and time.perf_counter() < deadline:
            _poll_once(session, host)
            gevent.sleep(options.poll_ms / 1000.0)
        BOOK.running = False
        if BOOK.watcher is not None:
            BOOK.watcher.kill(block=False)
        _write(options.results_dir, f"orders-{os.getpid()}.json", {
            "worker_index": getattr(environment.runner, "worker_index", None),
            "accepted": BOOK.accepted, "submits": BOOK.submits, "round_trips": BOOK.round_trips,
            "unfilled_market_orders": len(BOOK.submit_started), "rejected": BOOK.rejected,
            "failures": BOOK.failures})
    if not isinstance(environment.runner, WorkerRunner):
        _write(options.results_dir, f"stats-{os.getpid()}.json", _locust_stats(environment))


@events.spawning_complete.add_listener
def _end_when_quotas_are_done(user_count, **_kw) -> None:
    """With quotas, end the run once every trader has stopped (instead of idling until ``-t``)."""
    runner = _RUNNER[0]
    if runner is None or isinstance(runner, WorkerRunner) or not runner.environment.parsed_options.orders_per_trader:
        return

    def watch() -> None:
        for _ in range(100_000):  # bounded; -t ends the run anyway
            gevent.sleep(0.25)
            if runner.state in ("stopping", "stopped", "cleanup"):
                return
            if runner.user_count == 0:
                runner.quit()
                return
    gevent.spawn(watch)


_RUNNER: list = [None]


@events.init.add_listener
def _remember_runner(environment, **_kw) -> None:
    _RUNNER[0] = environment.runner


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
