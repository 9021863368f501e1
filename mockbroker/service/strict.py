"""Strict input types whose published JSON schema is exactly what the server accepts (issue 17).

Each type is one ``Annotated`` piece: a ``BeforeValidator`` that parses the value the one way the schema allows,
and a ``WithJsonSchema`` that publishes that way. Reusable by any request model (quantities, prices, percentages,
counts, times, symbol lists):

- ``decimal_type(...)``: a positive decimal as a JSON number or a decimal string. The string syntax is plain
  digits with an optional fraction (``"0.50"``, ``"12"``; never ``"1_000"``, ``" +5 "``, ``"1e3"``, ``"5E+1"``
  or a leading zero), at most ``MAX_DECIMAL_TEXT`` characters. The schema states the range and the grid (``places``
  decimals: cents for prices): a number as ``multipleOf``, a string as an exact regular expression. The grid itself
  is the engine's rule (a symbol's tick size), so a value off the grid is answered as the engine answers it
  (``invalid_order`` / ``price_not_on_tick``), and a value out of range as ``invalid_price``; wrong types are
  ``invalid_argument``. The schema describes the default tick (cents); a symbol configured with another tick
  refuses prices off its own grid.
- ``parse_rfc3339``: RFC 3339 date-times exactly as JSON Schema's ``date-time`` format (upper or lower case ``T``
  and ``Z``, any fraction, numeric offsets, a leap second at 23:59:60 UTC read as the next second, years 0000-9999).
- ``parse_full_date``: RFC 3339 full-dates exactly as JSON Schema's ``date`` (``DATE_SCHEMA``).
- ``SYMBOL_LIST``: comma-separated symbols, no spaces, no empty entries.

Null is never a value: a field is given or left out (``PATCH {"qty": null}`` is refused, as the schema says).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_QTY = 10_000_000
MAX_DECIMAL_TEXT = 24
SYMBOL = r"[A-Z][A-Z0-9.]{0,9}"
SYMBOL_PATTERN = rf"^{SYMBOL}$"
SYMBOL_LIST = rf"^{SYMBOL}(,{SYMBOL})*$"
SNAPSHOT_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

_DECIMAL_TEXT = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def out_of_range(kind: str, message: str) -> PydanticCustomError:
    """A well-typed value out of range: ``kind`` is the engine's reason (``invalid_quantity``/``invalid_price``),
    answered as the engine's ``InvalidOrder`` (``service.errors``)."""
    return PydanticCustomError(kind, "{problem}", {"problem": message})


def _integer_digits_pattern(limit: int) -> str:
    """Digits of 1..``limit`` - 1 (``limit`` a power of ten), as a regular expression."""
    width = len(str(limit)) - 1
    return f"[1-9][0-9]{{0,{width - 1}}}" if width > 1 else "[1-9]"


def decimal_pattern(places: int, limit: int, inclusive: bool) -> str:
    """The strings of positive decimals on a ``places``-decimal grid, up to ``limit`` (a power of ten), trailing
    zeros allowed: an exact regular expression (no look-ahead, so schema-driven generators can use it)."""
    fraction = f"(?:\\.[0-9]{{1,{places}}}0*)?"
    below_one = f"0\\.[0-9]{{0,{places - 1}}}[1-9]0*"
    parts = [f"{_integer_digits_pattern(limit)}{fraction}", below_one]
    if inclusive:
        parts.append(f"{limit}(?:\\.0+)?")
    return "^(?:" + "|".join(parts) + ")$"


