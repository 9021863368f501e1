"""The trading calendar: regular sessions Monday to Friday, 09:30 to 16:00 New York time (no holidays).

The market simulator only updates prices inside a session; the broker expires day orders at each close.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..clock import to_datetime, to_ns

NEW_YORK = ZoneInfo("America/New_York")
OPEN = time(9, 30)
CLOSE = time(16, 0)
SESSION_SECONDS = 6.5 * 3600


def _local(ns: int) -> datetime:
    return to_datetime(ns).astimezone(NEW_YORK)


def is_open(ns: int) -> bool:
    local = _local(ns)
    return local.weekday() < 5 and OPEN <= local.time() < CLOSE


def next_open(ns: int) -> int:
    """The start of the next session at or after ``ns`` (``ns`` itself when the market is open)."""
    if is_open(ns):
        return ns
    local = _local(ns)
    day = local.date()
    if local.time() >= OPEN:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return to_ns(datetime.combine(day, OPEN, NEW_YORK))


def next_close(ns: int) -> int:
    """The end of the session that is open at ``ns``, or of the next one."""
    start = _local(next_open(ns))
    return to_ns(datetime.combine(start.date(), CLOSE, NEW_YORK))
