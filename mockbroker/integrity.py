"""What a persistence file holds, checked before anything is written to it; and what survives a ``--recover``.

Every part of the file is sealed (``persistence.py`` writes the seals):

- the **checkpoint** row: the SHA-256 of its payload (as a snapshot's) and a seal over its id, journal position,
  time, format and payload checksum;
- each **journal** row: a link ``sha256(previous link, seq, method, call, text, time)``, where the first row's
  previous link is the checkpoint's seal. A row edited, removed from the middle, swapped, or carried over from
  another checkpoint breaks the chain at that row;
- each **named snapshot** row: a seal over its name, position, time, format, payload checksum and summary;
- the file's **generation**: a counter in ``meta`` raised by every write transaction, with the last link;
- the **tail mark** beside the file (``<db>-mark``): generation, checkpoint, last journal seq and link of the last
  commit, sealed by its own SHA-256. It is written after every commit, outside SQLite, so losing commits that
  SQLite itself cannot see are gone (a deleted or damaged ``-wal`` after a crash) still shows: the file's
  generation is behind the mark's. It is not fsynced: it survives ``kill -9`` (the page cache keeps it), not a
  power cut (then it may be behind the file, which is accepted, or unreadable, which is refused).

``inspect`` reads the file through a private copy in a temporary folder (the database and its ``-wal``): opening
the file itself, even read-only, would create ``-shm`` and ``-wal`` files beside it and, on the first write,
fold the WAL into it. So a refused file and everything beside it stay byte for byte as they were.

Detectable (refused with the file and the damage named): an empty or truncated file, a file that is not
SQLite or fails SQLite's structure check, another application's SQLite file, a newer or older schema, a damaged
checkpoint (payload or metadata), an edited, damaged, removed or reordered journal row, a damaged snapshot row,
commits missing at the end (a deleted or damaged ``-wal`` after a crash, an older copy of the file put back) as
long as the mark is there, a damaged mark, a missing mark when the file was not closed cleanly, a missing
database beside a ``-wal`` or mark. Not detectable: the ``-wal`` *and* the mark both deleted (or the whole set
replaced by an older, consistent set), the loss of commits not yet on disk at a power cut (``synchronous=FULL``
makes every acknowledged call durable, so only unacknowledged ones), and changes made by someone who recomputes
the seals (they are checksums, not signatures).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_VERSION = 2
"""1: no seals (written before journal checksums); 2: sealed checkpoint, chained journal, sealed snapshots, mark."""
APPLICATION_ID = 0x6D6B6272  # "mkbr"
SQLITE_HEADER = b"SQLite format 3\x00"
MARK_BYTES = 512


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_of(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def mark_of(path: Path) -> Path:
    return path.with_name(path.name + "-mark")


# ----- seals ---------------------------------------------------------------------------------------------------------

def _sha(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def checkpoint_seal(checkpoint_id: int, journal_seq: int, time_ns: int, fmt: int, checksum: str) -> str:
    return _sha("checkpoint", str(checkpoint_id), str(journal_seq), str(time_ns), str(fmt), checksum)


def journal_link(previous: str, seq: int, method: str, call: bytes, text: str, time_ns: int) -> str:
    return _sha("journal", previous, str(seq), method, call, text, str(time_ns))


def snapshot_seal(name: str, position: int, time_ns: int, fmt: int, checksum: str, summary: str) -> str:
    return _sha("snapshot", name, str(position), str(time_ns), str(fmt), checksum, summary)


# ----- the tail mark -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    generation: int
    checkpoint: int
    last_seq: int
    link: str

    def to_bytes(self) -> bytes:
        body = json.dumps({"generation": self.generation, "checkpoint": self.checkpoint, "last_seq": self.last_seq,
                           "link": self.link}, sort_keys=True, separators=(",", ":"))
        record = f"MOCKBROKER-MARK {body} {hashlib.sha256(body.encode()).hexdigest()}\n".encode()
        return record.ljust(MARK_BYTES, b" ")

    @classmethod
    def read(cls, path: Path) -> "Mark | None | str":
        """The mark, ``None`` when there is no mark file, or a sentence saying why it cannot be read."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        text = raw.split(b"\n", 1)[0].decode("ascii", errors="replace")
        parts = text.split(" ")
        if len(parts) != 3 or parts[0] != "MOCKBROKER-MARK" \
                or hashlib.sha256(parts[1].encode()).hexdigest() != parts[2]:
            return f"{path}: the tail mark is damaged (its checksum does not match)"
        try:
            data = json.loads(parts[1])
            return cls(int(data["generation"]), int(data["checkpoint"]), int(data["last_seq"]), str(data["link"]))
        except (ValueError, KeyError, TypeError):
            return f"{path}: the tail mark is unreadable"


