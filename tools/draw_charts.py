"""Draw the price charts of a run: one SVG per ``price chart data (SYMBOL).json`` attachment.

Usage: python tools/draw_charts.py RESULTS_DIR [--jobs N]                       # the final pass
       python tools/draw_charts.py RESULTS_DIR --watch --stop-file FILE        # in the background, during behave

The scenarios attach only their chart's data (a few broker reads, no drawing), so drawing costs the suite
nothing. The Makefile starts this tool with ``--watch`` at the lowest CPU priority while behave runs: it draws
each chart as its data appears, on the core behave leaves idle (at ``nice 19`` it yields to behave, and to the
real-time @performance scenarios), writing ``<data file>.svg`` beside the data; it stops when FILE appears (or its
parent is gone). The final pass then lists each chart on its result, under the failed step for a failed scenario
(next to its message) and at the top of the scenario's attachments otherwise, drawing what the watcher did not, on
``--jobs`` processes. Identical data (one scenario in two targets: same seed, same events) is drawn once. Running
either mode twice is harmless.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402
import order_chart  # noqa: E402

DATA = re.compile(r"^price chart data \((?P<symbol>.+)\)\.json$")
SCHEMA = '"schema": "mockbroker.price-chart/1"'
WATCH_INTERVAL_S = 0.5
WATCH_LIMIT_S = 3600


def chart_name(symbol: str) -> str:
    return f"price chart ({symbol})"


def drawn_path(data_file: Path) -> Path:
    """Where a chart goes: beside its data, ``<uuid>-attachment.json.svg``."""
    return data_file.with_name(data_file.name + ".svg")


def _digest(data_file: Path) -> str:
    return hashlib.sha1(data_file.read_bytes()).hexdigest()


def _draw_to(data_file: Path) -> str | None:
    """Draw one chart into its file; returns a problem, or None."""
    try:
        chart = order_chart.render(json.loads(data_file.read_text(encoding="utf-8")))
    except Exception as problem:  # noqa: BLE001 - one bad chart must not cost the others
        return f"{type(problem).__name__}: {problem}"
    partial = drawn_path(data_file).with_suffix(".part")
    partial.write_bytes(chart)
    partial.replace(drawn_path(data_file))  # never a half-written chart under the final name
    return None


def _failed_step(data: dict) -> dict | None:
    for step in data.get("steps", []):
        if step.get("status") in ("failed", "broken"):
            return step
    return None


def pending(results: Path) -> list[tuple[Path, str, Path]]:
    """(result path, symbol, data file) of every chart not listed on its result yet."""
    jobs = []
    for path, data in allure_files.results(results):
        entries = list(data.get("attachments", []))
        for step in data.get("steps", []):
            entries += step.get("attachments", [])
        names = {entry.get("name") for entry in entries}
        for entry in data.get("attachments", []):
            found = DATA.match(entry.get("name", ""))
            if found and chart_name(found["symbol"]) not in names:
                jobs.append((path, found["symbol"], allure_files.attachment_path(results, entry)))
    return jobs


def draw_all(results: Path, jobs: int) -> tuple[int, list[str]]:
    """The final pass: draw what is missing, then list every chart on its result."""
    work = pending(results)
    if not work:
        return 0, []
    by_content: dict[str, Path] = {}
    for _path, _symbol, data_file in work:
        if not drawn_path(data_file).is_file():
            by_content.setdefault(_digest(data_file), data_file)
    for digest, data_file in list(by_content.items()):  # the same data drawn already, for another target
        twin = next((d for _p, _s, d in work if drawn_path(d).is_file() and _digest(d) == digest), None)
        if twin is not None:
            shutil.copyfile(drawn_path(twin), drawn_path(data_file))
            del by_content[digest]
    problems: dict[str, str] = {}
    if by_content:
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(by_content)))) as pool:
            for (digest, _f), problem in zip(by_content.items(), pool.map(_draw_to, by_content.values())):
                if problem:
                    problems[digest] = problem
    by_result: dict[Path, list[tuple[str, Path]]] = {}
    for path, symbol, data_file in work:
        chart = drawn_path(data_file)
        if not chart.is_file():
            twin = by_content.get(_digest(data_file))
            if twin is not None and drawn_path(twin).is_file():
                shutil.copyfile(drawn_path(twin), chart)
        if chart.is_file():
            by_result.setdefault(path, []).append((symbol, chart))
    for path, charts in by_result.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        holder = _failed_step(data) or data
        for symbol, chart in reversed(charts):
            holder.setdefault("attachments", []).insert(0, {"name": chart_name(symbol), "source": chart.name,
                                                            "type": "image/svg+xml"})
        allure_files.save(path, data)
    return sum(len(c) for c in by_result.values()), sorted(problems.values())


def watch(results: Path, stop_file: Path, limit_s: float = WATCH_LIMIT_S) -> int:
    """Draw charts as their data appears, at the lowest priority, until ``stop_file`` exists."""
    try:
        os.nice(19)
    except OSError:
        pass
    parent, started, drawn, by_digest = os.getppid(), time.monotonic(), 0, {}
    seen: set[Path] = set()
    while not stop_file.exists() and os.getppid() == parent and time.monotonic() - started < limit_s:
        fresh = [p for p in sorted(results.glob("*-attachment.json")) if p not in seen]
        for data_file in fresh:
            if stop_file.exists():
                break
            try:
                text = data_file.read_text(encoding="utf-8")
                json.loads(text)
            except (OSError, ValueError):
                continue  # still being written: the next round takes it
            seen.add(data_file)
            if SCHEMA not in text or drawn_path(data_file).is_file():
                continue
            digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
            if digest in by_digest and by_digest[digest].is_file():
                shutil.copyfile(by_digest[digest], drawn_path(data_file))
            elif _draw_to(data_file) is None:
                by_digest[digest] = drawn_path(data_file)
                drawn += 1
        time.sleep(WATCH_INTERVAL_S)
    return drawn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--watch", action="store_true", help="draw in the background until --stop-file appears")
    parser.add_argument("--stop-file", type=Path, help="with --watch: stop when this file exists")
    args = parser.parse_args(argv)
    if args.watch:
        if args.stop_file is None:
            parser.error("--watch needs --stop-file")
        args.results.mkdir(parents=True, exist_ok=True)
        watch(args.results, args.stop_file)
        return 0
    if not args.results.is_dir():
        print(f"error: no results folder {args.results}", file=sys.stderr)
        return 2
    count, problems = draw_all(args.results, args.jobs)
    for problem in problems:
        print(f"warning: chart not drawn: {problem}", file=sys.stderr)
    print(f"listed {count} price charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
