"""Offset stores: a fetch-mode consumer's durable progress and its single-consumer lease.

A poller of ``imbot.v2.Event.get`` keeps, per consumer key (``"<portal>/<bot_id>"``), the
``Progress`` it has made (the ``offset`` to send next and the highest event id it has
handled) and a lease, so that only one poller consumes a bot at a time: Bitrix24 gives each
event to whoever fetches it, and two pollers would each handle part of the stream.

``OffsetStore`` is the protocol; the backends are ``MemoryOffsetStore`` (here: one process),
``SQLiteOffsetStore`` (``sqlite_offsets``: the processes of one host) and
``RedisOffsetStore`` (``redis_offsets``, optional ``redis`` extra: any number of hosts).
``open_offset_store("sqlite:offsets.db")`` builds one from a spec, as the CLI's
``--offset-store`` does. Every write is conditional on the lease: a poller that lost its
lease (it stalled past the ttl and another took over) can no longer move the progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ._progress import MAX_POSITION, Progress, check_save
from ._protocols import ClosingStore, check_key, check_owner, check_ttl
from .sqlite_offsets import SQLiteOffsetStore

__all__ = [
    "MAX_POSITION",
    "MemoryOffsetStore",
    "OffsetStore",
    "Progress",
    "open_offset_store",
]


@runtime_checkable
class OffsetStore(Protocol):
    """Per consumer key: durable ``Progress`` and a lease held by one owner at a time.

    Every backend also has ``blocking`` (whether a call does I/O) and ``close()``, and is a
    context manager.
    """

    def load(self, key: str) -> Progress:
        """The stored progress of ``key``; ``Progress()`` if nothing was ever saved."""

    def acquire(self, key: str, owner: str, ttl: float) -> bool:
        """Take the consumer lease of ``key`` for ``ttl`` seconds, or renew it when ``owner``
        already holds it.

        True when ``owner`` holds it now (it was free, expired, or already ``owner``'s);
        False when another owner holds an unexpired lease. Atomic across threads and
        processes (and app instances for Redis).
        """

    def release(self, key: str, owner: str) -> None:
        """Give the lease up, only if ``owner`` holds it (a no-op otherwise)."""

    def save(
        self, key: str, owner: str, *, offset: int | None = None, handled: int | None = None
    ) -> bool:
        """Atomically: if ``owner`` holds an unexpired lease of ``key``, raise the stored
        ``offset`` and/or ``handled`` to the given values (never lower either; ``None``
        leaves it as is) and return True; otherwise change nothing and return False (the
        lease was lost: another poller may own the bot).
        """

    def holder(self, key: str) -> str | None:
        """The owner of the unexpired lease, or ``None`` (for metrics, tests and the CLI)."""


class MemoryOffsetStore(ClosingStore):
    """A thread-safe ``OffsetStore`` in two dicts, for one process (tests, development).

    ``clock`` returns seconds (``time.monotonic``); inject a fake one in tests. Nothing
    survives the process, and nothing stops a second process from polling the same bot:
    use ``SQLiteOffsetStore`` or ``RedisOffsetStore`` for that.
    """

    #: No I/O: async code may call it in the event loop.
    blocking = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._progress: dict[str, Progress] = {}
        self._leases: dict[str, tuple[str, float]] = {}  # key -> (owner, expires)

    def load(self, key: str) -> Progress:
        """The stored progress of ``key``; ``Progress()`` if nothing was ever saved."""
        check_key(key)
        with self._lock:
            return self._progress.get(key, _NOTHING)

    def acquire(self, key: str, owner: str, ttl: float) -> bool:
        """Take or renew the lease of ``key`` for ``ttl`` seconds; True if ``owner`` holds it."""
        check_key(key)
        check_owner(owner)
        seconds = check_ttl(ttl)
        with self._lock:
            now = self._clock()
            lease = self._leases.get(key)
            if lease is not None and lease[0] != owner and lease[1] > now:
                return False
            self._leases[key] = (owner, now + seconds)
            return True

    def release(self, key: str, owner: str) -> None:
        """Give the lease up, only if ``owner`` holds it (a no-op otherwise)."""
        check_key(key)
        check_owner(owner)
        with self._lock:
            lease = self._leases.get(key)
            if lease is not None and lease[0] == owner:
                del self._leases[key]

    def save(
        self, key: str, owner: str, *, offset: int | None = None, handled: int | None = None
    ) -> bool:
        """Raise the stored ``offset``/``handled`` iff ``owner`` holds the lease; else False."""
        check_save(key, owner, offset, handled)
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease[0] != owner or lease[1] <= self._clock():
                return False
            current = self._progress.get(key, _NOTHING)
            self._progress[key] = Progress(
                offset=_higher(current.offset, offset), handled=_higher(current.handled, handled)
            )
            return True

    def holder(self, key: str) -> str | None:
        """The owner of the unexpired lease, or ``None``."""
        check_key(key)
        with self._lock:
            lease = self._leases.get(key)
            return lease[0] if lease is not None and lease[1] > self._clock() else None

    def close(self) -> None:
        """Nothing to close; present so that every offset store is used the same way."""

    def _describe(self) -> str:
        with self._lock:
            count = len(self._progress.keys() | self._leases.keys())
        return f"{type(self).__name__}({count} key{'' if count == 1 else 's'})"


_NOTHING = Progress()


def _higher(current: int | None, new: int | None) -> int | None:
    if new is None:
        return current
    return new if current is None or new > current else current


def open_offset_store(spec: str) -> OffsetStore:
    """An offset store from a spec: ``"memory:"``, ``"sqlite:PATH"`` or a Redis URL.

    ``sqlite:offsets.db`` (relative to the working directory) or ``sqlite:/var/lib/bot/o.db``
    opens a ``SQLiteOffsetStore``; ``redis://[:password@]host:port/db``, ``rediss://...``
    (TLS) and ``unix:///path/to/socket`` a ``RedisOffsetStore`` (the ``redis`` extra).
    Anything else is a ``ValueError`` that does not repeat the spec (it may hold a password).
    """
    if not isinstance(spec, str):
        raise TypeError(f"offset store spec must be str, not {type(spec).__name__}")
    scheme, colon, rest = spec.partition(":")
    if scheme == "memory":
        if rest:
            raise ValueError("offset store spec memory: takes nothing after the colon")
        return MemoryOffsetStore()
    if scheme == "sqlite" and colon:
        if not rest:
            raise ValueError("offset store spec sqlite:PATH needs a PATH")
        return SQLiteOffsetStore(rest)
    if colon and scheme in ("redis", "rediss", "unix") and rest.startswith("//"):
        # Imported here: redis-py is optional (the import error names the extra).
        from .redis_offsets import RedisOffsetStore

        return RedisOffsetStore(spec)
    shown = scheme if colon and scheme.isascii() and scheme.isalnum() and len(scheme) <= 16 else ""
    raise ValueError(
        "offset store spec must be memory:, sqlite:PATH, redis://..., rediss://... or"
        f" unix://...{f', not a {shown}: spec' if shown else ''}"
    )
