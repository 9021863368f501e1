"""Per-account reconciliation over the ``Broker`` contract: do the fills explain the positions and the cash?

Used by ``GET /mock/reconcile`` and by load runs (``mockbroker.perf.consistency``). Checks, per account, exactly:
- **positions**: for every symbol, the signed sum of fill quantities (buys +, sells -) equals the position's qty;
- **cash**: starting cash + sell proceeds - buy costs - fees equals the cash (to the cent the account reports it);
  skipped (``None``) when the engine booked dividends or splits, which move cash without a fill;
- **ledger identity**: the engine's own identity (``starting cash + realized P&L + dividends - fees == cash + cost
  basis``), per account when the engine exposes its ledger, else for all accounts;
- **no duplicate ids**: no order id and no fill id appears twice.
Only public reads of the contract (plus the optional ``ledger``/``reconciles``), so a persistence proxy works too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any, Iterable

CENT = Decimal("0.01")


def _dividends(broker: Any, account_id: str) -> Decimal:
    ledger = getattr(broker, "ledger", None)
    try:
        return ledger.accounts[account_id].dividends if ledger is not None else Decimal(0)
    except (AttributeError, KeyError):
        return Decimal(0)


def _ledger_identity(broker: Any, account_id: str) -> bool | None:
    ledger = getattr(broker, "ledger", None)
    if ledger is not None and hasattr(ledger, "reconciles"):
        try:
            return bool(ledger.reconciles(account_id))
        except KeyError:
            return None
    reconciles = getattr(broker, "reconciles", None)
    return bool(reconciles()) if callable(reconciles) else None


def reconcile_account(broker: Any, account_id: str, starting_cash: Decimal) -> dict:
    """The checks above for one account, as a JSON-ready dict with ``ok`` and a list of ``problems``."""
    fills = broker.list_fills(account_id)
    orders = broker.list_orders(account_id, status="all")
    positions = {p.symbol: p.qty for p in broker.list_positions(account_id)}
    account = broker.get_account(account_id)
    problems: list[str] = []

    by_symbol: dict[str, int] = defaultdict(int)
    flow = Decimal(0)
    fees = Decimal(0)
    for f in fills:
        sign = 1 if f.side.value == "buy" else -1
        by_symbol[f.symbol] += sign * f.qty
        flow -= sign * f.qty * f.price
        fees += f.fee
    for symbol in sorted(set(by_symbol) | set(positions)):
        if by_symbol.get(symbol, 0) != positions.get(symbol, 0):
            problems.append(f"{symbol}: fills add up to {by_symbol.get(symbol, 0)} shares, position holds "
                            f"{positions.get(symbol, 0)}")

    expected_cash = (starting_cash + flow - fees).quantize(CENT)
    cash_ok: bool | None = expected_cash == account.cash.quantize(CENT)
    if _dividends(broker, account_id):
        cash_ok = None  # dividends (or split cash-outs) move cash without a fill
    elif not cash_ok:
        problems.append(f"cash {account.cash} but starting cash {starting_cash} + fills - fees = {expected_cash}")

    identity = _ledger_identity(broker, account_id)
    if identity is False:
        problems.append("the ledger identity does not hold")

    for kind, ids in (("order", [o.id for o in orders]), ("fill", [f.fill_id for f in fills])):
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dupes:
            problems.append(f"duplicate {kind} ids: {', '.join(dupes[:5])}")

    return {"account": account_id, "ok": not problems, "orders": len(orders), "fills": len(fills),
            "positions_match_fills": not any(": fills add up" in p for p in problems),
            "cash_matches_fills": cash_ok, "expected_cash": str(expected_cash), "cash": str(account.cash),
            "ledger_identity": identity, "problems": problems}


def reconcile(broker: Any, accounts: Iterable[tuple[str, Decimal]]) -> dict:
    """Every account in ``accounts`` (id, starting cash): ``{"ok", "accounts": [...]}``."""
    results = [reconcile_account(broker, account_id, cash) for account_id, cash in accounts]
    return {"ok": all(r["ok"] for r in results), "accounts": results}
