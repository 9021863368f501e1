"""What ``environment.py`` delegates to: one broker per run, one desk (and seed) per scenario, evidence after.

Userdata (``-D name=value`` or ``[behave.userdata]``):
- ``target``: ``inprocess`` (default), ``http``, or ``package.module:factory`` (see ``steps.support.target``);
- ``without``, ``symbol``, ``wait_timeout``: narrow what the target offers, pick the symbol a target without
  control trades, and how long steps wait for it in real time (see ``steps.support.target.profile_of`` and
  docs/conformance.md);
- ``seed``: the master seed, a whole number from 0 to 2**63-1 (default 2109). Each scenario gets
  ``derive_seed(master, "<feature file>:<scenario name>")``, so one scenario reruns alone with the same numbers.

What each hook adds to the Allure report (docs/report.md):
- ``before_all``: a run that cannot start (a bad seed, a target that cannot be opened, a service that does not
  come up) is refused with a message naming the cause, which also goes into the report as a global error, before
  any scenario runs;
- ``before_scenario``: the Feature's narrative on the scenario's page; the scenario's market lens, through which
  failures explain themselves (``matchers``) and the chart gets its data;
- ``after_step``: the lens samples the market; a failed step's message gains the command that reruns exactly this
  scenario, and its traceback keeps the frames in ``steps/`` (plus where the error was raised);
- ``after_scenario``: an error in ``before_scenario`` shown as the scenario's own (broken, not skipped), the
  reason a scenario was skipped, a load scenario's charts with the limits its steps checked, and the evidence
  (``evidence.attach_scenario_evidence``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import allure
import allure_commons
from behave.fixture import use_fixture

from mockbroker.seeds import DEFAULT_SEED, derive_seed

from . import matchers, streaming
from .desk import Desk
from .evidence import attach_scenario_evidence, rerun_command, seed_note
from .market_context import MarketLens
from .target import check_contract, opener_for, profile_of
from . import capabilities, cleanup
from .suggestions import after_scenario as suggest_for_undefined_steps
from .plain_errors import install as explain_step_errors_in_trading_words

STEPS_DIR = Path(__file__).resolve().parents[1]
PLUMBING = {Path(matchers.__file__).resolve()}  # assert_that's own frame says nothing about the scenario
MAX_SEED = 2**63 - 1


class RunRefused(Exception):
    """The run cannot start as asked (bad userdata, a target that cannot be opened): nothing has run yet."""


def master_seed(userdata) -> int:
    """The ``-D seed=`` value, checked: a whole number from 0 to 2**63-1."""
    raw = userdata.get("seed", str(DEFAULT_SEED))
    text = str(raw).strip().replace("_", "").replace(",", "")
    if not text.isdigit() or int(text) > MAX_SEED:
        raise RunRefused(f"-D seed={raw}: the master seed must be a whole number from 0 to {MAX_SEED:,} (2**63-1), "
                         f"for example -D seed={DEFAULT_SEED} (make report SEED={DEFAULT_SEED})")
    return int(text)


def _broker_fixture(context, target: str):
    try:
        opener = opener_for(target)()
        broker = next(opener)
        check_contract(broker, target)
    except RunRefused:
        raise
    except Exception as problem:  # noqa: BLE001 - any failure to open the target refuses the run, with its cause
        raise RunRefused(f"target={target}: the broker could not be opened: {type(problem).__name__}: {problem}") \
            from problem
    yield broker
    next(opener, None)


def before_all(context) -> None:
    userdata = context.config.userdata
    try:
        context.target = userdata.get("target", "inprocess")
        context.master_seed = master_seed(userdata)
        explain_step_errors_in_trading_words(context)
        context.broker = use_fixture(_broker_fixture, context, context.target)
        context.profile = profile_of(context.target, context.broker, userdata)
    except RunRefused as refused:
        report_global_error(f"behave did not start: {refused}")
        raise
    context.run_token = cleanup.run_token()
    capabilities.install(context)  # what the target lacks: skipped scenarios are reported, with their reason
    capabilities.announce(context.profile)


def report_global_error(message: str) -> None:
    """An error of the whole run, on the report's front page (no-op when the Allure formatter is not in use)."""
    allure_commons.plugin_manager.hook.global_error(message=message, trace=None)


def before_scenario(context, scenario) -> None:
    context.desk = context.lens = None  # nothing of the previous scenario survives a failure below
    matchers.observe(None)
    if capabilities.skip_if_unmet(context, scenario):  # the target lacks a capability the scenario needs
        return
    location = f"{scenario.filename}:{scenario.line}"
    seed_name = f"{scenario.filename}:{scenario.name}"
    seed = derive_seed(context.master_seed, seed_name)
    context.desk = Desk(broker=context.broker, seed=seed, master_seed=context.master_seed, target=context.target,
                        location=location, seed_name=seed_name, profile=context.profile, run_token=context.run_token)
    context.lens = MarketLens(context.desk)
    matchers.observe(context.lens)
    allure.dynamic.description(narrative(scenario))


