"""PyHamcrest matchers that speak trader: what was expected, what came, and the order's story.

A failure reads like "Expected: an order that is filled / but: order 7 (buy 5,000 ACME market, ioc) is canceled
with 1,000 of 5,000 shares filled at an average $50.03; fills: 1,000 @ $50.03 (6.0 bps)".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from hamcrest import assert_that
from hamcrest.core.base_matcher import BaseMatcher

from mockbroker.domain import Fill, Order, OrderStatus
from mockbroker.errors import BrokerError, RejectReason

from .tasks import describe_refusal

__all__ = ["assert_that", "is_status", "is_partially_filled", "has_filled", "is_refused_for", "compares",
           "describe_order", "money", "shares"]


def money(amount: Decimal | None) -> str:
    if amount is None:
        return "none"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def shares(count: int) -> str:
    return f"{count:,}"


def describe_order(order: Order, fills: list[Fill] | None = None) -> str:
    kind = order.type.value.replace("_", " ")
    text = (f"order {order.id} ({order.side.value} {shares(order.qty)} {order.symbol} {kind}, "
            f"{order.time_in_force.value}) is {order.status.value.replace('_', ' ')} with "
            f"{shares(order.filled_qty)} of {shares(order.qty)} shares filled")
    if order.filled_avg_price is not None:
        text += f" at an average {money(order.filled_avg_price)}"
    if order.reject_reason is not None:
        text += f", rejected for {order.reject_reason.value}"
    if fills:
        text += "; fills: " + ", ".join(f"{shares(f.qty)} @ {money(f.price)} ({f.slippage_bps:.1f} bps)"
                                        for f in fills)
    return text


class _OrderMatcher(BaseMatcher):
    def __init__(self, expected: str, test: Callable[[Order], bool]) -> None:
        self.expected, self.test = expected, test

    def _matches(self, item) -> bool:
        return isinstance(item, Order) and self.test(item)

    def describe_to(self, description) -> None:
        description.append_text(f"an order that {self.expected}")

    def describe_mismatch(self, item, mismatch_description) -> None:
        mismatch_description.append_text(describe_order(item) if isinstance(item, Order) else repr(item))


def is_status(status: OrderStatus, word: str | None = None) -> _OrderMatcher:
    words = {OrderStatus.NEW: "resting (new)", OrderStatus.PARTIALLY_FILLED: "partially filled"}
    return _OrderMatcher(f"is {word or words.get(status, status.value)}", lambda o: o.status is status)


def is_partially_filled() -> _OrderMatcher:
    """Some but not all shares filled, whatever happened to the rest (still working, or canceled)."""
    return _OrderMatcher("is partially filled (some, not all, shares filled)", lambda o: 0 < o.filled_qty < o.qty)


def has_filled(count: int) -> _OrderMatcher:
    return _OrderMatcher(f"has {shares(count)} shares filled", lambda o: o.filled_qty == count)


class _RefusalMatcher(BaseMatcher):
    def __init__(self, words: str, reason: RejectReason | None, codes: tuple[str, ...]) -> None:
        self.words, self.reason, self.codes = words, reason, codes

    def _matches(self, item) -> bool:
        if not isinstance(item, BrokerError):
            return False
        if self.reason is not None and item.reason is self.reason:
            return True
        argument = getattr(item, "argument", None)
        return item.code in self.codes or f"{item.code}:{argument}" in self.codes

    def describe_to(self, description) -> None:
        accepted = list(dict.fromkeys(([self.reason.value] if self.reason else []) + list(self.codes)))
        description.append_text(f"an order refused because of {self.words} ({' or '.join(accepted)})")

    def describe_mismatch(self, item, mismatch_description) -> None:
        if item is None:
            mismatch_description.append_text("the order was not refused")
        else:
            mismatch_description.append_text(f"it was refused with {describe_refusal(item)}")


def is_refused_for(words: str, reason: RejectReason | None, codes: tuple[str, ...]) -> _RefusalMatcher:
    return _RefusalMatcher(words, reason, codes)


class _Compares(BaseMatcher):
    """A number against a bound, described with its unit: "slippage above 50 bps"."""

    OPS = {"above": lambda a, b: a > b, "below": lambda a, b: a < b,
           "at least": lambda a, b: a >= b, "at most": lambda a, b: a <= b, "exactly": lambda a, b: a == b}

    def __init__(self, what: str, bound: str, expected, unit: Callable[[object], str]) -> None:
        self.what, self.bound, self.expected, self.unit = what, bound, expected, unit

    def _matches(self, item) -> bool:
        return item is not None and self.OPS[self.bound](item, self.expected)

    def describe_to(self, description) -> None:
        description.append_text(f"{self.what} {self.bound} {self.unit(self.expected)}")

    def describe_mismatch(self, item, mismatch_description) -> None:
        mismatch_description.append_text(f"{self.what}: {self.unit(item) if item is not None else 'none'}")


def compares(what: str, bound: str, expected, unit: Callable[[object], str] = str) -> _Compares:
    return _Compares(what, bound, expected, unit)


def bps(value) -> str:
    return f"{Decimal(value):.1f} bps"


def percent(value) -> str:
    return f"{Decimal(value):.2f}%"
