"""Time: simulated time passing, and how long orders take to reach the venue.

Nothing here waits on the wall clock: time moves only on the broker's virtual clock.
"""

from behave import given, when  # noqa: F401

from steps.support.capabilities import needs
from steps.support import tasks
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types


@when("{duration:Duration} pass")
@when("{duration:Duration} passes")
@needs("clock")
def step_time_passes(context, duration):
    """Moves simulated time forward; prices move and resting orders may fill meanwhile. Example: When 5 minutes pass"""
    tasks.pass_time(context.desk, duration)


@given("orders reach the venue after {latency:Duration}")
@needs("control")
def step_orders_reach_venue_after(context, latency):
    """Sets a fixed latency between sending an order and its arrival at the venue. Example: Given orders reach the venue after 250 ms"""
    context.desk.scene.set_execution(latency_min=latency * 1000, latency_max=latency * 1000)


@given("orders take between {fastest:Duration} and {slowest:Duration} to reach the venue")
@needs("control")
def step_orders_take_between(context, fastest, slowest):
    """Sets the range of latencies between sending an order and its arrival. Example: Given orders take between 20 ms and 60 ms to reach the venue"""
    context.desk.scene.set_execution(latency_min=fastest * 1000, latency_max=slowest * 1000)
