"""The trading calendar: the New York Stock Exchange's sessions, holidays and early closes, and extended hours.

Rules:
- Sessions come from the maintained ``exchange-calendars`` library (calendar ``XNYS``), not a hand-written list:
  regular hours 09:30-16:00 New York, Monday to Friday, no session on NYSE holidays, and a 13:00 close on early-close
  days (the day after Thanksgiving, Christmas Eve, ...). The table is built once per process for ``FIRST_YEAR`` to
  ``LAST_YEAR`` (both given explicitly: the library's defaults depend on today's date) and searched with ``bisect``
  (a fraction of a microsecond), never through the library's own per-call lookups (tens of microseconds).
- Outside that range the plain rule applies (Monday to Friday, 09:30-16:00, no holidays), so a simulation can run
  anywhere in time. Its sessions are tabled a year at a time (``_plain_year``: the day's offset from UTC looked up
  once a day, since New York changes it at 02:00, before 04:00) and searched the same way: a realistic backtest of
  a million bars runs one session a bar, thousands of years past the table.
- Extended hours, on every session day: pre-market from 04:00 to the open, after-hours from the close to 20:00
  (17:00 after an early close, as the exchanges' late trading ends four hours after the close).
- The market simulator only updates prices inside a session (and in extended hours while an extended-hours order
  is working); the broker expires day orders at each close.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from ..clock import NS_PER_SECOND, to_datetime, to_ns

NEW_YORK = ZoneInfo("America/New_York")
_UTC = timezone.utc
OPEN = time(9, 30)
CLOSE = time(16, 0)
EARLY_CLOSE = time(13, 0)
PRE_MARKET = time(4, 0)
AFTER_HOURS_END = time(20, 0)
AFTER_HOURS_SECONDS = 4 * 3600
SESSION_SECONDS = 6.5 * 3600
"""A full regular session; an early-close day's is 3.5 hours (``session_bounds`` gives each session's own)."""
FIRST_YEAR, LAST_YEAR = 2000, 2035
CALENDAR = "XNYS"


@dataclass(frozen=True)
class Session:
    """One trading day: its date in New York and its regular and extended bounds (ns since the epoch)."""

    day: date
    open_ns: int
    close_ns: int
    pre_open_ns: int
    after_close_ns: int

    @property
    def early_close(self) -> bool:
        return self.close_ns - self.open_ns < int(SESSION_SECONDS * NS_PER_SECOND)


def _plain_session(day: date) -> Session:
    open_ns = to_ns(datetime.combine(day, OPEN, NEW_YORK))
    close_ns = to_ns(datetime.combine(day, CLOSE, NEW_YORK))
    return Session(day, open_ns, close_ns, to_ns(datetime.combine(day, PRE_MARKET, NEW_YORK)),
                   close_ns + AFTER_HOURS_SECONDS * NS_PER_SECOND)


@functools.lru_cache(maxsize=1)
def _table() -> tuple[list[Session], list[int], list[int], int, int]:
    """Every XNYS session from FIRST_YEAR to LAST_YEAR, with their closes and after-hours ends for bisect."""
    rows = _rows()
    pre = int((9.5 - 4) * 3600) * NS_PER_SECOND  # 04:00 is 5.5 hours before 09:30 (DST changes at 02:00)
    after = AFTER_HOURS_SECONDS * NS_PER_SECOND
    sessions = [Session(date.fromordinal(day), open_ns, close_ns, open_ns - pre, close_ns + after)
                for day, open_ns, close_ns in rows]
    first = to_ns(datetime.combine(date(FIRST_YEAR, 1, 1), time(0), NEW_YORK))
    last = to_ns(datetime.combine(date(LAST_YEAR, 12, 31), time(23, 59), NEW_YORK))
    return sessions, [s.close_ns for s in sessions], [s.after_close_ns for s in sessions], first, last


def _rows() -> list[tuple[int, int, int]]:
    """(date ordinal, open ns, close ns) of every session, from exchange-calendars. Building the calendar (and
    importing pandas for it) takes seconds, so the rows are kept in a cache file per library version
    (``$XDG_CACHE_HOME/mockbroker``, else ``~/.cache/mockbroker``); any problem with the file just rebuilds them."""
    from importlib import metadata

    version = metadata.version("exchange-calendars")
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mockbroker"
    path = folder / f"{CALENDAR}-{FIRST_YEAR}-{LAST_YEAR}-exchange-calendars-{version}.json"
    try:
        return [tuple(row) for row in json.loads(path.read_text())]
    except (OSError, ValueError):
        pass
    import exchange_calendars

    with warnings.catch_warnings():
        # exchange-calendars 4.13 under pandas 3 warns (a DeprecationWarning subclass) while it builds its tables
        warnings.simplefilter("ignore", DeprecationWarning)
        calendar = exchange_calendars.get_calendar(CALENDAR, start=f"{FIRST_YEAR}-01-01", end=f"{LAST_YEAR}-12-31")
        rows = [(d.date().toordinal(), int(o), int(c)) for d, o, c in
                zip(calendar.sessions, calendar.opens_nanos.tolist(), calendar.closes_nanos.tolist())]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(rows))
        partial.replace(path)  # atomic: a reader sees the whole file or none
    except OSError:
        pass
    return rows


def _local(ns: int) -> datetime:
    return to_datetime(ns).astimezone(NEW_YORK)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@functools.lru_cache(maxsize=8)
def _plain_year(year: int) -> tuple[list[Session], list[int], list[int]]:
    """The plain-rule sessions of one year (New York dates), with their closes and after-hours ends for bisect.
    Each bound is the day's midnight UTC plus its New York time minus the day's offset: the same values as
    ``_plain_session`` (tests/market/test_calendar.py compares them), a few times faster."""
    sessions = []
    starts = [date(year, month, 1).toordinal() for month in range(1, 13)] + [date(year + 1, 1, 1).toordinal()]
    for month in range(12):
        # the offset changes at most once a month (daylight saving): looked up day by day only in such a month
        first, last = _open_offset(starts[month]), _open_offset(starts[month + 1] - 1)
        for ordinal in range(starts[month], starts[month + 1]):
            if (ordinal - 1) % 7 >= 5:  # ordinal 1 (1 January of year 1) was a Monday
                continue
            day = date.fromordinal(ordinal)
            offset = first if first == last else _open_offset(ordinal)
            midnight = (ordinal - _EPOCH_ORDINAL) * 86_400 * NS_PER_SECOND - offset * NS_PER_SECOND
            close_ns = midnight + _CLOSE_NS
            sessions.append(Session(day, midnight + _OPEN_NS, close_ns, midnight + _PRE_MARKET_NS,
                                    close_ns + AFTER_HOURS_SECONDS * NS_PER_SECOND))
    return sessions, [s.close_ns for s in sessions], [s.after_close_ns for s in sessions]


def _open_offset(ordinal: int) -> int:
    """New York's offset from UTC at the open of that day, in seconds (the same all day from 04:00 to 20:00)."""
    return int(datetime.combine(date.fromordinal(ordinal), OPEN, NEW_YORK).utcoffset().total_seconds())


