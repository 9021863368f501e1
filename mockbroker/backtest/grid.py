"""Parameter grids: run a strategy under every combination of parameter values and keep the best, as
backtesting.py's ``Backtest.optimize`` does (its grid method), spread over Dask, in ideal or realistic mode.

    from mockbroker.backtest.grid import optimize
    found = optimize("GOOG.csv", "sma_crossover", {"fast": range(5, 31, 5), "slow": range(20, 81, 10)},
                     maximize="return", mode="ideal", workers=2)
    print(found.best.parameters, found.best.objective); found.save_heatmap("reports/heatmap.png")

    python -m mockbroker backtest --strategy sma_crossover --data GOOG.csv --grid fast=5:30:5 --grid slow=20:80:10 \\
        --maximize return --mode ideal --workers 2 --heatmap reports/heatmap.png

Rules (backtesting.py's, so the same grid gives the same best parameters and objective in ideal mode):
- Combinations come in product order of the parameters as given (the first varies slowest).
- A combination the strategy refuses (its constructor raises ``ValueError``, e.g. ``fast >= slow``) is skipped and
  counted (backtesting.py needs a ``constraint=`` for those).
- A run without a closed trade has no objective and cannot be the best (backtesting.py leaves those out too).
- The best has the highest objective; a tie goes to the first in grid order (pandas' ``idxmax``).
- Every run uses the public backtest API (``Backtest(...).run()``) with the same settings; in realistic mode every
  combination sees the same seed (the same latency draws), so they differ by their parameters alone.
- Only the numbers come back from the workers; the best combination is run once more here for its full result
  (equity curve, trades, chart), as backtesting.py does.

Grid values on the command line: ``NAME=START:STOP[:STEP]`` (both ends included: ``5:30:5`` is 5, 10, ..., 30),
``NAME=A,B,C`` or ``NAME=VALUE``.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable

from .data import History, load_history
from .results import BacktestResult
from .runner import Backtest, RealisticExecution
from .strategies import load_strategy

MAX_COMBINATIONS = 100_000


class GridError(ValueError):
    """A grid or an objective that cannot be used, with what is wrong and the right form."""


def _sqn(result: BacktestResult) -> float:
    """System Quality Number: sqrt(trades) x mean / standard deviation (ddof 1) of the closed trades' P&L."""
    pnl = [t.pnl for t in result.trades]
    if len(pnl) < 2:
        return math.nan
    mean = sum(pnl) / len(pnl)
    sd = math.sqrt(sum((p - mean) ** 2 for p in pnl) / (len(pnl) - 1))
    return math.sqrt(len(pnl)) * mean / sd if sd else math.nan


OBJECTIVES: dict[str, tuple[Callable[[BacktestResult], float], str]] = {
    "sharpe": (lambda r: r.sharpe, "Sharpe ratio (ours: mean / sd of bar returns x sqrt(bars a year))"),
    "return": (lambda r: r.return_pct, "return [%] (backtesting.py's 'Return [%]')"),
    "equity": (lambda r: r.final_equity, "final equity [$] (backtesting.py's 'Equity Final [$]')"),
    "sqn": (_sqn, "System Quality Number (backtesting.py's 'SQN', its default)"),
    "win_rate": (lambda r: r.win_rate_pct, "win rate [%] (backtesting.py's 'Win Rate [%]')"),
    "drawdown": (lambda r: r.max_drawdown_pct, "max drawdown [%], negative: the shallowest wins "
                                               "(backtesting.py's 'Max. Drawdown [%]')"),
}
"""What ``maximize`` may name: a function of the result, and what it is."""


# --- the grid -------------------------------------------------------------------------------------------------------

def _number(text: str) -> int | Decimal:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text and "e" not in text.lower() else value


def parse_values(name: str, spec: str) -> list:
    """``5:30:5`` -> [5, 10, ..., 30] (both ends included); ``5,10,20`` -> a list; ``7`` -> [7]."""
    spec = spec.strip()
    if not spec:
        raise GridError(f"--grid {name}=: give values, e.g. --grid {name}=5:30:5 or --grid {name}=5,10,20")
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise GridError(f"--grid {name}={spec}: a range is START:STOP or START:STOP:STEP, e.g. 5:30:5")
        try:
            start, stop = _number(parts[0]), _number(parts[1])
            step = _number(parts[2]) if len(parts) == 3 else 1
        except InvalidOperation:
            raise GridError(f"--grid {name}={spec}: START, STOP and STEP must be numbers, e.g. 5:30:5") from None
        if step <= 0:
            raise GridError(f"--grid {name}={spec}: STEP must be above 0")
        if stop < start:
            raise GridError(f"--grid {name}={spec}: STOP must not be below START")
        count = int((Decimal(stop) - Decimal(start)) / Decimal(step)) + 1
        if count > MAX_COMBINATIONS:
            raise GridError(f"--grid {name}={spec}: {count:,} values; at most {MAX_COMBINATIONS:,}")
        as_float = any(isinstance(v, Decimal) for v in (start, stop, step))
        values = [Decimal(start) + i * Decimal(step) for i in range(count)]
        return [float(v) for v in values] if as_float else [int(v) for v in values]
    values = []
    for item in spec.split(","):
        item = item.strip()
        try:
            values.append(json.loads(item))
        except ValueError:
            values.append(item)
    return list(dict.fromkeys(values))


