"""Split the acceptance suite's feature files into shards of about equal duration.

Used by tools/run_suite.py for the parallel behave processes of one machine (``make report JOBS=N``) and for one
machine's share of a CI matrix (``make report SHARD=I/N``), and by tools/merge_shards.py to check that the shards of
a matrix together ran every feature file exactly once.

- The unit of work is a feature file (with the ``file:line`` locations asked for, if any): behave writes one JUnit
  file per feature file, so two processes never write the same one.
- Each file weighs its last measured duration for the target (``reports/feature-times.json``, written by
  tools/feature_times.py through run_suite.py); a file never measured weighs its scenario count times the average
  seconds per scenario of the measured ones (or 0.1 s when nothing was measured yet).
- Shards are filled longest first, each file into the shard with the least work so far (ties: the lower shard, then
  the file's path), so the same files and timings always give the same shards on every machine.
- Files holding a scenario tagged with an ``alone`` tag (``@performance``: they measure wall-clock latency) are not
  balanced into the parallel shards; run_suite.py runs them by themselves after the parallel phase.

    python tools/shards.py [--jobs N] [--shard I/N] [--target T] [--timings FILE] [PATH...]   # prints the plan
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMINGS_VERSION = 1
DEFAULT_SECONDS_PER_SCENARIO = 0.1
_OUTLINE = re.compile(r"(Scenario Outline|Scenario Template)\s*:")
_SCENARIO = re.compile(r"(Scenario|Example)\s*:")
_EXAMPLES = re.compile(r"(Examples|Scenarios)\s*:")


@dataclass(frozen=True)
class Unit:
    """One feature file, and what to hand behave for it: the file, or the ``file:line`` locations asked for."""

    path: str
    args: tuple[str, ...]
    scenarios: int
    alone: bool = False


def default_paths(root: Path = ROOT) -> list[str]:
    """behave.ini's ``paths`` (what a bare ``behave`` runs), else ``features``."""
    config = configparser.ConfigParser()
    config.read(root / "behave.ini")
    listed = config.get("behave", "paths", fallback="features").split()
    return listed or ["features"]


def count_scenarios(text: str) -> int:
    """Scenarios in a feature file's text, an outline counting one per example row."""
    count, outline_rows, in_outline, in_examples, header_seen = 0, 0, False, False, False

    def finish_outline() -> int:
        return max(1, outline_rows) if in_outline else 0

    for line in text.splitlines():
        stripped = line.strip()
        if _OUTLINE.match(stripped):
            count += finish_outline()
            in_outline, in_examples, outline_rows = True, False, 0
        elif _SCENARIO.match(stripped):
            count += finish_outline()
            in_outline = in_examples = False
            count += 1
        elif in_outline and _EXAMPLES.match(stripped):
            in_examples, header_seen = True, False
        elif in_examples and stripped.startswith("|"):
            outline_rows += 1 if header_seen else 0
            header_seen = True
        elif in_examples and stripped and not stripped.startswith(("#", "@")):
            in_examples = False
    return count + finish_outline()


def has_tag(text: str, tag: str) -> bool:
    """Whether any tag line of the file carries ``tag`` (``@performance``)."""
    pattern = re.compile(rf"(^|\s){re.escape(tag)}(\s|$)")
    return any(pattern.search(line) for line in text.splitlines() if line.lstrip().startswith("@"))


def discover(paths: list[str], root: Path = ROOT, alone_tags: tuple[str, ...] = ()) -> list[Unit]:
    """The feature files of ``paths`` (files, directories, ``file:line`` locations), sorted by path. A path that does
    not exist is kept as it is, so behave reports it as it would in a serial run."""
    locations: dict[str, list[str]] = {}
    for raw in paths or default_paths(root):
        file_part = raw.split(":", 1)[0] if re.search(r"\.feature:\d", raw) else raw
        path = (root / file_part) if not Path(file_part).is_absolute() else Path(file_part)
        if path.is_dir():
            for found in sorted(path.rglob("*.feature")):
                locations.setdefault(_relative(found, root), [])
        else:
            entry = locations.setdefault(_relative(path, root) if path.exists() else raw, [])
            if raw != file_part:
                entry.append(raw)
    units = []
    for rel, located in sorted(locations.items()):
        file = root / rel
        text = file.read_text(encoding="utf-8") if file.is_file() else ""
        units.append(Unit(rel, tuple(located) or (rel,), count_scenarios(text),
                          any(has_tag(text, tag) for tag in alone_tags)))
    return units


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --- timings --------------------------------------------------------------------------------------------------------
def read_timings(path: Path | None) -> dict[str, dict[str, float]]:
    """``{target: {feature file: seconds}}`` from the timing file; empty when it is missing or unreadable."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != TIMINGS_VERSION:
        return {}
    targets = data.get("targets") or {}
    return {target: {f: float(s) for f, s in times.items() if isinstance(s, (int, float)) and s >= 0}
            for target, times in targets.items() if isinstance(times, dict)}


def read_feature_times(path: Path) -> dict[str, float]:
    """``{feature file: seconds}`` as tools/feature_times.py wrote it for one behave process (empty if none)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {f: float(s) for f, s in data.items() if isinstance(s, (int, float))} if isinstance(data, dict) else {}


