"""Persistence: a real ``serve --db`` process killed with SIGKILL and restarted; schema versions; bad files."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
from contextlib import closing
from decimal import Decimal

import pytest

from mockbroker import BrokerConfig, MockBroker, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.client import HttpBroker
from mockbroker.persistence import (SCHEMA_VERSION, Database, DatabaseCorrupt, DatabaseLocked, DatabaseVersionError,
                                    open_broker)
from mockbroker.harness import ServiceProcess

CONFIG = {"symbols": ["ACME"], "accounts": [{"id": "alice", "cash": "1000000"}], "seed": 11}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def trade(broker, n: int) -> list[str]:
    """n orders of several kinds, each acknowledged, with time passing between some of them."""
    ids = []
    for i in range(n):
        if i % 3 == 2:
            request = OrderRequest("ACME", 10 + i, Side.BUY, OrderType.LIMIT, TimeInForce.GTC,
                                   limit_price=Decimal("49.00"))
        else:
            request = OrderRequest("ACME", 10 + i, Side.BUY if i % 2 == 0 else Side.SELL)
        ids.append(broker.submit_order(request, account="alice").id)
        if i % 4 == 0:
            broker.advance(0.5)
    return ids


def observe(broker) -> dict:
    return {"orders": [o.to_dict() for o in broker.list_orders(account="alice", status="all")],
            "fills": [f.to_dict() for f in broker.list_fills(account="alice")],
            "positions": [p.to_dict() for p in broker.list_positions(account="alice")],
            "account": broker.get_account("alice").to_dict(), "now": broker.now_ns()}


def test_after_kill_9_and_a_restart_every_acknowledged_order_is_there_and_the_simulation_continues(tmp_path):
    db = tmp_path / "broker.db"
    reference = MockBroker(BrokerConfig.from_dict(CONFIG))
    with ServiceProcess(CONFIG, extra_args=["--db", str(db)]) as first:
        with HttpBroker(first.base_url) as broker:
            ids = trade(broker, 12)
            before = observe(broker)
            broker.snapshot("mid-session")
        first.proc.send_signal(signal.SIGKILL)  # no shutdown of any kind
        assert first.proc.wait(timeout=10) == -signal.SIGKILL
    trade(reference, 12)

    with ServiceProcess(extra_args=["--db", str(db)]) as second:
        with HttpBroker(second.base_url) as broker:
            after = observe(broker)
            assert after == before
            assert {o["id"] for o in after["orders"]} == set(ids)
            assert [s.name for s in broker.list_snapshots()] == ["mid-session"]
            # the simulation continues exactly as an uninterrupted one does
            broker.advance(30)
            reference.advance(30)
            broker.submit_order(OrderRequest("ACME", 7, Side.SELL), account="alice")
            reference.submit_order(OrderRequest("ACME", 7, Side.SELL), account="alice")
            broker.advance(5)
            reference.advance(5)
            assert observe(broker) == observe(reference)
            assert [e.to_dict() for e in broker.order_events()] == [e.to_dict() for e in reference.order_events()]
            # snapshots kept in the file restore after the restart
            broker.restore("mid-session")
            assert observe(broker) == before


def test_an_open_database_is_refused_to_a_second_process(tmp_path):
    broker, _ = open_broker(tmp_path / "b.db", BrokerConfig())
    try:
        with pytest.raises(DatabaseLocked):
            Database(tmp_path / "b.db")
    finally:
        broker.close()


def test_a_restart_replays_the_journal_after_the_last_checkpoint(tmp_path, monkeypatch):
    import mockbroker.persistence as persistence

    monkeypatch.setattr(persistence, "CHECKPOINT_EVERY", 5)  # several checkpoints, then a journal tail
    broker, resumed = open_broker(tmp_path / "b.db", BrokerConfig.from_dict(CONFIG))
    assert not resumed
    trade(broker, 9)
    expected = (observe(broker), broker.event_log_json())
    broker.close()
    again, resumed = open_broker(tmp_path / "b.db")
    assert resumed and (observe(again), again.event_log_json()) == expected
    rows = again.database.connection.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
    assert rows == 1
    again.close()


def test_a_database_of_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "future.db"
    open_broker(path, BrokerConfig())[0].close()
    with sqlite3.connect(path) as c:
        c.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    original = digest(path)
    with pytest.raises(DatabaseVersionError, match=f"schema version {SCHEMA_VERSION + 1} is newer") as error:
        open_broker(path)
    assert error.value.code == "database_version"
    assert digest(path) == original


def test_an_sqlite_file_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE people (name TEXT)")
    original = digest(path)
    with pytest.raises(DatabaseVersionError, match="not a mockbroker database"):
        open_broker(path)
    assert digest(path) == original


@pytest.mark.parametrize("damage", ["truncate", "garbage", "scribble"])
def test_a_corrupt_or_truncated_database_is_refused_and_left_untouched(tmp_path, damage):
    path = tmp_path / "b.db"
    broker, _ = open_broker(path, BrokerConfig.from_dict(CONFIG))
    trade(broker, 30)
    broker.database.checkpoint(broker.inner)
    broker.close()
    with sqlite3.connect(path) as c:  # fold the WAL into the main file, so the damage hits real pages
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    bad = {"truncate": data[: len(data) // 3], "garbage": b"not a database at all" * 100,
           "scribble": data[:4096] + bytes(len(data) - 8192) + data[-4096:]}[damage]
    path.write_bytes(bad)
    with pytest.raises((DatabaseCorrupt, DatabaseVersionError)) as error:
        open_broker(path)
    assert error.value.code in ("database_corrupt", "database_version")
    assert path.read_bytes() == bad


def test_serve_refuses_a_database_of_a_newer_schema_with_a_clear_message(tmp_path):
    import subprocess
    import sys

    from mockbroker.harness import ROOT

    path = tmp_path / "future.db"
    open_broker(path, BrokerConfig())[0].close()
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA user_version=99")
    original = digest(path)
    result = subprocess.run([sys.executable, "-m", "mockbroker", "serve", "--port", "9", "--db", str(path)],
                            cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "schema version 99 is newer than this mockbroker understands" in result.stderr
    assert digest(path) == original


def test_a_failed_write_is_not_acknowledged_and_stops_further_changes(tmp_path):
    from mockbroker.persistence import PersistenceError

    broker, _ = open_broker(tmp_path / "b.db", BrokerConfig.from_dict(CONFIG))
    broker.database.connection.close()  # the file goes away under the service's feet
    with pytest.raises(PersistenceError, match="could not save submit_order"):
        broker.submit_order(OrderRequest("ACME", 1, Side.BUY), account="alice")
    with pytest.raises(PersistenceError, match="writing failed earlier"):
        broker.advance(1)
    assert broker.get_account("alice").cash == Decimal("1000000.00")  # reads still answer


def test_a_damaged_snapshot_or_checkpoint_inside_the_file_is_refused_naming_it_and_changes_nothing(tmp_path):
    path = tmp_path / "b.db"
    broker, _ = open_broker(path, BrokerConfig.from_dict(CONFIG))
    trade(broker, 3)
    broker.snapshot("kept")
    broker.close()
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("UPDATE snapshots SET payload = zeroblob(length(payload))")
    original = digest(path)
    with pytest.raises(DatabaseCorrupt, match="snapshot 'kept': checksum mismatch"):
        open_broker(path)
    assert digest(path) == original
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("UPDATE checkpoints SET payload = zeroblob(length(payload))")
    original = digest(path)
    with pytest.raises(DatabaseCorrupt, match=r"b\.db: checkpoint 1: checksum mismatch"):
        open_broker(path)
    assert digest(path) == original


def test_a_checkpoint_of_an_older_snapshot_format_is_refused_with_a_clear_message(tmp_path):
    from mockbroker.state import SnapshotVersionError

    path = tmp_path / "old.db"
    broker, _ = open_broker(path, BrokerConfig.from_dict(CONFIG))
    trade(broker, 2)
    broker.database.checkpoint(broker.inner)
    broker.close()
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("UPDATE checkpoints SET format = 1")  # as a version of mockbroker before format 2 wrote it
        _reseal_checkpoint(c)  # consistently: the file is only old, not damaged
    (tmp_path / "old.db-mark").unlink()  # closed cleanly, so it opens without its mark
    original = digest(path)
    with pytest.raises(SnapshotVersionError, match="format 1 is older than this mockbroker reads"):
        open_broker(path)
    assert digest(path) == original


def _reseal_checkpoint(c) -> None:
    from mockbroker.integrity import checkpoint_seal

    seal = checkpoint_seal(*c.execute("SELECT id, journal_seq, time_ns, format, checksum FROM checkpoints").fetchone())
    c.execute("UPDATE checkpoints SET seal = ?", [seal])
    c.execute("UPDATE meta SET value = ? WHERE key = 'last_link'", [seal])
