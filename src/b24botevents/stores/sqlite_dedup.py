"""``SQLiteDedupStore``: dedup claims in an SQLite table, shared by threads and processes.

Built on the connection handling of ``sqlite.py``; every claim is one statement, hence
one write transaction, so exactly one caller wins it across processes too.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from typing import ClassVar

from ._protocols import check_key, check_owner, check_ttl, encode
from .sqlite import _SQLiteStore

__all__ = ["SQLiteDedupStore"]

_log = logging.getLogger("b24botevents.stores")

# Claims between purges of expired dedup rows, and rows deleted per purge at most. Removal
# capacity (512 / 64 = 8 per claim) exceeds the one row a claim can add, so expired rows
# cannot pile up, while a single claim never pays for a huge delete.
_PURGE_EVERY = 64
_PURGE_LIMIT = 512


class SQLiteDedupStore(_SQLiteStore):
    """A ``DedupStore`` in an SQLite table ``(key BLOB PRIMARY KEY, expires REAL, owner BLOB)``.

    ``clock`` must return wall-clock seconds (``time.time``) that agree between the
    processes sharing the file; inject a fake one in tests.
    """

    _schema = (
        "CREATE TABLE IF NOT EXISTS {table} ("
        " key BLOB PRIMARY KEY NOT NULL,"
        " expires REAL NOT NULL,"
        " owner BLOB NOT NULL"
        ") WITHOUT ROWID",
        'CREATE INDEX IF NOT EXISTS "{name}_expires" ON {table} (expires)',
    )
    _templates: ClassVar[Mapping[str, str]] = {
        # Insert, or take over an expired row; a live row is left alone and the statement
        # changes nothing (rowcount 0).
        "claim": "INSERT INTO {table} (key, expires, owner) VALUES (?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET expires = excluded.expires, owner = excluded.owner"
        " WHERE {table}.expires <= ?",
        "release": "DELETE FROM {table} WHERE key = ?",
        "release_own": "DELETE FROM {table} WHERE key = ? AND owner = ?",
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

    def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        """Mark ``key`` seen for ``ttl`` seconds; True iff this caller is the first."""
        blob = encode(check_key(key))
        seconds = check_ttl(ttl)
        holder = encode(check_owner(owner))
        with self._connection("claim") as conn:
            now = self._clock()
            if self._claims % _PURGE_EVERY == 0:
                self._purge(conn, now)
            self._claims += 1
            # One statement, hence one write transaction. SQLite runs write transactions
            # one at a time, across processes too, so exactly one caller sees a change.
            cursor = conn.execute(self._sql["claim"], (blob, now + seconds, holder, now))
            return cursor.rowcount == 1

    def release(self, key: str, owner: str | None = None) -> None:
        """Forget a claim (only ``owner``'s, when given): a redelivery is handled again."""
        blob = encode(check_key(key))
        with self._connection("release") as conn:
            if owner is None:
                conn.execute(self._sql["release"], (blob,))
            else:
                conn.execute(self._sql["release_own"], (blob, encode(check_owner(owner))))

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