def decimal_type(name: str, *, places: int, limit: int, inclusive: bool = True, kind: str = "invalid_price",
                 description: str = "", grid_here: bool = False, grid_kind: str | None = None):
    """A positive decimal (JSON number or decimal string) up to ``limit`` (a power of ten; ``inclusive`` or not),
    published on a ``places``-decimal grid. See the module docstring. ``grid_here``: the grid is checked here, so a
    value with more decimals is refused as the schema refuses it whatever the engine would say; ``grid_kind`` is
    the error type it gets (an engine reason such as ``price_not_on_tick``, answered as the engine answers it; by
    default ``kind`` for engine values, ``invalid_argument`` otherwise)."""
    grid = Decimal(1).scaleb(-places)
    off_grid = grid_kind or kind
    step = float(grid)
    bound = "maximum" if inclusive else "exclusiveMaximum"
    schema = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, bound: limit, "multipleOf": step},
                        {"type": "string", "pattern": decimal_pattern(places, limit, inclusive),
                         "maxLength": MAX_DECIMAL_TEXT}],
              "description": description or f"a positive number up to {limit:,}, at most {places} decimals "
                                            f"(a JSON number or a decimal string such as \"12.50\")"}

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{name}={value!r}: must be a number or a decimal string")
        if isinstance(value, str):
            if len(value) > MAX_DECIMAL_TEXT or not _DECIMAL_TEXT.fullmatch(value):
                raise ValueError(f"{name}={value[:MAX_DECIMAL_TEXT]!r}: not a decimal number (digits with an "
                                 f"optional fraction, e.g. \"12.50\")")
            number = Decimal(value)
        else:
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{name}={value!r}: must be finite")
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number <= 0 or number > limit or (number == limit and not inclusive):
            raise out_of_range(kind, f"{name}={value!r}: must be above 0 and {'at most' if inclusive else 'below'} "
                                     f"{limit:,}")
        if grid_here and number != number.quantize(grid):
            problem = f"{name}={value!r}: at most {places} decimals"
            if places == 2 and off_grid == "price_not_on_tick":  # Alpaca's words for a price off the cent grid
                problem += "; sub-penny increment does not fulfill minimum pricing criteria"
            if off_grid == "invalid_argument":
                raise ValueError(problem)
            raise out_of_range(off_grid, problem)
        return number

    return Annotated[Any, BeforeValidator(parse), WithJsonSchema(schema)]


def whole_number(name: str, minimum: int, maximum: int | None = None, description: str = "",
                 nonzero: bool = False):
    """A JSON integer from ``minimum`` to ``maximum`` (``nonzero``: 0 excluded): ``5`` or ``5.0`` (JSON Schema's
    integer), never ``true``, ``5.5`` or ``"5"``."""
    schema = {"type": "integer", "minimum": minimum, **({"maximum": maximum} if maximum is not None else {}),
              **({"not": {"const": 0}} if nonzero else {}), **({"description": description} if description else {})}

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not (math.isfinite(value) and value.is_integer())):
            raise ValueError(f"{name}={value!r}: must be a whole number")
        number = int(value)
        if number < minimum or (maximum is not None and number > maximum) or (nonzero and number == 0):
            raise ValueError(f"{name}={value!r}: must be from {minimum:,}" +
                             (f" to {maximum:,}" if maximum is not None else " up") + (", not 0" if nonzero else ""))
        return number

    return Annotated[Any, BeforeValidator(parse), WithJsonSchema(schema)]


def non_null(schema: dict) -> dict:
    """A field schema without the ``null`` that ``Optional`` adds (given, or left out)."""
    options = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
    if "anyOf" in schema and len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**options[0], **rest}
    if "anyOf" in schema:
        return {**schema, "anyOf": options}
    return schema


def refuse_nulls(data: Any) -> Any:
    """Model validator (mode="before"): a field given as null is refused, as the schema says."""
    if isinstance(data, dict):
        nulls = sorted(k for k, v in data.items() if v is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)}: null is not a value; leave the field out instead")
    return data


# ----- RFC 3339 times ------------------------------------------------------------------------------------------------

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))")
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
NS = 1_000_000_000
DATE_TIME_SCHEMA = {"type": "string", "format": "date-time", "maxLength": 64}


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, 0 included)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_FULL_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def parse_full_date(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of an RFC 3339 full-date (JSON Schema's ``date``: proleptic Gregorian, years 0000-9999,
    leap years as the Gregorian rule has them), or None if it is not one. A tuple, since year 0000 is no
    ``datetime.date``."""
    match = _FULL_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12 or not 1 <= day <= (29 if month == 2 and _leap(year) else _DAYS[month - 1]):
        return None
    return year, month, day


def parse_rfc3339(text: str) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 date-time (JSON Schema's ``date-time``), or None if it is not
    one. A fraction beyond nanoseconds is cut; a leap second (23:59:60 UTC) is the next second."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not 1 <= month <= 12 or not 1 <= day <= (29 if month == 2 and _leap(year) else _DAYS[month - 1]):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    offset = 0
    if match.group(9):
        off_h, off_m = int(match.group(10)), int(match.group(11))
        if off_h > 23 or off_m > 59:
            return None
        offset = (off_h * 60 + off_m) * (1 if match.group(9) == "+" else -1)
    utc_minutes = hour * 60 + minute - offset
    if second == 60 and utc_minutes % (24 * 60) != 23 * 60 + 59:
        return None  # a leap second happens only at 23:59:60 UTC
    seconds = _days_from_civil(year, month, day) * 86_400 + utc_minutes * 60 + second
    fraction = (match.group(7) or "")[:9].ljust(9, "0")
    return seconds * NS + int(fraction)
