"""In-process stores: ``MemoryPortalStore`` and ``MemoryDedupStore``.

For tests, single-process apps and development. Nothing survives a restart and nothing is
shared between processes; use the SQLite or Redis stores for that.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Iterable

from ._protocols import check_expected, check_key, check_owner, check_record, check_ttl
from .record import PortalRecord

__all__ = ["MemoryDedupStore", "MemoryPortalStore"]

_log = logging.getLogger("b24botevents.stores")

# Expired entries removed per ``claim`` at most. Each claim adds at most one entry, so any
# limit above one keeps the expired backlog shrinking while bounding the latency of a call.
_PURGE_BATCH = 64


class MemoryPortalStore:
    """A thread-safe ``PortalStore`` in two dicts (by ``member_id``, and ``domain`` → id).

    ``initial`` seeds it with installed records (their revisions are set to 1).
    """

    #: No I/O: async code may call it in the event loop.
    blocking = False

    def __init__(self, initial: Iterable[PortalRecord] = ()) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, PortalRecord] = {}
        self._domains: dict[str, str] = {}
        for record in initial:
            if self.save(check_record(record).evolve(revision=0), expected=None) is None:
                raise ValueError("initial records must have distinct member ids and domains")

    def get(self, member_id: str) -> PortalRecord | None:
        """The portal's record, installed or not; ``None`` if it was never stored."""
        if type(member_id) is not str or not member_id:  # the common case skips the call
            check_key(member_id, "member_id")
        return self._records.get(member_id)  # one dict lookup is atomic; writers hold the lock

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        """The installed record bound to ``domain``, or ``None``."""
        if type(domain) is not str or not domain:
            check_key(domain, "domain")
        with self._lock:  # two lookups: read them as one
            member_id = self._domains.get(domain)
            return None if member_id is None else self._records[member_id]

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
        with self._lock:
            current = self._records.get(record.member_id)
            if (None if current is None else current.revision) != expected:
                return None
            holder = self._domains.get(record.domain) if record.installed else None
            if holder is not None and holder != record.member_id:
                if not take_domain or (domain_holder is not None and holder != domain_holder):
                    return None
                moved = self._records[holder]
                self._records[holder] = moved.evolve(installed=False, revision=moved.revision + 1)
            if current is not None and current.installed:
                self._domains.pop(current.domain, None)
            stored = record.evolve(revision=(expected or 0) + 1)
            self._records[record.member_id] = stored
            if stored.installed:
                self._domains[stored.domain] = stored.member_id
        _log.debug("MemoryPortalStore: a portal record was written")
        return stored

    def delete(self, member_id: str, *, expected: int | None = None) -> bool:
        """Forget the portal entirely; True if a record was removed."""
        check_key(member_id, "member_id")
        expected = check_expected(expected)
        with self._lock:
            current = self._records.get(member_id)
            if current is None or (expected is not None and current.revision != expected):
                return False
            del self._records[member_id]
            if current.installed:
                self._domains.pop(current.domain, None)
        return True

    def __len__(self) -> int:
        """The number of records, installed or not."""
        with self._lock:
            return len(self._records)

    def __repr__(self) -> str:
        # Only a count: records are masked, but a store's repr has no need for them.
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
        self._owners: dict[str, str] = {}
        # Min-heap of (expires, key) to find expired entries without scanning the dict.
        # Entries go stale when a key is released or re-claimed; a stale entry is recognised
        # by its time differing from the dict's and is dropped when it reaches the top.
        self._heap: list[tuple[float, str]] = []

    def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        """Mark ``key`` seen for ``ttl`` seconds; True iff this caller is the first."""
        check_key(key)
        seconds = check_ttl(ttl)
        check_owner(owner)
        with self._lock:
            now = self._clock()
            self._purge(now)
            expires = self._expires.get(key)
            if expires is not None and expires > now:
                return False
            deadline = now + seconds
            self._expires[key] = deadline
            self._owners[key] = owner
            heapq.heappush(self._heap, (deadline, key))
            return True

    def release(self, key: str, owner: str | None = None) -> None:
        """Forget a claim (only ``owner``'s, when given): a redelivery is handled again."""
        check_key(key)
        if owner is not None:
            check_owner(owner)
        with self._lock:
            if owner is None or self._owners.get(key) == owner:
                self._expires.pop(key, None)
                self._owners.pop(key, None)

    def _purge(self, now: float) -> None:
        heap = self._heap
        for _ in range(_PURGE_BATCH):
            if not heap or heap[0][0] > now:
                break
            expires, key = heapq.heappop(heap)
            if self._expires.get(key) == expires:
                del self._expires[key]
                del self._owners[key]
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
