"""SQLite (WAL) persistence for the embedded SWF service.

The engine keeps live state in memory and writes every change through here in
one transaction per request, committed before the response is sent, so an
acknowledged call survives kill -9. Executions are stored as JSON blobs (their
small mutable state) plus an append-only event table (their history).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS domains (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS types (
    domain TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (domain, kind, name, version));
CREATE TABLE IF NOT EXISTS executions (
    run_id TEXT PRIMARY KEY, domain TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL, event_id INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
"""


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class StoreInUse(RuntimeError):
    """Another live server already owns this database file."""


class Store:
    """One connection, used only while the engine lock is held."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock_file: IO[bytes] | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = _exclusive(Path(self.path + ".lock"))
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed transaction survives a process crash
        # (kill -9); only an OS crash could lose the last commits.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._pending_many: list[tuple[str, list[tuple[Any, ...]]]] = []

    # -- writes, buffered until commit() -------------------------------------------------
    def put_domain(self, name: str, data: dict[str, Any]) -> None:
        self._pending.append(("INSERT OR REPLACE INTO domains VALUES (?, ?)", (name, dumps(data))))

    def put_type(self, domain: str, kind: str, name: str, version: str, data: dict[str, Any]) -> None:
        self._pending.append(("INSERT OR REPLACE INTO types VALUES (?, ?, ?, ?, ?)",
                              (domain, kind, name, version, dumps(data))))

    def delete_type(self, domain: str, kind: str, name: str, version: str) -> None:
        self._pending.append(("DELETE FROM types WHERE domain=? AND kind=? AND name=? AND version=?",
                              (domain, kind, name, version)))

    def put_execution(self, run_id: str, domain: str, status: str, data: dict[str, Any]) -> None:
        self._pending.append(("INSERT OR REPLACE INTO executions VALUES (?, ?, ?, ?)",
                              (run_id, domain, status, dumps(data))))

    def add_events(self, run_id: str, first_id: int, texts: Iterable[str]) -> None:
        """Append encoded events whose ids run from first_id."""
        rows = [(run_id, first_id + i, text) for i, text in enumerate(texts)]
        if rows:
            self._pending_many.append(("INSERT OR REPLACE INTO events VALUES (?, ?, ?)", rows))

    def delete_execution(self, run_id: str) -> None:
        self._pending.append(("DELETE FROM executions WHERE run_id=?", (run_id,)))
        self._pending.append(("DELETE FROM events WHERE run_id=?", (run_id,)))

    def commit(self) -> None:
        """Write everything buffered since the last commit in one transaction."""
        if not self._pending and not self._pending_many:
            return
        pending, many = self._pending, self._pending_many
        self._pending, self._pending_many = [], []
        cur = self.db.cursor()
        cur.execute("BEGIN")
        try:
            for sql, rows in many:
                cur.executemany(sql, rows)
            for sql, args in pending:
                cur.execute(sql, args)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    # -- reads -----------------------------------------------------------------------------
    def domains(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, data in self.db.execute("SELECT name, data FROM domains"):
            yield name, json.loads(data)

    def types(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for domain, kind, data in self.db.execute("SELECT domain, kind, data FROM types"):
            yield domain, kind, json.loads(data)

    def executions(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for status, data in self.db.execute("SELECT status, data FROM executions"):
            yield status, json.loads(data)

    def event_texts(self, run_id: str, first: int, last: int, reverse: bool) -> list[str]:
        """Stored JSON of events first..last, as text: pages are served without re-encoding."""
        order = "DESC" if reverse else "ASC"
        rows = self.db.execute(f"SELECT data FROM events WHERE run_id=? AND event_id BETWEEN ? AND ? "
                               f"ORDER BY event_id {order}", (run_id, first, last))
        return [data for (data,) in rows]

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.db.close()
            if self._lock_file is not None:
                self._lock_file.close()


def _exclusive(path: Path) -> IO[bytes]:
    """Hold an exclusive lock on path for the life of the process (released by the kernel on kill -9).

    Two servers writing one state file would each believe its own memory:
    the second one refuses to start instead.
    """
    handle = open(path, "a+b")  # noqa: SIM115 - held open on purpose until close()
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreInUse(f"{path.with_suffix('')} is in use by another SWF server process") from None
    return handle
