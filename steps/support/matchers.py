"""PyHamcrest matchers that speak trader, and an ``assert_that`` whose failures lead with what went wrong.

A failure's first line says expected vs actual in trading words, with the order's essentials and the market
context that explains it, and no id (Allure's categories group failures by that line):

    buy 100 ACME limit $45.00 gtc: expected filled, but still new after 5 min, 0 of 100 filled; lowest price in
    that time $49.93 (the limit $45.00 was never reached)

then hamcrest's ``Expected: / but:`` lines, then the order's full story with its id. The hooks add the command
that reruns the scenario.

Step code passes an order's story as the reason (``describe_order(order, fills)``): that text carries the order,
so ``assert_that`` can look up the market around it (``market_context.MarketLens``, set for each scenario by the
hooks with ``observe``) and note the band the step asserted (slippage above 50 bps...) for the scenario's chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import hamcrest
from hamcrest.core.base_matcher import BaseMatcher
from hamcrest.core.matcher import Matcher
from hamcrest.core.string_description import StringDescription

from mockbroker.domain import Fill, Order, OrderStatus
from mockbroker.errors import BrokerError, RejectReason

from .market_context import MarketLens
from .tasks import describe_refusal
from .words import bps, money, order_essentials, percent, shares

__all__ = ["assert_that", "is_status", "is_partially_filled", "has_filled", "is_refused_for", "compares",
           "describe_order", "money", "shares", "bps", "percent", "observe", "AssertedBand"]

_lens: MarketLens | None = None


def observe(lens: MarketLens | None) -> None:
    """The scenario's market lens (None between scenarios): failures explain themselves with it."""
    global _lens
    _lens = lens


@dataclass(frozen=True)
class AssertedBand:
    """A bound a step asserted about an order, kept for the scenario's chart (shaded as a price band)."""

    order_id: str
    what: str
    bound: str
    expected: Decimal
    unit: str  # "bps" (from the arrival mid, in the order's favour) or "price"
    held: bool


class OrderStory(str):
    """The text ``describe_order`` returns, carrying the order and its fills for the failure's first line."""

    order: Order
    fills: list[Fill]

    def __new__(cls, text: str, order: Order, fills: list[Fill]):
        story = super().__new__(cls, text)
        story.order, story.fills = order, fills
        return story


def describe_order(order: Order, fills: list[Fill] | None = None) -> OrderStory:
    """The order's story: essentials, state, fills, then its id and account (ids last, never first)."""
    text = (f"{order_essentials(order)}: {order.status.value.replace('_', ' ')} with {shares(order.filled_qty)} of "
            f"{shares(order.qty)} shares filled")
    if order.filled_avg_price is not None:
        text += f" at an average {money(order.filled_avg_price)}"
    if order.reject_reason is not None:
        text += f", rejected for {order.reject_reason.value}"
    if fills:
        text += "; fills: " + ", ".join(f"{shares(f.qty)} @ {money(f.price)} ({f.slippage_bps:.1f} bps)"
                                        for f in fills)
    text += f"; order {order.id} of account {order.account_id}"
    return OrderStory(text, order, list(fills or []))


class _OrderMatcher(BaseMatcher):
    def __init__(self, expected: str, words: str, test: Callable[[Order], bool]) -> None:
        self.expected, self.words, self.test = expected, words, test

    def _matches(self, item) -> bool:
        return isinstance(item, Order) and self.test(item)

    def describe_to(self, description) -> None:
        description.append_text(f"an order that {self.expected}")

    def describe_mismatch(self, item, mismatch_description) -> None:
        mismatch_description.append_text(describe_order(item) if isinstance(item, Order) else repr(item))


def is_status(status: OrderStatus, word: str | None = None) -> _OrderMatcher:
    words = {OrderStatus.NEW: "resting (new)", OrderStatus.PARTIALLY_FILLED: "partially filled"}
    said = word or words.get(status, status.value.replace("_", " "))
    return _OrderMatcher(f"is {said}", said, lambda o: o.status is status)


def is_partially_filled() -> _OrderMatcher:
    """Some but not all shares filled, whatever happened to the rest (still working, or canceled)."""
    return _OrderMatcher("is partially filled (some, not all, shares filled)", "partially filled",
                         lambda o: 0 < o.filled_qty < o.qty)


