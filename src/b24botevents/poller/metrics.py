"""``PollerMetrics``: what a poller has done, as a snapshot a user can read or export.

The poller counts in a private, lock-protected tally and hands out frozen snapshots, so
reading the figures from another thread (a health endpoint, a metrics exporter) never
sees a half-updated set.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import attrs

__all__ = ["PollerMetrics"]


@attrs.frozen(kw_only=True)
class PollerMetrics:
    """A poller's figures since it was made.

    * ``events_handled``: events whose handlers finished; ``events_failed``: events whose
      handler raised (or that did not fit their model) and that ``on_error`` dealt with;
      ``events_skipped``: events seen again that were already handled (after a restart);
    * ``pages``: pages handled to the end; ``requests``: ``Event.get`` calls answered;
      ``retries``: calls that failed and were retried after a backoff (429, 5xx, lost
      connections); ``store_errors``: offset-store calls that failed and were retried;
    * ``lease_waits``: times the bot's lease was held by another poller; ``leases_lost``:
      times it was taken over while this poller held it;
    * ``offset``: the offset saved last; ``last_event_id``: the newest event handled;
    * ``lag``: seconds between the newest handled event's ``date`` and the moment it was
      handled (how far behind the poller runs), None before the first event;
    * ``last_poll_at``: when the last ``Event.get`` answered (UTC), None before.
    """

    events_handled: int = 0
    events_failed: int = 0
    events_skipped: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    store_errors: int = 0
    lease_waits: int = 0
    leases_lost: int = 0
    offset: int | None = None
    last_event_id: int | None = None
    lag: float | None = None
    last_poll_at: datetime | None = None


class Tally:
    """Internal: the running counts behind ``PollerMetrics``."""

    _COUNTS = (
        "events_handled",
        "events_failed",
        "events_skipped",
        "pages",
        "requests",
        "retries",
        "store_errors",
        "lease_waits",
        "leases_lost",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self._COUNTS, 0)
        self._offset: int | None = None
        self._last_event_id: int | None = None
        self._lag: float | None = None
        self._last_poll_at: datetime | None = None
        #: Whether the offset store, and ``Event.get``, ever answered this poller: one
        #: that fails from the very first call is misconfigured (a wrong path or URL),
        #: and retrying would only hide it; later failures are outages, waited out.
        self.store_answered = False
        self.answered = False

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def polled(self) -> None:
        with self._lock:
            self._counts["requests"] += 1
            self._last_poll_at = datetime.now(timezone.utc)

    def handled(self, event_id: int, date: datetime | None) -> None:
        lag = None if date is None else max(0.0, time.time() - date.timestamp())
        with self._lock:
            self._counts["events_handled"] += 1
            self._last_event_id = event_id
            if lag is not None:
                self._lag = lag

    def saved_offset(self, offset: int) -> None:
        with self._lock:
            self._offset = offset

    def snapshot(self) -> PollerMetrics:
        with self._lock:
            return PollerMetrics(
                **self._counts,
                offset=self._offset,
                last_event_id=self._last_event_id,
                lag=self._lag,
                last_poll_at=self._last_poll_at,
            )
