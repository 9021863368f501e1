"""``collector_paused()``: switch Python's cyclic garbage collector off while a block builds or walks many
long-lived objects at once (a snapshot's pickle, the event log's first read). Nothing those blocks make is
garbage, and the collector would rescan it many times over; it roughly halves their time."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