_OPEN_NS = (OPEN.hour * 3600 + OPEN.minute * 60) * NS_PER_SECOND
_CLOSE_NS = (CLOSE.hour * 3600 + CLOSE.minute * 60) * NS_PER_SECOND
_PRE_MARKET_NS = (PRE_MARKET.hour * 3600 + PRE_MARKET.minute * 60) * NS_PER_SECOND


_YEAR_SPAN: list = [0, 0, 0]
"""(first ns, end ns, year) of the UTC year last asked about: the clock asks about the same year many times."""


def _utc_year(ns: int) -> int:
    span = _YEAR_SPAN
    if span[0] <= ns < span[1]:
        return span[2]
    year = to_datetime(ns).year
    start = to_ns(datetime(year, 1, 1, tzinfo=_UTC))
    span[:] = [start, to_ns(datetime(year + 1, 1, 1, tzinfo=_UTC)), year]
    return year


def _plain_next(ns: int, end_of: str) -> Session:
    """The plain-rule session whose ``end_of`` bound ("close" or "after") is after ``ns``: the first in the year
    before ``ns``'s (a year's last after-hours end is in the next year in UTC), ``ns``'s year or the next."""
    year = _utc_year(ns)
    for candidate in (year - 1, year, year + 1):
        sessions, closes, afters = _plain_year(candidate)
        i = bisect.bisect_right(closes if end_of == "close" else afters, ns)
        if i < len(sessions):
            return sessions[i]
    raise AssertionError(f"no plain session after {ns}")  # a year always has weekdays


_TABLE: list = []
"""``_table()``, once built (a list lookup is cheaper than the cache's call, and the clock asks several times a
session)."""


def _the_table() -> tuple[list[Session], list[int], list[int], int, int]:
    if not _TABLE:
        _TABLE.append(_table())
    return _TABLE[0]


