"""Parameter types: the words of a step become domain values here, once, at the boundary.

Step bodies receive ``Decimal`` money, ``int`` shares, ``float`` seconds and enums, never strings to pick apart.

Rules:
- Each type is registered with behave exactly once per process. behave executes every file in ``steps/`` as a
  step module, and step modules import this one as ``steps.types``, so registration is guarded: a second
  registration of the same name is skipped (a double registration makes parallel runners skip scenarios).
- ``PARAMETER_TYPES`` lists every type with an example; the step catalog (docs/steps.md) prints it.
"""

from __future__ import annotations

from decimal import Decimal

import parse
from behave import matchers
from parse_type import TypeBuilder

from mockbroker.domain import OrderStatus, OrderType, Side, TimeInForce
from mockbroker.errors import RejectReason

_THOUSANDS = r"\d{1,3}(?:,\d{3})+|\d+"


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@parse.with_pattern(r"-?\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
def parse_money(text: str) -> Decimal:
    """Money: "$10.50", "$1,000,000" (a leading minus is allowed: "-$5.00")."""
    return _number(text.replace("$", ""))


_DECIMAL = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


@parse.with_pattern(r"-?" + _DECIMAL + r"(?: ?(?:bps|bp)| basis points?|%)")
def parse_bps(text: str) -> Decimal:
    """Basis points: "50 bps", "50bps", "1 bp", "50 basis points", or a percentage, "0.5%" (1% = 100 bps); the
    word "percent" is not taken where bps are meant (too easily a slip for "bps")."""
    if text.endswith("%"):
        return _number(text[:-1]) * 100
    return _number(text.replace("basis points", "").replace("basis point", "").replace("bps", "")
                   .replace("bp", "").strip())


@parse.with_pattern(r"-?" + _DECIMAL + r"(?: ?%| percent| ?(?:bps|bp)| basis points?)")
def parse_percent(text: str) -> Decimal:
    """A percentage: "8%", "0.5%", "8 percent", or basis points, "50 bps" (= 0.5%)."""
    if text.endswith("%") or text.endswith("percent"):
        return _number(text.replace("percent", "").replace("%", "").strip())
    return parse_bps(text) / 100


@parse.with_pattern(r"-?(?:" + _THOUSANDS + r")")
def parse_shares(text: str) -> int:
    """A number of shares: "100", "1,000" (a minus sign is passed on, so the broker can refuse it)."""
    return int(text.replace(",", ""))


@parse.with_pattern(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,9})?")
def parse_quantity(text: str):
    """Shares, whole or fractional (up to 9 places): "2.5", "0.125", "1,000" (whole numbers stay whole)."""
    from mockbroker.domain import canonical_qty

    return canonical_qty(Decimal(text.replace(",", "")))


@parse.with_pattern(r"\d{4}-\d{2}-\d{2}")
def parse_date(text: str):
    """A date, year first: "2026-11-27"."""
    from datetime import date

    return date.fromisoformat(text)


@parse.with_pattern(r"\d{2}:\d{2}")
def parse_clock_time(text: str) -> str:
    """A time of day on the 24-hour clock: "13:00"."""
    return text


@parse.with_pattern(r"\d+")
def parse_count(text: str) -> int:
    """A small whole number: "5"."""
    return int(text)


_SECONDS_PER_UNIT = {"ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001, "second": 1.0, "seconds": 1.0,
                     "minute": 60.0, "minutes": 60.0, "hour": 3600.0, "hours": 3600.0}


@parse.with_pattern(r"(?:\d+(?:\.\d+)?|an?|one) (?:ms|milliseconds?|seconds?|minutes?|hours?)")
def parse_duration(text: str) -> float:
    """A span of simulated time, in seconds: "250 ms", "2 seconds", "3 minutes", "an hour"."""
    amount, unit = text.split()
    number = 1.0 if amount in ("a", "an", "one") else float(amount)
    return number * _SECONDS_PER_UNIT[unit]


@parse.with_pattern(r"I|[a-z][a-z0-9_-]*")
def parse_actor(text: str) -> str:
    """Who acts: an account name ("alice") or "I" (the only account set up, else "default")."""
    return text


@parse.with_pattern(r"my|[a-z][a-z0-9_-]*'s")
def parse_owner(text: str) -> str:
    """Whose: an account name with 's ("alice's") or "my" (the account "I" stands for). The step receives the
    actor: "alice" or "I"."""
    return "I" if text == "my" else text[:-2]


POSSESSIVE_PRONOUNS = ("my", "her", "his", "their", "its", "own")


