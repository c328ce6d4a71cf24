"""SQLite stores: ``SQLiteTokenStore`` and ``SQLiteDedupStore`` on the stdlib ``sqlite3``.

One database file can be shared by the threads of a process and by several processes on
one host (WAL journal, busy timeout, single-statement writes). Keys and tokens are stored
as UTF-8 BLOBs. Every ``sqlite3.Error`` becomes ``StoreUnavailable``, whose message names
the store, the file and the operation but never a token.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from b24botevents.errors import StoreUnavailable

from ._protocols import ClosingStore, check_key, check_token, check_ttl, decode, encode

__all__ = ["SQLiteDedupStore", "SQLiteTokenStore"]

_log = logging.getLogger("b24botevents.stores")


# The table name is interpolated into SQL (placeholders cannot name tables), so only plain
# identifiers are accepted; they are also double-quoted so keywords like "order" work.
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

# Claims between purges of expired dedup rows, and rows deleted per purge at most. Removal
# capacity (512 / 64 = 8 per claim) exceeds the one row a claim can add, so expired rows
# cannot pile up, while a single claim never pays for a huge delete.
_PURGE_EVERY = 64
_PURGE_LIMIT = 512


def _check_table(table: str) -> str:
    if not isinstance(table, str) or not _TABLE_NAME.fullmatch(table):
        raise ValueError(
            f"table must be an SQL identifier matching {_TABLE_NAME.pattern}, got {table!r}"
        )
    if table.lower().startswith("sqlite_"):
        raise ValueError(f"table names starting with 'sqlite_' are reserved, got {table!r}")
    return table


class _SQLiteStore(ClosingStore):
    """Connection handling shared by both SQLite stores.

    One connection per store, guarded by a lock, rather than one per thread: ``close()`` can
    then really close it (per-thread connections outlive ``close()`` in every other thread
    until those threads die), and each operation is a single statement of microseconds, so
    serialising a process's calls costs little. Concurrency between processes is SQLite's
    own WAL locking plus the busy timeout.

    The connection is opened on first use, not in ``__init__``, and reopened after a failed
    open, so a store built before its directory exists starts working once it does.
    """

    #: Every call is I/O: async code runs it in a worker thread.
    blocking = True

    # SQL templates; ``{table}`` is the quoted, validated table name and ``{name}`` the bare
    # one. They are formatted once in ``__init__`` and then only run with bound parameters.
    _schema: tuple[str, ...] = ()
    _templates: ClassVar[Mapping[str, str]] = {}
    _pragmas: tuple[str, ...] = ()

    def __init__(self, path: str | os.PathLike[str], *, table: str, timeout: float) -> None:
        self._path = os.fspath(path)
        self._table = _check_table(table)
        quoted = f'"{table}"'
        self._schema_sql = [t.format(table=quoted, name=table) for t in self._schema]
        self._sql = {op: t.format(table=quoted, name=table) for op, t in self._templates.items()}
        self._timeout = float(timeout)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: autocommit, so every statement is its own transaction and
        # no implicit BEGIN holds a lock between calls. ``timeout`` is SQLite's busy timeout.
        conn = sqlite3.connect(
            self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            # WAL lets readers proceed while another process writes. The mode is stored in
            # the file, so only switch when needed: switching takes a lock and can fail busy
            # when many processes open a fresh file at once.
            (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                self._retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
            for pragma in self._pragmas:
                conn.execute(pragma)
            for statement in self._schema_sql:
                conn.execute(statement)
        except BaseException:
            conn.close()
            raise
        return conn

    def _retry_busy(self, action: Callable[[], Any]) -> Any:
        # Changing the journal mode does not always go through the busy handler, so
        # retry "database is locked" ourselves until the configured timeout.
        deadline = time.monotonic() + self._timeout
        delay = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    @contextmanager
    def _connection(self, operation: str) -> Iterator[sqlite3.Connection]:
        """Yield the open connection under the lock; map sqlite3 errors to StoreUnavailable."""
        with self._lock:
            if self._closed:
                raise StoreUnavailable(f"{self._describe()}: {operation} failed: store is closed")
            try:
                if self._conn is None:
                    self._conn = self._open()
                yield self._conn
            except sqlite3.Error as exc:
                # sqlite3 messages never contain bound parameters, so no token can leak.
                raise StoreUnavailable(
                    f"{self._describe()}: {operation} failed: {type(exc).__name__}: {exc}"
                ) from exc

    def _describe(self) -> str:
        return f"{type(self).__name__}({self._path!r}, table={self._table!r})"

    def close(self) -> None:
        """Close the connection; later operations raise ``StoreUnavailable``. Idempotent."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class SQLiteTokenStore(_SQLiteStore):
    """A ``TokenStore`` in an SQLite table ``(portal BLOB PRIMARY KEY, token BLOB)``."""

    _schema = (
        "CREATE TABLE IF NOT EXISTS {table} ("
        " portal BLOB PRIMARY KEY NOT NULL,"
        " token BLOB NOT NULL"
        ") WITHOUT ROWID",
    )
    _templates: ClassVar[Mapping[str, str]] = {
        "get": "SELECT token FROM {table} WHERE portal = ?",
        "set": "INSERT INTO {table} (portal, token) VALUES (?, ?)"
        " ON CONFLICT (portal) DO UPDATE SET token = excluded.token",
        "delete": "DELETE FROM {table} WHERE portal = ?",
    }

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        table: str = "b24botevents_tokens",
        timeout: float = 5.0,
    ) -> None:
        super().__init__(path, table=table, timeout=timeout)
        self._get_sql = self._sql["get"]

    def get(self, portal: str) -> str | None:
        key = encode(check_key(portal, "portal"))
        row: tuple[Any, ...] | None = None
        with self._lock:
            # Every event does this lookup, so an open connection skips the context manager
            # (a third of the call's time); the errors are mapped the same way.
            conn = None if self._closed else self._conn
            if conn is not None:
                try:
                    row = conn.execute(self._get_sql, (key,)).fetchone()
                except sqlite3.Error as exc:
                    raise StoreUnavailable(
                        f"{self._describe()}: get failed: {type(exc).__name__}: {exc}"
                    ) from exc
        if conn is None:  # first use, or closed: the general path opens the file or refuses
            with self._connection("get") as opened:
                row = opened.execute(self._get_sql, (key,)).fetchone()
        if row is None:
            return None
        value = row[0]
        # A row written by hand (or another tool) may hold TEXT rather than a BLOB.
        return value if isinstance(value, str) else decode(bytes(value))

    def set(self, portal: str, token: str) -> None:
        key = encode(check_key(portal, "portal"))
        value = encode(check_token(token))
        with self._connection("set") as conn:
            conn.execute(self._sql["set"], (key, value))
        _log.debug("%s: token set for a portal", type(self).__name__)

    def delete(self, portal: str) -> None:
        key = encode(check_key(portal, "portal"))
        with self._connection("delete") as conn:
            conn.execute(self._sql["delete"], (key,))


