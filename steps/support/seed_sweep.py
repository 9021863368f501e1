"""A seed sweep inside one scenario: "Then in at least 95% of 200 seeds it fills with slippage above 50 bps".

How it runs: the scenario's Given and When steps (its Background included) are replayed once per seed on a fresh
desk over an in-process broker of their own (the fast path: no Dask, no service, a few milliseconds a seed), then
the outcome -- itself a Then step of the catalog -- is checked, and the passes are counted.

Which seeds: the master seeds M, M+1, ..., M+N-1, M being this run's master seed (``-D seed=``, default 2109).
Each replay gives the scenario the seed a plain run with that master seed gives it (the first replay is the very
run behave just made), so ``behave -D seed=S file:line`` shows any failing seed in full, with its evidence in the
report. ``python -m mockbroker sweep`` uses the same seeds, so both ways agree.

Rules:
- Replays run in a context layer of their own (popped after each seed, with its cleanups) and on their own broker:
  nothing they do reaches the scenario's desk, broker or evidence.
- An outcome that fails its assertion is a failing seed; an error (a bug in a step or the broker, not chance)
  stops the sweep and names the seed and the step.
- Then steps before the sweep step are not replayed: they judged the run behave made.
- The step passes when passes / seeds >= the stated rate; its message gives the count, the Wilson 95 % interval
  and the first failing seeds with their rerun commands; a JSON of every seed's outcome is attached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from mockbroker.seeds import derive_seed
from mockbroker.sweep.stats import percent, wilson_interval

from .desk import Desk
from .target import opener_for

SHOWN = 5
MAX_SEEDS = 100_000


@dataclass
class SeedOutcome:
    master_seed: int
    scenario_seed: int
    passed: bool
    step: str | None = None
    message: str | None = None


@dataclass
class SeedSweep:
    """What a sweep found: every seed's outcome, and whether the stated rate was reached."""

    outcome: str
    required: Decimal
    location: str
    outcomes: list[SeedOutcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def rate(self) -> float:
        return self.passed / len(self.outcomes)

    @property
    def pass_pct(self) -> Decimal:
        """The share of seeds where the outcome held, in percent (exact: 19 of 20 is 95)."""
        return Decimal(self.passed * 100) / Decimal(len(self.outcomes))

    @property
    def ok(self) -> bool:
        return self.pass_pct >= self.required

    def failures(self) -> list[SeedOutcome]:
        return [o for o in self.outcomes if not o.passed]

    def rerun(self, master_seed: int) -> str:
        return f".venv/bin/python -m behave -D seed={master_seed} {self.location}"

    def describe(self) -> str:
        n = len(self.outcomes)
        low, high = wilson_interval(self.passed, n)
        lines = [f"'{self.outcome}' held under {self.passed} of {n} seeds ({percent(self.rate)}, 95% CI "
                 f"{percent(low)}-{percent(high)}); needed at least {self.required}%"]
        failures = self.failures()
        if failures:
            lines.append(f"first failing seeds (of {len(failures)}):")
            for o in failures[:SHOWN]:
                reason = (o.message or "").strip().splitlines()
                last = reason[-1].strip().removeprefix("but: ") if reason else "failed"
                lines.append(f"  master seed {o.master_seed}: {o.step + ': ' if o.step else ''}{last}")
                lines.append(f"    see it: {self.rerun(o.master_seed)}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        low, high = wilson_interval(self.passed, len(self.outcomes))
        return {"outcome": self.outcome, "required_pct": str(self.required), "seeds": len(self.outcomes),
                "passed": self.passed, "pass_rate": self.rate, "ci95": [low, high], "ok": self.ok,
                "master_seeds": [self.outcomes[0].master_seed, self.outcomes[-1].master_seed],
                "failing_seeds": [{"master_seed": o.master_seed, "scenario_seed": o.scenario_seed, "step": o.step,
                                   "message": o.message, "rerun": self.rerun(o.master_seed)}
                                  for o in self.failures()]}


class SweepStepError(AssertionError):
    """The sweep step is written wrongly (its outcome is not a Then step, or it has nothing to replay)."""


def sweep(context, required: Decimal, seeds: int, outcome: str) -> SeedSweep:
    """Replay this scenario's Given and When steps under ``seeds`` master seeds and check ``outcome`` in each."""
    from behave.model import Step

    registry = context._runner.step_registry  # the registry this run's steps are in (behave may replace the global)
    if not 0 < seeds <= MAX_SEEDS:
        raise SweepStepError(f"{seeds} seeds: sweep between 1 and {MAX_SEEDS:,} seeds")
    if not 0 <= required <= 100:
        raise SweepStepError(f"{required}%: a pass rate is between 0% and 100%")
    desk: Desk = context.desk
    scenario = context.scenario
    check = Step(scenario.filename, scenario.line, "Then", "then", outcome)
    check_match = registry.find_match(check)
    if check_match is None:
        raise SweepStepError(f"'{outcome}' is not a Then step; write the outcome as a Then step of docs/steps.md, "
                             f"e.g. 'it fills with slippage above 50 bps'")
    if getattr(check_match.func, "is_seed_sweep", False):
        raise SweepStepError("a seed sweep cannot check another seed sweep")
    replay = _steps_before_this_one(scenario)
    if not any(s.step_type == "when" for s in replay):
        raise SweepStepError("a seed sweep replays the scenario's When steps, and this scenario has none before it")
    if derive_seed(desk.master_seed, desk.seed_name) != desk.seed:
        raise SweepStepError(f"this scenario's seed {desk.seed} is not derive_seed({desk.master_seed}, "
                             f"{desk.seed_name!r}): the hooks derive seeds differently from the sweep, so its "
                             f"rerun commands would not repeat its seeds")
    matches = [(step, registry.find_match(step)) for step in replay]
    result = SeedSweep(outcome, required, desk.location)
    opener = opener_for("inprocess")()
    broker = next(opener)
    try:
        for master in range(desk.master_seed, desk.master_seed + seeds):
            scenario_seed = derive_seed(master, desk.seed_name)
            replay_desk = Desk(broker=broker, seed=scenario_seed, master_seed=master, target="inprocess",
                               location=desk.location, seed_name=desk.seed_name)
            result.outcomes.append(_one_seed(context, replay_desk, matches, (check, check_match)))
    finally:
        next(opener, None)
    _attach(result)
    return result


def _steps_before_this_one(scenario) -> list:
    steps = []
    for step in scenario.all_steps:
        if step.status.name == "untested":  # the step running now: every step before it passed
            break
        if step.step_type in ("given", "when"):
            steps.append(step)
    return steps


def _one_seed(context, replay_desk: Desk, matches, check) -> SeedOutcome:
    context._push(layer="seed-sweep")
    try:
        context.desk = replay_desk
        for step, match in [*matches, check]:
            with context._use_with_behave_mode():
                context.text, context.table = step.text, step.table
            try:
                match.run(context)
            except AssertionError as failure:
                return SeedOutcome(replay_desk.master_seed, replay_desk.seed, False,
                                   f"{step.keyword} {step.name}", str(failure) or type(failure).__name__)
            except Exception as error:  # a bug, not chance: stop and say where
                raise RuntimeError(f"seed sweep, master seed {replay_desk.master_seed}: '{step.keyword} "
                                   f"{step.name}' raised {type(error).__name__}: {error}") from error
        return SeedOutcome(replay_desk.master_seed, replay_desk.seed, True)
    finally:
        context._pop()


def _attach(result: SeedSweep) -> None:
    import allure

    allure.attach(json.dumps(result.to_dict(), indent=2), name="seed sweep.json",
                  attachment_type=allure.attachment_type.JSON)