@parse.with_pattern(r"my|her|his|their|its|own|[a-z][a-z0-9_-]*'s")
def parse_possessive(text: str) -> str | None:
    """Whose, after an actor: "my", "her", "his", "their", "its" (the actor's own), or a name with 's ("bob's").
    The step receives None for a pronoun (the actor's own) or the account named."""
    return None if text in POSSESSIVE_PRONOUNS else text[:-2]


@parse.with_pattern(r"[A-Z][A-Z0-9.]{0,9}")
def parse_symbol(text: str) -> str:
    """A ticker symbol in capitals: "ACME"."""
    return text


parse_side = TypeBuilder.make_enum({"buys": Side.BUY, "buy": Side.BUY, "sells": Side.SELL, "sell": Side.SELL})
parse_side.__doc__ = 'A side: "buys"/"buy" or "sells"/"sell".'

parse_order_type = TypeBuilder.make_enum({
    "market": OrderType.MARKET, "limit": OrderType.LIMIT, "stop": OrderType.STOP, "stop limit": OrderType.STOP_LIMIT,
})
parse_order_type.__doc__ = 'An order type: "market", "limit", "stop", "stop limit".'

TIME_IN_FORCE_WORDS = {
    "day": TimeInForce.DAY, "good for the day": TimeInForce.DAY,
    "good till canceled": TimeInForce.GTC, "good till cancelled": TimeInForce.GTC,
    "immediate or cancel": TimeInForce.IOC, "fill or kill": TimeInForce.FOK,
}
parse_time_in_force = TypeBuilder.make_enum(TIME_IN_FORCE_WORDS)
parse_time_in_force.__doc__ = ('Time in force in words: "day", "good till canceled", "immediate or cancel", '
                               '"fill or kill".')

STATUS_WORDS = {
    "filled": OrderStatus.FILLED, "canceled": OrderStatus.CANCELED, "cancelled": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED, "accepted": OrderStatus.ACCEPTED, "expired": OrderStatus.EXPIRED,
    "replaced": OrderStatus.REPLACED, "resting": OrderStatus.NEW, "resting on the book": OrderStatus.NEW,
    "held": OrderStatus.HELD, "queued for the open": OrderStatus.ACCEPTED,
}
parse_status = TypeBuilder.make_enum(STATUS_WORDS)
parse_status.__doc__ = ('An order status: "filled", "canceled", "rejected", "accepted", "expired", "replaced", '
                        '"resting" (at the venue, waiting), "held" (a bracket leg waiting for its entry to fill), '
                        '"queued for the open" (sent while the market is closed: accepted, routed at the open).')

REFUSAL_WORDS: dict[str, tuple[RejectReason | None, tuple[str, ...]]] = {
    # words -> (reason it must carry, or error codes that also count); InvalidArgument names no reason
    "insufficient buying power": (RejectReason.INSUFFICIENT_BUYING_POWER, ("insufficient_funds",)),
    "an unknown symbol": (RejectReason.UNKNOWN_SYMBOL, ("unknown_symbol",)),
    "an unknown account": (RejectReason.UNKNOWN_ACCOUNT, ("unknown_account",)),
    "a missing limit price": (RejectReason.MISSING_PRICE, ()),
    "a missing stop price": (RejectReason.MISSING_PRICE, ()),
    "an invalid quantity": (RejectReason.INVALID_QUANTITY, ("invalid_argument:qty",)),
    "an invalid price": (RejectReason.INVALID_PRICE, ("invalid_argument:limit_price", "invalid_argument:stop_price")),
    "a price off the tick": (RejectReason.PRICE_NOT_ON_TICK, ()),
    "a trading halt": (RejectReason.TRADING_HALTED, ("trading_halted",)),
    "a closed market": (RejectReason.MARKET_CLOSED, ("market_closed",)),
    "a short sale that is not allowed": (RejectReason.SHORT_SALE_NOT_ALLOWED, ()),
    "not enough shares to close": (RejectReason.INSUFFICIENT_POSITION, ()),
    "a take profit on the wrong side of the stop loss": (RejectReason.INVALID_LEG_PRICE, ()),
    "a stop loss on the wrong side of the market": (RejectReason.INVALID_LEG_PRICE, ()),
    "fractional shares not allowed": (RejectReason.FRACTIONAL_NOT_ALLOWED, ()),
    "an amount below one dollar": (RejectReason.NOTIONAL_TOO_SMALL, ()),
    "a client order id already used": (RejectReason.DUPLICATE_CLIENT_ORDER_ID, ()),
}
parse_refusal = TypeBuilder.make_choice(list(REFUSAL_WORDS))
parse_refusal.__doc__ = "Why an order is refused: " + ", ".join(f'"{w}"' for w in REFUSAL_WORDS) + "."

