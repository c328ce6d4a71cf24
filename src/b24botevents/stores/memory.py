"""In-process stores: ``MemoryTokenStore`` and ``MemoryDedupStore``.

For tests, single-process apps and development. Nothing survives a restart and nothing is
shared between processes; use the SQLite or Redis stores for that.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Mapping

from ._protocols import check_key, check_token, check_ttl

__all__ = ["MemoryDedupStore", "MemoryTokenStore"]

_log = logging.getLogger("b24botevents.stores")

# Expired entries removed per ``claim`` at most. Each claim adds at most one entry, so any
# limit above one keeps the expired backlog shrinking while bounding the latency of a call.
_PURGE_BATCH = 64


class MemoryTokenStore:
    """A thread-safe ``TokenStore`` backed by a dict."""

    #: No I/O: async code may call it in the event loop.
    blocking = False

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        if initial is not None:
            for portal, token in initial.items():
                self._tokens[check_key(portal, "portal")] = check_token(token)

    def get(self, portal: str) -> str | None:
        if type(portal) is not str or not portal:  # the common case skips the call
            check_key(portal, "portal")
        return self._tokens.get(portal)  # one dict lookup is atomic; writers hold the lock

    def set(self, portal: str, token: str) -> None:
        check_key(portal, "portal")
        check_token(token)
        with self._lock:
            self._tokens[portal] = token
        _log.debug("MemoryTokenStore: token set for a portal")

    def delete(self, portal: str) -> None:
        check_key(portal, "portal")
        with self._lock:
            self._tokens.pop(portal, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._tokens)

    def __repr__(self) -> str:
        # Only a count: the keys are harmless but tokens must never reach a log via repr.
        count = len(self)
        return f"{type(self).__name__}({count} portal{'' if count == 1 else 's'})"


class MemoryDedupStore:
    """A thread-safe ``DedupStore`` that keeps claims in a dict until they expire.

    ``clock`` returns seconds; inject a fake one in tests. Expired entries are purged lazily
    by ``claim``, a bounded number per call, so memory tracks the number of live claims.
    """

    #: No I/O: async code may call it in the event loop.
    blocking = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expires: dict[str, float] = {}
        # Min-heap of (expires, key) to find expired entries without scanning the dict.
        # Entries go stale when a key is released or re-claimed; a stale entry is recognised
        # by its time differing from the dict's and is dropped when it reaches the top.
        self._heap: list[tuple[float, str]] = []

    def claim(self, key: str, ttl: float) -> bool:
        check_key(key)
        seconds = check_ttl(ttl)
        with self._lock:
            now = self._clock()
            self._purge(now)
            expires = self._expires.get(key)
            if expires is not None and expires > now:
                return False
            deadline = now + seconds
            self._expires[key] = deadline
            heapq.heappush(self._heap, (deadline, key))
            return True

    def release(self, key: str) -> None:
        check_key(key)
        with self._lock:
            self._expires.pop(key, None)

    def _purge(self, now: float) -> None:
        heap = self._heap
        for _ in range(_PURGE_BATCH):
            if not heap or heap[0][0] > now:
                break
            expires, key = heapq.heappop(heap)
            if self._expires.get(key) == expires:
                del self._expires[key]
        # Release-then-claim cycles with long TTLs leave stale heap entries that only
        # leave the heap when their time comes; rebuild when they dominate.
        if len(heap) > 2 * len(self._expires) + 1024:
            self._heap = [(expires, key) for key, expires in self._expires.items()]
            heapq.heapify(self._heap)

    def __len__(self) -> int:
        """The number of entries held, including expired ones not yet purged."""
        with self._lock:
            return len(self._expires)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} keys)"
