"""``SQLiteOffsetStore``: fetch-mode progress and leases in one SQLite table.

Built on the connection handling of ``sqlite.py`` (WAL, busy timeout, one connection per
store under a lock, ``StoreUnavailable`` for every ``sqlite3.Error``), so one file is
shared by the threads and the processes of one host. ``acquire`` and ``save`` are each a
single ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` or ``UPDATE ... WHERE`` statement:
SQLite takes its one write lock before such a statement reads anything, and holds it until
the statement commits, so the lease check and the write see one state (what ``BEGIN
IMMEDIATE`` would give a transaction of several statements, in one round trip).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from b24botevents.errors import StoreUnavailable

from ._progress import Progress, check_save
from ._protocols import check_key, check_owner, check_ttl, encode
from .sqlite import _SQLiteStore

__all__ = ["SQLiteOffsetStore"]

#: The storage layout's version, in the default table name.
OFFSETS_SCHEMA_VERSION = 1


class SQLiteOffsetStore(_SQLiteStore):
    """An ``OffsetStore`` in an SQLite table, one row per consumer key.

    Columns: ``key`` (BLOB primary key: the key's UTF-8), ``next_offset`` and ``handled``
    (INTEGER or NULL), ``owner`` (BLOB, NULL when no lease was ever taken or it was
    released) and ``expires`` (REAL, wall-clock seconds), ``WITHOUT ROWID``. A row stays
    after its lease is released or expires: the progress is the point.

    Lease expiry is by ``clock``, which must return wall-clock seconds (``time.time``)
    that agree between the processes sharing the file; inject a fake one in tests.
    """

    _schema = (
        "CREATE TABLE IF NOT EXISTS {table} ("
        " key BLOB PRIMARY KEY NOT NULL,"
        " next_offset INTEGER CHECK (next_offset IS NULL OR next_offset >= 0),"
        " handled INTEGER CHECK (handled IS NULL OR handled >= 0),"
        " owner BLOB,"
        " expires REAL NOT NULL DEFAULT 0"
        ") WITHOUT ROWID",
    )
    _templates: ClassVar[Mapping[str, str]] = {
        "load": "SELECT next_offset, handled FROM {table} WHERE key = ?",
        # Insert the row with the lease, or take the lease over when it is free, expired or
        # already the caller's; a live lease of another owner is left alone (rowcount 0).
        "acquire": "INSERT INTO {table} (key, owner, expires) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires"
        " WHERE {table}.owner IS NULL OR {table}.owner = excluded.owner"
        " OR {table}.expires <= ?4",
        "release": "UPDATE {table} SET owner = NULL, expires = 0 WHERE key = ? AND owner = ?",
        # Raise each value to the given one, never lower it; NULL leaves it. Only under a
        # live lease of the caller: otherwise no row matches (rowcount 0).
        "save": "UPDATE {table} SET"
        " next_offset = CASE WHEN ?1 IS NULL THEN next_offset"
        " ELSE max(coalesce(next_offset, ?1), ?1) END,"
        " handled = CASE WHEN ?2 IS NULL THEN handled ELSE max(coalesce(handled, ?2), ?2) END"
        " WHERE key = ?3 AND owner = ?4 AND expires > ?5",
        "holder": "SELECT owner FROM {table} WHERE key = ? AND owner IS NOT NULL AND expires > ?",
    }

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        table: str = f"b24botevents_offsets_v{OFFSETS_SCHEMA_VERSION}",
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(path, table=table, timeout=timeout)
        self._clock = clock

    def load(self, key: str) -> Progress:
        """The stored progress of ``key``; ``Progress()`` if nothing was ever saved."""
        blob = encode(check_key(key))
        with self._connection("load") as conn:
            row: tuple[Any, ...] | None = conn.execute(self._sql["load"], (blob,)).fetchone()
        if row is None:
            return Progress()
        try:
            return Progress(offset=row[0], handled=row[1])
        except (TypeError, ValueError):
            # Not written by this store; say so, never what it holds.
            raise StoreUnavailable(f"{self._describe()}: load failed: unreadable row") from None

    def acquire(self, key: str, owner: str, ttl: float) -> bool:
        """Take or renew the lease of ``key`` for ``ttl`` seconds; True if ``owner`` holds it."""
        blob = encode(check_key(key))
        holder = encode(check_owner(owner))
        seconds = check_ttl(ttl)
        with self._connection("acquire") as conn:
            now = self._clock()
            cursor = conn.execute(self._sql["acquire"], (blob, holder, now + seconds, now))
            return cursor.rowcount == 1

    def release(self, key: str, owner: str) -> None:
        """Give the lease up, only if ``owner`` holds it (a no-op otherwise)."""
        blob = encode(check_key(key))
        holder = encode(check_owner(owner))
        with self._connection("release") as conn:
            conn.execute(self._sql["release"], (blob, holder))

    def save(
        self, key: str, owner: str, *, offset: int | None = None, handled: int | None = None
    ) -> bool:
        """Raise the stored ``offset``/``handled`` iff ``owner`` holds the lease; else False."""
        key, owner, offset, handled = check_save(key, owner, offset, handled)
        params = (offset, handled, encode(key), encode(owner))
        with self._connection("save") as conn:
            cursor = conn.execute(self._sql["save"], (*params, self._clock()))
            return cursor.rowcount == 1

    def holder(self, key: str) -> str | None:
        """The owner of the unexpired lease, or ``None``."""
        blob = encode(check_key(key))
        with self._connection("holder") as conn:
            row = conn.execute(self._sql["holder"], (blob, self._clock())).fetchone()
        if row is None:
            return None
        if not isinstance(row[0], bytes):
            raise StoreUnavailable(f"{self._describe()}: holder failed: unreadable row")
        return row[0].decode("utf-8", "surrogatepass")
