"""Draw the price charts of a finished run: one PNG per ``price chart data (SYMBOL).json`` attachment.

Usage: python tools/draw_charts.py RESULTS_DIR [--jobs N]

The scenarios attach only their chart's data (a few broker reads, no drawing), so charts cost the suite nothing
while it runs; this tool draws them afterwards, on ``--jobs`` processes (default: one per CPU, at most 4), and
lists each PNG on its result: under the failed step for a failed scenario (next to its message), at the top of
the scenario's attachments otherwise. Identical data (one scenario in two targets: same seed, same events) is
drawn once. Drawing twice is harmless: a result that has its chart is skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402
import order_chart  # noqa: E402

DATA = re.compile(r"^price chart data \((?P<symbol>.+)\)\.json$")


def chart_name(symbol: str) -> str:
    return f"price chart ({symbol})"


def _draw(data_path: str) -> bytes:
    return order_chart.render(json.loads(Path(data_path).read_text(encoding="utf-8")))


def _failed_step(data: dict) -> dict | None:
    for step in data.get("steps", []):
        if step.get("status") in ("failed", "broken"):
            return step
    return None


def pending(results: Path) -> list[tuple[Path, str, str]]:
    """(result path, symbol, data file) of every chart not drawn yet."""
    jobs = []
    for path, data in allure_files.results(results):
        entries = list(data.get("attachments", []))
        for step in data.get("steps", []):
            entries += step.get("attachments", [])
        names = {entry.get("name") for entry in entries}
        for entry in data.get("attachments", []):
            found = DATA.match(entry.get("name", ""))
            if found and chart_name(found["symbol"]) not in names:
                jobs.append((path, found["symbol"], str(allure_files.attachment_path(results, entry))))
    return jobs


def draw_all(results: Path, jobs: int) -> tuple[int, list[str]]:
    work = pending(results)
    if not work:
        return 0, []
    problems: list[str] = []
    # the same scenario in two targets has the same data (same seed, same events): draw it once
    by_content: dict[str, str] = {}
    for _path, _symbol, data_file in work:
        by_content.setdefault(hashlib.sha1(Path(data_file).read_bytes()).hexdigest(), data_file)
    unique = list(by_content.items())
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(unique)))) as pool:
        drawn_once = dict(zip((digest for digest, _f in unique),
                              pool.map(_safe_draw, [data_file for _d, data_file in unique], chunksize=4)))
    drawn = [drawn_once[hashlib.sha1(Path(data_file).read_bytes()).hexdigest()] for _p, _s, data_file in work]
    by_result: dict[Path, list[tuple[str, bytes]]] = {}
    for (path, symbol, data_file), (png, problem) in zip(work, drawn):
        if problem:
            problems.append(f"{path.name} ({symbol}): {problem}")
            continue
        by_result.setdefault(path, []).append((symbol, png))
    for path, charts in by_result.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        holder = _failed_step(data) or data
        for symbol, png in reversed(charts):
            allure_files.add_attachment(results, holder, chart_name(symbol), png, "image/png", "png", first=True)
        allure_files.save(path, data)
    return sum(len(c) for c in by_result.values()), problems


def _safe_draw(data_file: str) -> tuple[bytes, str | None]:
    try:
        return _draw(data_file), None
    except Exception as problem:  # noqa: BLE001 - one bad chart must not cost the others
        return b"", f"{type(problem).__name__}: {problem}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        print(f"error: no results folder {args.results}", file=sys.stderr)
        return 2
    count, problems = draw_all(args.results, args.jobs)
    for problem in problems:
        print(f"warning: chart not drawn: {problem}", file=sys.stderr)
    print(f"drew {count} price charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
