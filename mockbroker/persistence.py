"""Persistence in SQLite: the broker's state survives a crash (``kill -9``) and a restart with the same file.

How: a **checkpoint** (the whole broker state, the same payload a snapshot holds) plus a **journal** of every
call made on the broker since that checkpoint. The engine is deterministic, so loading the checkpoint and
replaying the journal rebuilds exactly the state the process had -- every order, fill, position, balance, and
the clock with its pending events -- and the simulation continues from there.

Rules:
- A call is journaled (inserted and committed, ``synchronous=FULL``) inside the call, before it returns: the
  service answers ``POST /v2/orders`` only after the order is on disk. A call that raised is journaled too (it
  is replayed the same way and raises the same way), so replay never diverges.
- Calls that replace the state (configure, reset, restore, rewind) write a checkpoint instead and drop the
  journal before it; a checkpoint is also written every ``CHECKPOINT_EVERY`` journal entries, to keep restarts fast.
- Named snapshots live in the same file (table ``snapshots``) and survive restarts.
- WAL journal mode; one process per file (``locking_mode=EXCLUSIVE``): a second server on the same file is refused.
- The schema is versioned (``PRAGMA user_version`` and ``meta.schema_version``). A file of a newer or unknown
  version, a file that is not a mockbroker database, and a corrupt or truncated file are refused with a typed
  ``PersistenceError`` before anything is written to it (it is first checked through a read-only connection).
- Read-only calls (``get_*``, ``list_*``, ``READ_ONLY``) are not journaled; any other public call is, so a call
  the engine gains later is persisted without a change here.
- Fail-stop: when a write fails (disk full, file gone), that call raises ``PersistenceError`` (it was not
  acknowledged) and every later state-changing call is refused, because the file no longer matches the memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from .config import BrokerConfig
from .errors import ERROR_CLASSES, BrokerError
from .state import (FORMAT, check_format, Snapshot, SnapshotCorrupt, SnapshotInfo, SnapshotNotFound, dump_state,
                    install_state, load_state)

SCHEMA_VERSION = 1
APPLICATION_ID = 0x6D6B6272  # "mkbr"
CHECKPOINT_EVERY = 500
SQLITE_HEADER = b"SQLite format 3\x00"

READ_ONLY = frozenset({
    "now_ns", "order_events", "event_log_json", "market_state", "state", "configuration_summary", "reconciles",
    "diff_snapshots", "snapshot", "delete_snapshot", "export_snapshot", "portfolio_history",
})
"""Public calls that change no simulation state (``snapshot``/``delete_snapshot`` write the store directly)."""

REPLACES_STATE = frozenset({"configure", "reset", "restore", "rewind", "load_scenario"})

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY AUTOINCREMENT, journal_seq INTEGER NOT NULL, "
    "time_ns INTEGER NOT NULL, format INTEGER NOT NULL, checksum TEXT NOT NULL, payload BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, "
    "call BLOB NOT NULL, text TEXT NOT NULL, time_ns INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, position INTEGER NOT NULL, time_ns INTEGER NOT NULL, "
    "format INTEGER NOT NULL, checksum TEXT NOT NULL, summary TEXT NOT NULL, payload BLOB NOT NULL)",
)


class PersistenceError(BrokerError):
    code = "persistence_error"
    http_status = 500


class DatabaseCorrupt(PersistenceError):
    """The file is damaged or truncated (nothing was written to it)."""

    code = "database_corrupt"


class DatabaseVersionError(PersistenceError):
    """The file was written by a newer mockbroker, or is not a mockbroker database."""

    code = "database_version"


class DatabaseLocked(PersistenceError):
    code = "database_locked"
    http_status = 503


for _cls in (PersistenceError, DatabaseCorrupt, DatabaseVersionError, DatabaseLocked):
    ERROR_CLASSES.setdefault(_cls.code, _cls)


def _check_file(path: Path) -> None:
    """Refuse a file that is not a healthy mockbroker database of a version we read, using a read-only connection."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as f:
        header = f.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DatabaseCorrupt(f"{path}: not an SQLite database (corrupt, or some other kind of file); it was not "
                              f"changed", path=str(path))
    try:
        ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error as problem:
        raise DatabaseCorrupt(f"{path}: cannot be opened ({problem}); it was not changed", path=str(path)) from None
    try:
        version = ro.execute("PRAGMA user_version").fetchone()[0]
        app_id = ro.execute("PRAGMA application_id").fetchone()[0]
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and _has_tables(ro)):
            raise DatabaseVersionError(f"{path}: not a mockbroker database (application id {app_id:#x}); use "
                                       f"another --db file", path=str(path))
        if version > SCHEMA_VERSION:
            raise DatabaseVersionError(
                f"{path}: database schema version {version} is newer than this mockbroker understands (up to "
                f"{SCHEMA_VERSION}); upgrade mockbroker or use another --db file", path=str(path), version=version)
        check = ro.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise DatabaseCorrupt(f"{path}: integrity check failed ({check}); it was not changed", path=str(path))
    except sqlite3.OperationalError as problem:
        if "locked" not in str(problem) and "busy" not in str(problem):
            raise DatabaseCorrupt(f"{path}: damaged or truncated ({problem}); it was not changed",
                                  path=str(path)) from None
        raise DatabaseLocked(f"{path}: in use by another mockbroker process", path=str(path)) from None
    except sqlite3.DatabaseError as problem:
        raise DatabaseCorrupt(f"{path}: damaged or truncated ({problem}); it was not changed",
                              path=str(path)) from None
    finally:
        ro.close()


