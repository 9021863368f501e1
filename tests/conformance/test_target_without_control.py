"""The suite on a target that offers only the ``Broker`` contract: the desk meets the target instead of setting it,
waits in real time, cleans up after itself, and skips what the target cannot run, saying why.

The target here is the in-process mock behind a facade that hides ``SimulationControl`` and lets a little of its
clock pass on every call, as a real broker's market moves on its own: fast, and without a service."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from mockbroker.broker import MockBroker
from mockbroker.capabilities import Capability
from mockbroker.domain import OrderStatus, OrderType, Side
from mockbroker.interface import Broker, SimulationControl
from steps.support import capabilities, cleanup, tasks, waiting
from steps.support.desk import Desk
from steps.support.scene import SceneError
from steps.support.target import TargetProfile, check_contract, profile_of

BROKER_CALLS = {name for name in dir(Broker) if not name.startswith("_")}


class SelfDriving:
    """Only the ``Broker`` contract of an in-process mock; 50 ms of its clock pass before every call."""

    capabilities = ("fills", "two-accounts")
    accounts = ("primary", "secondary")
    symbols = ("ACME",)

    def __init__(self) -> None:
        self._mock = (MockBroker.builder().symbols("ACME").seed(7).account("primary", cash=100_000)
                      .account("secondary", cash=100_000).build())

    def __getattr__(self, name):
        if name not in BROKER_CALLS:
            raise AttributeError(name)
        method = getattr(self._mock, name)

        def call(*args, **kwargs):
            self._mock.advance(0.05)
            return method(*args, **kwargs)
        return call


@pytest.fixture
def desk():
    broker = SelfDriving()
    check_contract(broker, "self-driving")
    profile = profile_of("self-driving", broker, {"wait_timeout": "2"})
    return Desk(broker=broker, seed=7, master_seed=7, target="self-driving", location="probe", profile=profile,
                run_token="abcd1234")


def test_the_facade_is_a_broker_without_control(desk):
    assert isinstance(desk.broker, Broker) and not isinstance(desk.broker, SimulationControl)
    assert desk.profile.capabilities == {Capability.FILLS, Capability.TWO_ACCOUNTS}
    assert desk.profile.lacks({Capability.CONTROL, Capability.FILLS}) == [Capability.CONTROL]


def test_the_scenario_accounts_are_the_targets_in_the_order_named(desk):
    desk.scene.add_account("alice")
    desk.scene.add_account("bob")
    desk.ready()
    assert desk.account_of("alice") == "primary" and desk.account_of("bob") == "secondary"
    assert desk.named("secondary") == "bob (the target's secondary)"
    assert desk.symbol() == "ACME" and desk.start_cash == {"primary": Decimal("100000.00"),
                                                           "secondary": Decimal("100000.00")}
    with pytest.raises(SceneError, match="two-accounts"):
        desk.account_of("carol")


def test_a_scene_only_control_can_set_is_refused_in_words(desk):
    from steps.support.scene import DEFAULT_PRICE

    desk.scene.add_account("alice", cash=Decimal("5000"))
    desk.scene.add_symbol("ACME", price=DEFAULT_PRICE)
    with pytest.raises(SceneError, match="cannot set the scene.*alice's cash.*the symbol ACME.*@needs:control"):
        desk.ready()


def test_client_order_ids_carry_the_run_token(desk):
    assert desk.client_order_id("desk-1") == "desk-1-abcd1234"


def test_orders_settle_in_real_time_and_cleanup_cancels_and_trades_back(desk):
    desk.ready()
    resting = tasks.place(desk, "I", tasks.order_request("ACME", 1, Side.BUY, kind=OrderType.LIMIT,
                                                         limit=tasks.far_limit(desk, Side.BUY)))
    assert resting.status is OrderStatus.NEW
    bought = tasks.place(desk, "I", tasks.order_request("ACME", 2, Side.BUY))
    assert waiting.eventually(desk, lambda: desk.broker.get_order(bought.id, account="primary"),
                              lambda o: o.status is OrderStatus.FILLED).filled_qty == 2
    done = cleanup.after_scenario(desk)
    assert any(line.startswith("canceled primary's order") for line in done), done
    assert any("traded back primary's +2 ACME" in line for line in done), done
    assert desk.broker.get_order(resting.id, account="primary").status is OrderStatus.CANCELED
    assert desk.shares_now("primary", "ACME") == 0


def test_eventually_gives_up_after_the_wait_and_says_so(desk):
    started = time.monotonic()
    value = waiting.eventually(desk, lambda: 1, lambda v: v == 2)
    assert value == 1 and time.monotonic() - started >= 2.0
    assert waiting.note(desk) == "; waited 2.0 s of real time for it"


def test_a_mock_waits_in_simulated_time_and_never_sleeps():
    desk = Desk(broker=MockBroker(), seed=7, master_seed=7, target="inprocess", location="probe",
                profile=TargetProfile(name="inprocess"))
    started = time.monotonic()
    assert waiting.eventually(desk, lambda: 1, lambda v: v == 2) == 1
    assert time.monotonic() - started < 0.5 and waiting.note(desk) == ""


def test_the_skip_reason_names_each_missing_capability_and_what_it_is_for():
    profile = TargetProfile(name="alpaca", capabilities=frozenset({Capability.FILLS}))
    reason = capabilities.skip_reason(profile, [Capability.CONTROL, Capability.CLOCK])
    assert reason.startswith("target alpaca lacks control, clock: the scenario needs control (sets the scene")
    assert "clock (moves virtual time" in reason and "The target offers: fills" in reason
