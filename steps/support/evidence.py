"""Allure evidence for each scenario: the seed and the command that reruns exactly this scenario, then the orders,
fills and order event log as JSON, and where each symbol's market ended.

Attaching never fails a scenario: a broker that cannot answer (the scenario broke before the scene was set, or the
service is gone) leaves a note in place of the JSON.
"""

from __future__ import annotations

import json

import allure

from .desk import Desk


def rerun_command(desk: Desk) -> str:
    return (f".venv/bin/python -m behave -D seed={desk.master_seed} -D target={desk.target} "
            f"{desk.location}")


def seed_note(desk: Desk) -> str:
    return (f"master seed {desk.master_seed}; this scenario's seed {desk.seed} = derive_seed({desk.master_seed}, "
            f"{desk.seed_name!r})\n"
            f"rerun exactly this scenario: {rerun_command(desk)}\n")


def _json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def collect(desk: Desk) -> dict[str, object]:
    """Orders, fills, events and market state, by account and symbol, as JSON-ready data."""
    broker = desk.broker
    accounts = sorted(desk.actors)
    orders, fills = {}, {}
    for account in accounts:
        try:
            orders[account] = [o.to_dict() for o in broker.list_orders(account=account, status="all")]
        except Exception as problem:  # noqa: BLE001 - evidence must not fail the scenario
            orders[account] = f"could not list orders: {problem}"
        try:
            fills[account] = [f.to_dict() for f in broker.list_fills(account=account)]
        except Exception as problem:  # noqa: BLE001
            fills[account] = f"could not list fills: {problem}"
    try:
        events = [e.to_dict() for e in broker.order_events(0, account=None)]
    except Exception as problem:  # noqa: BLE001
        events = f"could not read the order event log: {problem}"
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
    return evidence


def attach_scenario_evidence(desk: Desk) -> None:
    allure.attach(seed_note(desk), name="seed and rerun command", attachment_type=allure.attachment_type.TEXT)
    if not desk.is_set:
        return
    for name, data in collect(desk).items():
        allure.attach(_json(data), name=f"{name}.json", attachment_type=allure.attachment_type.JSON)
