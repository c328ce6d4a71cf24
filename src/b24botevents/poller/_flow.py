"""Internal: what a poller does, written once as a generator of steps for both drivers.

The flow yields ``Fetch`` (one ``imbot.v2.Event.get`` call), ``StoreCall`` (the offset
store), ``Handle`` (an event to the handlers), ``Hook`` (``on_error``) and ``Pause`` (a
sleep that ``stop()`` cuts short; it answers True when stopped). The sync driver performs
them with blocking calls, the async one with awaits; neither decides anything.

Delivery is at least once, and exactly once across restarts but for the one event whose
handler was running when the process died:

* the lease is held (and renewed) before any event is handled, and every save is fenced
  by it in the store: a poller that lost its lease cannot move the progress;
* after each event's handlers finish, ``handled`` is raised to its id; events at or below
  it are skipped when the page is served again;
* the page's ``nextOffset`` is saved only after its last event, and sent (which is what
  acknowledges the events to Bitrix24) on the next call;
* a stop between events abandons the page: what was handled is marked, the offset stays.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator, Mapping
from typing import Any, NamedTuple

from b24botevents._redact import shown_text
from b24botevents.errors import RestError, SchemaError, StoreUnavailable
from b24botevents.fetch import (
    FetchPage,
    RawPage,
    RejectedEvent,
    portal_auth,
    read_fetch_result,
    type_item,
)
from b24botevents.limits import Limits
from b24botevents.models import Event
from b24botevents.rest.limiter import RateLimiter
from b24botevents.stores.offsets import OffsetStore, Progress

from .metrics import Tally

logger = logging.getLogger("b24botevents.poller")


class Fetch(NamedTuple):
    params: dict[str, Any]


class StoreCall(NamedTuple):
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class Handle(NamedTuple):
    event: Event


class Hook(NamedTuple):
    fn: Callable[..., object]
    args: tuple[Any, ...]


class Pause(NamedTuple):
    seconds: float


Step = Fetch | StoreCall | Handle | Hook | Pause
Flow = Generator[Step, Any, Any]

#: Errors of ``Event.get`` worth another try after a backoff: Bitrix24 did not run the
#: call or its answer was lost (it is a read, repeating it is harmless).
_RETRIED_CODES = frozenset(
    {
        "TIMEOUT",
        "CONNECTION_FAILED",
        "RESPONSE_LOST",
        "INVALID_RESPONSE",
        "HTTP_ERROR",
        "QUERY_LIMIT_EXCEEDED",
        "OPERATION_TIME_LIMIT",
        "INTERNAL_SERVER_ERROR",
    }
)


def is_retried(exc: RestError) -> bool:
    """Whether a failed ``Event.get`` is retried; the others (``BOT_NOT_FOUND``,
    ``AUTH_ERROR``, ``SCOPE_ERROR``, ...) need a person and stop the poller."""
    status = exc.status
    return exc.code in _RETRIED_CODES or status == 429 or (status is not None and status >= 500)


class Settings(NamedTuple):
    """What the flow needs from the poller (checked by ``Poller``)."""

    key: str
    owner: str
    bot_id: int
    limit: int
    user_events: bool
    store: OffsetStore
    lease_ttl: float
    lease_retry: float
    min_interval: float
    idle_interval: float
    backoff_base: float
    backoff_max: float
    app_key: str
    app_limiter: RateLimiter | None
    on_error: Callable[..., object] | None
    limits: Limits | None
    auth: Mapping[str, str]
    clock: Callable[[], float]
    rng: random.Random


class PollFlow:
    """One poller's flow; ``stopping`` says whether ``stop()`` was called."""

    def __init__(self, settings: Settings, tally: Tally, stopping: Callable[[], bool]) -> None:
        self.s = settings
        self.tally = tally
        self.stopping = stopping
        self._renewed_at: float | None = None
        #: The progress as this poller last loaded or saved it: if the store holds
        #: anything else after a renewal, another poller had the bot meanwhile.
        self._expected: Progress | None = None
        self._portal = portal_auth(settings.auth)

    # ---- the loop ----------------------------------------------------------------------

    def run(self) -> Flow:
        """Poll until stopped; errors that need a person (and failed handlers without
        ``on_error``) propagate."""
        failures = 0
        while not self.stopping():
            if not (yield from self._hold_lease()):
                return None
            progress: Progress = yield from self._store(self.s.store.load, self.s.key)
            self._expected = progress
            if progress.offset is not None:
                self.tally.saved_offset(progress.offset)
            try:
                page = yield from self._fetch(progress)
            except (RestError, SchemaError) as exc:
                if isinstance(exc, RestError) and not is_retried(exc):
                    raise  # needs a person
                if isinstance(exc, RestError) and exc.status is None and not self.tally.answered:
                    raise  # no server has ever answered: a wrong URL, not an outage
                failures += 1
                self.tally.add("retries")
                delay = self._backoff(failures)
                logger.warning(
                    "poller %s: Event.get failed (%s), retrying in %.1fs",
                    self._name,
                    shown_text(exc.code if isinstance(exc, RestError) else f"at {exc.path}"),
                    delay,
                )
                if (yield from self._pause(delay)):
                    return None
                continue
            failures = 0
            if not (yield from self._handle_page(page, progress)):
                continue
            interval = self.s.min_interval if page.has_more else self.s.idle_interval
            if (yield from self._pause(interval)):
                return None
        return None

    def once(self) -> Flow:
        """One page: fetch it and handle it. Returns the page, or None when another
        poller holds the lease; every error propagates."""
        held = yield from self._acquire()
        if not held:
            self.tally.add("lease_waits")
            return None
        progress: Progress = yield from self._store(self.s.store.load, self.s.key)
        self._expected = progress
        page = yield from self._fetch(progress)
        seen: list[Event | RejectedEvent] = []
        yield from self._handle_page(page, progress, seen)
        return FetchPage(
            events=tuple(item for item in seen if isinstance(item, Event)),
            rejected=tuple(item for item in seen if isinstance(item, RejectedEvent)),
            next_offset=page.next_offset,
            has_more=page.has_more,
        )

    # ---- steps -------------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return shown_text(self.s.key)

    def _fetch(self, progress: Progress) -> Flow:
        if self.s.app_limiter is not None:
            wait = self.s.app_limiter.reserve(self.s.app_key)
            if wait > 0:
                yield Pause(wait)
        params: dict[str, Any] = {"botId": self.s.bot_id, "limit": self.s.limit}
        if progress.offset is not None:
            params["offset"] = progress.offset
        if self.s.user_events:
            params["withUserEvents"] = True
        result = yield Fetch(params)
        self.tally.answered = True
        self.tally.polled()
        return read_fetch_result(result)

    def _handle_page(
        self, page: RawPage, progress: Progress, seen: list[Event | RejectedEvent] | None = None
    ) -> Flow:
        """Handle the page's new events in order; True when it was handled to the end and
        its offset saved, False when abandoned (stop, lost lease)."""
        handled = progress.handled
        for event_id, raw in page.items:
            if handled is not None and event_id <= handled:
                self.tally.add("events_skipped")
                continue
            if self.stopping():
                return False
            if not (yield from self._renew_if_due()):
                return False
            # Typed now, not with the page: see ``RawPage``.
            item = type_item(event_id, raw, self.s.limits, self._portal)
            if seen is not None:
                seen.append(item)
            if isinstance(item, RejectedEvent):
                yield from self._failed(item, item.error)
            else:
                try:
                    yield Handle(item)
                except Exception as exc:
                    yield from self._failed(item, exc)
                else:
                    self.tally.handled(event_id, item.ts)
            if not (yield from self._save(handled=event_id)):
                return False
            handled = event_id  # an id listed twice on one page runs once
        if page.next_offset is not None and page.next_offset != progress.offset:
            if not (yield from self._save(offset=page.next_offset)):
                return False
            self.tally.saved_offset(page.next_offset)
        self.tally.add("pages")
        return True

    def _failed(self, item: Event | RejectedEvent, exc: BaseException) -> Flow:
        shown = shown_text(item.code)
        if self.s.on_error is None:
            logger.error(
                "poller %s: event %s (%s) failed; stopping before it (on_error is not set)",
                self._name,
                item.event_id,
                shown,
            )
            raise exc
        yield Hook(self.s.on_error, (item, exc))  # a hook that raises stops the poller
        self.tally.add("events_failed")
        logger.warning(
            "poller %s: event %s (%s) failed; on_error dealt with it",
            self._name,
            item.event_id,
            shown,
        )

    def _store(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Flow:
        """A store call, retried with backoff while the store is unavailable (an outage,
        a restart); raised at once if the store never answered yet, and after a few tries
        once stopping."""
        attempt = 0
        while True:
            try:
                answer = yield StoreCall(fn, args, kwargs)
            except StoreUnavailable:
                if not self.tally.store_answered:
                    raise
                attempt += 1
                self.tally.add("store_errors")
                delay = self._backoff(attempt)
                logger.warning(
                    "poller %s: offset store unavailable, retrying in %.1fs", self._name, delay
                )
                if (yield Pause(delay)) and attempt >= 3:
                    raise
            else:
                self.tally.store_answered = True
                return answer

    def _save(self, **progress: int) -> Flow:
        """Save under the lease; False when another poller holds it. A lease that ran out
        with nobody taking it (the store was down for longer than ``lease_ttl``) is taken
        again and the save retried, as ``_renew_if_due`` would: what this poller handled
        is still its to mark, and a refused mark would have it handled twice."""
        saved = yield from self._store(self.s.store.save, self.s.key, self.s.owner, **progress)
        if not saved and (yield from self._acquire()) and (yield from self._current(progress)):
            saved = yield from self._store(self.s.store.save, self.s.key, self.s.owner, **progress)
        if not saved:
            self._lost()
            return False
        self._expected = _raised(self._expected or Progress(), progress)
        return True

    def _current(self, pending: Mapping[str, int] | None = None) -> Flow:
        """After a renewal: True when the stored progress is still this poller's own. A
        lease that lapsed and was taken back may have been another poller's meanwhile (it
        handled events and let go); this poller's page is then stale: drop it. ``pending``
        is a save being retried, which may have gone through before its answer was lost."""
        stored = yield from self._store(self.s.store.load, self.s.key)
        expected = self._expected
        if expected is None or stored == expected:
            return True
        if pending is not None and stored == _raised(expected, pending):
            return True
        self._expected = None
        self._lost()
        return False

    def _acquire(self) -> Flow:
        held = yield from self._store(
            self.s.store.acquire, self.s.key, self.s.owner, self.s.lease_ttl
        )
        if held:
            self._renewed_at = self.s.clock()
        elif self._renewed_at is not None:
            self._lost()
        return bool(held)

    def _lost(self) -> None:
        if self._renewed_at is not None:
            self._renewed_at = None
            self.tally.add("leases_lost")
            logger.warning("poller %s: lease taken over by another poller", self._name)

    def _hold_lease(self) -> Flow:
        """Wait (in ``lease_retry`` steps) until this poller holds the lease; False when
        stopped first."""
        while True:
            if (yield from self._acquire()):
                return True
            self.tally.add("lease_waits")
            if (yield Pause(self.s.lease_retry)):
                return False

    def _renew_if_due(self) -> Flow:
        renewed = self._renewed_at
        if renewed is not None and self.s.clock() - renewed < self.s.lease_ttl / 3:
            return True
        # One read per renewal (every lease_ttl / 3) tells a lease kept from one retaken.
        return (yield from self._acquire()) and (yield from self._current())

    def _pause(self, seconds: float) -> Flow:
        """Sleep ``seconds``, renewing the lease on the way; True when stopped."""
        step = self.s.lease_ttl / 3
        while seconds > 0:
            if (yield Pause(min(seconds, step))):
                return True
            seconds -= step
            if seconds > 0 and not (yield from self._renew_if_due()):
                return False
        return bool(self.stopping())

    def _backoff(self, failures: int) -> float:
        """Full-jitter exponential backoff: a random wait up to ``base * 2**n``, capped."""
        ceiling = min(self.s.backoff_max, self.s.backoff_base * 2 ** min(failures - 1, 30))
        return self.s.rng.uniform(0.0, ceiling) if ceiling > 0 else 0.0


def _raised(progress: Progress, saved: Mapping[str, int]) -> Progress:
    """``progress`` after a save of ``saved`` (the store raises, never lowers)."""
    return Progress(
        offset=_higher(progress.offset, saved.get("offset")),
        handled=_higher(progress.handled, saved.get("handled")),
    )


def _higher(stored: int | None, saved: int | None) -> int | None:
    """What the store holds after raising ``stored`` to ``saved`` (None: unchanged)."""
    if saved is None:
        return stored
    return saved if stored is None else max(stored, saved)
