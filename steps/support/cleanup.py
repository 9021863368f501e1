"""Cleaning up after a scenario on a target that keeps its state (no control: a broker adapter, a paper account).

A mock is set afresh by the next scenario; a real account is not. So after each scenario on a target without
control, every order the scenario placed that is still open is canceled, and, where the target allows fills, what
the scenario's own fills left in a position is traded back at market (a scenario that ran to its end has already
done so: a round trip sells what it bought). What was done is attached to the report (``cleanup.txt``) and a
cleanup that could not finish is printed, so the next scenario's surprises have an explanation.

Cleanup never fails the scenario it follows: it only ever touches the scenario's own orders and the shares its
own fills moved, never anything else on the account.
"""

from __future__ import annotations

import secrets
import sys

import allure

from mockbroker.capabilities import Capability
from mockbroker.domain import OrderRequest, OrderType, Side
from mockbroker.errors import BrokerError

from . import waiting
from .desk import Desk


def run_token() -> str:
    """A token unique to this run, appended to client order ids on targets that remember every order they took."""
    return secrets.token_hex(4)


def after_scenario(desk: Desk | None) -> list[str]:
    """Cancel the scenario's open orders and trade back its own fills (targets without control); what was done."""
    if desk is None or desk.has_control or not desk.is_set:
        return []
    done: list[str] = []
    try:
        done += _cancel_open_orders(desk)
        if desk.profile.has(Capability.FILLS):
            done += _trade_back_fills(desk)
    except BrokerError as problem:
        done.append(f"cleanup stopped: {problem}")
        sys.__stderr__.write(f"\n  cleanup after the scenario could not finish: {problem}\n")
    if done:
        allure.attach("\n".join(done), name="cleanup.txt", attachment_type=allure.attachment_type.TEXT)
    return done


def _cancel_open_orders(desk: Desk) -> list[str]:
    done = []
    for placed in desk.orders:
        order = desk.broker.get_order(placed.order_id, account=placed.account)
        if not order.is_open:
            continue
        try:
            desk.broker.cancel_order(order.id, account=placed.account)
        except BrokerError as problem:  # it filled or ended meanwhile
            done.append(f"could not cancel {placed.account}'s order {order.id}: {problem}")
            continue
        order = waiting.settle(desk, order.id, placed.account)
        done.append(f"canceled {placed.account}'s order {order.id} ({order.side.value} {order.qty} {order.symbol}): "
                    f"{order.status.value}")
    return done


def _trade_back_fills(desk: Desk) -> list[str]:
    net: dict[tuple[str, str], int] = {}
    for placed in desk.orders:
        order = desk.broker.get_order(placed.order_id, account=placed.account)
        if order.filled_qty:
            key = (placed.account, order.symbol)
            net[key] = net.get(key, 0) + order.side.sign * order.filled_qty
    done = []
    for (account, symbol), shares in net.items():
        if not shares:
            continue
        side = Side.SELL if shares > 0 else Side.BUY
        sent = desk.broker.submit_order(OrderRequest(symbol=symbol, qty=abs(shares), side=side,
                                                     type=OrderType.MARKET), account=account)
        order = waiting.eventually(desk, lambda: desk.broker.get_order(sent.id, account=account),
                                   lambda o: not o.is_open)
        done.append(f"traded back {account}'s {shares:+} {symbol} from the scenario's fills: {side.value} "
                    f"{abs(shares)} at market, {order.status.value}")
    return done