def parse_grid(options: Iterable[str]) -> dict[str, list]:
    """``["fast=5:30:5", "slow=20:80:10"]`` -> ``{"fast": [5, ..., 30], "slow": [20, ..., 80]}`` (order kept)."""
    grid: dict[str, list] = {}
    for option in options:
        name, sep, spec = option.partition("=")
        name = name.strip()
        if not sep or not name:
            raise GridError(f"--grid {option!r}: write NAME=START:STOP:STEP or NAME=A,B,C, e.g. --grid fast=5:30:5")
        if name in grid:
            raise GridError(f"--grid {name}: given twice")
        grid[name] = parse_values(name, spec)
    return grid


def combinations(grid: dict[str, Iterable]) -> list[dict]:
    """Every combination, in product order (the first parameter varies slowest), as backtesting.py orders them."""
    names = list(grid)
    values = [list(v) for v in grid.values()]
    total = math.prod(len(v) for v in values)
    if not names or total == 0:
        raise GridError("the grid is empty: give each parameter at least one value")
    if total > MAX_COMBINATIONS:
        raise GridError(f"{total:,} combinations; at most {MAX_COMBINATIONS:,}")
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


# --- running it -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridJob:
    """What every worker needs once: the history and the settings shared by all combinations."""

    history: History
    strategy: Any
    mode: str
    cash: float
    commission: float
    realistic: RealisticExecution
    fixed: dict
    maximize: str


@dataclass
class GridRow:
    """One combination: its parameters, the objective (None: no closed trade, or refused) and the key numbers."""

    index: int
    parameters: dict
    objective: float | None = None
    numbers: dict = field(default_factory=dict)
    skipped: str | None = None

    def to_dict(self) -> dict:
        return {"parameters": self.parameters, "objective": self.objective, "skipped": self.skipped, **self.numbers}


NUMBERS = ("return_pct", "final_equity", "sharpe", "max_drawdown_pct", "win_rate_pct", "trade_count", "fees",
           "slippage", "cost_drag_pct")


def run_combinations(job: GridJob, batch: list[tuple[int, dict]]) -> list[GridRow]:
    """The Dask task: a batch of combinations, each one backtest through the public API."""
    objective = OBJECTIVES[job.maximize][0]
    rows = []
    for index, parameters in batch:
        try:
            load_strategy(job.strategy, **job.fixed, **parameters)
        except ValueError as refused:  # the strategy's own rule, e.g. fast >= slow
            rows.append(GridRow(index, parameters, skipped=str(refused)))
            continue
        result = Backtest(job.history, job.strategy, mode=job.mode, cash=job.cash, commission=job.commission,
                          parameters={**job.fixed, **parameters}, realistic=job.realistic).run()
        value = objective(result) if result.trades else math.nan
        numbers = {name: getattr(result, name) for name in NUMBERS}
        rows.append(GridRow(index, parameters, None if math.isnan(value) else float(value), numbers,
                            None if result.trades else "no closed trade"))
    return rows