def session_at_or_after(ns: int) -> Session:
    """The session whose regular close is after ``ns`` (the one open at ``ns``, else the next one)."""
    sessions, closes, _, first, last = _TABLE[0] if _TABLE else _the_table()
    if first <= ns < last:
        i = bisect.bisect_right(closes, ns)
        if i < len(sessions):
            return sessions[i]
    return _plain_next(ns, "close")


def sessions_from(ns: int) -> Iterator[Session]:
    """Every session whose regular close is after ``ns``, in order: ``session_at_or_after(ns)``, then each one's
    ``session_at_or_after(close)``; past the table, the plain rule's next session is read from its year's list
    instead of searched for (a replay that skips thousands of sessions steps through them)."""
    sessions, closes, _, first, last = _the_table()
    s = session_at_or_after(ns)
    i = bisect.bisect_right(closes, ns) if first <= ns < last else -1  # s's place in the table, if it is from it
    if not (0 <= i < len(sessions) and sessions[i] is s):
        i = -1
    while True:
        yield s
        close = s.close_ns
        if i >= 0 and i + 1 < len(sessions) and close < last:
            i += 1  # the table's next entry: what bisect_right(closes, close) would find (closes increase)
            s = sessions[i]
            continue
        i = -1
        if close < last:
            s = session_at_or_after(close)
            continue
        year = s.day.year
        sessions, closes, _ = _plain_year(year)
        i = bisect.bisect_right(closes, s.close_ns)
        s = sessions[i] if i < len(sessions) else _plain_year(year + 1)[0][0]


def extended_session_at_or_after(ns: int) -> Session:
    """The session whose after-hours end is after ``ns`` (its extended hours hold ``ns``, or are still to come)."""
    sessions, _, afters, first, last = _TABLE[0] if _TABLE else _the_table()
    if first <= ns < last:
        i = bisect.bisect_right(afters, ns)
        if i < len(sessions):
            return sessions[i]
    return _plain_next(ns, "after")


def is_open(ns: int) -> bool:
    """Whether the regular session is open at ``ns``."""
    s = session_at_or_after(ns)
    return s.open_ns <= ns < s.close_ns


def is_extended(ns: int) -> bool:
    """Whether ``ns`` is in pre-market or after-hours trading (not the regular session)."""
    s = extended_session_at_or_after(ns)
    return s.pre_open_ns <= ns < s.after_close_ns and not s.open_ns <= ns < s.close_ns


def next_open(ns: int) -> int:
    """The start of the next session at or after ``ns`` (``ns`` itself when the market is open)."""
    s = session_at_or_after(ns)
    return ns if s.open_ns <= ns else s.open_ns


def next_close(ns: int) -> int:
    """The end of the session that is open at ``ns``, or of the next one."""
    return session_at_or_after(ns).close_ns


def session_bounds(ns: int) -> tuple[int, int]:
    """(open, close) of the session open at ``ns``, or of the next one."""
    s = session_at_or_after(ns)
    return s.open_ns, s.close_ns


def next_extended(ns: int) -> tuple[int, int]:
    """(start, end) of the trading window (pre-market, regular and after-hours together) holding ``ns`` (start =
    ``ns``), or of the next one."""
    s = extended_session_at_or_after(ns)
    return max(ns, s.pre_open_ns), s.after_close_ns


def sessions_between(start: date, end: date) -> list[Session]:
    """Every session from ``start`` to ``end`` (dates in New York, both included), oldest first."""
    out = []
    ns = to_ns(datetime.combine(start, time(0), NEW_YORK))
    stop = to_ns(datetime.combine(end + timedelta(days=1), time(0), NEW_YORK))
    while True:
        s = session_at_or_after(ns)
        if s.open_ns >= stop:
            return out
        out.append(s)
        ns = s.close_ns


def day_of(ns: int) -> date:
    """The New York date of ``ns``."""
    return _local(ns).date()


def local_hhmm(ns: int) -> str:
    return _local(ns).strftime("%H:%M")


def midnight_ns(ns: int, days: int = 1) -> int:
    """Midnight New York starting the day (or the ``days``-day span: 7 = weeks from Monday) that holds ``ns``:
    where daily bars are stamped (Alpaca's 1Day bars start at 00:00 New York, 04:00 or 05:00 UTC)."""
    day = _local(ns).date()
    if days == 7:
        day -= timedelta(days=day.weekday())
    elif days > 1:
        day = date.fromordinal(day.toordinal() - day.toordinal() % days)
    return to_ns(datetime.combine(day, time(0), NEW_YORK))
