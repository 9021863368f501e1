"""Fixtures and fakes: seeded people and orders, fixture files, bad fixtures, the CLI into a running service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockbroker import MockBroker
from mockbroker import fixtures
from mockbroker.cli import main
from mockbroker.client import HttpBroker
from mockbroker.fakes import FakeData
from mockbroker.fixtures import FIXTURES_DIR, FixtureError
from mockbroker.harness import ROOT, ServiceProcess

FOLDERS = ("accounts", "generated", "markets", "snapshots")
"""The folders of tests/fixtures holding fixture files (others hold market data and scenario files)."""
FIXTURE_FILES = sorted(p.relative_to(FIXTURES_DIR).as_posix() for folder in FOLDERS
                       for p in (FIXTURES_DIR / folder).glob("*.yaml"))


def test_the_same_seed_gives_the_same_people_and_orders_and_another_seed_others():
    one = FakeData(7).fixture(accounts=4, symbols=("ACME", "BOLT"), orders=6)
    again = FakeData(7).fixture(accounts=4, symbols=("ACME", "BOLT"), orders=6)
    other = FakeData(8).fixture(accounts=4, symbols=("ACME", "BOLT"), orders=6)
    assert one == again
    assert [a.name for a in one.accounts] != [a.name for a in other.accounts]
    assert len({a.id for a in one.accounts}) == 4
    assert all(a.account_number.startswith("PA") and len(a.account_number) == 12 for a in one.accounts)
    # asking for more accounts does not change the first ones
    assert FakeData(7).fixture(accounts=6, symbols=("ACME", "BOLT"), orders=6).accounts[:4] == one.accounts


def test_a_generated_fixture_round_trips_and_loads_into_a_broker_the_same_way_twice(tmp_path):
    fixture = FakeData(3).fixture(accounts=2, symbols=("ACME",), orders=4)
    for name in ("f.yaml", "f.json"):
        fixtures.dump(fixture, tmp_path / name)
        assert fixtures.load(tmp_path / name) == fixture
    first, second = MockBroker(), MockBroker()
    fixtures.apply(fixture, first)
    fixtures.apply(fixture, second)
    assert first.event_log_json() == second.event_log_json()
    for account in fixture.accounts:
        held = {p.symbol: p.qty for p in first.list_positions(account=account.id)}
        assert held  # the generated history never sells more than it holds
        assert all(qty > 0 for qty in held.values())


@pytest.mark.parametrize("path", FIXTURE_FILES)
def test_every_fixture_file_in_the_repository_loads_and_applies(path):
    fixture = fixtures.load(FIXTURES_DIR / path)
    broker = MockBroker()
    summary = fixtures.apply(fixture, broker, seed=5)
    assert summary["accounts"] == [a.id for a in fixture.accounts]


@pytest.mark.parametrize("text, field", [
    ("accounts: [{id: alice, cash: lots}]", "accounts[0].cash"),
    ("accounts: [{id: alice, orders: [{symbol: ACME, side: hold, qty: 1}]}]", "accounts[0].orders[0].side"),
    ("accounts: [{id: alice, positions: [{symbol: ACME, shares: 1.5}]}]", "accounts[0].positions[0].shares"),
    ("acounts: []", "acounts"),
    ("version: 9", "version"),
    ("accounts: [{id: alice, nickname: al}]", "accounts[0].nickname"),
])
def test_a_bad_fixture_names_the_file_and_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as error:
        fixtures.load(path)
    assert error.value.code == "invalid_fixture"
    assert str(path) in error.value.message and field in error.value.message


def test_an_unparsable_or_missing_fixture_is_a_fixture_error(tmp_path):
    (tmp_path / "broken.yaml").write_text("accounts: [")
    with pytest.raises(FixtureError, match="not valid YAML"):
        fixtures.load(tmp_path / "broken.yaml")
    with pytest.raises(FixtureError, match="no such file"):
        fixtures.load("no-such-fixture")


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command line, run in this process (the service it talks to is a real process)."""
    code = main(["fixtures", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_generates_a_fixture_and_loads_it_into_a_running_service(tmp_path, capsys):
    out = tmp_path / "people.yaml"
    code, _, err = run_cli(capsys, "generate", "--seed", "11", "--accounts", "2", "--orders", "3",
                           "--symbols", "ACME,BOLT", "-o", str(out))
    assert code == 0, err
    assert fixtures.load(out) == FakeData(11).fixture(accounts=2, symbols=("ACME", "BOLT"), orders=3)
    with ServiceProcess() as service:
        code, printed, err = run_cli(capsys, "load", str(out), "--url", service.base_url)
        assert code == 0, err
        assert json.loads(printed)["orders"] == 6
        reference = MockBroker()
        fixtures.apply(fixtures.load(out), reference)
        with HttpBroker(service.base_url) as broker:
            for account in [a.id for a in fixtures.load(out).accounts]:
                assert [o.to_dict() for o in broker.list_orders(account=account, status="all")] == \
                       [o.to_dict() for o in reference.list_orders(account=account, status="all")]
    code, _, err = run_cli(capsys, "load", str(tmp_path / "missing.yaml"), "--url", "http://127.0.0.1:9")
    assert code == 2 and "no such file" in err


def test_the_cli_prints_a_generated_fixture_and_checks_files(capsys):
    code, printed, _ = run_cli(capsys, "generate", "--seed", "4", "--accounts", "1", "--orders", "2")
    assert code == 0 and printed.startswith("version: 1")
    code, printed, _ = run_cli(capsys, "check", str(FIXTURES_DIR / "accounts" / "alice-and-bob.yaml"))
    assert code == 0 and "ok (2 accounts, 3 orders)" in printed


def test_fixture_files_are_documented():
    doc = (Path(ROOT) / "docs" / "fixtures.md").read_text()
    assert FIXTURE_FILES
    for path in FIXTURE_FILES:
        assert f"`{path}`" in doc, f"docs/fixtures.md does not mention {path}"