def narrative(scenario) -> str:
    """The Feature's title and description, then the scenario's own description (Markdown)."""
    parts = [f"**Feature: {scenario.feature.name}**"]
    if scenario.feature.description:
        parts.append("\n".join(line.strip() for line in scenario.feature.description))
    if scenario.description:
        parts.append("\n".join(line.strip() for line in scenario.description))
    return "\n\n".join(parts)


def after_step(context, step) -> None:
    lens = getattr(context, "lens", None)
    if lens is not None:
        try:
            lens.sample()
        except Exception:  # noqa: BLE001 - observing must never fail a step
            pass
    if step.status.name in ("failed", "error") and step.exception is not None:
        explain_failure(context, step)


def explain_failure(context, step) -> None:
    """The rerun command goes into the failure's message; the traceback keeps the frames in steps/."""
    desk = getattr(context, "desk", None)
    if desk is not None:
        step.exception.add_note(f"rerun: {rerun_command(desk, run_values(context))}")
    step.exc_traceback = steps_frames(step.exc_traceback)


def run_values(context) -> dict[str, str]:
    """Every -D value of the run (and, for a load scenario, the scale and headroom it ran with)."""
    values = {k: str(v) for k, v in context.config.userdata.items() if not k.startswith("AllureFormatter.")}
    lab = getattr(context, "load_lab", None)
    if lab is not None:
        from .performance import effective_headroom

        values["scale"] = f"{lab.scale:g}"
        values["time_headroom"] = f"{effective_headroom(context):g}"
    return values


def steps_frames(tb):
    """The traceback's frames in steps/, plus the innermost frame when it is elsewhere (where an error was
    raised in the broker or a library); the assertion plumbing of ``matchers`` is left out."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    if not frames:
        return None
    paths = [Path(f.tb_frame.f_code.co_filename).resolve() for f in frames]
    kept = [f for f, path in zip(frames, paths) if path.is_relative_to(STEPS_DIR) and path not in PLUMBING]
    if not paths[-1].is_relative_to(STEPS_DIR) or not kept:
        kept.append(frames[-1])
    for earlier, later in zip(kept, kept[1:]):
        earlier.tb_next = later
    kept[-1].tb_next = None
    return kept[0]


def after_scenario(context, scenario) -> None:
    suggest_for_undefined_steps(context, scenario)  # undefined steps: the nearest catalog steps, printed and in the report
    show_hook_error(scenario)
    show_skip_reason(scenario)
    attach_load_charts(context)
    desk = getattr(context, "desk", None)
    matchers.observe(None)
    if desk is None:
        return
    streaming.close_all(desk)  # a scenario's stream clients never outlive it
    cleanup.after_scenario(desk)  # a target that keeps its state: cancel what the scenario left open
    failed = scenario.status.name in ("failed", "error", "hook_error")
    attach_scenario_evidence(desk, getattr(context, "lens", None), run_values(context), scenario.name, failed,
                             first_failure(scenario))
    if failed:
        sys.__stderr__.write(f"\n  {scenario.name}: {seed_note(desk, run_values(context))}")


def after_all(context) -> None:
    profile = getattr(context, "profile", None)  # none when before_all failed
    if profile is not None:
        capabilities.summarize(profile)  # how many scenarios each missing capability skipped


def attach_load_charts(context) -> None:
    """A load scenario's charts, drawn once its Then steps have said which limits they checked."""
    if getattr(context, "load_lab", None) is None:
        return
    from .performance import attach_charts

    try:
        attach_charts(context)
    except Exception as problem:  # noqa: BLE001 - a chart must not fail the scenario
        allure.attach(f"{type(problem).__name__}: {problem}", name="load charts (not drawn)",
                      attachment_type=allure.attachment_type.TEXT)


def first_failure(scenario) -> str | None:
    """The first line of the first failed step's message (the chart's caption)."""
    for step in scenario.all_steps:
        if step.exception is not None:
            text = str(step.exception).strip()
            return text.splitlines()[0] if text else type(step.exception).__name__
    return None


def show_hook_error(scenario) -> None:
    """An error in before_scenario: behave marks the steps untested (Allure would call that skipped); give the
    first step the error, so the scenario shows as broken with the hook's message."""
    if not getattr(scenario, "hook_failed", False) or scenario.exception is None:
        return
    steps = list(scenario.all_steps)
    if steps and not any(s.exception for s in steps):
        steps[0].exception, steps[0].exc_traceback = scenario.exception, scenario.exc_traceback


def show_skip_reason(scenario) -> None:
    reason = getattr(scenario, "skip_reason", None)
    if scenario.status.name == "skipped" and reason:
        allure.dynamic.description(f"**Skipped:** {reason}\n\n{narrative(scenario)}")
