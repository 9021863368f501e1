"""behave hooks: thin on purpose; the work is in ``steps/support/hooks.py``."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from steps.support import hooks  # noqa: E402


def before_all(context):
    hooks.before_all(context)


def before_scenario(context, scenario):
    hooks.before_scenario(context, scenario)


def after_step(context, step):
    hooks.after_step(context, step)


def after_scenario(context, scenario):
    hooks.after_scenario(context, scenario)


def after_all(context):
    hooks.after_all(context)
