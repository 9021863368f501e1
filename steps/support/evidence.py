"""Allure evidence for each scenario: the seed and the command that reruns exactly this scenario, the order events as
a readable timeline, the orders, fills, events and markets as JSON, and the data of its price chart.

- Times in the JSON are ISO 8601 with milliseconds (``created_at``) and milliseconds from the scenario's start
  (``created_ms``), in place of the broker's nanosecond integers.
- The order timeline lists each event at its offset: status changes, and fills with price and quantity.
- A scenario that placed orders, or failed, gets ``price chart (SYMBOL)``, an SVG of its own window
  (``order_chart``), and the chart's data, ``price chart data (SYMBOL).json`` (``chart_data``).

Attaching never fails a scenario: a broker that cannot answer (the scenario broke before the scene was set, or the
service is gone) leaves a note in place of the JSON.
"""

from __future__ import annotations

import json
import shlex

import allure

from . import order_chart
from .chart_data import chart_specs
from .desk import Desk
from .words import iso_ms, offset_ms, order_essentials, shares, money

ORDER_OF_VALUES = ("target", "seed", "scale", "time_headroom")


def rerun_command(desk: Desk, values: dict[str, str] | None = None) -> str:
    """One copyable line: every -D value of the run, then the scenario's file and line."""
    values = {"target": desk.target, "seed": str(desk.master_seed), **(values or {})}
    values["target"], values["seed"] = desk.target, str(desk.master_seed)
    ordered = [k for k in ORDER_OF_VALUES if k in values] + sorted(k for k in values if k not in ORDER_OF_VALUES)
    defines = " ".join(f"-D {shlex.quote(f'{k}={values[k]}')}" for k in ordered)
    return f".venv/bin/python -m behave {defines} {shlex.quote(desk.location)}"


def seed_note(desk: Desk, values: dict[str, str] | None = None) -> str:
    return (f"master seed {desk.master_seed}; this scenario's seed {desk.seed} = derive_seed({desk.master_seed}, "
            f"{desk.seed_name!r})\n"
            f"rerun exactly this scenario: {rerun_command(desk, values)}\n")


def _json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def timed(data, start_ns: int):
    """The data with every ``*_ns`` time as ``*_at`` (ISO 8601, ms) and ``*_ms`` (ms after the start)."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key.endswith("_ns") and (isinstance(value, int) or value is None):
                stem = key[:-3]
                out[f"{stem}_at"] = iso_ms(value) if value is not None else None
                out[f"{stem}_ms"] = offset_ms(value, start_ns) if value is not None else None
            else:
                out[key] = timed(value, start_ns)
        return out
    if isinstance(data, list):
        return [timed(item, start_ns) for item in data]
    return data


def collect(desk: Desk) -> tuple[dict[str, object], list, list, list]:
    """Orders, fills, events and market state as JSON-ready data; and the orders, the fills of the scenario's own
    trades (not the opening positions) and the events themselves."""
    broker = desk.broker
    orders, fills, all_orders, all_fills = {}, {}, [], []
    for account in sorted(desk.actors):
        try:
            listed = broker.list_orders(account=account, status="all")
            all_orders += listed
            orders[account] = [o.to_dict() for o in listed]
        except Exception as problem:  # noqa: BLE001 - evidence must not fail the scenario
            orders[account] = f"could not list orders: {problem}"
        try:
            listed = broker.list_fills(account=account)
            all_fills += [f for f in listed if f.fill_id not in desk.opening_fills]
            fills[account] = [f.to_dict() for f in listed]
        except Exception as problem:  # noqa: BLE001
            fills[account] = f"could not list fills: {problem}"
    try:
        event_list = list(broker.order_events(0, account=None))
        events = [e.to_dict() for e in event_list]
    except Exception as problem:  # noqa: BLE001
        event_list, events = [], f"could not read the order event log: {problem}"
    markets = {}
    for symbol in desk.start_mid:
        try:
            markets[symbol] = broker.market_state(symbol).to_dict()
        except Exception as problem:  # noqa: BLE001
            markets[symbol] = f"could not read the market: {problem}"
    evidence = {"orders": orders, "fills": fills, "order events": events, "market": markets}
    if hasattr(broker, "fault_rules"):
        try:
            rules = broker.fault_rules()
        except Exception as problem:  # noqa: BLE001
            rules = f"could not list the fault rules: {problem}"
        if rules:
            evidence["fault rules"] = rules
    return timed(evidence, desk.start_ns), all_orders, all_fills, event_list


def order_timeline(events: list, start_ns: int) -> str:
    """The order events in words, at their offsets from the scenario's start."""
    labels: dict[str, str] = {}
    lines = [f"Order events in simulated time; ms from the scenario's start ({iso_ms(start_ns)}).", "",
             f"{'ms':>14}  {'time (UTC)':<24}  {'order':<5}  event"]
    for event in events:
        order = event.order
        first = order.id not in labels
        label = labels.setdefault(order.id, f"#{len(labels) + 1}")
        what = event.event.value.replace("_", " ")
        if event.fill is not None:
            fill = event.fill
            what += (f": {shares(fill.qty)} @ {money(fill.price)} ({fill.slippage_bps:.1f} bps), "
                     f"{shares(order.filled_qty)} of {shares(order.qty)} filled")
        if event.reason:
            what += f" ({event.reason})"
        if first:
            what += f"  [{order.account_id}: {order_essentials(order)}; id {order.id}]"
        lines.append(f"{offset_ms(event.time_ns, start_ns):>+14,.3f}  {iso_ms(event.time_ns):<24}  {label:<5}  {what}")
    return "\n".join(lines) + "\n"


def attach_scenario_evidence(desk: Desk, lens, values: dict[str, str], title: str, failed: bool,
                             failure: str | None = None) -> None:
    allure.attach(seed_note(desk, values), name="seed and rerun command", attachment_type=allure.attachment_type.TEXT)
    if not desk.is_set:
        return
    evidence, orders, fills, events = collect(desk)
    if events:
        allure.attach(order_timeline(events, desk.start_ns), name="order timeline",
                      attachment_type=allure.attachment_type.TEXT)
    for name, data in evidence.items():
        allure.attach(_json(data), name=f"{name}.json", attachment_type=allure.attachment_type.JSON)
    if lens is None:
        return
    try:
        specs = chart_specs(desk, lens, orders, fills, title, failed, failure)
    except Exception as problem:  # noqa: BLE001 - a chart must not fail the scenario
        allure.attach(f"no chart: {type(problem).__name__}: {problem}", name="price chart (not drawn)",
                      attachment_type=allure.attachment_type.TEXT)
        return
    for spec in specs:
        allure.attach(order_chart.render(spec), name=f"price chart ({spec['symbol']})",
                      attachment_type=allure.attachment_type.SVG)
        allure.attach(_json(spec), name=f"price chart data ({spec['symbol']}).json",
                      attachment_type=allure.attachment_type.JSON)