REQUEST_WORDS = {"cancel": "cancel", "change": "change", "look-up": "look-up", "lookup": "look-up"}
parse_request = TypeBuilder.make_enum(REQUEST_WORDS)
parse_request.__doc__ = ('A request about an existing order: "cancel" (When ... cancels the order), "change" (When ... '
                         'changes the limit/quantity), "look-up" (When ... looks up the order).')

REQUEST_REFUSAL_WORDS: dict[str, tuple[str, ...]] = {
    # words -> the error codes that count (the same on every target)
    "the order is not found": ("order_not_found",),
    "the order is already done": ("order_not_cancelable",),
}
parse_request_refusal = TypeBuilder.make_choice(list(REQUEST_REFUSAL_WORDS))
parse_request_refusal.__doc__ = ("Why a cancel, change or look-up was refused: "
                                 + ", ".join(f'"{w}"' for w in REQUEST_REFUSAL_WORDS)
                                 + ' (another account\'s order is "not found", as at a real broker).')

NAMED_SCENARIOS = {
    "normal": "normal", "calm": "normal", "volatile": "volatile", "trending": "trending",
    "range-bound": "range", "sideways": "range",
}
parse_market_kind = TypeBuilder.make_enum(NAMED_SCENARIOS)
parse_market_kind.__doc__ = 'A named market: "normal", "calm", "volatile", "trending", "range-bound", "sideways".'

parse_direction = TypeBuilder.make_enum({"up": 1, "down": -1})
parse_direction.__doc__ = 'A direction: "up" or "down".'

parse_bound = TypeBuilder.make_enum({"above": "above", "below": "below", "at least": "at least",
                                     "at most": "at most"})
parse_bound.__doc__ = 'A comparison: "above", "below", "at least", "at most".'

parse_leg = TypeBuilder.make_choice(["take profit", "stop loss"])
parse_leg.__doc__ = 'A leg of a bracket, OCO or OTO order: "take profit" or "stop loss".'

parse_outcome = TypeBuilder.make_choice(["profit", "loss"])
parse_outcome.__doc__ = 'A P&L outcome: "profit" or "loss".'

FAILURE_WORDS = {
    "a connection error": "connection_reset", "an empty response": "empty_response",
    "a server error": "service_unavailable", "a timeout": "timeout", "an authentication error": "auth_failure",
    "an order rejection": "invalid_order",
}
parse_failure = TypeBuilder.make_choice(list(FAILURE_WORDS))
parse_failure.__doc__ = "How a request fails: " + ", ".join(f'"{w}"' for w in FAILURE_WORDS) + "."

OPERATION_WORDS = {
    "order submissions": "submit_order", "order cancels": "cancel_order", "account requests": "get_account",
    "quote requests": "get_quote", "order requests": "orders", "all requests": "*",
}
parse_operation = TypeBuilder.make_choice(list(OPERATION_WORDS))
parse_operation.__doc__ = "Which requests: " + ", ".join(f'"{w}"' for w in OPERATION_WORDS) + "."

FEED_WORDS = {"quotes": "quotes", "trades": "trades", "bars": "bars", "trading status": "statuses"}


@parse.with_pattern(r"(?:quotes|trades|bars|trading status)(?:(?:, | and )(?:quotes|trades|bars|trading status))*")
def parse_feeds(text: str) -> tuple[str, ...]:
    """Market-data channels: "quotes", "quotes and trades", "quotes, trades and bars", "trading status"."""
    words = text.replace(" and ", ", ").split(", ")
    return tuple(FEED_WORDS[w] for w in words)


UPDATE_EVENT_WORDS = {
    "new": "new", "accepted": "accepted", "fill": "fill", "partial_fill": "partial_fill",
    "partial fill": "partial_fill", "canceled": "canceled", "cancelled": "canceled", "expired": "expired",
    "replaced": "replaced", "rejected": "rejected", "pending_cancel": "pending_cancel",
    "order_cancel_rejected": "order_cancel_rejected", "order_replace_rejected": "order_replace_rejected",
}
parse_update_event = TypeBuilder.make_enum(UPDATE_EVENT_WORDS)
parse_update_event.__doc__ = ("An order update, as the trade-updates stream names it: " +
                              ", ".join(f'"{w}"' for w in dict.fromkeys(UPDATE_EVENT_WORDS.values())) + ".")

STREAM_REFUSAL_WORDS = {"bad credentials": "auth", "the symbol limit": 405, "the connection limit": 406}
parse_stream_refusal = TypeBuilder.make_choice(list(STREAM_REFUSAL_WORDS))
parse_stream_refusal.__doc__ = ("Why a stream is refused: " + ", ".join(f'"{w}"' for w in STREAM_REFUSAL_WORDS)
                                + ".")

