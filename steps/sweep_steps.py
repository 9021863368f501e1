"""Seed sweeps: outcomes that depend on chance, checked across many seeds at once (a pass rate, not one run).

The sweep replays the scenario's Given and When steps under the master seeds M, M+1, ... (M = the run's seed) on
an in-process broker of its own, checks the outcome (any Then step of this catalog) in each, and passes when the
share of seeds where it held reaches the stated percentage. Its message names the failing seeds and the command
that shows each one in full; ``python -m mockbroker sweep`` does the same for whole scenarios, on Dask.
"""

from behave import then  # noqa: F401

from steps.support.capabilities import needs
from steps.support import seed_sweep
from steps.support.matchers import assert_that, compares, percent
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types


@then("in at least {rate:Percent} of {seeds:Shares} seeds {outcome}")
@needs("control", "clock")
def step_in_at_least_share_of_seeds(context, rate, seeds, outcome):
    """Replays the scenario's Given and When steps under that many seeds and checks the outcome (a Then step) held in at least that share of them. Example: Then in at least 95% of 200 seeds it fills with slippage above 50 bps"""
    found = seed_sweep.sweep(context, rate, seeds, outcome)
    assert_that(found.pass_pct, compares(f"the share of {seeds:,} seeds where '{outcome}'", "at least", rate, percent),
                found.describe())


step_in_at_least_share_of_seeds.is_seed_sweep = True  # its outcome may be any Then step but itself
