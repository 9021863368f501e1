"""Fault injection: failures on demand, as rules, deterministic by seed and by the virtual clock.

A rule says *which calls* fail (an operation name, optionally matched on account, symbol or side), *how* (an
outcome) and *how often* (``times``: fail N times then succeed; ``probability``: fail that share of the matching
calls, drawn from the broker's own named generator ``faults``; ``after``: let the first N matching calls through;
``from_seconds``/``until_seconds``: only inside that window of simulated time, counted from when the rule was
injected). Every rule has a name and counts how often it matched and how often it fired, so a test can assert
that a rule fired, or that it never did.

Rules:
- The engine never imports the service: an outcome is raised as the typed error of ``mockbroker.errors``, and the
  error carries ``fault`` (the outcome name) so the HTTP service can turn it into the matching transport
  behaviour (drop the connection, answer nothing, hold the response past the client's timeout, 5xx, 429 with
  ``Retry-After``). In process the same call raises the same class.
- Operations are the ``Broker`` method names (``submit_order``, ``get_account``, ``cancel_order``,
  ``get_quote``...), ``"*"`` for every one, ``"orders"`` for every order call, ``"market_data"`` for every
  market-data call; the streams are ``market_data_stream`` and ``trade_updates_stream``.
- Rate limiting is a per-account token bucket on the virtual clock (default 200 requests per 60 s, as the real
  API): a call that finds the bucket empty raises ``RateLimited`` with ``retry_after`` = the seconds until one
  token is back.
- Stream faults (``disconnect``, ``slow_client``) fire after ``after_messages`` messages (of ``kinds``, default
  all) have been delivered on one connection; the connection closes, a real client reconnects.
- Everything lives on the broker object: ``configure``/``reset`` start without rules (faults never leak between
  scenarios) and a snapshot carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import (AuthenticationFailed, BrokerError, ConfigurationError, ConnectionFailed, InvalidOrder,
                     NameInUse, RateLimited, RejectReason, ServiceUnavailable, Timeout)


NS = 1_000_000_000

OUTCOMES = ("connection_reset", "empty_response", "service_unavailable", "server_error", "timeout",
            "auth_failure", "rate_limit", "invalid_order", "disconnect", "slow_client")
"""Every outcome a rule can have (``rate_limit`` rules are token buckets, see ``RateLimitRule``)."""

STREAM_OUTCOMES = ("disconnect", "slow_client")
STREAMS = ("market_data_stream", "trade_updates_stream")

ORDER_OPERATIONS = {"submit_order", "get_order", "get_order_by_client_id", "list_orders", "cancel_order",
                    "cancel_all_orders", "replace_order", "close_position"}
MARKET_DATA_OPERATIONS = {"get_quote", "get_latest_trade", "get_bars", "get_order_book"}
OPERATIONS = ORDER_OPERATIONS | MARKET_DATA_OPERATIONS | {
    "get_account", "list_positions", "get_position", "list_fills"} | set(STREAMS) | {"*", "orders", "market_data"}

DEFAULT_RATE_LIMIT = 200
DEFAULT_RATE_PERIOD = 60.0
DEFAULT_HOLD_SECONDS = 1.0
DEFAULT_MAX_SYMBOLS = 30
"""Symbols one market-data connection may subscribe to (Alpaca's free plan limit on the IEX feed)."""


def _fault_error(outcome: str, rule: "FaultRule") -> BrokerError:
    why = f"injected fault {rule.name!r} ({outcome})"
    if outcome == "connection_reset":
        exc: BrokerError = ConnectionFailed(f"{why}: the connection was reset")
    elif outcome == "empty_response":
        exc = ConnectionFailed(f"{why}: the server answered nothing")
    elif outcome in ("service_unavailable", "server_error"):
        exc = ServiceUnavailable(f"{why}: the service is unavailable", status=rule.status)
    elif outcome == "timeout":
        exc = Timeout(f"{why}: no answer in time", hold_seconds=rule.hold_seconds)
    elif outcome == "auth_failure":
        exc = AuthenticationFailed(f"{why}: the API keys were refused")
    elif outcome == "invalid_order":
        exc = InvalidOrder(f"{why}: the order was refused", reason=RejectReason(rule.reason))
    else:
        exc = ConnectionFailed(f"{why}: the stream was closed")
    exc.fault = outcome  # type: ignore[attr-defined]
    exc.fault_rule = rule.name  # type: ignore[attr-defined]
    return exc


def _number(data: dict, name: str, default: Any, low: float, high: float, integer: bool = False) -> Any:
    value = data.get(name)
    if value is None:  # left out or null: the default
        return default
    if isinstance(value, float) and integer and value.is_integer():
        value = int(value)  # 5.0 is a whole number (as JSON Schema's integer has it)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ConfigurationError(f"fault.{name}={value!r}: must be a {'whole ' if integer else ''}number")
    if not low <= value <= high:
        raise ConfigurationError(f"fault.{name}={value!r}: must be from {low:g} to {high:g}")
    return value


@dataclass
class FaultRule:
    """One rule: ``operation`` + ``match`` -> ``outcome``, limited by ``times``/``probability``/``after``/window."""

    name: str
    operation: str
    outcome: str
    match: dict = field(default_factory=dict)
    times: int | None = None
    probability: float | None = None
    after: int = 0
    from_ns: int | None = None
    until_ns: int | None = None
    status: int = 503
    hold_seconds: float = DEFAULT_HOLD_SECONDS
    reason: str = RejectReason.INJECTED_FAULT.value
    after_messages: int = 0
    kinds: tuple = ()
    matched: int = 0
    fired: int = 0

    def applies(self, operation: str, context: dict, now_ns: int) -> bool:
        op = self.operation
        if op != "*" and op != operation and not (op == "orders" and operation in ORDER_OPERATIONS) \
                and not (op == "market_data" and operation in MARKET_DATA_OPERATIONS):
            return False
        if op == "*" and operation in STREAMS:
            return False
        for key, wanted in self.match.items():
            if context.get(key) != wanted:
                return False
        if self.from_ns is not None and now_ns < self.from_ns:
            return False
        if self.until_ns is not None and now_ns >= self.until_ns:
            return False
        return True

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def to_dict(self) -> dict:
        out = {"name": self.name, "operation": self.operation, "outcome": self.outcome, "match": dict(self.match),
               "times": self.times, "probability": self.probability, "after": self.after,
               "from_ns": self.from_ns, "until_ns": self.until_ns, "matched": self.matched, "fired": self.fired}
        if self.outcome in ("service_unavailable", "server_error"):
            out["status"] = self.status
        if self.outcome == "timeout":
            out["hold_seconds"] = self.hold_seconds
        if self.outcome == "invalid_order":
            out["reason"] = self.reason
        if self.outcome in STREAM_OUTCOMES:
            out["after_messages"] = self.after_messages
            out["kinds"] = list(self.kinds)
        return out


@dataclass
class RateLimitRule:
    """A token bucket per account: ``limit`` requests per ``period_seconds`` of simulated time."""

    name: str
    limit: int = DEFAULT_RATE_LIMIT
    period_seconds: float = DEFAULT_RATE_PERIOD
    operation: str = "*"
    buckets: dict = field(default_factory=dict)  # account -> (tokens, last_ns)
    matched: int = 0
    fired: int = 0
    outcome: str = "rate_limit"

    def take(self, account: str, now_ns: int) -> float | None:
        """Take a token for ``account``; ``None`` when there was one, else the seconds until there is one."""
        rate = self.limit / self.period_seconds  # tokens per second
        tokens, last = self.buckets.get(account, (float(self.limit), now_ns))
        tokens = min(float(self.limit), tokens + (now_ns - last) / NS * rate)
        if tokens >= 1.0:
            self.buckets[account] = (tokens - 1.0, now_ns)
            return None
        self.buckets[account] = (tokens, now_ns)
        return (1.0 - tokens) / rate

    def to_dict(self) -> dict:
        return {"name": self.name, "operation": self.operation, "outcome": "rate_limit", "limit": self.limit,
                "period_seconds": self.period_seconds, "matched": self.matched, "fired": self.fired}


class StreamGate:
    """One stream connection's view of the stream fault rules: ``admit(kind)`` before each message is delivered;
    it answers the outcome (``disconnect``/``slow_client``) when a rule fires, else None."""

    def __init__(self, faults: "FaultInjector", stream: str, account: str | None) -> None:
        self.faults = faults
        self.stream = stream
        self.account = account
        self.delivered: dict[str, int] = {}
        self.total = 0

    def admit(self, kind: str, symbol: str | None = None) -> str | None:
        context = {"account": self.account, "symbol": symbol}
        for rule in self.faults.stream_rules(self.stream, context):
            counted = self.total if not rule.kinds else sum(self.delivered.get(k, 0) for k in rule.kinds)
            if (not rule.kinds or kind in rule.kinds) and counted >= rule.after_messages:
                rule.matched += 1
                rule.fired += 1
                self.faults.fired_total += 1
                return rule.outcome
        self.delivered[kind] = self.delivered.get(kind, 0) + 1
        self.total += 1
        return None


class FaultInjector:
    """The broker's fault rules. ``check(operation, now_ns, **context)`` raises the typed error of the first rule
    that fires (rate limits first); ``add(spec)`` adds a rule from its dict form."""

    def __init__(self, rng) -> None:
        self.rng = rng
        self.rules: list[FaultRule] = []
        self.rate_limits: list[RateLimitRule] = []
        self.fired_total = 0
        self._counter = 0
        self.max_symbols: int | None = DEFAULT_MAX_SYMBOLS
        self.max_connections: int | None = None
        self.open_streams: dict[tuple, int] = {}  # (stream, account) -> open in-process subscriptions

    def set_stream_limits(self, spec: dict) -> dict:
        """``max_symbols`` per market-data connection and ``max_connections`` per account and stream (None: none)."""
        for name in ("max_symbols", "max_connections"):
            if name in spec:
                setattr(self, name, _number(spec, name, None, 1, 10**6, True))
        return {"max_symbols": self.max_symbols, "max_connections": self.max_connections}

    def __bool__(self) -> bool:  # the hot path asks "any rules?" first
        return bool(self.rules or self.rate_limits)

    # ----- adding and listing
    def add(self, spec: dict, now_ns: int) -> dict:
        if not isinstance(spec, dict):
            raise ConfigurationError(f"fault={spec!r}: must be an object")
        known = {"type", "name", "operation", "outcome", "match", "times", "probability", "after", "from_seconds",
                 "until_seconds", "status", "hold_seconds", "reason", "after_messages", "kinds", "limit",
                 "period_seconds", "symbol", "account"}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ConfigurationError(f"fault: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        outcome = spec.get("outcome")
        if outcome not in OUTCOMES:
            raise ConfigurationError(f"fault.outcome={outcome!r}: must be one of {', '.join(OUTCOMES)}")
        operation = spec.get("operation", STREAMS[0] if outcome in STREAM_OUTCOMES else "*")
        if operation not in OPERATIONS:
            raise ConfigurationError(f"fault.operation={operation!r}: must be one of {', '.join(sorted(OPERATIONS))}")
        if (outcome in STREAM_OUTCOMES and operation not in STREAMS) or \
                (operation in STREAMS and outcome not in STREAM_OUTCOMES + ("auth_failure",)):
            raise ConfigurationError(f"fault: outcome {outcome!r} does not apply to operation {operation!r} "
                                     f"(disconnect and slow_client are for {', '.join(STREAMS)}, which also take auth_failure)")
        self._counter += 1
        name = spec.get("name") or f"{outcome}-{self._counter}"
        if not isinstance(name, str) or not 0 < len(name) <= 64:
            raise ConfigurationError(f"fault.name={name!r}: must be a string of 1-64 characters")
        if any(r.name == name for r in self.all_rules()):
            raise NameInUse(f"fault.name={name!r}: a rule with this name exists")
        if outcome == "rate_limit":
            rule: Any = RateLimitRule(name, _number(spec, "limit", DEFAULT_RATE_LIMIT, 1, 10**6, True),
                                      float(_number(spec, "period_seconds", DEFAULT_RATE_PERIOD, 0.001, 86_400)),
                                      operation)
            self.rate_limits.append(rule)
            return rule.to_dict()
        match = spec.get("match") or {}
        if not isinstance(match, dict) or not all(k in ("account", "symbol", "side") for k in match):
            raise ConfigurationError(f"fault.match={match!r}: may name account, symbol and side")
        match = {**match, **{k: spec[k] for k in ("account", "symbol") if spec.get(k) is not None}}
        frm = _number(spec, "from_seconds", None, 0, 10**8)
        until = _number(spec, "until_seconds", None, 0, 10**8)
        reason = spec.get("reason", RejectReason.INJECTED_FAULT.value)
        try:
            RejectReason(reason)
        except ValueError:
            raise ConfigurationError(f"fault.reason={reason!r}: not a rejection reason") from None
        kinds = spec.get("kinds") or ()
        if isinstance(kinds, str):
            kinds = (kinds,)
        default_times = 1 if outcome in STREAM_OUTCOMES else None
        rule = FaultRule(
            name, operation, outcome, match, _number(spec, "times", default_times, 1, 10**9, True),
            _number(spec, "probability", None, 0, 1), _number(spec, "after", 0, 0, 10**9, True),
            None if frm is None else now_ns + int(frm * NS), None if until is None else now_ns + int(until * NS),
            _number(spec, "status", 503, 500, 599, True), float(_number(spec, "hold_seconds", DEFAULT_HOLD_SECONDS,
                                                                          0, 120)),
            reason, _number(spec, "after_messages", 0, 0, 10**9, True), tuple(str(k) for k in kinds))
        self.rules.append(rule)
        return rule.to_dict()

    def all_rules(self) -> list:
        return [*self.rate_limits, *self.rules]

    def listing(self) -> list[dict]:
        return [r.to_dict() for r in self.all_rules()]

    def remove(self, name: str | None = None) -> int:
        """Remove the rule called ``name`` (all rules when None); returns how many went."""
        before = len(self.all_rules())
        self.rules = [r for r in self.rules if name is not None and r.name != name]
        self.rate_limits = [r for r in self.rate_limits if name is not None and r.name != name]
        return before - len(self.all_rules())

    # ----- checking
    def check(self, operation: str, now_ns: int, account: str | None = None, **context: Any) -> None:
        """Raise the injected error for this call, if a rule says so (rate limits are checked first)."""
        context["account"] = account
        for bucket in self.rate_limits:
            if bucket.operation in ("*", operation) or (bucket.operation == "orders" and operation in ORDER_OPERATIONS):
                bucket.matched += 1
                wait = bucket.take(account or "", now_ns)
                if wait is not None:
                    bucket.fired += 1
                    self.fired_total += 1
                    exc = RateLimited(f"injected fault {bucket.name!r}: rate limit of {bucket.limit} requests per "
                                      f"{bucket.period_seconds:g} s exceeded", retry_after=round(wait, 3))
                    exc.fault = "rate_limit"  # type: ignore[attr-defined]
                    exc.fault_rule = bucket.name  # type: ignore[attr-defined]
                    raise exc
        for rule in self.rules:
            if rule.outcome in STREAM_OUTCOMES or rule.exhausted() or not rule.applies(operation, context, now_ns):
                continue
            rule.matched += 1
            if rule.matched <= rule.after:
                continue
            if rule.probability is not None and not self.rng.random() < rule.probability:
                continue
            rule.fired += 1
            self.fired_total += 1
            raise _fault_error(rule.outcome, rule)

    def stream_rules(self, stream: str, context: dict) -> list[FaultRule]:
        return [r for r in self.rules if r.outcome in STREAM_OUTCOMES and not r.exhausted()
                and r.operation == stream and all(context.get(k) == v for k, v in r.match.items())]

    def gate(self, stream: str, account: str | None = None) -> StreamGate:
        return StreamGate(self, stream, account)

    def fired_by_outcome(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for rule in self.all_rules():
            out[rule.outcome] = out.get(rule.outcome, 0) + rule.fired
        return out