STREAM_DATA_WORDS = {"quotes": "quote", "trades": "trade", "bars": "bar", "updates": "order_update"}
parse_stream_data = TypeBuilder.make_enum(STREAM_DATA_WORDS)
parse_stream_data.__doc__ = 'What a stream client receives: "quotes", "trades", "bars", "updates" (order updates).'

parse_backtest_mode = TypeBuilder.make_choice(["ideal", "realistic"])
parse_backtest_mode.__doc__ = ('How a backtest executes: "ideal" (the next bar\'s open, commission only) or "realistic" '
                               "(the mock's latency, book, slippage, impact and fees).")

parse_update_pace = TypeBuilder.make_enum({"second": 1_000, "minute": 60_000})
parse_update_pace.__doc__ = 'How often prices update: "second" or "minute".'

parse_share_unit = TypeBuilder.make_choice(["share", "shares"])
parse_share_unit.__doc__ = 'The word after a number of shares: "share" (1 share) or "shares" (0 shares, 2 shares).'



def check_share_word(qty: int, unit: str) -> None:
    """ "1 share", "2 shares", "0 shares": a feature that writes "1 shares" or "2 share" is corrected."""
    right = "share" if qty in (1, -1) else "shares"
    if unit != right:
        raise AssertionError(f'write "{qty} {right}", not "{qty} {unit}"')


parse_far_side = TypeBuilder.make_choice(["below", "above"])
parse_far_side.__doc__ = ('Where a limit far from the market sits: "below" (a buy: half the bid) or "above" (a sell: '
                          'half as much again as the ask).')

parse_limit_move = TypeBuilder.make_enum({"lowers": -1, "lower": -1, "raises": 1, "raise": 1})
parse_limit_move.__doc__ = 'Which way a limit moves: "lowers"/"lower" or "raises"/"raise".'

PARAMETER_TYPES = {
    "Money": (parse_money, "$10.50, $1,000,000"),
    "Bps": (parse_bps, "50 bps, 50bps, 50 basis points, 0.5%"),
    "Percent": (parse_percent, "8%, 0.5%, 8 percent, 50 bps"),
    "Shares": (parse_shares, "1,000"),
    "Count": (parse_count, "5"),
    "Quantity": (parse_quantity, "2.5, 0.125, 100"),
    "Date": (parse_date, "2026-11-27"),
    "ClockTime": (parse_clock_time, "13:00"),
    "Duration": (parse_duration, "250 ms, 2 seconds, 3 minutes"),
    "Actor": (parse_actor, "alice, I"),
    "Owner": (parse_owner, "alice's, my"),
    "Possessive": (parse_possessive, "my, her, bob's"),
    "Symbol": (parse_symbol, "ACME"),
    "Side": (parse_side, "buys, sells"),
    "OrderType": (parse_order_type, "market, limit, stop, stop limit"),
    "TimeInForce": (parse_time_in_force, "immediate or cancel, fill or kill, good till canceled, day"),
    "Status": (parse_status, "filled, canceled, resting"),
    "Refusal": (parse_refusal, "insufficient buying power"),
    "Request": (parse_request, "cancel, change, look-up"),
    "RequestRefusal": (parse_request_refusal, "the order is not found"),
    "MarketKind": (parse_market_kind, "volatile"),
    "Direction": (parse_direction, "up, down"),
    "Bound": (parse_bound, "above, below, at least, at most"),
    "Outcome": (parse_outcome, "profit, loss"),
    "Leg": (parse_leg, "take profit, stop loss"),
    "Failure": (parse_failure, "a connection error, a timeout"),
    "Operation": (parse_operation, "order submissions, all requests"),
    "Feeds": (parse_feeds, "quotes, trades and bars"),
    "UpdateEvent": (parse_update_event, "fill, partial_fill, canceled, replaced, new"),
    "StreamRefusal": (parse_stream_refusal, "bad credentials, the symbol limit, the connection limit"),
    "StreamData": (parse_stream_data, "quotes, trades, bars, updates"),
    "BacktestMode": (parse_backtest_mode, "ideal, realistic"),
    "UpdatePace": (parse_update_pace, "second, minute"),
    "ShareUnit": (parse_share_unit, "share, shares"),
    "FarSide": (parse_far_side, "below, above"),
    "LimitMove": (parse_limit_move, "lowers, raises"),
}


def register_all() -> None:
    """Register every type with behave's parse matcher, skipping names already registered."""
    for name, (converter, _example) in PARAMETER_TYPES.items():
        if not matchers.ParseMatcher.has_registered_type(name):
            matchers.register_type(**{name: converter})


register_all()
