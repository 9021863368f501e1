"""A sweep's verdict per scenario: runs, passed, failed, the pass rate with its Wilson 95 % interval, the rate it
needed, and every failing seed with the command that repeats it. As text for a terminal and as JSON.

Rules:
- A run skipped by the suite's own hooks (a scenario that does not apply to the target) counts neither way.
- A scenario is below its threshold when its observed pass rate is: ``passed / runs < required``. The interval is
  printed so a reader can tell a real regression from the noise of a small sample.
- The required rate is the scenario's ``@pass_rate:`` tag, else ``--min-pass-rate`` (default 1.0: every seed).
- Rerun commands are behave's own: ``behave -D seed=S [-D name=value ...] file:line`` from the project root.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .plan import ScenarioRef
from .stats import percent, wilson_interval
from .worker import Outcome

SHOWN_FAILURES = 3


def rerun_command(location: str, seed: int, defines: tuple[tuple[str, str], ...] = ()) -> str:
    extra = "".join(f" -D {shlex.quote(f'{k}={v}')}" for k, v in defines)
    return f".venv/bin/python -m behave -D seed={seed}{extra} {location}"


@dataclass
class ScenarioSummary:
    scenario: ScenarioRef
    required_rate: float
    outcomes: list[Outcome] = field(default_factory=list)
    defines: tuple[tuple[str, str], ...] = ()

    @property
    def runs(self) -> int:
        return sum(1 for o in self.outcomes if o.counted)

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        return self.runs - self.passed

    @property
    def skipped(self) -> int:
        return len(self.outcomes) - self.runs

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.runs if self.runs else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.passed, self.runs)

    @property
    def ok(self) -> bool:
        """At or above the required rate; a scenario that never ran (all skipped) is not judged."""
        return self.pass_rate is None or self.pass_rate >= self.required_rate

    def failures(self) -> list[Outcome]:
        return sorted((o for o in self.outcomes if o.counted and not o.passed), key=lambda o: o.seed)

    def to_dict(self) -> dict:
        low, high = self.interval
        return {
            "location": self.scenario.location, "name": self.scenario.name, "feature": self.scenario.feature,
            "tags": list(self.scenario.tags), "runs": self.runs, "passed": self.passed, "failed": self.failed,
            "skipped": self.skipped, "pass_rate": self.pass_rate, "ci95": [low, high],
            "required_rate": self.required_rate,
            "required_by": "tag" if self.scenario.required_rate is not None else "--min-pass-rate",
            "ok": self.ok,
            "failing_seeds": [{"seed": o.seed, "scenario_seed": o.scenario_seed, "status": o.status,
                               "step": o.step, "message": o.message,
                               "rerun": rerun_command(self.scenario.location, o.seed, self.defines)}
                              for o in self.failures()],
        }


@dataclass
class SweepResult:
    scenarios: list[ScenarioSummary]
    seeds: list[int]
    min_pass_rate: float
    workers: str
    wall_s: float = 0.0
    defines: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.scenarios)

    @property
    def below(self) -> list[ScenarioSummary]:
        return [s for s in self.scenarios if not s.ok]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "seeds": {"first": self.seeds[0], "count": len(self.seeds), "last": self.seeds[-1]},
                "min_pass_rate": self.min_pass_rate, "workers": self.workers, "wall_s": round(self.wall_s, 3),
                "defines": dict(self.defines), "scenario_runs": sum(len(s.outcomes) for s in self.scenarios),
                "scenarios": [s.to_dict() for s in self.scenarios]}

    def save_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    def text(self) -> str:
        rows = []
        for s in self.scenarios:
            low, high = s.interval
            rate = "-" if s.pass_rate is None else percent(s.pass_rate)
            rows.append([s.scenario.location, _short(s.scenario.name), str(s.runs), str(s.passed), str(s.failed),
                         rate, f"{percent(low)}-{percent(high)}" if s.runs else "-",
                         f"{'' if s.scenario.required_rate is None else '@'}{percent(s.required_rate)}",
                         "ok" if s.ok else "BELOW"])
        header = ["scenario", "name", "runs", "passed", "failed", "pass rate", "95% CI", "needed", "verdict"]
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        right = {2, 3, 4, 5, 6, 7}

        def line(cells):
            return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
        for s in self.scenarios:
            failures = s.failures()
            if not failures:
                continue
            out += ["", f"{s.scenario.location} {s.scenario.name}: failed under {len(failures)} of {s.runs} seeds; "
                        f"first {min(SHOWN_FAILURES, len(failures))}:"]
            for o in failures[:SHOWN_FAILURES]:
                what = (o.message or o.status).splitlines()
                out.append(f"  seed {o.seed} ({o.status}): {(o.step + ': ') if o.step else ''}{what[0] if what else ''}")
                out.append(f"    rerun: {rerun_command(s.scenario.location, o.seed, self.defines)}")
        skipped = sum(s.skipped for s in self.scenarios)
        verdict = ("every scenario at or above its required pass rate" if self.ok else
                   f"{len(self.below)} of {len(self.scenarios)} scenarios below their required pass rate")
        out += ["", f"{len(self.scenarios)} scenarios x {len(self.seeds)} seeds "
                    f"(master seeds {self.seeds[0]}..{self.seeds[-1]}) = {sum(s.runs for s in self.scenarios):,} runs"
                    + (f" (+{skipped} skipped)" if skipped else "")
                    + f" on {self.workers} in {self.wall_s:.1f} s: {verdict}"]
        return "\n".join(out)


def _short(name: str, width: int = 60) -> str:
    return name if len(name) <= width else name[:width - 3] + "..."


def summarize(scenarios: list[ScenarioRef], outcomes: list[Outcome], seeds: list[int], min_pass_rate: float,
              workers: str, wall_s: float, defines: tuple[tuple[str, str], ...] = ()) -> SweepResult:
    by_location = {s.location: ScenarioSummary(s, s.required_rate if s.required_rate is not None else min_pass_rate,
                                               defines=defines) for s in scenarios}
    for outcome in outcomes:
        summary = by_location.get(outcome.location)
        if summary is not None:
            summary.outcomes.append(outcome)
    for summary in by_location.values():
        summary.outcomes.sort(key=lambda o: o.seed)
    return SweepResult(list(by_location.values()), list(seeds), min_pass_rate, workers, wall_s, defines)
