"""Fan work out over Dask: the engine under seed sweeps and parameter grids. No scheduler of our own.

    for index, result in run_tasks(task, items, workers=2):            # a LocalCluster of 2 processes
    for index, result in run_tasks(task, items, scheduler="tcp://host:8786")   # a cluster already running
    for index, result in run_tasks(task, items, workers=0):            # here, one after another (no Dask)

Rules:
- ``workers=0``: the tasks run in this process, in order, without Dask (debugging, tiny jobs).
- Otherwise, without ``scheduler``: a ``LocalCluster`` of ``workers`` processes (default: one per CPU), one thread
  each (the tasks are pure Python and hold the GIL), its dashboard on a free port, closed when the job ends.
  On Linux its workers are forked from this process (``MOCKBROKER_DASK_START=spawn`` to spawn them instead), so
  they start with the package already imported: a spawned worker spends seconds importing it (numpy, pandas,
  scipy) before its first task. Spawned workers copy this process's ``sys.path``.
- With ``scheduler`` (``tcp://HOST:PORT``): connect to that cluster, wait up to ``timeout`` seconds for a worker,
  and leave the cluster running afterwards. Its scheduler (which unpickles the tasks) and workers must import this
  project: start them from a checkout with ``PYTHONPATH=<checkout> dask scheduler`` / ``dask worker tcp://HOST:PORT``
  (docs/scaling.md).
- ``shared`` is sent to every worker once (``scatter(broadcast=True)``) and handed to each task as its first
  argument: ``task(shared, item)``.
- Tasks return their results and never print: a worker's output goes to the worker's own terminal.
- Results come back as they complete, each with its item's index, so callers can show progress and keep order.
- Anything that goes wrong with the cluster is a ``ClusterError`` with a message that says what to do.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence


class ClusterError(RuntimeError):
    """The Dask cluster could not be started or reached, or a task failed on it."""


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None, timeout: float = 30.0):
    """A ``distributed.Client``: on a new LocalCluster of ``workers`` processes, or on ``scheduler``'s cluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as missing:  # pragma: no cover - pinned in requirements.txt
        raise ClusterError(f"Dask is not installed ({missing}); install requirements.txt") from None
    import logging

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as problem:
            raise ClusterError(f"--scheduler {scheduler}: no Dask scheduler answered within {timeout:g} s "
                               f"({problem}); start one with: dask scheduler --port 8786") from None
        try:
            try:
                client.wait_for_workers(1, timeout=timeout)
            except TimeoutError:
                raise ClusterError(f"--scheduler {scheduler}: the scheduler has no worker after {timeout:g} s; start "
                                   f"one from a checkout of this project with: PYTHONPATH=$PWD dask worker "
                                   f"{scheduler} --nthreads 1") from None
            yield client
        finally:
            client.close()
        return
    n = default_workers() if workers is None else workers
    if n < 1:
        raise ClusterError(f"workers={n}: a LocalCluster needs at least 1 worker (0 runs without Dask)")
    import dask

    start = os.environ.get("MOCKBROKER_DASK_START") or ("fork" if sys.platform == "linux" else "spawn")
    try:
        with dask.config.set({"distributed.worker.multiprocessing-method": start}):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.CRITICAL)  # shutdown chatter under load is not news
    except Exception as problem:  # noqa: BLE001 - any start-up failure becomes one clear message
        raise ClusterError(f"could not start a local Dask cluster of {n} workers: {problem}") from None
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_tasks(task: Callable[..., Any], items: Sequence[Any], *, workers: int | None = None,
              scheduler: str | None = None, shared: Any = None,
              on_done: Callable[[int, Any], None] | None = None) -> Iterator[tuple[int, Any]]:
    """Run ``task(shared, item)`` for every item; yield ``(index, result)`` as each finishes.

    ``on_done(index, result)`` is called for each result too (progress bars)."""
    if workers == 0 and not scheduler:
        for index, item in enumerate(items):
            result = task(shared, item)
            if on_done is not None:
                on_done(index, result)
            yield index, result
        return
    from distributed import as_completed

    with dask_client(workers, scheduler) as client:
        shared_ref = client.scatter(shared, broadcast=True) if shared is not None else None
        futures = [client.submit(task, shared_ref, item, pure=False) for item in items]
        index_of = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as problem:  # noqa: BLE001 - a worker's failure, reported as one
                    message = " ".join(str(problem).split())
                    if "deserializ" in message:  # the scheduler unpickles the tasks: it must import us too
                        message = ("the Dask scheduler or a worker cannot import this project; start both from a "
                                   "checkout with PYTHONPATH=$PWD (docs/scaling.md)")
                    raise ClusterError(f"a task failed on a Dask worker: {type(problem).__name__}: {message}") \
                        from None
                index = index_of[future.key]
                if on_done is not None:
                    on_done(index, result)
                yield index, result
        finally:
            client.cancel(futures)


def describe(workers: int, scheduler: str | None) -> str:
    """Where the work runs, in words for reports: "a local Dask cluster of 2 workers", "this process"..."""
    if scheduler:
        return f"the Dask cluster at {scheduler}"
    if workers == 0:
        return "this process"
    return f"a local Dask cluster of {workers} worker{'s' if workers != 1 else ''}"


def run_batches(task: Callable[..., list], batches: Sequence[Sequence[Any]], *, workers: int,
                scheduler: str | None = None, shared: Any = None,
                progress: Callable[[int], None] | None = None) -> list:
    """``task(shared, batch)`` returns a list per batch; all of them, joined (in completion order). ``progress(n)``
    hears of each finished batch's size."""
    done = (lambda i, result: progress(len(batches[i]))) if progress else None
    joined: list = []
    for _, results in run_tasks(task, batches, workers=workers, scheduler=scheduler, shared=shared, on_done=done):
        joined.extend(results)
    return joined


@contextmanager
def terminal_progress(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when stderr is a terminal (nothing otherwise); yields ``advance(n)``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    enabled = console.is_terminal and sys.stderr.isatty()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=not enabled, transient=True) as progress:
        task_id = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task_id, n)