@dataclass
class GridResult:
    names: list[str]
    grid: dict[str, list]
    rows: list[GridRow]
    maximize: str
    mode: str
    where: str
    wall_s: float
    best_result: BacktestResult | None = None

    @property
    def best(self) -> GridRow | None:
        """The highest objective; the first in grid order on a tie."""
        best = None
        for row in self.rows:
            if row.objective is not None and (best is None or row.objective > best.objective):
                best = row
        return best

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows if r.skipped and not r.numbers)

    @property
    def without_trades(self) -> int:
        return sum(1 for r in self.rows if r.numbers and r.objective is None)

    def ranked(self) -> list[GridRow]:
        return sorted((r for r in self.rows if r.objective is not None), key=lambda r: (-r.objective, r.index))

    def matrix(self, x: str, y: str):
        """The objective over two parameters: a (len(y) x len(x)) array, the best over any other parameters
        (NaN where no combination had an objective), as backtesting.py's heatmap plot aggregates with max."""
        import numpy as np

        xs, ys = self.grid[x], self.grid[y]
        out = np.full((len(ys), len(xs)), np.nan)
        for row in self.rows:
            if row.objective is None:
                continue
            i, j = ys.index(row.parameters[y]), xs.index(row.parameters[x])
            if np.isnan(out[i, j]) or row.objective > out[i, j]:
                out[i, j] = row.objective
        return out

    def table(self, top: int = 10) -> str:
        ranked = self.ranked()[:top]
        header = [*self.names, self.maximize, "return %", "sharpe", "max dd %", "trades"]
        rows = [[_fmt(r.parameters[n]) for n in self.names]
                + [f"{r.objective:,.4f}", f"{r.numbers['return_pct']:,.2f}", f"{r.numbers['sharpe']:.3f}",
                   f"{r.numbers['max_drawdown_pct']:.2f}", str(r.numbers["trade_count"])] for r in ranked]
        widths = [max(len(c) for c in col) for col in zip(header, *rows)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in [header, *rows]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def text(self, top: int = 10) -> str:
        best = self.best
        runs = len(self.rows)
        lines = [f"grid: {' x '.join(f'{n} ({len(self.grid[n])})' for n in self.names)} = {runs:,} combinations, "
                 f"{self.mode} mode, maximize {self.maximize}; {self.refused} refused by the strategy, "
                 f"{self.without_trades} without a closed trade; on {self.where} in {self.wall_s:.1f} s", ""]
        if best is None:
            lines.append("no combination made a closed trade: nothing to maximize")
            return "\n".join(lines)
        lines += [f"top {min(top, len(self.ranked()))} by {self.maximize}:", self.table(top), "",
                  f"best: {', '.join(f'{k}={_fmt(v)}' for k, v in best.parameters.items())} -> "
                  f"{self.maximize} {best.objective:,.6g}"]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        best = self.best
        return {"maximize": self.maximize, "objective": OBJECTIVES[self.maximize][1], "mode": self.mode,
                "grid": self.grid, "combinations": len(self.rows), "refused": self.refused,
                "without_trades": self.without_trades, "where": self.where, "wall_s": round(self.wall_s, 3),
                "best": None if best is None else best.to_dict(),
                "best_result": None if self.best_result is None else self.best_result.to_dict(),
                "rows": [r.to_dict() for r in self.rows]}

    def save_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        return path

    def save_heatmap(self, path: str | Path, x: str | None = None, y: str | None = None) -> Path:
        """A PNG of the objective over two parameters (default: the second across, the first down)."""
        from .grid_chart import heatmap_png

        if y is None:
            y = self.names[0]
        if x is None:
            x = self.names[1] if len(self.names) > 1 else self.names[0]
        for name in (x, y):
            if name not in self.grid:
                raise GridError(f"heatmap axis {name!r}: not a grid parameter ({', '.join(self.names)})")
        best = self.best
        title = (f"{self.maximize} over {y} x {x} ({self.mode} mode"
                 + (f", best of the other parameters" if len(self.names) > 2 else "") + ")")
        marks = None if best is None else (best.parameters[x], best.parameters[y])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        label = OBJECTIVES[self.maximize][1].split(" (")[0]
        path.write_bytes(heatmap_png(self.matrix(x, y), self.grid[x], self.grid[y], x, y, title, label, marks))
        return path


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def optimize(data: Any, strategy: Any, grid: dict[str, Iterable], *, maximize: str = "sharpe", mode: str = "ideal",
             cash: float = 10_000, commission: float = 0.0, symbol: str | None = None, parameters: dict | None = None,
             realistic: RealisticExecution | None = None, workers: int | None = None, scheduler: str | None = None,
             progress: Callable[[int], None] | None = None) -> GridResult:
    """Run every combination of ``grid`` (``{name: values}``) and find the one that maximizes ``maximize``.

    ``workers``: LocalCluster processes (None: one per CPU; 0: here, without Dask); ``scheduler``: a running Dask
    cluster instead. ``parameters``: fixed strategy parameters beside the grid's. ``progress(n)``: told as
    combinations finish."""
    from ..distributed import default_workers, describe, run_batches

    if maximize not in OBJECTIVES:
        raise GridError(f"maximize={maximize!r}: one of {', '.join(OBJECTIVES)}")
    if not isinstance(strategy, (str, type)) and hasattr(strategy, "on_bar"):
        raise GridError("a grid builds the strategy once per combination: give its name or class, not an instance")
    grid = {name: list(values) for name, values in grid.items()}
    combos = combinations(grid)
    fixed = dict(parameters or {})
    clash = sorted(set(fixed) & set(grid))
    if clash:
        raise GridError(f"{', '.join(clash)}: both a fixed --param and a --grid; give it once")
    history = data if isinstance(data, History) else load_history(data, symbol)
    realistic = realistic or RealisticExecution()
    Backtest(history, strategy, mode=mode, cash=cash, commission=commission, realistic=realistic)  # checks settings
    job = GridJob(history, strategy, mode, float(cash), float(commission), realistic, fixed, maximize)
    n_workers = default_workers() if workers is None else workers
    slots = max(1, n_workers) * 4
    size = max(1, math.ceil(len(combos) / slots))
    indexed = list(enumerate(combos))
    batches = [indexed[i:i + size] for i in range(0, len(indexed), size)]
    started = time.perf_counter()
    rows: list[GridRow] = run_batches(run_combinations, batches, workers=n_workers, scheduler=scheduler, shared=job,
                                      progress=progress)
    rows.sort(key=lambda r: r.index)
    found = GridResult(list(grid), grid, rows, maximize, mode, describe(n_workers, scheduler),
                       time.perf_counter() - started)
    best = found.best
    if best is not None:
        found.best_result = Backtest(history, strategy, mode=mode, cash=cash, commission=commission,
                                     parameters={**fixed, **best.parameters}, realistic=realistic).run()
    return found


__all__ = ["GridError", "GridResult", "GridRow", "OBJECTIVES", "combinations", "optimize", "parse_grid",
           "parse_values"]