def _has_tables(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


class Database:
    """One mockbroker SQLite file: checkpoints, the journal, named snapshots."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        _check_file(self.path)
        try:
            self.connection = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                              timeout=0.5)
            c = self.connection
            c.execute("PRAGMA locking_mode=EXCLUSIVE")  # one process per file; released when the process dies
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            c.execute("PRAGMA synchronous=FULL")
            c.execute("BEGIN IMMEDIATE")
            stored = None
            if c.execute("SELECT count(*) FROM sqlite_master WHERE name='meta'").fetchone()[0]:
                row = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                stored = int(row[0]) if row else None
            if stored is not None and stored > SCHEMA_VERSION:
                c.execute("ROLLBACK")
                c.close()
                raise DatabaseVersionError(f"{self.path}: schema version {stored} is newer than this mockbroker "
                                           f"understands (up to {SCHEMA_VERSION})", path=str(self.path))
            if stored != SCHEMA_VERSION:  # a new file: create the schema (an existing one is not written to here)
                c.execute(f"PRAGMA application_id={APPLICATION_ID}")
                for statement in SCHEMA:
                    c.execute(statement)
                c.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            c.execute("COMMIT")
        except sqlite3.OperationalError as problem:
            if "locked" in str(problem) or "busy" in str(problem):
                raise DatabaseLocked(f"{self.path}: in use by another mockbroker process", path=str(self.path)) \
                    from None
            raise
        if mode.lower() != "wal":
            raise PersistenceError(f"{self.path}: could not switch to WAL mode (got {mode})")
        self.lock = threading.RLock()
        self._since_checkpoint = self.connection.execute("SELECT count(*) FROM journal").fetchone()[0]

    def close(self) -> None:
        self.connection.close()

    # ----- checkpoints and journal
    def has_state(self) -> bool:
        return self.connection.execute("SELECT count(*) FROM checkpoints").fetchone()[0] > 0

    def checkpoint(self, broker) -> None:
        payload = dump_state(broker)
        checksum = hashlib.sha256(payload).hexdigest()
        with self.lock:
            c = self.connection
            c.execute("BEGIN IMMEDIATE")
            last = c.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
            c.execute("INSERT INTO checkpoints (journal_seq, time_ns, format, checksum, payload) VALUES (?,?,?,?,?)",
                      (last, broker.now_ns(), FORMAT, checksum, payload))
            c.execute("DELETE FROM checkpoints WHERE id < (SELECT max(id) FROM checkpoints)")
            c.execute("DELETE FROM journal WHERE seq <= ?", (last,))
            c.execute("COMMIT")
            self._since_checkpoint = 0

    def append(self, broker, method: str, args: tuple, kwargs: dict) -> None:
        call = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        text = f"{method}({', '.join([repr(a) for a in args] + [f'{k}={v!r}' for k, v in kwargs.items()])})"
        with self.lock:
            self.connection.execute("INSERT INTO journal (method, call, text, time_ns) VALUES (?,?,?,?)",
                                    (method, call, text[:2000], broker.now_ns()))  # autocommit: durable on return
            self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self.checkpoint(broker)

    def load(self, factory: Callable[[], Any]) -> Any:
        """The broker as the file left it: the last checkpoint, then the journal replayed."""
        row = self.connection.execute(
            "SELECT journal_seq, format, checksum, payload FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            raise PersistenceError(f"{self.path}: holds no state yet")
        journal_seq, fmt, checksum, payload = row
        source = f"{self.path} (checkpoint)"
        check_format(fmt, source)
        Snapshot("checkpoint", 0, bytes(payload), checksum, {}, fmt).verify(source)
        broker = factory()
        install_state(broker, load_state(broker, bytes(payload), source))
        attach_store(broker, self)
        for seq, method, call in self.connection.execute(
                "SELECT seq, method, call FROM journal WHERE seq > ? ORDER BY seq", (journal_seq,)).fetchall():
            args, kwargs = pickle.loads(call)
            try:
                getattr(broker, method)(*args, **kwargs)
            except Exception:  # noqa: BLE001 - it raised the first time too
                pass  # replay reproduces the call, refusals included: replay reproduces the call, refusals included
        return broker

    # ----- named snapshots
    def put_snapshot(self, snapshot: Snapshot) -> None:
        with self.lock:
            c = self.connection
            position = c.execute("SELECT coalesce(max(position), 0) + 1 FROM snapshots").fetchone()[0]
            c.execute("INSERT OR REPLACE INTO snapshots VALUES (?,?,?,?,?,?,?)",
                      (snapshot.name, position, snapshot.time_ns, snapshot.format, snapshot.checksum,
                       json.dumps(snapshot.summary, separators=(",", ":")), snapshot.payload))

    def get_snapshot(self, name: str) -> Snapshot:
        row = self.connection.execute("SELECT time_ns, format, checksum, summary, payload FROM snapshots "
                                      "WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot (saved: "
                                   f"{', '.join(self.snapshot_names()) or 'none'})", snapshot=name)
        time_ns, fmt, checksum, summary, payload = row
        try:
            summary = json.loads(summary)
        except ValueError:
            raise SnapshotCorrupt(f"snapshot {name!r} in {self.path}: unreadable summary") from None
        return Snapshot(name, time_ns, bytes(payload), checksum, summary, fmt)

    def snapshot_names(self) -> list[str]:
        return [r[0] for r in self.connection.execute("SELECT name FROM snapshots ORDER BY position")]

    def snapshot_infos(self) -> list[SnapshotInfo]:
        return [self.get_snapshot(name).info() for name in self.snapshot_names()]

    def delete_snapshot(self, name: str) -> None:
        with self.lock:
            if self.connection.execute("DELETE FROM snapshots WHERE name = ?", (name,)).rowcount == 0:
                raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot", snapshot=name)


class SqliteStore:
    """``mockbroker.state.SnapshotStore`` over a ``Database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __reduce__(self):
        """A copy or pickle of a persistent broker (``copy.deepcopy``, ``pickle.dumps``) is an in-memory broker:
        it gets an empty in-memory store, not a second handle on the file."""
        from .state import MemoryStore

        return MemoryStore, ()

    def put(self, snapshot: Snapshot) -> None:
        self.database.put_snapshot(snapshot)

    def get(self, name: str) -> Snapshot:
        return self.database.get_snapshot(name)

    def names(self) -> list[str]:
        return self.database.snapshot_names()

    def infos(self) -> list[SnapshotInfo]:
        return self.database.snapshot_infos()

    def delete(self, name: str) -> None:
        self.database.delete_snapshot(name)


def attach_store(broker, database: Database) -> None:
    vars(broker)["_snapshot_store"] = SqliteStore(database)


class PersistentBroker:
    """A broker whose every state-changing call is on disk before it returns. Reads pass straight through."""

    def __init__(self, broker, database: Database) -> None:
        object.__setattr__(self, "_broker", broker)
        object.__setattr__(self, "_database", database)
        object.__setattr__(self, "_failure", None)
        attach_store(broker, database)

    @property
    def database(self) -> Database:
        return self._database

    @property
    def inner(self):
        return self._broker

    def __getattr__(self, name: str):
        value = getattr(self._broker, name)
        if name.startswith("_") or not callable(value) or name in READ_ONLY \
                or name.startswith(("get_", "list_")):
            return value

        def journaled(*args, **kwargs):
            if self._failure is not None:  # fail-stop: the file no longer matches the state in memory
                raise PersistenceError(f"{self._database.path}: writing failed earlier ({self._failure}); the "
                                       f"state is not being saved: restart the service with the same --db")
            try:
                return value(*args, **kwargs)
            finally:
                try:
                    if name in REPLACES_STATE:
                        self._database.checkpoint(self._broker)
                    else:
                        self._database.append(self._broker, name, args, kwargs)
                except (sqlite3.Error, OSError, pickle.PicklingError) as problem:
                    object.__setattr__(self, "_failure", f"{type(problem).__name__}: {problem}")
                    raise PersistenceError(f"{self._database.path}: could not save {name}() ({problem}); the "
                                           f"call was not acknowledged") from None

        journaled.__name__ = name
        return journaled

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._broker, name, value)

    def close(self) -> None:
        self._database.close()


def open_broker(path: str | os.PathLike, config: BrokerConfig | None = None,
                factory: type | None = None) -> tuple[PersistentBroker, bool]:
    """The persistent broker of ``path``: its saved state when it has one (``config`` is then ignored), else a
    new broker from ``config``. Returns ``(broker, resumed)``."""
    if factory is None:
        from .broker import MockBroker

        factory = MockBroker
    database = Database(path)
    try:
        if database.has_state():
            broker = database.load(lambda: factory.__new__(factory))
            return PersistentBroker(broker, database), True
        broker = factory(config or BrokerConfig())
        database.checkpoint(broker)
        return PersistentBroker(broker, database), False
    except BaseException:
        database.close()
        raise
