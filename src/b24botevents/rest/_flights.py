"""Internal: single-flight refreshes, one per portal across the threads and tasks of a process.

The first caller to find a portal's token dead becomes the leader and refreshes; callers
that arrive meanwhile wait on the leader's ``concurrent.futures.Future`` (a thread with
``result()``, a task with ``asyncio.wrap_future``), so a burst of calls makes one request
to the OAuth server and spends the single-use refresh token once. Across processes the
store's compare-and-set, and the re-read after ``invalid_grant``, decide.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

__all__ = ["Flights"]


class Flights:
    """The refreshes in progress, by ``member_id``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, Future[Any]] = {}

    def join(self, member_id: str) -> tuple[Future[Any], bool]:
        """The flight for ``member_id``, and whether the caller leads it (must refresh)."""
        with self._lock:
            flight = self._flights.get(member_id)
            if flight is not None:
                return flight, False
            flight = Future()
            self._flights[member_id] = flight
            return flight, True

    def leave(self, member_id: str, flight: Future[Any]) -> None:
        """The leader is done (its future is resolved): later callers start a new flight."""
        with self._lock:
            if self._flights.get(member_id) is flight:
                del self._flights[member_id]

    def __len__(self) -> int:
        with self._lock:
            return len(self._flights)