def write_timings(path: Path, timings: dict[str, dict[str, float]]) -> None:
    """Write the timing file atomically (a reader sees the old file or the new one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"version": TIMINGS_VERSION,
            "about": "seconds per feature file and target, last measured (tools/shards.py balances shards by it)",
            "targets": {t: dict(sorted(times.items())) for t, times in sorted(timings.items())}}
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def merged_timings(old: dict[str, dict[str, float]], *measured: dict[str, dict[str, float]]) -> dict:
    """The old timings with every newer measurement laid over them (the last measured duration wins)."""
    out = {target: dict(times) for target, times in old.items()}
    for layer in measured:
        for target, times in layer.items():
            out.setdefault(target, {}).update(times)
    return out


def weights(units: list[Unit], timings: dict[str, dict[str, float]], target: str | None) -> dict[str, float]:
    """Each unit's expected seconds: measured for ``target`` (``None``: summed over every target measured), else
    estimated from its scenario count."""
    if target is None:
        known: dict[str, float] = {}
        for times in timings.values():
            for feature, seconds in times.items():
                known[feature] = known.get(feature, 0.0) + seconds
    else:
        known = dict(timings.get(target, {}))
    measured = [u for u in units if u.path in known]
    scenarios = sum(u.scenarios for u in measured)
    per_scenario = (sum(known[u.path] for u in measured) / scenarios) if scenarios else DEFAULT_SECONDS_PER_SCENARIO
    return {u.path: known[u.path] if u.path in known else u.scenarios * per_scenario for u in units}


# --- balancing ------------------------------------------------------------------------------------------------------
def balance(units: list[Unit], weight: dict[str, float], count: int) -> list[list[Unit]]:
    """``count`` shards of about equal weight: longest first, each into the lightest shard so far."""
    if count < 1:
        raise ValueError(f"count={count}: at least one shard")
    shards: list[list[Unit]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for unit in sorted(units, key=lambda u: (-round(weight.get(u.path, 0.0), 6), u.path)):
        lightest = min(range(count), key=lambda i: (round(loads[i], 6), i))
        shards[lightest].append(unit)
        loads[lightest] += weight.get(unit.path, 0.0)
    return [sorted(shard, key=lambda u: u.path) for shard in shards]


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> (2, 3); refuses anything but 1 <= I <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"SHARD={text!r}: must be I/N with 1 <= I <= N, e.g. SHARD=2/3")
    return int(match.group(1)), int(match.group(2))


def machine_shards(units: list[Unit], timings: dict[str, dict[str, float]], count: int) -> list[list[Unit]]:
    """The split of a CI matrix: every file (alone ones too) into ``count`` shards, weighted over all targets, so
    every machine computes the same split from the same files and timing file."""
    return balance(units, weights(units, timings, None), count)


def plan_digest(shards: list[list[Unit]]) -> str:
    """A short fingerprint of a split: shards of a matrix that computed different splits disagree on it."""
    text = json.dumps([[u.path for u in shard] for shard in shards])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--jobs", type=int, default=cpu_count())
    parser.add_argument("--shard", default="1/1", help="I/N: this machine's share of a CI matrix")
    parser.add_argument("--target", default="inprocess")
    parser.add_argument("--timings", type=Path, default=ROOT / "reports" / "feature-times.json")
    parser.add_argument("--alone-tag", action="append", default=None,
                        help="files with this tag run by themselves (default: @performance, as `make report` does)")
    args = parser.parse_args(argv)
    try:
        index, count = parse_shard(args.shard)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    timings = read_timings(args.timings)
    units = discover(args.paths, alone_tags=tuple(args.alone_tag or ['@performance']))
    mine = machine_shards(units, timings, count)[index - 1]
    weight = weights(mine, timings, args.target)
    parallel = [u for u in mine if not u.alone]
    for n, shard in enumerate(balance(parallel, weight, max(1, min(args.jobs, len(parallel)))), 1):
        total = sum(weight[u.path] for u in shard)
        print(f"process {n}: {len(shard)} files, ~{total:.1f} s: {' '.join(u.path for u in shard)}")
    alone = [u for u in mine if u.alone]
    if alone:
        print(f"alone, after them: {' '.join(u.path for u in alone)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
