"""``SQLitePortalStore`` on the stdlib ``sqlite3``, and the connection handling of both
SQLite stores (``SQLiteDedupStore`` lives in ``sqlite_dedup``).

One database file can be shared by the threads of a process and by several processes on
one host (WAL journal, busy timeout). A portal write is one ``BEGIN IMMEDIATE``
transaction: it takes SQLite's single write lock first, so the compare-and-set on the
revision and the move of a domain read and write one state, and two processes racing
for one portal or one domain cannot both win. A partial UNIQUE index on the domain of
installed records backs that up in the schema itself. Every ``sqlite3.Error`` becomes
``StoreUnavailable``, whose message names the store, the file and the operation but
never a token (sqlite3 messages never quote bound parameters).
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

from ._protocols import (
    ClosingStore,
    check_expected,
    check_key,
    check_record,
)
from .credentials import record_document, tokens_from_document
from .record import PortalRecord, trusted_record, written

__all__ = ["SQLitePortalStore"]

_log = logging.getLogger("b24botevents.stores")


# The table name is interpolated into SQL (placeholders cannot name tables), so only plain
# identifiers are accepted; they are also double-quoted so keywords like "order" work.
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


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
    until those threads die), and each operation is a statement or a short transaction of
    microseconds, so serialising a process's calls costs little. Concurrency between
    processes is SQLite's own WAL locking plus the busy timeout.

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
        # isolation_level=None: autocommit, so every statement is its own transaction unless
        # a store opens one explicitly, and no implicit BEGIN holds a lock between calls.
        # ``timeout`` is SQLite's busy timeout.
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
                raise self._unavailable(operation, exc) from exc

    @contextmanager
    def _transaction(self, operation: str) -> Iterator[sqlite3.Connection]:
        """``_connection`` inside ``BEGIN IMMEDIATE`` ... ``COMMIT``; any error rolls back."""
        with self._connection(operation) as conn:
            # IMMEDIATE takes the write lock now (waiting out the busy timeout), so what
            # the transaction reads cannot change before it writes.
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error as exc:  # the original error is the one to report
                        _log.debug("%s: rollback failed: %s", type(self).__name__, exc)
                raise

    def _unavailable(self, operation: str, exc: sqlite3.Error) -> StoreUnavailable:
        # sqlite3 messages never contain bound parameters, so no token can leak.
        return StoreUnavailable(
            f"{self._describe()}: {operation} failed: {type(exc).__name__}: {exc}"
        )

    def _describe(self) -> str:
        return f"{type(self).__name__}({self._path!r}, table={self._table!r})"

    def close(self) -> None:
        """Close the connection; later operations raise ``StoreUnavailable``. Idempotent."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class SQLitePortalStore(_SQLiteStore):
    """A ``PortalStore`` in one SQLite table, a row per portal keyed by ``member_id``.

    Columns: ``member_id`` (primary key), ``domain``, ``application_token``, ``installed``
    (0 or 1), ``revision`` and ``document`` (a JSON object: the OAuth credentials under
    ``oauth``, ``'{}'`` without them; later fields become keys, not columns),
    ``WITHOUT ROWID``, with a UNIQUE index on ``domain`` over the installed rows only.
    """

    _schema = (
        "CREATE TABLE IF NOT EXISTS {table} ("
        " member_id TEXT PRIMARY KEY NOT NULL,"
        " domain TEXT NOT NULL,"
        " application_token TEXT NOT NULL,"
        " installed INTEGER NOT NULL CHECK (installed IN (0, 1)),"
        " revision INTEGER NOT NULL CHECK (revision >= 1),"
        " document TEXT NOT NULL DEFAULT '{{}}'"
        ") WITHOUT ROWID",
        'CREATE UNIQUE INDEX IF NOT EXISTS "{name}_domain" ON {table} (domain) WHERE installed = 1',
    )
    _templates: ClassVar[Mapping[str, str]] = {
        "get": "SELECT domain, application_token, installed, revision, document"
        " FROM {table} WHERE member_id = ?",
        # ``installed = 1`` lets SQLite use the partial index.
        "get_by_domain": "SELECT member_id, application_token, revision, document"
        " FROM {table} WHERE domain = ? AND installed = 1",
        "current": "SELECT revision FROM {table} WHERE member_id = ?",
        "holder": "SELECT member_id FROM {table} WHERE domain = ? AND installed = 1",
        "release": "UPDATE {table} SET installed = 0, revision = revision + 1 WHERE member_id = ?",
        "insert": "INSERT INTO {table}"
        " (member_id, domain, application_token, installed, revision, document)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        "update": "UPDATE {table} SET domain = ?, application_token = ?, installed = ?,"
        " revision = ?, document = ? WHERE member_id = ?",
        "delete": "DELETE FROM {table} WHERE member_id = ?",
    }

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        table: str = "b24botevents_portals_v1",
        timeout: float = 5.0,
    ) -> None:
        super().__init__(path, table=table, timeout=timeout)
        self._get_sql = self._sql["get"]
        self._by_domain_sql = self._sql["get_by_domain"]

    def _fetch_one(self, operation: str, sql: str, params: tuple[str]) -> tuple[Any, ...] | None:
        """The row of a single-row SELECT, the lookup of every event: kept lean."""
        row: tuple[Any, ...] | None = None
        with self._lock:
            # An open connection skips the context manager (a third of the call's time);
            # the errors are mapped the same way.
            conn = None if self._closed else self._conn
            if conn is not None:
                try:
                    row = conn.execute(sql, params).fetchone()
                except sqlite3.Error as exc:
                    raise self._unavailable(operation, exc) from exc
        if conn is None:  # first use, or closed: the general path opens the file or refuses
            with self._connection(operation) as opened:
                row = opened.execute(sql, params).fetchone()
        return row

    def get(self, member_id: str) -> PortalRecord | None:
        """The portal's record, installed or not; ``None`` if it was never stored."""
        if type(member_id) is not str or not member_id:  # the common case skips the call
            check_key(member_id, "member_id")
        if not member_id.isascii():  # no stored id is (and sqlite3 cannot bind surrogates)
            return None
        # Every event does this lookup: ``_fetch_one`` inlined.
        row: tuple[Any, ...] | None = None
        with self._lock:
            conn = None if self._closed else self._conn
            if conn is not None:
                try:
                    row = conn.execute(self._get_sql, (member_id,)).fetchone()
                except sqlite3.Error as exc:
                    raise self._unavailable("get", exc) from exc
        if conn is None:
            with self._connection("get") as opened:
                row = opened.execute(self._get_sql, (member_id,)).fetchone()
        if row is None:
            return None
        return trusted_record(
            member_id, row[0], row[1], row[2] == 1, row[3], self._credentials(row[4], "get")
        )

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        """The installed record bound to ``domain``, or ``None``."""
        if type(domain) is not str or not domain:
            check_key(domain, "domain")
        if not domain.isascii():  # no stored domain is
            return None
        row = self._fetch_one("get_by_domain", self._by_domain_sql, (domain,))
        if row is None:
            return None
        credentials = self._credentials(row[3], "get_by_domain")
        return trusted_record(row[0], domain, row[1], True, row[2], credentials)

    def _credentials(self, document: object, operation: str) -> Any:
        if document == "{}":  # no credentials: the common case skips the JSON parser
            return None
        try:
            if not isinstance(document, str):
                raise ValueError("not text")
            return tokens_from_document(document)
        except ValueError:
            # Not written by this store; say so, never what it holds.
            raise StoreUnavailable(
                f"{self._describe()}: {operation} failed: unreadable record"
            ) from None

    def save(
        self,
        record: PortalRecord,
        *,
        expected: int | None,
        take_domain: bool = False,
        domain_holder: str | None = None,
    ) -> PortalRecord | None:
        """Write ``record`` iff its stored revision is ``expected`` (``PortalStore.save``)."""
        check_record(record)
        expected = check_expected(expected)
        member_id = record.member_id
        document = record_document(record.credentials)
        sql = self._sql
        with self._transaction("save") as conn:
            row = conn.execute(sql["current"], (member_id,)).fetchone()
            if (None if row is None else row[0]) != expected:
                return None  # the transaction commits having written nothing
            if record.installed:
                holder = conn.execute(sql["holder"], (record.domain,)).fetchone()
                if holder is not None and holder[0] != member_id:
                    if not take_domain or domain_holder not in (None, holder[0]):
                        return None
                    conn.execute(sql["release"], (holder[0],))
            revision = (expected or 0) + 1
            values = (record.domain, record.application_token, int(record.installed), revision)
            if row is None:
                conn.execute(sql["insert"], (member_id, *values, document))
            else:
                conn.execute(sql["update"], (*values, document, member_id))
        _log.debug("%s: a portal record was written", type(self).__name__)
        return written(record, revision)

    def delete(self, member_id: str, *, expected: int | None = None) -> bool:
        """Forget the portal entirely; True if a record was removed."""
        check_key(member_id, "member_id")
        expected = check_expected(expected)
        if not member_id.isascii():
            return False
        with self._transaction("delete") as conn:
            row = conn.execute(self._sql["current"], (member_id,)).fetchone()
            if row is None or (expected is not None and row[0] != expected):
                return False
            conn.execute(self._sql["delete"], (member_id,))
        return True
