"""State: accounts set up in one line, snapshots saved, restored and compared, and state loaded from fixtures.

Snapshots hold the whole simulation (clock, prices, orders, fills, balances); "nothing changed since snapshot x
except:" compares now with snapshot x and names every difference in a tester's words (see ``mockbroker.state``).
Snapshots a scenario saves are deleted when it ends, so no scenario sees another's.

Only the ``Broker`` and ``SimulationControl`` protocols are called, so every step works in process and over HTTP.
"""

from __future__ import annotations

import re
from decimal import Decimal

from behave import given, then, when  # noqa: F401

from mockbroker import fixtures
from steps.support.capabilities import needs
from steps.support.tables import CHANGES_TABLE, HOLDINGS_TABLE, cell, rows, shares as shares_cell, symbol as symbol_cell, takes_table
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types

SNAPSHOT_FIXTURES = "snapshots"
"""Folder of ``tests/fixtures`` holding the states that 'Given the broker state from snapshot' loads."""


# -- helpers (the steps stay one or two lines) ----------------------------------------------------------------------

def _saved(context) -> set[str]:
    """Names saved in this scenario; deleted when it ends (behave runs the cleanup after the scenario)."""
    if not hasattr(context, "snapshots_saved"):
        context.snapshots_saved = set()
        context.add_cleanup(_forget_snapshots, context.desk.broker, context.snapshots_saved)
    return context.snapshots_saved


def _forget_snapshots(broker, names: set[str]) -> None:
    delete = getattr(broker, "delete_snapshot", None)
    for name in sorted(names):
        try:
            if delete is not None:
                delete(name)
        except Exception:  # noqa: BLE001 - the broker may be gone already; nothing else to clean
            pass


def save_snapshot(context, name: str) -> None:
    _saved(context).add(name)
    context.desk.ready().broker.snapshot(name)


def _rebaseline(desk) -> None:
    """After a loaded history, "unchanged" and "since the start" steps compare with the loaded state."""
    broker = desk.broker
    for account in list(desk.start_cash):
        balances = broker.get_account(account)
        desk.start_cash[account] = balances.cash
        desk.start_buying_power[account] = balances.buying_power
        desk.opening_fills.update(f.fill_id for f in broker.list_fills(account=account))
    for symbol in list(desk.start_mid):
        state = broker.market_state(symbol)
        desk.start_mid[symbol] = state.mid
        desk.start_volatility[symbol] = state.volatility_pct
    desk.start_ns = broker.now_ns()


def load_state(context, name: str) -> None:
    """Set the scene from ``tests/fixtures/snapshots/<name>.yaml``, play its history, save it as snapshot ``name``."""
    desk = context.desk
    fixture = fixtures.load(name, SNAPSHOT_FIXTURES)
    scene = desk.scene
    scene.use_scenario(fixture.scenario)
    scene.set_market(**{_snake(k): v for k, v in fixture.market.items()})
    scene.set_execution(**{_snake(k): v for k, v in fixture.execution.items()})
    for symbol in fixture.symbols:
        scene.add_symbol(symbol.symbol, price=Decimal(symbol.price))
    for account in fixture.accounts:
        scene.add_account(account.id, cash=Decimal(account.cash), shorting=account.shorting_enabled)
        for position in account.positions:
            scene.open_position(account.id, position.symbol, position.shares)
    desk.ready()
    fixtures.play_orders(fixture, desk.broker)
    _rebaseline(desk)
    save_snapshot(context, name)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def check_changes(context, name: str, table) -> None:
    diff = context.desk.ready().broker.diff_snapshots(name, None)
    allowed = rows(table, CHANGES_TABLE.required, CHANGES_TABLE.optional) if table is not None else []
    problems = []
    for row in allowed:  # a row with from/to must have changed that way; a row without may change
        found = diff.about(row["what"])
        for column, attribute in (("from", "before"), ("to", "after")):
            want = row.get(column, "")
            if want in ("", "-"):
                continue
            if not found:
                problems.append(f"expected {row['what']} to change {column} {want}, but it did not change")
                break
            if not any(_same(getattr(c, attribute), want) for c in found):
                got = ", ".join(str(getattr(c, attribute)) for c in found)
                problems.append(f"{row['what']}: expected {column} {want}, but it went {column} {got}")
    named = {row["what"].lower() for row in allowed}
    unexpected = [c.text for c in diff.changes if c.subject.lower() not in named]
    if unexpected:
        problems.append("unexpected changes:\n  - " + "\n  - ".join(unexpected))
    if problems:
        raise AssertionError(f"since snapshot {name!r}:\n" + "\n".join(problems)
                             + f"\n\nEverything that changed ({diff.before} -> {diff.after}):\n{diff}")


def _same(actual: str | None, wanted: str) -> bool:
    if actual is None:
        return wanted.lower() in ("none", "nothing")
    norm = lambda text: text.replace(",", "").replace(" shares", "").strip().lower()  # noqa: E731
    return norm(actual) == norm(wanted)


# -- Given ----------------------------------------------------------------------------------------------------------

@given('the account "{name}" with {cash:Money} cash and these positions')
@given('the account "{name}" with {cash:Money} cash and these positions:')
@takes_table(HOLDINGS_TABLE)
@needs("control")
def step_account_with_cash_and_positions(context, name, cash):
    """Opens an account with exactly that cash and these holdings (negative shares: short), granted at each symbol's starting price without a trade. Example: Given the account "alice" with $100,000 cash and these positions:"""
    scene = context.desk.scene
    scene.add_account(name, cash=cash)
    for row in rows(context.table, HOLDINGS_TABLE.required):
        scene.open_position(name, cell(row, "symbol", symbol_cell), cell(row, "shares", shares_cell))


@given('the broker state from snapshot "{name}"')
@needs("control", "snapshots")
def step_broker_state_from_snapshot(context, name):
    """Loads a saved state (tests/fixtures/snapshots/<name>.yaml: accounts, positions, orders, time) and saves it as snapshot <name>; put it after the other Given steps. Example: Given the broker state from snapshot "before-close\""""
    load_state(context, name)


# -- When -----------------------------------------------------------------------------------------------------------

@when('I save a snapshot "{name}"')
@needs("snapshots")
def step_save_snapshot(context, name):
    """Saves the whole simulation under a name (saving a name again replaces it). Example: When I save a snapshot "before-news\""""
    save_snapshot(context, name)


@when('I go back to the snapshot "{name}"')
@needs("snapshots")
def step_go_back_to_snapshot(context, name):
    """Puts the whole simulation back as it was when the snapshot was saved; what follows replays exactly. Example: When I go back to the snapshot "before-news\""""
    context.desk.ready().broker.restore(name)


# -- Then -----------------------------------------------------------------------------------------------------------

@then('nothing changed since snapshot "{name}"')
@needs("snapshots")
def step_nothing_changed(context, name):
    """Checks that the simulation is exactly as saved: clock, cash, positions, orders, prices. Example: Then nothing changed since snapshot "x\""""
    check_changes(context, name, None)


@then('nothing changed since snapshot "{name}" except')
@then('nothing changed since snapshot "{name}" except:')
@takes_table(CHANGES_TABLE)
@needs("snapshots")
def step_nothing_changed_except(context, name):
    """Checks that only what the table names changed (a row with from/to must have changed that way). Example: Then nothing changed since snapshot "x" except:"""
    check_changes(context, name, context.table)
