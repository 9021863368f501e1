"""The virtual clock runs callbacks in (due time, sequence) order and never reads the wall clock;
seeds derive independent, stable generators."""

from datetime import timedelta

import pytest

from mockbroker.clock import NS_PER_SECOND, VirtualClock, iso, to_datetime, to_ns
from mockbroker.seeds import SeedBank, derive_seed


def test_callbacks_run_in_due_order_then_in_scheduling_order():
    clock = VirtualClock(0)
    ran = []
    clock.schedule_in(20, ran.append, args=("b",))
    clock.schedule_in(10, ran.append, args=("a",))
    clock.schedule_in(20, ran.append, args=("c",))
    clock.advance(15)
    assert ran == ["a"] and clock.now_ns() == 15
    clock.advance(5)
    assert ran == ["a", "b", "c"]


def test_now_is_the_due_time_while_a_callback_runs():
    clock = VirtualClock(0)
    seen = []
    clock.schedule_at(7, lambda: seen.append(clock.now_ns()))
    clock.run_until(100)
    assert seen == [7] and clock.now_ns() == 100


def test_a_callback_can_schedule_another_within_the_same_advance():
    clock = VirtualClock(0)
    ran = []

    def first():
        ran.append("first")
        clock.schedule_in(5, ran.append, args=("second",))

    clock.schedule_in(1, first)
    clock.advance(10)
    assert ran == ["first", "second"]


def test_cancelled_callbacks_do_not_run():
    clock = VirtualClock(0)
    ran = []
    handle = clock.schedule_in(1, ran.append, args=("x",))
    handle.cancel()
    clock.advance(5)
    assert ran == [] and clock.pending() == []


def test_step_to_moves_on_only_within_the_run_and_only_when_nothing_else_is_due_by_then():
    clock = VirtualClock(0)
    seen = []

    def worker():
        # a component working through a queue of its own: 30 and 40 are free, 50 is not (something is due at 50)
        for due in (30, 40, 50, 60):
            moved = clock.step_to(due)
            seen.append((due, moved, clock.now_ns()))
            if not moved:
                break

    clock.schedule_at(10, worker)
    clock.schedule_at(50, seen.append, args=("at 50",))
    clock.run_until(100)
    assert seen == [(30, True, 30), (40, True, 40), (50, False, 40), "at 50"]
    assert not clock.step_to(200)  # outside a run: the clock does not move
    clock.schedule_at(150, lambda: seen.append(clock.step_to(180)))
    clock.run_until(170)  # the run ends at 170: stepping to 180 would overshoot it
    assert seen[-1] is False and clock.now_ns() == 170


def test_the_clock_refuses_to_run_backwards():
    clock = VirtualClock(1_000)
    with pytest.raises(ValueError, match="does not run backwards"):
        clock.run_until(10)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_timedelta_and_iso_formatting():
    clock = VirtualClock(0)
    clock.advance(timedelta(seconds=1, milliseconds=250))
    assert clock.now_ns() == 1_250_000_000
    assert iso(1_250_000_001) == "1970-01-01T00:00:01.250000001Z"
    moment = to_datetime(to_ns(clock.now()))
    assert moment == clock.now()


def test_naive_datetimes_are_refused():
    from datetime import datetime
    with pytest.raises(ValueError, match="naive"):
        to_ns(datetime(2026, 1, 1))


def test_derived_seeds_are_stable_and_independent():
    assert derive_seed(7, "market/ACME") == derive_seed(7, "market/ACME")
    assert derive_seed(7, "market/ACME") != derive_seed(7, "market/XYZ")
    assert derive_seed(7, "market/ACME") != derive_seed(8, "market/ACME")
    a, b = SeedBank(7), SeedBank(7)
    b.generator("other").random()  # another component drawing does not shift this one
    assert a.generator("market/ACME").random() == b.generator("market/ACME").random()


def test_seed_bank_state_round_trips():
    bank = SeedBank(3)
    gen = bank.generator("x")
    gen.random()
    saved = bank.states()
    first = gen.random()
    bank.restore_states(saved)
    assert gen.random() == first


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_bad_seeds_are_refused(bad):
    with pytest.raises(ValueError, match="seed"):
        SeedBank(bad)


def test_one_second_is_a_billion_nanoseconds():
    assert NS_PER_SECOND == 1_000_000_000
