"""Damaged database files never load silently (issue 17): every kind of damage is refused with the file and the
damage named, the files are left byte for byte as they were (nothing new appears beside them), and ``--recover``
keeps what verifies and says what it dropped. Crashes are real: a child process killed with SIGKILL."""

from __future__ import annotations

import hashlib
import json
import pickle
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from mockbroker import BrokerConfig, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.harness import ROOT
from mockbroker.persistence import DatabaseCorrupt, DatabaseVersionError, open_broker, recover_broker

CONFIG = {"symbols": ["ACME"], "accounts": [{"id": "alice", "cash": "1000000"}], "seed": 5}

CRASH = """
import json, os, signal, sys
from decimal import Decimal
from mockbroker import BrokerConfig, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.persistence import open_broker
broker, _ = open_broker(sys.argv[1], BrokerConfig.from_dict(json.loads(sys.argv[2])))
for i in range(int(sys.argv[3])):
    broker.submit_order(OrderRequest("ACME", 10 + i, Side.BUY, OrderType.LIMIT, TimeInForce.GTC,
                                     limit_price=Decimal("49.00")), account="alice")
os.kill(os.getpid(), signal.SIGKILL)
"""


def files(folder: Path) -> dict[str, str]:
    """Every file in the folder with the SHA-256 of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def crashed(folder: Path, orders: int = 40) -> Path:
    """A database whose writer was killed with SIGKILL after ``orders`` acknowledged limit orders."""
    path = folder / "b.db"
    done = subprocess.run([sys.executable, "-c", CRASH, str(path), json.dumps(CONFIG), str(orders)], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert (folder / "b.db-wal").exists() and (folder / "b.db-mark").exists()
    return path


def closed_cleanly(folder: Path, orders: int = 12) -> Path:
    path = folder / "b.db"
    broker, _ = open_broker(path, BrokerConfig.from_dict(CONFIG))
    for i in range(orders):
        broker.submit_order(OrderRequest("ACME", 10 + i, Side.BUY, OrderType.LIMIT, TimeInForce.GTC,
                                         limit_price=Decimal("49.00")), account="alice")
    broker.close()
    return path


def refused(path: Path, error=DatabaseCorrupt, match: str | None = None) -> str:
    """Opening ``path`` is refused with ``error`` naming the file; nothing in its folder changed."""
    before = files(path.parent)
    with pytest.raises(error, match=match) as raised:
        open_broker(path)
    assert str(path) in raised.value.message
    assert files(path.parent) == before, "a refused file, or its folder, was changed"
    return raised.value.message


def orders_in(broker) -> list:
    return broker.list_orders(account="alice", status="all")


def test_an_intact_crash_resumes_every_acknowledged_order(tmp_path):
    broker, resumed = open_broker(crashed(tmp_path))
    assert resumed and len(orders_in(broker)) == 40
    broker.close()


def test_a_zero_length_file_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "b.db"
    path.write_bytes(b"")
    assert "the file is empty (0 bytes)" in refused(path)
    assert path.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["b.db"]


def test_a_truncated_file_is_refused(tmp_path):
    path = closed_cleanly(tmp_path)
    path.write_bytes(path.read_bytes()[:4096 * 3])
    refused(path, match="damaged or truncated|integrity check failed")


def test_a_flipped_byte_in_the_checkpoint_is_refused(tmp_path):
    path = closed_cleanly(tmp_path)
    with closing(sqlite3.connect(path)) as c:
        payload = bytes(c.execute("SELECT payload FROM checkpoints").fetchone()[0])
    data = bytearray(path.read_bytes())
    at = data.find(payload[1000:1064])  # a stretch of the payload as it lies in the file
    assert at > 0
    data[at + 10] ^= 0x01
    path.write_bytes(bytes(data))
    assert "checkpoint 1: checksum mismatch" in refused(path)


def test_a_flipped_byte_in_a_journal_row_is_refused(tmp_path):
    path = closed_cleanly(tmp_path)
    with closing(sqlite3.connect(path)) as c:
        call = bytes(c.execute("SELECT call FROM journal WHERE seq = 5").fetchone()[0])
    data = bytearray(path.read_bytes())
    at = data.find(call)
    assert at > 0 and data.find(call, at + 1) < 0
    data[at + len(call) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    assert "journal entry 5 (submit_order): checksum mismatch" in refused(path)


def test_an_edited_limit_price_in_the_journal_is_refused_and_recover_keeps_the_entries_before_it(tmp_path):
    path = closed_cleanly(tmp_path)
    with closing(sqlite3.connect(path)) as c, c:
        args, kwargs = pickle.loads(c.execute("SELECT call FROM journal WHERE seq = 7").fetchone()[0])
        edited = ((OrderRequest(args[0].symbol, args[0].qty, args[0].side, args[0].type, args[0].time_in_force,
                                limit_price=Decimal("1.00")),), kwargs)
        c.execute("UPDATE journal SET call = ? WHERE seq = 7", [pickle.dumps(edited)])
    damaged = path.read_bytes()
    assert "journal entry 7 (submit_order): checksum mismatch: the entry was edited or damaged" in refused(path)

    broker, report = recover_broker(path)
    assert [o.limit_price for o in orders_in(broker)] == [Decimal("49.00")] * 6  # entries 1..6 verify
    text = str(report)
    assert "journal entries 7..12 (6 calls: submit_order x6)" in text and "checkpoint 1" in text
    assert report.moved[0].name.startswith("b.db.damaged-") and report.moved[0].read_bytes() == damaged
    broker.close()
    again, resumed = open_broker(path)  # the recovered file is a healthy file
    assert resumed and len(orders_in(again)) == 6
    again.close()


def test_a_wal_deleted_after_a_crash_is_detected_by_the_mark(tmp_path):
    path = crashed(tmp_path)
    (tmp_path / "b.db-wal").unlink()
    message = refused(path)
    assert "the last 40 committed changes are missing" in message and "journal seq 40" in message
    assert not (tmp_path / "b.db-wal").exists(), "a new -wal appeared beside a refused file"

    broker, report = recover_broker(path)
    assert orders_in(broker) == [] and "journal entries 1..40, 40 calls" in str(report)
    broker.close()


def test_a_damaged_wal_after_a_crash_is_detected(tmp_path):
    path = crashed(tmp_path)
    wal = tmp_path / "b.db-wal"
    data = bytearray(wal.read_bytes())
    for at in range(len(data) // 2, len(data) // 2 + 64):
        data[at] ^= 0xFF
    wal.write_bytes(bytes(data))
    assert "committed changes are missing" in refused(path)


def test_a_missing_mark_is_accepted_after_a_clean_close_but_not_after_a_crash(tmp_path):
    (tmp_path / "clean").mkdir()
    clean = closed_cleanly(tmp_path / "clean")
    (clean.parent / "b.db-mark").unlink()
    broker, resumed = open_broker(clean)
    assert resumed and len(orders_in(broker)) == 12
    broker.close()

    (tmp_path / "crash").mkdir()
    path = crashed(tmp_path / "crash")
    (path.parent / "b.db-mark").unlink()
    assert "b.db-mark (the record of the last change written) is missing" in refused(path)


def test_a_damaged_mark_is_refused(tmp_path):
    path = crashed(tmp_path)
    mark = tmp_path / "b.db-mark"
    mark.write_bytes(mark.read_bytes().replace(b'"last_seq":40', b'"last_seq":41'))
    assert "the tail mark is damaged" in refused(path)


def test_a_deleted_database_beside_its_wal_and_mark_is_refused(tmp_path):
    path = crashed(tmp_path)
    path.unlink()
    assert "the database file is missing but b.db-wal and b.db-mark are there" in refused(path)


def test_another_applications_sqlite_file_is_refused_even_by_recover(tmp_path):
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("CREATE TABLE people (name TEXT)")
    refused(path, DatabaseVersionError, "not a mockbroker database")
    before = files(tmp_path)
    with pytest.raises(DatabaseVersionError):
        recover_broker(path)
    assert files(tmp_path) == before  # never moved aside: it is somebody else's file


def test_serve_names_the_file_and_the_damage_without_a_traceback(tmp_path):
    path = tmp_path / "b.db"
    path.write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "mockbroker", "serve", "--port", "9", "--db", str(path)],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"{path}: the file is empty (0 bytes)" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.db"]


def test_serve_recover_prints_what_was_kept_and_dropped(tmp_path, capsys):
    from mockbroker.cli import _persistent_broker

    path = tmp_path / "b.db"
    path.write_bytes(b"")
    broker, _resumed = _persistent_broker(str(path), BrokerConfig.from_dict(CONFIG), recover=True)
    err = capsys.readouterr().err
    assert "problems found:" in err and "the file is empty (0 bytes)" in err
    assert "the broker starts from the configuration" in err and "b.db.damaged-" in err
    assert broker.get_account("alice").cash == Decimal("1000000")
    broker.close()
