"""Progress on long work (simulate, backtest, calibrate, load runs, the soak), on a terminal only.

Rules:
- Drawn with ``rich`` on standard error, and only when standard error is a terminal: piped, redirected or in CI
  (``CI`` set) nothing is drawn, so logs stay clean (``FORCE_COLOR`` does not change that: we ask the stream
  itself). ``MOCKBROKER_PROGRESS=0`` turns it off, ``=1`` forces it on (for a demo).
- Nothing appears for work that ends within ``delay`` seconds (default 1 s): short commands stay quiet.
- The display is transient: when the work ends it is cleared, and the command prints its own result.
- A progress display never changes what a command computes or prints on standard output.

Use::

    with progress.task("simulating ACME", total=steps, unit="updates") as bar:
        ...
        bar.advance(1_000)
        bar.describe("writing acme.csv")
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

DEFAULT_DELAY = 1.0


def enabled(stream=None) -> bool:
    """Whether progress may be drawn: a terminal, not CI, not turned off."""
    forced = os.environ.get("MOCKBROKER_PROGRESS")
    if forced is not None:
        return forced.strip().lower() not in ("0", "no", "false", "off", "")
    if os.environ.get("CI"):
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Reporter:
    """What the work sees: ``advance``, ``update`` and ``describe``; a no-op when progress is off."""

    def __init__(self, progress=None, task_id=None) -> None:
        self._progress, self._task = progress, task_id

    def advance(self, amount: float = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def update(self, completed: float | None = None, total: float | None = None) -> None:
        if self._progress is not None:
            changes = {k: v for k, v in (("completed", completed), ("total", total)) if v is not None}
            self._progress.update(self._task, **changes)

    def describe(self, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=text)


@contextmanager
def task(description: str, total: float | None = None, unit: str = "", delay: float = DEFAULT_DELAY,
         stream=None) -> Iterator[Reporter]:
    """A progress display for one piece of work; ``total=None`` shows a spinner with the elapsed time."""
    stream = sys.stderr if stream is None else stream
    if not enabled(stream):
        yield Reporter()
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    columns = [SpinnerColumn(), TextColumn("[progress.description]{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn(), TextColumn(unit), TimeRemainingColumn()]
    columns.append(TimeElapsedColumn())
    progress = Progress(*columns, console=Console(file=stream, force_terminal=True), transient=True)
    task_id = progress.add_task(description, total=total)
    timer = threading.Timer(max(0.0, delay), progress.start)
    timer.daemon = True
    timer.start()
    try:
        yield Reporter(progress, task_id)
    finally:
        timer.cancel()
        timer.join()
        progress.stop()