def has_filled(count: int) -> _OrderMatcher:
    return _OrderMatcher(f"has {shares(count)} shares filled", f"{shares(count)} filled",
                         lambda o: o.filled_qty == count)


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
        mismatch_description.append_text(f"{self.what}: {self.said(item)}")

    def said(self, item) -> str:
        return self.unit(item) if item is not None else "none"

    def expectation(self) -> str:
        return f"{self.bound} {self.unit(self.expected)}"


def compares(what: str, bound: str, expected, unit: Callable[[object], str] = str) -> _Compares:
    return _Compares(what, bound, expected, unit)


# -- assert_that ----------------------------------------------------------------------------------------------------

def assert_that(actual, matcher=None, reason: str = "") -> None:
    """hamcrest's ``assert_that``, with a first line in trader's words (see the module's docstring)."""
    if not isinstance(matcher, Matcher):
        hamcrest.assert_that(actual, matcher if matcher is not None else "", reason)  # the boolean form
        return
    order, fills = _order_of(actual, reason)
    held = matcher.matches(actual)
    _note_band(matcher, order, held)
    if held:
        return
    raise AssertionError(failure_message(actual, matcher, reason, order, fills))


def failure_message(actual, matcher: Matcher, reason: str, order: Order | None, fills: list[Fill]) -> str:
    expected, mismatch = StringDescription(), StringDescription()
    matcher.describe_to(expected)
    matcher.describe_mismatch(actual, mismatch)
    lines = [_headline(actual, matcher, reason, order, fills, str(expected), str(mismatch))]
    if reason and not isinstance(reason, OrderStory):
        lines.append(str(reason))
    lines += [f"Expected: {expected}", f"     but: {mismatch}"]
    story = describe_order(order, fills) if order is not None else ""
    if story and story not in lines[-1]:
        lines.append(story)
    return "\n".join(lines)


def _headline(actual, matcher, reason, order, fills, expected: str, mismatch: str) -> str:
    if order is not None:
        lens = _lens
        context = ""
        if lens is not None:
            try:
                context = lens.explain(order, fills)
            except Exception:  # noqa: BLE001 - a failure message must not fail for want of context
                context = ""
        if isinstance(matcher, _OrderMatcher):
            fate = lens.fate(order) if lens is not None else _plain_fate(order)
            said = f"expected {matcher.words}, but {fate}"
        elif isinstance(matcher, _Compares):
            said = f"expected {matcher.what} {matcher.expectation()}, got {matcher.said(actual)}"
        else:
            said = f"expected {expected}, but {mismatch}"
        line = f"{order_essentials(order)}: {said}" + (f"; {context}" if context else "")
    elif isinstance(matcher, _Compares):
        line = f"{matcher.what}: expected {matcher.expectation()}, got {matcher.said(actual)}"
        if reason:
            line += f" ({reason})"
    elif isinstance(matcher, _RefusalMatcher):
        line = f"expected {expected}, but {mismatch}"
    else:
        line = f"{reason}: expected {expected}, but {mismatch}" if reason else f"expected {expected}, but {mismatch}"
    return " ".join(line.split())


def _plain_fate(order: Order) -> str:
    return f"{order.status.value.replace('_', ' ')}, {order.filled_qty:,} of {order.qty:,} filled"


def _order_of(actual, reason) -> tuple[Order | None, list[Fill]]:
    if isinstance(reason, OrderStory):
        return reason.order, reason.fills
    if isinstance(actual, Order):
        return actual, []
    return None, []


def _note_band(matcher, order: Order | None, held: bool) -> None:
    """Remember a price bound a step asserted about an order (slippage or fill price), for the chart."""
    lens = _lens
    if lens is None or order is None or not isinstance(matcher, _Compares) or matcher.bound == "exactly":
        return
    if matcher.unit is bps and "slippage" in matcher.what:
        unit = "bps"
    elif matcher.unit is money and "price" in matcher.what:
        unit = "price"
    else:
        return
    try:
        expected = Decimal(str(matcher.expected))
    except ArithmeticError:
        return
    lens.notes.append(AssertedBand(order.id, f"{matcher.what} {matcher.expectation()}", matcher.bound, expected,
                                   unit, held))