class SQLiteDedupStore(_SQLiteStore):
    """A ``DedupStore`` in an SQLite table ``(key BLOB PRIMARY KEY, expires REAL)``.

    ``clock`` must return wall-clock seconds (``time.time``) that agree between the
    processes sharing the file; inject a fake one in tests.
    """

    _schema = (
        "CREATE TABLE IF NOT EXISTS {table} ("
        " key BLOB PRIMARY KEY NOT NULL,"
        " expires REAL NOT NULL"
        ") WITHOUT ROWID",
        'CREATE INDEX IF NOT EXISTS "{name}_expires" ON {table} (expires)',
    )
    _templates: ClassVar[Mapping[str, str]] = {
        # Insert, or take over an expired row; a live row is left alone and the statement
        # changes nothing (rowcount 0).
        "claim": "INSERT INTO {table} (key, expires) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET expires = excluded.expires"
        " WHERE {table}.expires <= ?",
        "release": "DELETE FROM {table} WHERE key = ?",
        "purge": "DELETE FROM {table} WHERE key IN"
        " (SELECT key FROM {table} WHERE expires <= ? LIMIT ?)",
    }
    # Losing the last dedup marks on power loss only lets one redelivery through again, so
    # trade the per-commit fsync of synchronous=FULL for speed; WAL stays consistent.
    _pragmas = ("PRAGMA synchronous = NORMAL",)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        table: str = "b24botevents_dedup",
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(path, table=table, timeout=timeout)
        self._clock = clock
        self._claims = 0

    def claim(self, key: str, ttl: float) -> bool:
        blob = encode(check_key(key))
        seconds = check_ttl(ttl)
        with self._connection("claim") as conn:
            now = self._clock()
            if self._claims % _PURGE_EVERY == 0:
                self._purge(conn, now)
            self._claims += 1
            # One statement, hence one write transaction. SQLite runs write transactions
            # one at a time, across processes too, so exactly one caller sees a change.
            cursor = conn.execute(self._sql["claim"], (blob, now + seconds, now))
            return cursor.rowcount == 1

    def release(self, key: str) -> None:
        blob = encode(check_key(key))
        with self._connection("release") as conn:
            conn.execute(self._sql["release"], (blob,))

    def _purge(self, conn: sqlite3.Connection, now: float) -> None:
        # Housekeeping only: a failure here must not fail the claim. A real outage shows
        # up in the claim statement that follows.
        try:
            cursor = conn.execute(self._sql["purge"], (now, _PURGE_LIMIT))
        except sqlite3.Error as exc:
            _log.debug("%s: purge of expired keys failed: %s", type(self).__name__, exc)
        else:
            if cursor.rowcount > 0:
                _log.debug("%s: purged %d expired keys", type(self).__name__, cursor.rowcount)