# ----- what a file holds ---------------------------------------------------------------------------------------------

@dataclass
class Checkpoint:
    id: int
    journal_seq: int
    time_ns: int
    format: int
    checksum: str
    seal: str
    payload: bytes


@dataclass
class JournalRow:
    seq: int
    method: str
    call: bytes
    text: str
    time_ns: int
    link: str

    def calls(self) -> tuple[tuple, dict]:
        return pickle.loads(self.call)


@dataclass
class SnapshotRow:
    name: str
    position: int
    time_ns: int
    format: int
    checksum: str
    summary: str
    payload: bytes


@dataclass
class Problem:
    """One thing wrong with a file. ``kind``: ``damaged`` (recoverable: ``--recover`` keeps what verifies),
    ``version`` (a newer/older schema or another application's file: never recovered, never moved)."""

    kind: str
    text: str


@dataclass
class Contents:
    """What ``inspect`` found: the parts that verified, and the problems (none for a healthy file)."""

    path: Path
    new: bool = False
    generation: int = 0
    clean_close: str | None = None  # the generation at which the file was last closed cleanly
    checkpoint: Checkpoint | None = None
    journal: list[JournalRow] = field(default_factory=list)
    snapshots: list[SnapshotRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        if self.journal:
            return self.journal[-1].seq
        return self.checkpoint.journal_seq if self.checkpoint is not None else 0

    @property
    def last_link(self) -> str:
        if self.journal:
            return self.journal[-1].link
        return self.checkpoint.seal if self.checkpoint is not None else ""

    def damage(self, text: str, dropped: str | None = None) -> None:
        self.problems.append(Problem("damaged", text))
        if dropped:
            self.dropped.append(dropped)

    def describe(self) -> str:
        head = f"{self.path}: " if not all(p.text.startswith(str(self.path)) for p in self.problems) else ""
        return head + "; ".join(p.text for p in self.problems) + \
            ("; the files were not changed (python -m mockbroker serve --db FILE --recover keeps what verifies)"
             if all(p.kind == "damaged" for p in self.problems) else "; the files were not changed")


def inspect(path: str | os.PathLike) -> Contents:
    """Check the file (and its ``-wal`` and mark) without changing anything beside it; see the module docstring."""
    path = Path(path)
    contents = Contents(path)
    wal, mark_path = wal_of(path), mark_of(path)
    if not path.exists():
        leftovers = [p.name for p in (wal, mark_path) if p.exists()]
        if leftovers:
            contents.damage(f"{path}: the database file is missing but {' and '.join(leftovers)} are there: it "
                            f"was deleted or moved", "the whole database (the file is missing)")
        else:
            contents.new = True
        return contents
    size = path.stat().st_size
    if size == 0:
        contents.damage(f"{path}: the file is empty (0 bytes): truncated, or not a mockbroker database; a new "
                        f"database is made from a file name that does not exist yet", "the whole database (empty)")
        return contents
    with path.open("rb") as f:
        header = f.read(100)
    if header[:len(SQLITE_HEADER)] != SQLITE_HEADER:
        contents.damage(f"{path}: not an SQLite database (its first bytes are not SQLite's header): damaged, or "
                        f"some other kind of file", "the whole database (not SQLite)")
        return contents
    with tempfile.TemporaryDirectory(prefix="mockbroker-inspect-") as folder:
        copy = Path(folder) / "copy.db"
        shutil.copyfile(path, copy)
        if wal.exists():
            shutil.copyfile(wal, wal_of(copy))
        connection = sqlite3.connect(str(copy), isolation_level=None)
        try:
            _read(connection, contents)
        except sqlite3.DatabaseError as problem:
            contents.damage(f"{path}: damaged or truncated ({problem})", "the whole database (SQLite cannot read it)")
        finally:
            connection.close()
    if not contents.problems:
        _compare_mark(contents, Mark.read(mark_path), mark_path)
    return contents


def _read(c: sqlite3.Connection, contents: Contents) -> None:
    path = contents.path
    version = c.execute("PRAGMA user_version").fetchone()[0]
    app_id = c.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        tables = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if mark_of(path).exists():  # ours by its mark, yet without our header: what was written is lost
            contents.damage(f"{path}: holds no mockbroker data ({tables} tables) although {mark_of(path).name} "
                            f"records changes: the -wal file that held them was deleted or damaged",
                            "the whole database (only the mark is left)")
            return
        contents.problems.append(Problem("version", f"{path}: not a mockbroker database (application id "
                                                    f"{app_id:#x}, {tables} tables); use another --db file"))
        return
    if version > SCHEMA_VERSION:
        contents.problems.append(Problem("version", f"{path}: database schema version {version} is newer than this "
                                                    f"mockbroker understands (up to {SCHEMA_VERSION}); upgrade "
                                                    f"mockbroker or use another --db file"))
        return
    if version < SCHEMA_VERSION:
        contents.problems.append(Problem("version", f"{path}: database schema version {version} is older than this "
                                                    f"mockbroker reads ({SCHEMA_VERSION}: checksummed journal); "
                                                    f"open it with the mockbroker that wrote it, or start a new "
                                                    f"--db file"))
        return
    check = c.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        contents.damage(f"{path}: SQLite's integrity check failed ({check})", "the whole database (integrity check)")
        return
    meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
    try:
        contents.generation = int(meta["generation"])
    except (KeyError, ValueError):
        contents.damage(f"{path}: its generation counter is missing or unreadable", "the file's generation")
    _read_checkpoint(c, contents)
    if contents.checkpoint is not None:
        _read_journal(c, contents)
    elif c.execute("SELECT count(*) FROM journal").fetchone()[0]:
        contents.dropped.append("every journal entry (no checkpoint to replay them on)")
    _read_snapshots(c, contents)
    if not contents.problems and meta.get("last_link", "") != contents.last_link:
        contents.damage(f"{path}: the last journal entry (seq {contents.last_seq}) is not the one the file recorded "
                        f"as its last: entries at the end were removed or replaced", None)
    contents.clean_close = meta.get("clean_close")


def _read_checkpoint(c: sqlite3.Connection, contents: Contents) -> None:
    rows = c.execute("SELECT id, journal_seq, time_ns, format, checksum, seal, payload FROM checkpoints "
                     "ORDER BY id DESC").fetchall()
    path = contents.path
    if not rows:
        contents.damage(f"{path}: holds no checkpoint (the broker's state is missing)", "the broker's state")
        return
    if len(rows) > 1:
        contents.damage(f"{path}: holds {len(rows)} checkpoints where one is kept", None)
    cid, journal_seq, time_ns, fmt, checksum, seal, payload = rows[0]
    payload = bytes(payload)
    if seal != checkpoint_seal(cid, journal_seq, time_ns, fmt, checksum):
        contents.damage(f"{path}: checkpoint {cid}: its record (journal position, time, format or checksum) was "
                        f"edited or damaged (seal mismatch)", "the broker's state (the checkpoint)")
        return
    actual = hashlib.sha256(payload).hexdigest()
    if actual != checksum:
        contents.damage(f"{path}: checkpoint {cid}: checksum mismatch (stored {checksum[:12]}..., actual "
                        f"{actual[:12]}...): the broker's saved state is damaged", "the broker's state (the checkpoint)")
        return
    contents.checkpoint = Checkpoint(cid, journal_seq, time_ns, fmt, checksum, seal, payload)


def _read_journal(c: sqlite3.Connection, contents: Contents) -> None:
    path, checkpoint = contents.path, contents.checkpoint
    previous, expected = checkpoint.seal, checkpoint.journal_seq + 1
    rows = c.execute("SELECT seq, method, call, text, time_ns, link FROM journal ORDER BY seq").fetchall()
    older = [r[0] for r in rows if r[0] <= checkpoint.journal_seq]
    if older:
        contents.damage(f"{path}: journal entries {older[0]}..{older[-1]} are older than the checkpoint (it "
                        f"continues from seq {checkpoint.journal_seq})", None)
    rows = [r for r in rows if r[0] > checkpoint.journal_seq]
    for index, (seq, method, call, text, time_ns, link) in enumerate(rows):
        call = bytes(call)
        if seq != expected:
            problem = f"journal entries {expected}..{seq - 1} are missing"
        elif link != journal_link(previous, seq, method, call, text, time_ns):
            problem = f"journal entry {seq} ({method}): checksum mismatch: the entry was edited or damaged"
        else:
            contents.journal.append(JournalRow(seq, method, call, text, time_ns, link))
            previous, expected = link, seq + 1
            continue
        rest = rows[index:]
        contents.damage(f"{path}: {problem}",
                        f"journal entries {rest[0][0]}..{rest[-1][0]} ({len(rest)} calls: "
                        f"{_methods([r[1] for r in rest])}), from the first that does not verify on")
        return


def _read_snapshots(c: sqlite3.Connection, contents: Contents) -> None:
    for name, position, time_ns, fmt, checksum, summary, seal, payload in c.execute(
            "SELECT name, position, time_ns, format, checksum, summary, seal, payload FROM snapshots "
            "ORDER BY position").fetchall():
        payload = bytes(payload)
        if seal != snapshot_seal(name, position, time_ns, fmt, checksum, summary):
            contents.damage(f"{contents.path}: snapshot {name!r}: its record was edited or damaged (seal mismatch)",
                            f"snapshot {name!r}")
        elif hashlib.sha256(payload).hexdigest() != checksum:
            contents.damage(f"{contents.path}: snapshot {name!r}: checksum mismatch: its payload is damaged",
                            f"snapshot {name!r}")
        else:
            contents.snapshots.append(SnapshotRow(name, position, time_ns, fmt, checksum, summary, payload))


def _compare_mark(contents: Contents, mark: "Mark | None | str", mark_path: Path) -> None:
    path = contents.path
    if isinstance(mark, str):
        contents.damage(mark + "; it cannot show whether the end of the journal is there", None)
        return
    if mark is None:
        if contents.clean_close != str(contents.generation):
            contents.damage(f"{path}: {mark_path.name} (the record of the last change written) is missing and the "
                            f"file was not closed cleanly: whether changes at the end were lost cannot be told",
                            None)
        return
    if contents.generation < mark.generation:
        missing = mark.last_seq - contents.last_seq
        contents.damage(
            f"{path}: the last {mark.generation - contents.generation} committed changes are missing: the file "
            f"holds change #{contents.generation} (journal seq {contents.last_seq}) but {mark_path.name} records "
            f"#{mark.generation} (journal seq {mark.last_seq}); the -wal file was deleted or damaged after a "
            f"crash, or an older copy of the file was put back",
            f"changes #{contents.generation + 1}..#{mark.generation}"
            + (f" (journal entries {contents.last_seq + 1}..{mark.last_seq}, {missing} calls)" if missing > 0 else "")
            + ": not in the file")
    elif contents.generation == mark.generation and (contents.last_seq, contents.last_link) != \
            (mark.last_seq, mark.link):
        contents.damage(f"{path}: its last change does not match {mark_path.name} (journal seq {contents.last_seq} "
                        f"vs {mark.last_seq}): the file or the mark was replaced", None)


def _methods(methods: list[str]) -> str:
    counts: dict[str, int] = {}
    for method in methods:
        counts[method] = counts.get(method, 0) + 1
    return ", ".join(f"{m} x{n}" if n > 1 else m for m, n in counts.items())
