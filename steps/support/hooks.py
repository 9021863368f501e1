"""What ``environment.py`` delegates to: one broker per run, one desk (and seed) per scenario, evidence after.

Userdata (``-D name=value`` or ``[behave.userdata]``):
- ``target``: ``inprocess`` (default), ``http``, or ``package.module:factory`` (see ``steps.support.target``);
- ``without``, ``symbol``, ``wait_timeout``: narrow what the target offers, pick the symbol a target without
  control trades, and how long steps wait for it in real time (see ``steps.support.target.profile_of`` and
  docs/conformance.md);
- ``seed``: the master seed (default 2109). Each scenario gets ``derive_seed(master, "<feature file>:<scenario
  name>")``, so one scenario reruns alone with the same numbers.
"""

from __future__ import annotations

import sys

from behave.fixture import use_fixture

from mockbroker.seeds import DEFAULT_SEED, derive_seed

from .desk import Desk
from . import streaming
from .evidence import attach_scenario_evidence, seed_note
from .target import check_contract, opener_for, profile_of
from . import capabilities, cleanup
from .suggestions import after_scenario as suggest_for_undefined_steps
from .plain_errors import install as explain_step_errors_in_trading_words


def _broker_fixture(context, target: str):
    opener = opener_for(target)()
    broker = next(opener)
    check_contract(broker, target)
    yield broker
    next(opener, None)


def before_all(context) -> None:
    userdata = context.config.userdata
    context.target = userdata.get("target", "inprocess")
    context.master_seed = userdata.getint("seed", DEFAULT_SEED)
    explain_step_errors_in_trading_words(context)
    context.broker = use_fixture(_broker_fixture, context, context.target)
    context.profile = profile_of(context.target, context.broker, userdata)
    context.run_token = cleanup.run_token()
    capabilities.install(context)  # what the target lacks: skipped scenarios are reported, with their reason
    capabilities.announce(context.profile)


def before_scenario(context, scenario) -> None:
    if capabilities.skip_if_unmet(context, scenario):  # the target lacks a capability the scenario needs
        context.desk = None
        return
    location = f"{scenario.filename}:{scenario.line}"
    seed_name = f"{scenario.filename}:{scenario.name}"
    seed = derive_seed(context.master_seed, seed_name)
    context.desk = Desk(broker=context.broker, seed=seed, master_seed=context.master_seed, target=context.target,
                        location=location, seed_name=seed_name, profile=context.profile, run_token=context.run_token)


def after_all(context) -> None:
    profile = getattr(context, "profile", None)  # none when before_all failed
    if profile is not None:
        capabilities.summarize(profile)  # how many scenarios each missing capability skipped


def after_scenario(context, scenario) -> None:
    suggest_for_undefined_steps(context, scenario)  # undefined steps: the nearest catalog steps, printed and in the report
    desk = getattr(context, "desk", None)
    if desk is None:
        return
    streaming.close_all(desk)  # a scenario's stream clients never outlive it
    cleanup.after_scenario(desk)  # a target that keeps its state: cancel what the scenario left open
    attach_scenario_evidence(desk)
    if scenario.status.name in ("failed", "error"):
        sys.__stderr__.write(f"\n  {scenario.name}: {seed_note(desk)}")
