"""The published schema of ``POST /mock/inject``, and the check that holds the body to it.

The body is one of: a market event (``flash_crash``, ``halt``, ``split``...; its fields and their ranges are read
from ``market.events`` -- ``EVENT_TYPES`` and ``_NUMBER_LIMITS`` -- so a new event or field is published as the
engine defines it), a fault rule (``{"type": "fault", ...}``, the fields and ranges of ``faults.FaultInjector.add``,
with which outcomes go with which operations), ``clear_faults`` or ``stream_limits``.

The route validates the body against this very schema (``jsonschema_rs``) before the engine sees it, so the
schema and the server cannot disagree on a body's shape: what remains for the engine is what only the state can
decide (an unknown symbol: 404; a fault rule's name already in use: 409).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from ..errors import InvalidArgument
from ..faults import OPERATIONS, OUTCOMES, STREAM_OUTCOMES, STREAMS
from ..market.events import _FLAGS, EVENT_TYPES, _NUMBER_LIMITS
from ..errors import RejectReason
from .strict import SYMBOL_PATTERN

_INTEGER_FIELDS = {"shares"}
_AT_SECONDS = {"type": "number", "minimum": _NUMBER_LIMITS["at_seconds"][0], "maximum": _NUMBER_LIMITS["at_seconds"][1],
               "description": "seconds from now (0: at once)"}


def _event_field(name: str) -> dict:
    if name == "symbol":
        return {"type": "string", "pattern": SYMBOL_PATTERN, "description": "one symbol (all symbols when left out)"}
    if name in _NUMBER_LIMITS:
        low, high = _NUMBER_LIMITS[name]
        return {"type": "integer" if name in _INTEGER_FIELDS else "number", "minimum": low, "maximum": high}
    if name in _FLAGS:
        return {"type": "boolean"}
    return {}  # a field the engine reads as it is


def _event(kind: str, cls: type) -> dict:
    fields = [f.name for f in dataclasses.fields(cls) if f.name not in ("kind", "started_ns")]
    return {"type": "object", "title": kind, "required": ["type"], "additionalProperties": False,
            "properties": {"type": {"const": kind}, "at_seconds": _AT_SECONDS,
                           **{name: _event_field(name) for name in fields}}}


def _fault_variant(outcomes: list[str], operations: list[str]) -> dict:
    integer = lambda low, high: {"type": "integer", "minimum": low, "maximum": high}  # noqa: E731
    number = lambda low, high: {"type": "number", "minimum": low, "maximum": high}  # noqa: E731
    return {"type": "object", "required": ["type", "outcome"], "additionalProperties": False, "properties": {
        "type": {"const": "fault"}, "outcome": {"enum": outcomes}, "operation": {"enum": operations},
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "match": {"type": "object", "propertyNames": {"enum": ["account", "symbol", "side"]},
                  "additionalProperties": {"type": "string"}},
        "account": {"type": "string"}, "symbol": {"type": "string"},
        "times": integer(1, 10**9), "probability": number(0, 1), "after": integer(0, 10**9),
        "from_seconds": number(0, 10**8), "until_seconds": number(0, 10**8), "status": integer(500, 599),
        "hold_seconds": number(0, 120), "reason": {"enum": [r.value for r in RejectReason]},
        "after_messages": integer(0, 10**9),
        "kinds": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "limit": integer(1, 10**6), "period_seconds": number(0.001, 86_400)}}


@functools.lru_cache(maxsize=1)
def inject_schema() -> dict:
    others = [o for o in OUTCOMES if o not in STREAM_OUTCOMES and o != "auth_failure"]
    calls = sorted(OPERATIONS - set(STREAMS))
    limits = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 10**6}, {"type": "null"}],
              "description": "null: no limit"}
    return {"description": "a market event, a fault rule, clear_faults or stream_limits (docs/faults.md, "
                           "docs/market-simulation.md)",
            "oneOf": [*(_event(kind, cls) for kind, cls in sorted(EVENT_TYPES.items())),
                      _fault_variant(list(STREAM_OUTCOMES), list(STREAMS)),
                      _fault_variant(["auth_failure"], sorted(OPERATIONS)),
                      _fault_variant(others, calls),
                      {"type": "object", "required": ["type"], "additionalProperties": False,
                       "properties": {"type": {"const": "clear_faults"},
                                      "name": {"type": "string", "minLength": 1, "maxLength": 64}}},
                      {"type": "object", "required": ["type"], "additionalProperties": False,
                       "properties": {"type": {"const": "stream_limits"}, "max_symbols": limits,
                                      "max_connections": limits}}]}


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema_rs

    return jsonschema_rs.validator_for(inject_schema())


def check_inject_body(body: Any) -> None:
    """Refuse (422 ``invalid_argument``) a body the published schema does not accept, naming the first problem."""
    validator = _validator()
    if validator.is_valid(body):
        return
    error = next(iter(validator.iter_errors(body)))
    where = "/".join(str(p) for p in error.instance_path) or "body"
    raise InvalidArgument(where, json.dumps(body)[:200], f"{error.message[:300]} (the body must match one of the "
                          f"shapes in the OpenAPI document: a market event, a fault rule, clear_faults, stream_limits)")
