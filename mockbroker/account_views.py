"""What an account shows besides balances: its configurations, its activities and its portfolio history.

- **Configurations** (Alpaca's ``/v2/account/configurations``): ``no_shorting`` (sells that would go short are
  refused), ``fractional_trading`` (off: fractional and notional orders are refused), ``suspend_trade`` (new orders
  are refused), and ``dtbp_check``, ``pdt_check``, ``trade_confirm_email``, ``ptp_no_exception_entry`` (kept and
  shown; a cash account has no day-trading buying power, so they change nothing here). ``max_margin_multiplier``
  is "1": the mock's accounts are cash accounts.
- **Activities**: ``FILL`` for every fill (with the order's cumulative and remaining quantity at that fill), ``DIV``
  for every dividend paid or charged, ``SPLIT`` for every position a split changed (the shares it added, and the
  cash paid for a fraction of a share).
- **Portfolio history**: see ``mockbroker.portfolio_history``.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidArgument

CONFIG_CHOICES = {"dtbp_check": ("both", "entry", "exit"), "pdt_check": ("both", "entry", "exit"),
                  "trade_confirm_email": ("all", "none")}
CONFIG_FLAGS = ("no_shorting", "fractional_trading", "suspend_trade", "ptp_no_exception_entry")


def configurations(acct: Any) -> dict:
    return {"dtbp_check": acct.dtbp_check, "fractional_trading": acct.fractional_trading,
            "max_margin_multiplier": "1", "no_shorting": not acct.shorting_enabled, "pdt_check": acct.pdt_check,
            "suspend_trade": acct.suspend_trade, "trade_confirm_email": acct.trade_confirm_email,
            "ptp_no_exception_entry": acct.ptp_no_exception_entry, "max_options_trading_level": 0}


def configure(acct: Any, changes: dict) -> dict:
    """Check every change first, then apply them all (nothing changes when one is refused)."""
    clean: dict = {}
    for key, value in changes.items():
        if value is None:
            continue  # alpaca-py sends every field; a null leaves the setting as it is
        if key in CONFIG_FLAGS:
            if not isinstance(value, bool):
                raise InvalidArgument(key, value, "must be true or false")
        elif key in CONFIG_CHOICES:
            if value not in CONFIG_CHOICES[key]:
                raise InvalidArgument(key, value, f"must be one of {', '.join(CONFIG_CHOICES[key])}")
        elif key == "max_margin_multiplier":
            if str(value) not in ("1", "1.0"):
                raise InvalidArgument(key, value, "must be 1: the mock's accounts are cash accounts (no margin)")
            continue
        elif key == "max_options_trading_level":
            if value not in (0, "0"):
                raise InvalidArgument(key, value, "must be 0: the mock trades no options")
            continue
        else:
            raise InvalidArgument(key, value, "unknown account configuration (known: " + ", ".join(
                sorted((*CONFIG_FLAGS, *CONFIG_CHOICES, "max_margin_multiplier", "max_options_trading_level"))) + ")")
        clean[key] = value
    for key, value in clean.items():
        if key == "no_shorting":
            acct.shorting_enabled = not value
        else:
            setattr(acct, key, value)
    return configurations(acct)


def activities(broker: Any, account: str, types: Any = None) -> list[dict]:
    wanted = None
    if types is not None:
        wanted = {types} if isinstance(types, str) else set(types)
        unknown = wanted - {"FILL", "DIV", "SPLIT"}
        if unknown:
            raise InvalidArgument("activity_types", sorted(unknown)[0], "the mock has FILL, DIV and SPLIT activities")
    out: list[dict] = []
    if wanted is None or "FILL" in wanted:
        cum: dict[str, Any] = {}
        for fill in broker.list_fills(account):
            order = broker.engine.orders[fill.order_id]
            done = cum[fill.order_id] = cum.get(fill.order_id, 0) + fill.qty
            out.append({"kind": "FILL", "time_ns": fill.time_ns, "id": fill.fill_id, "symbol": fill.symbol,
                        "qty": fill.qty, "price": fill.price, "side": fill.side.value, "order_id": fill.order_id,
                        "cum_qty": done, "leaves_qty": order.qty - done,
                        "type": "fill" if done == order.qty else "partial_fill",
                        "order_status": "filled" if done == order.qty else "partially_filled", "fee": fill.fee})
    for n, (time_ns, kind, symbol, qty, amount, per_share) in enumerate(broker.ledger[account].history, 1):
        if wanted is None or kind in wanted:
            out.append({"kind": kind, "time_ns": time_ns, "id": f"{kind}-{n:06d}", "symbol": symbol, "qty": qty,
                        "amount": amount, "per_share": per_share})
    out.sort(key=lambda a: (a["time_ns"], a["id"]))
    return out
