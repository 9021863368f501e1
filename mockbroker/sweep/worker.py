"""What a sweep runs on each Dask worker: behave, in process, once per master seed, over the selected scenarios.

behave runs here as it runs from the command line (``behave -D seed=S file:line ...`` from the project root):
the same configuration (``behave.ini``), hooks (``environment.py``) and steps, so a scenario gets the very seed a
plain run derives for it, and ``behave -D seed=S file:line`` repeats any outcome. Only the costly part is done
once per worker process: loading the hooks and step definitions (a few hundred step patterns); the features are
parsed afresh for every seed, so no state carries from one run to the next.

Rules:
- One behave run at a time per process (a lock): behave keeps global state (its step registry, the working
  directory), so a worker with several threads still runs them one after another.
- The worker finds the project at the client's path, else at ``$MOCKBROKER_ROOT``, else in its working
  directory; its files must be the client's (a fingerprint of the features, steps and package is compared), so
  every machine of a cluster runs the same code, and a long-lived worker that loaded an older version says so.
- Nothing is printed: behave writes through the ``null`` formatter, and what steps or hooks write is swallowed
  (a worker's output would go to the worker's terminal, not to the user).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .plan import SweepError

FINGERPRINTED = ("environment.py", "behave.ini", "steps", "mockbroker")
MESSAGE_LIMIT = 2_000


@dataclass(frozen=True)
class SweepJob:
    """Everything a worker needs, sent once to each worker: where, which scenarios, which ``-D`` settings."""

    root: str
    locations: tuple[str, ...]
    defines: tuple[tuple[str, str], ...] = ()
    fingerprint: tuple[tuple[str, str], ...] = ()

    @property
    def feature_files(self) -> list[str]:
        return sorted({location.rsplit(":", 1)[0] for location in self.locations})


@dataclass(frozen=True)
class Outcome:
    """One scenario under one master seed."""

    location: str
    seed: int
    status: str  # passed, failed, error, hook_error, undefined, pending, skipped, untested
    scenario_seed: int | None = None
    step: str | None = None  # the step that failed, as written ("Then it fills with slippage above 50 bps")
    message: str | None = None
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def counted(self) -> bool:
        """Skipped runs (a hook decided the scenario does not apply) count neither way."""
        return self.status != "skipped"


def fingerprint(root: Path, feature_files: list[str]) -> tuple[tuple[str, str], ...]:
    """(relative path, sha256 prefix) of the features, steps, hooks and package: what decides the outcomes."""
    files: list[Path] = [root / name for name in feature_files]
    for name in FINGERPRINTED:
        path = root / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts))
        elif path.is_file():
            files.append(path)
    return tuple((p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()[:16]) for p in files)


def run_seeds(job: SweepJob, seeds: list[int]) -> list[Outcome]:
    """The Dask task: every selected scenario under each master seed in ``seeds``."""
    with _LOCK:
        root = _project_root(job)
        runner = _runner_for(job, root)
        outcomes: list[Outcome] = []
        for seed in seeds:
            outcomes.extend(runner.run_seed(seed))
        return outcomes


_LOCK = threading.Lock()
_RUNNERS: dict[tuple, "_SeedRunner"] = {}
_LOADED: dict[str, tuple] = {}  # root -> the fingerprint of the code this process has imported from it


def _project_root(job: SweepJob) -> Path:
    candidates = [job.root, os.environ.get("MOCKBROKER_ROOT"), os.getcwd()]
    for candidate in candidates:
        if not candidate:
            continue
        root = Path(candidate)
        if (root / "environment.py").is_file() and all((root / f).is_file() for f in job.feature_files):
            return root
    raise SweepError(f"worker {socket.gethostname()} (pid {os.getpid()}): no checkout of the project with "
                     f"{', '.join(job.feature_files)} at {job.root}, $MOCKBROKER_ROOT or its working directory "
                     f"{os.getcwd()}; start the worker from a checkout: cd <checkout> && PYTHONPATH=$PWD dask worker ...")


def _runner_for(job: SweepJob, root: Path) -> "_SeedRunner":
    if job.fingerprint:
        mine = dict(fingerprint(root, job.feature_files))
        theirs = dict(job.fingerprint)
        differ = sorted(name for name in set(mine) | set(theirs) if mine.get(name) != theirs.get(name))
        if differ:
            raise SweepError(f"worker {socket.gethostname()}: its copy of the project at {root} differs from the "
                             f"client's in {len(differ)} files ({', '.join(differ[:5])}); check out the same commit "
                             f"on every worker machine")
        code = tuple(item for item in job.fingerprint if not item[0].endswith(".feature"))
        loaded = _LOADED.setdefault(str(root), code)
        if loaded != code:
            raise SweepError(f"worker {socket.gethostname()} (pid {os.getpid()}) imported an older version of the "
                             f"steps or package from {root}; restart the Dask workers after changing the code")
    key = (str(root), job.locations, job.defines)
    if key not in _RUNNERS:
        _RUNNERS[key] = _SeedRunner(root, job)
    return _RUNNERS[key]


@contextlib.contextmanager
def _quiet_in(root: Path):
    """Work from ``root`` (behave reads behave.ini and names files relative to it) and swallow all output."""
    sink = io.StringIO()
    cwd = os.getcwd()
    saved = sys.__stdout__, sys.__stderr__
    os.chdir(root)
    sys.__stdout__ = sys.__stderr__ = sink  # hooks write notes straight to sys.__stderr__
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        sys.__stdout__, sys.__stderr__ = saved
        os.chdir(cwd)


class _SeedRunner:
    """behave's Runner with hooks and step definitions loaded once; ``run_seed`` runs the scenarios afresh."""

    def __init__(self, root: Path, job: SweepJob) -> None:
        from behave.configuration import Configuration
        from behave.runner import Runner

        self.root = root
        self.locations = list(job.locations)
        args = ["--format", "null", "--no-summary", "--no-snippets", "--no-junit"]
        for name, value in job.defines:
            args += ["-D", f"{name}={value}"]
        with _quiet_in(root):
            self.config = Configuration(command_args=args + self.locations)
            self.runner = Runner(self.config)
            with self.runner.path_manager:
                self.runner.setup_paths()
                self.runner.load_hooks()
                self.runner.load_step_definitions()
        self._seeds: dict[tuple[str, int], int] = {}
        after = self.runner.hooks.get("after_scenario")

        def remember_seed_then(context, scenario):
            desk = getattr(context, "desk", None)  # the seed this scenario ran with (steps' Desk), if any
            if isinstance(getattr(desk, "seed", None), int):
                self._seeds[(scenario.filename, scenario.line)] = desk.seed
            if after is not None:
                after(context, scenario)

        self.runner.hooks["after_scenario"] = remember_seed_then

    def run_seed(self, seed: int) -> list[Outcome]:
        from behave.runner import Context
        from behave.runner_util import collect_feature_locations, parse_features

        runner = self.runner
        self.config.userdata["seed"] = str(seed)
        self._seeds.clear()
        with _quiet_in(self.root), runner.path_manager:
            features = [f for f in parse_features(collect_feature_locations(self.locations)) if f is not None]
            selected = {(s.filename, s.line) for f in features for s in f.walk_scenarios()
                        if s.status.name != "skipped"}
            runner.features = features
            runner.context = Context(runner)
            runner.formatters = []
            runner.undefined_steps.clear()
            runner.aborted = False
            started = time.perf_counter()
            runner.run_model(features)
            elapsed = time.perf_counter() - started
        outcomes = []
        for feature in features:
            for scenario in feature.walk_scenarios():
                key = (scenario.filename, scenario.line)
                if key not in selected:
                    continue
                outcomes.append(_outcome(scenario, seed, self._seeds.get(key)))
        if outcomes and not any(o.duration_s for o in outcomes):
            share = elapsed / len(outcomes)
            outcomes = [Outcome(**{**o.__dict__, "duration_s": share}) for o in outcomes]
        return outcomes


def _outcome(scenario, seed: int, scenario_seed: int | None) -> Outcome:
    status = scenario.status.name
    step_text = message = None
    if status != "passed":
        for step in scenario.all_steps:
            if step.status.name in ("failed", "error", "hook_error", "undefined", "pending"):
                step_text = f"{step.keyword} {step.name}"
                message = step.error_message or ("undefined step" if step.status.name == "undefined" else None)
                if message and message.startswith("ASSERT FAILED: "):
                    message = message[len("ASSERT FAILED: "):]
                break
        if message is None:
            message = getattr(scenario, "error_message", None) or (
                "a hook failed" if getattr(scenario, "hook_failed", False) else None)
    if message:
        message = message.strip()
        if len(message) > MESSAGE_LIMIT:
            message = message[:MESSAGE_LIMIT] + " ..."
    duration = float(getattr(scenario, "duration", 0.0) or 0.0)
    return Outcome(f"{scenario.filename}:{scenario.line}", seed, status, scenario_seed, step_text, message, duration)
