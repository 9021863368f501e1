"""Seed sweeps: run behave scenarios under many master seeds, spread over Dask workers, and judge each scenario by
its pass rate.

    from mockbroker.sweep import run_sweep
    result = run_sweep(["features/orders/market_orders.feature"], seeds=200, workers=2)
    print(result.text()); result.save_json("reports/sweep.json")

A scenario that passes under one seed says little about behaviour that depends on chance. A sweep runs every
selected scenario under the master seeds ``first, first + 1, ..., first + N - 1`` (``first`` defaults to the
suite's default seed, 2109, so the first run is the one CI makes); each scenario derives its own seed from the
master seed exactly as a plain behave run does, so ``behave -D seed=S file:line`` repeats any run.

Modules: ``plan`` (which scenarios, ``@pass_rate:`` tags), ``worker`` (behave in a Dask worker), ``summary``
(pass rates, Wilson intervals, text and JSON), ``allure_results`` (one Allure result per scenario), ``stats``.
The engine never imports this package; it runs behave on feature files as any tool would.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Callable

from ..seeds import DEFAULT_SEED
from .plan import ScenarioRef, SweepError, parse_rate, select
from .stats import wilson_interval
from .summary import ScenarioSummary, SweepResult, rerun_command, summarize
from .worker import Outcome, SweepJob, fingerprint, run_seeds

ROOT = Path(__file__).resolve().parents[2]


def seed_batches(seeds: list[int], workers: int, per_scenario_cost: int) -> list[list[int]]:
    """Seeds in batches: a few per worker for balance and progress, not so small that Dask's overhead shows."""
    slots = max(1, workers) * 8
    size = max(1, math.ceil(len(seeds) / slots))
    size = max(size, math.ceil(20 / max(1, per_scenario_cost)))  # at least ~20 scenario runs a task
    return [seeds[i:i + size] for i in range(0, len(seeds), size)]


def run_sweep(paths: list[str], seeds: int, *, first_seed: int = DEFAULT_SEED, workers: int | None = None,
              scheduler: str | None = None, tags: list[str] | None = None, min_pass_rate: float = 1.0,
              defines: dict[str, str] | None = None, root: str | Path | None = None,
              progress: Callable[[int], None] | None = None) -> SweepResult:
    """Sweep the scenarios ``behave PATHS --tags TAGS`` would run over ``seeds`` master seeds.

    ``workers``: LocalCluster processes (None: one per CPU; 0: in this process, no Dask); ``scheduler``: a running
    Dask cluster's address instead. ``defines``: behave ``-D`` settings (``{"target": "http"}``); ``progress(n)``
    is told each time n more seeds are done."""
    from ..distributed import default_workers, describe, run_batches

    if seeds < 1:
        raise SweepError(f"--seeds {seeds}: sweep at least 1 seed")
    if not 0 <= min_pass_rate <= 1:
        raise SweepError(f"--min-pass-rate {min_pass_rate}: must be between 0 and 1")
    defines = dict(defines or {})
    if "seed" in defines:
        raise SweepError("-D seed=...: the sweep chooses the master seeds; use --first-seed and --seeds")
    root = Path(root or ROOT).resolve()
    selection = select(paths, root, tags)
    define_items = tuple(sorted(defines.items()))
    job = SweepJob(str(root), tuple(s.location for s in selection.scenarios), define_items,
                   fingerprint(root, selection.feature_files))
    seed_list = list(range(first_seed, first_seed + seeds))
    n_workers = default_workers() if workers is None else workers
    batches = seed_batches(seed_list, n_workers, len(selection.scenarios))
    started = time.perf_counter()
    outcomes: list[Outcome] = run_batches(run_seeds, batches, workers=n_workers, scheduler=scheduler, shared=job,
                                          progress=progress)
    wall = time.perf_counter() - started
    return summarize(selection.scenarios, outcomes, seed_list, min_pass_rate, describe(n_workers, scheduler), wall,
                     define_items)


__all__ = ["Outcome", "ScenarioRef", "ScenarioSummary", "SweepError", "SweepJob", "SweepResult", "parse_rate",
           "rerun_command", "run_sweep", "select", "wilson_interval"]
