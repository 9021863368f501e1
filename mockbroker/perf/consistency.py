"""Consistency after a load run, checked over HTTP: every accepted order accounted for, no order id twice, fills
explain positions and cash exactly (``GET /mock/reconcile``).

    report = check_consistency(base_url, accepted={"trader-1": ["<order id>", ...]})
    assert report.ok, report.problems

Accepted ids are the ones the clients got a 200 for. Each must appear in the service's event log
(``GET /mock/events``, read in pages) and, when the account holds at most 10,000 orders, in its order list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import requests


@dataclass
class ConsistencyReport:
    accepted: int = 0
    accounted_for: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated_by_clients: list[str] = field(default_factory=list)
    duplicated_in_service: list[str] = field(default_factory=list)
    events: int = 0
    orders_in_service: int = 0
    fills_in_service: int = 0
    accounts_reconciled: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def read_events(session: requests.Session, base_url: str, headers: dict | None = None, page_limit: int = 10_000,
                timeout: float = 30.0) -> list[dict]:
    """The whole event log, asked for in pages (``since`` the last seq) until a page comes back empty."""
    events: list[dict] = []
    since = 0
    for _ in range(page_limit):
        body = session.get(f"{base_url}/mock/events", params={"since": since}, headers=headers, timeout=timeout).json()
        if not body["events"]:
            return events
        events.extend(body["events"])
        since = body["last_seq"]
    raise RuntimeError(f"the event log did not end within {page_limit} pages")


def check_consistency(base_url: str, accepted: dict[str, list[str]], keys: dict[str, dict] | None = None,
                      admin_headers: dict | None = None, timeout: float = 30.0) -> ConsistencyReport:
    """``accepted``: account id -> order ids the clients were told were accepted; ``keys``: account id -> key
    headers (to list each account's orders through the trading API; omitted accounts are checked by events only)."""
    report = ConsistencyReport()
    with requests.Session() as s:
        events = read_events(s, base_url, admin_headers, timeout=timeout)
        report.events = len(events)
        seqs = [e["seq"] for e in events]
        if len(set(seqs)) != len(seqs) or seqs != sorted(seqs):
            report.problems.append("the event log's sequence numbers repeat or go backwards")
        seen: dict[str, str] = {}
        for e in events:
            order = e.get("order") or {}
            seen.setdefault(order.get("id"), order.get("mock", {}).get("account_id"))

        all_ids = [i for ids in accepted.values() for i in ids]
        report.accepted = len(all_ids)
        report.duplicated_by_clients = sorted(i for i, n in Counter(all_ids).items() if n > 1)
        if report.duplicated_by_clients:
            report.problems.append(f"{len(report.duplicated_by_clients)} order ids were handed to clients twice: "
                                   f"{report.duplicated_by_clients[:5]}")
        for account, ids in accepted.items():
            for order_id in ids:
                if order_id not in seen:
                    report.lost.append(order_id)
                elif seen[order_id] not in (None, account):
                    report.problems.append(f"order {order_id} accepted for {account} belongs to {seen[order_id]}")
        report.accounted_for = report.accepted - len(report.lost)
        if report.lost:
            report.problems.append(f"{len(report.lost)} accepted orders are missing from the event log: "
                                   f"{report.lost[:5]}")

        for account, headers in (keys or {}).items():
            orders = s.get(f"{base_url}/v2/orders", params={"status": "all", "limit": 10_000}, headers=headers,
                           timeout=timeout).json()
            report.orders_in_service += len(orders)
            ids = [o["id"] for o in orders]
            dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
            report.duplicated_in_service += dupes
            if dupes:
                report.problems.append(f"{account}: order ids listed twice: {dupes[:5]}")
            if len(orders) < 10_000:
                missing = set(accepted.get(account, ())) - set(ids)
                if missing:
                    report.problems.append(f"{account}: {len(missing)} accepted orders missing from its order list")

        rec = s.get(f"{base_url}/mock/reconcile", headers=admin_headers, timeout=timeout).json()
        report.accounts = len(rec["accounts"])
        report.accounts_reconciled = sum(1 for a in rec["accounts"] if a["ok"])
        report.fills_in_service = sum(a["fills"] for a in rec["accounts"])
        for a in rec["accounts"]:
            for p in a["problems"]:
                report.problems.append(f"{a['account']}: {p}")
    return report
