"""Run one target's acceptance suite in one or several behave processes, and finish their results as one run's.

Usage (the Makefile's run_behave macro; docs/report.md, "Parallel and sharded runs"):

    python tools/run_suite.py TARGET --results DIR --junit DIR --rerun FILE --work DIR
        [--jobs auto|N] [--shard I/N] [--timings FILE] [--timings-out FILE] [--timeout S]
        [--alone-tag @performance] [--aborted-mark FILE] [--features "PATH..."] -- BEHAVE ARGUMENTS...

- ``--jobs 1`` (and no ``--shard``): one behave process with exactly the paths given, its output streamed, its
  Timeline lane ``main``: what a plain serial run always was.
- ``--jobs N``: the feature files (tools/shards.py: balanced by their last measured duration) in N behave processes
  at once, each writing into a folder of its own under ``--work``; their output is printed as each one ends. Then
  the files holding a scenario with an ``--alone-tag`` (``@performance``: they measure wall-clock latency) run in a
  process by themselves, with nothing else running. ``auto``: one process per idle CPU (the CPUs less the 1-minute
  load average, rounded; all of them on a quiet machine), or one when the work is too short to pay for another
  process's start (under AUTO_MIN_SECONDS by the timing file). On a machine whose CPUs are already busy another
  process only adds its start-up (imports, lost in-process caches): on a shared 2-core machine at a load of 4-5,
  ``make report JOBS=2`` took 73.7 s against 59.4 s for ``JOBS=1`` (medians of 3 paired runs).
- ``--shard I/N``: only this machine's share of a CI matrix (tools/shards.py ``machine_shards``), then as above.

When every process has ended, each one's results are finished in turn, as the Makefile did for a single run:
tools/run_outcome.py's checks (did it abort?), tools/label_target.py (target, host, and the process's own
``thread``: ``main``; ``1/2``, ``2/2``... for parallel ones, ``alone``; prefixed ``shard I/N`` in a CI matrix), then
its Allure results move into ``--results`` (a global error several processes reported alike kept once), its JUnit
into ``--junit`` (one file per feature file: no two processes share one), its rerun lines onto ``--rerun``. The
measured seconds per feature file go into ``--timings-out`` (default: ``--timings``) for the next run's balance.

Every process gets what is left of ``--timeout`` (the whole target's limit): one that outlives it is stopped
(SIGTERM to its process group, SIGKILL 30 s later) and counts as exit status 124, as with timeout(1).

Exit status: 0 every process passed; 3 a process was aborted (``--aborted-mark`` touched; the report shows why);
otherwise the first failing process's behave status (1: scenarios failed; 124/137: killed at the time limit).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402
import label_target  # noqa: E402
import run_outcome  # noqa: E402
import shards  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AUTO_MIN_SECONDS = 10.0
"""Below this much parallel work (by the timing file), ``--jobs auto`` runs one process: starting another behave
(imports, a service for the http target) costs 2-6 s of CPU on this kind of machine."""


def idle_cpus() -> int:
    """CPUs that other work leaves free: the CPUs less the 1-minute load average, rounded, at least 1."""
    cpus = shards.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:
        return cpus
    return max(1, min(cpus, int(cpus - load + 0.5)))
KILL_GRACE_S = 30
TIMEOUT_STATUS = 124
FEATURE_TIMES_FORMAT = "tools.feature_times:FeatureTimes"


@dataclass
class Process:
    """One behave process of the run: what it runs, where it writes, how it ended."""

    name: str
    folder: Path
    paths: list[str]
    scenarios: int = 0
    expected_s: float = 0.0
    stream: bool = False
    popen: subprocess.Popen | None = None
    log: object = None
    started: float = 0.0
    seconds: float = 0.0
    status: int | None = None
    timed_out: bool = False
    abort: run_outcome.Abort | None = field(default=None)

    @property
    def results(self) -> Path:
        return self.folder / "allure-results"

    @property
    def junit(self) -> Path:
        return self.folder / "junit"


def behave_command(target: str, process: Process, behave_args: list[str]) -> list[str]:
    folder = process.folder
    return [sys.executable, "-m", "behave", "-D", f"target={target}",
            "-f", "allure", "-o", str(process.results),
            "-f", "rerun", "-o", str(folder / "rerun.txt"),
            "-f", FEATURE_TIMES_FORMAT, "-o", str(folder / "feature-times.json"),
            "-f", "pretty", "--show-skipped", "--junit", "--junit-directory", str(process.junit),
            *behave_args, *process.paths]


def start(target: str, process: Process, behave_args: list[str]) -> None:
    shutil.rmtree(process.folder, ignore_errors=True)
    process.results.mkdir(parents=True)
    process.junit.mkdir(parents=True)
    out = None
    if not process.stream:
        process.log = open(process.folder / "behave.log", "w", encoding="utf-8")  # noqa: SIM115
        out = process.log
    process.started = time.monotonic()
    process.popen = subprocess.Popen(behave_command(target, process, behave_args), cwd=ROOT, stdout=out,
                                     stderr=subprocess.STDOUT if out else None, start_new_session=True)


def stop(processes: list[Process], grace_s: float = KILL_GRACE_S) -> None:
    """SIGTERM to each running process's group, SIGKILL to those still there ``grace_s`` later (timeout -k)."""
    running = [p.popen for p in processes if p.popen is not None and p.popen.poll() is None]
    for popen in running:
        try:
            os.killpg(popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    end = time.monotonic() + grace_s
    for popen in running:
        try:
            popen.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            popen.wait()


def wait_all(processes: list[Process], deadline: float | None, on_end) -> None:
    """Wait for every started process; stop those still running at ``deadline``; ``on_end(p)`` as each ends."""
    running = [p for p in processes if p.popen is not None]
    while running:
        for process in list(running):
            code = process.popen.poll()
            if code is None and deadline is not None and time.monotonic() >= deadline:
                process.timed_out = True
                stop([process])
                code = TIMEOUT_STATUS
            if code is not None:
                process.status = code if not process.timed_out else TIMEOUT_STATUS
                process.seconds = time.monotonic() - process.started
                if process.log:
                    process.log.close()
                running.remove(process)
                on_end(process)
        if running:
            time.sleep(0.05)


def announce_end(target: str, process: Process, parallel: bool) -> None:
    if process.timed_out:
        print(f"error: behave -D target={target} ({process.name}) did not finish within the time limit "
              "(BEHAVE_TIMEOUT x contention): killed", file=sys.stderr, flush=True)
    if not parallel:
        return
    print(f"--- behave -D target={target}, process {process.name}: {len(process.paths)} feature files, "
          f"{process.seconds:.1f} s, exit {process.status} ---", flush=True)
    log = process.folder / "behave.log"
    if log.is_file():
        sys.stdout.write(log.read_text(encoding="utf-8", errors="replace"))
    sys.stdout.flush()


# --- finishing the results --------------------------------------------------------------------------------------------
def move_results(source: Path, results: Path, seen_errors: set[str]) -> None:
    """Every file of one process's results folder into the run's; a global error reported alike by several
    processes (a refused seed, a service that cannot start) is kept once."""
    results.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.name.endswith("-globals.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            messages = {e.get("message", "") for e in data.get("errors", [])}
            if messages and messages <= seen_errors and not data.get("attachments"):
                path.unlink()
                continue
            seen_errors.update(messages)
        shutil.move(str(path), results / path.name)


def move_junit(source: Path, junit: Path) -> None:
    junit.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.xml")):
        if (junit / path.name).exists():
            print(f"warning: {junit / path.name} written twice (two processes ran the same feature file?)",
                  file=sys.stderr)
        shutil.move(str(path), junit / path.name)


def record_aborts(target: str, processes: list[Process], several: bool) -> bool:
    """One broken result for the target however many of its processes aborted (the same cause once)."""
    aborted = [p for p in processes if p.abort is not None]
    if not aborted:
        return False
    causes = list(dict.fromkeys(p.abort.message for p in aborted))
    message = causes[0] if len(causes) == 1 else "; ".join(f"{p.name}: {p.abort.message}" for p in aborted)
    where = ""
    if several:
        where = f"process{'es' if len(aborted) > 1 else ''} {', '.join(p.name for p in aborted)}"
    run_outcome.record_abort(aborted[0].results, target, message, sum(p.abort.not_run for p in aborted),
                             already_global=all(p.abort.reported for p in aborted), where=where)
    print(f"error: the behave run against target={target} was aborted: {message}", file=sys.stderr)
    return True


def finish(target: str, processes: list[Process], args, timeout_text: str | None) -> int:
    ran = [p for p in processes if p.status is not None]
    for process in ran:
        process.abort = run_outcome.assess(process.results, process.junit, process.status, timeout_text)
    aborted = record_aborts(target, ran, several=len(ran) > 1)
    seen_errors: set[str] = set()
    rerun_lines: list[str] = []
    measured: dict[str, float] = {}
    for process in ran:
        label_target.label_results(process.results, target, shard=process.name, host=args.host)
        move_results(process.results, args.results, seen_errors)
        move_junit(process.junit, args.junit)
        rerun = process.folder / "rerun.txt"
        if rerun.is_file():
            rerun_lines += [line for line in rerun.read_text(encoding="utf-8").splitlines() if line.strip()]
        measured.update(shards.read_feature_times(process.folder / "feature-times.json"))
    args.rerun.parent.mkdir(parents=True, exist_ok=True)
    args.rerun.write_text("".join(f"{line}\n" for line in rerun_lines), encoding="utf-8")
    if measured and not aborted:
        out = args.timings_out or args.timings
        # a separate output file (a CI shard's) holds only what this machine measured: the merge lays the
        # shards' measurements over the timing file they all started from
        base = shards.read_timings(out if out.exists() or out == args.timings else None)
        shards.write_timings(out, shards.merged_timings(base, {target: measured}))
    if aborted:
        if args.aborted_mark:
            args.aborted_mark.parent.mkdir(parents=True, exist_ok=True)
            args.aborted_mark.touch()
        return run_outcome.ABORTED
    return next((p.status for p in ran if p.status), 0)


# --- planning ---------------------------------------------------------------------------------------------------------
def plan(args, target: str) -> tuple[list[Process], list[Process]]:
    """(processes to run at once, processes to run after them, one at a time)."""
    timings = shards.read_timings(args.timings)
    index, count = shards.parse_shard(args.shard)
    prefix = f"shard {index}/{count}" if count > 1 else ""
    work = args.work

    def named(name: str) -> str:
        return f"{prefix} {name}".strip() if name != "main" or not prefix else prefix

    units = shards.discover(args.features, alone_tags=tuple(args.alone_tag))
    if count > 1:
        units = shards.machine_shards(units, timings, count)[index - 1]
    weight = shards.weights(units, timings, target)
    parallel = [u for u in units if not u.alone]
    jobs = resolve_jobs(args.jobs, parallel, weight)
    if str(args.jobs).strip().lower() == "auto":
        seconds = sum(weight[u.path] for u in parallel)
        print(f"JOBS=auto: {jobs} behave process{'es' if jobs > 1 else ''} for target={target} (~{seconds:.0f} s of "
              f"work by {args.timings.name if args.timings and args.timings.exists() else 'scenario counts'}, "
              f"{idle_cpus()} of {shards.cpu_count()} CPUs idle)", flush=True)
    if jobs <= 1:
        if not units:
            # nothing found where it was asked for: behave says so, as it would in a plain run (a CI shard that
            # drew no files has nothing to run)
            return ([Process("main", work / "main", list(args.features), stream=True)], []) if count == 1 else ([], [])
        # the files by name even in one process: behave names JUnit test cases after the paths it was given, and
        # the @performance rerun (by file:line) must name them alike to be matched with the first attempt
        return [Process(named("main"), work / "main", [a for u in units for a in u.args],
                        sum(u.scenarios for u in units), sum(weight.values()), stream=True)], []
    groups = [g for g in shards.balance(parallel, weight, jobs) if g]
    at_once = [Process(named(f"{n}/{len(groups)}"), work / f"p{n}", [a for u in g for a in u.args],
                       sum(u.scenarios for u in g), sum(weight[u.path] for u in g))
               for n, g in enumerate(groups, 1)]
    alone = [u for u in units if u.alone]
    after = []
    if alone:
        after.append(Process(named("alone"), work / "alone", [a for u in alone for a in u.args],
                             sum(u.scenarios for u in alone), sum(weight[u.path] for u in alone), stream=True))
    return at_once, after


def resolve_jobs(jobs: str, parallel: list, weight: dict[str, float]) -> int:
    if str(jobs).strip().lower() == "auto":
        work = sum(weight[u.path] for u in parallel)
        wanted = idle_cpus() if work >= AUTO_MIN_SECONDS else 1
    else:
        try:
            wanted = int(jobs)
        except ValueError:
            raise SystemExit(f"error: JOBS={jobs!r}: must be a whole number of processes, or auto") from None
        if wanted < 1:
            raise SystemExit(f"error: JOBS={jobs!r}: must be at least 1, or auto")
    return max(1, min(wanted, len(parallel)))


def run(args, behave_args: list[str]) -> int:
    target = args.target
    try:
        at_once, after = plan(args, target)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    shutil.rmtree(args.work, ignore_errors=True)
    deadline = time.monotonic() + args.timeout if args.timeout else None
    timeout_text = f"{args.timeout:.0f}" if args.timeout else None
    every = at_once + after
    if not every:
        print(f"behave -D target={target}: shard {args.shard} holds no feature files; nothing to run")
        return 0
    parallel = len(at_once) > 1
    if parallel:
        print(f"behave -D target={target}: {len(at_once)} processes at once "
              f"({', '.join(f'{p.name}: {len(p.paths)} files, ~{p.expected_s:.0f} s' for p in at_once)})"
              + (f", then {', '.join(after[0].paths)} alone" if after else ""), flush=True)

    def interrupted(signum, _frame):
        stop(every, grace_s=10)
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, interrupted)
    began = time.monotonic()
    for process in at_once:
        start(target, process, behave_args)
    wait_all(at_once, deadline, lambda p: announce_end(target, p, parallel))
    phases = [f"{len(at_once)} at once {time.monotonic() - began:.1f} s"] if parallel else []
    for process in after:
        print(f"--- behave -D target={target}, {process.name}: {' '.join(process.paths)} "
              "(measures wall-clock time: nothing else runs) ---", flush=True)
        start(target, process, behave_args)
        wait_all([process], deadline, lambda p: announce_end(target, p, False))
        phases.append(f"{process.name} {process.seconds:.1f} s")
    status = finish(target, every, args, timeout_text)
    if len(every) > 1:
        print(f"behave -D target={target}: {len(every)} processes ({', '.join(phases)}), "
              f"{time.monotonic() - began:.1f} s with their results finished", flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    behave_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, behave_args = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("--results", type=Path, required=True, help="the run's Allure results folder")
    parser.add_argument("--junit", type=Path, required=True, help="the target's JUnit folder")
    parser.add_argument("--rerun", type=Path, required=True, help="the target's rerun file (failed scenarios)")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the processes' own files")
    parser.add_argument("--jobs", default="1", help="behave processes at once: a number, or auto")
    parser.add_argument("--shard", default="1/1", help="I/N: this machine's share of a CI matrix")
    parser.add_argument("--timings", type=Path, default=ROOT / "reports" / "feature-times.json")
    parser.add_argument("--timings-out", type=Path, default=None, help="where to write the measured times")
    parser.add_argument("--timeout", type=float, default=None, help="seconds for the whole target")
    parser.add_argument("--alone-tag", action="append", default=[], help="files with this tag run by themselves")
    parser.add_argument("--aborted-mark", type=Path, default=None, help="touched when a process aborted")
    parser.add_argument("--host", default=None, help="the machine's name for the host label")
    parser.add_argument("--features", default="", help="feature files or folders, space-separated")
    args = parser.parse_args(argv)
    args.features = shlex.split(args.features)
    return run(args, behave_args)


if __name__ == "__main__":
    sys.exit(main())
