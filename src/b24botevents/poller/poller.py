"""``Poller``: fetch mode, one bot's events from ``imbot.v2.Event.get`` to the handlers.

A bot registered with ``eventMode: fetch`` (the documented default) gets no webhook: its
events wait in a queue until the app asks for them, and only an ``offset`` sent on the
next call acknowledges them. The poller asks, hands every event to the same ``Router``
(or ``Dispatcher``) handlers webhooks use, keeps its progress in an ``OffsetStore`` and
holds the bot's single-consumer lease there, paced as the docs ask. ``run``/``arun`` loop
until ``stop()`` (or SIGTERM/SIGINT); ``poll_once``/``apoll_once`` handle one page.

The loop itself is ``_flow.PollFlow``; this module performs its steps, blocking or async.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from b24botevents._concurrency import call_off_loop, call_sync
from b24botevents.fetch import FetchPage
from b24botevents.limits import Limits
from b24botevents.rest import RestClient, RetryPolicy
from b24botevents.rest.limiter import RateLimiter
from b24botevents.router import Router
from b24botevents.stores._protocols import store_blocking
from b24botevents.stores.offsets import MemoryOffsetStore, OffsetStore

from ._flow import Fetch, Flow, Handle, Hook, Pause, PollFlow, Settings, StoreCall
from .metrics import PollerMetrics, Tally

__all__ = ["Poller"]

logger = logging.getLogger("b24botevents.poller")

#: Bitrix24's limit for ``Event.get``: 2 requests a second per application, shared by
#: every bot (and so every poller) of the app in this process.
APP_LIMITER = RateLimiter(2.0, burst=1)
#: ``Event.get`` is not retried inside the client: the poller backs off itself, so that
#: its pacing and its ``retries`` count see every failure.
_ONE_TRY = RetryPolicy(attempts=1)
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _seconds(name: str, value: float, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"{name} must be a number of seconds")
    if value < 0 or (positive and value == 0) or value == float("inf"):
        raise ValueError(f"{name} must be {'positive' if positive else 'non-negative'} and finite")
    return float(value)


class Poller:
    """Polls one bot's events and dispatches them with ``router``.

    * ``client``: the ``RestClient`` to call with: OAuth (give ``portal``, the portal's
      ``member_id``: its stored tokens are used and refreshed) or a webhook with the bot's
      ``bot_token`` (``WebhookAuth(url, bot_token)``; ``portal`` stays None);
    * ``bot_id``: the bot; ``user_events=True`` also fetches the im.v2 user events
      (``withUserEvents``: scope ``im`` and ``im.v2.Event.subscribe`` first);
    * ``offsets``: where progress and the lease live (default: memory, which forgets
      everything with the process; use ``SQLiteOffsetStore``/``RedisOffsetStore``);
      ``key`` names the bot there (default ``<portal or webhook host>/<bot_id>``);
    * ``on_error``: without it (the default) a handler that raises stops the poller
      before that event, with the exception: nothing is lost, the event is handled again
      on the next start. With it, ``on_error(event, exc)`` is called (for an item that
      does not fit its model: ``(RejectedEvent, SchemaError)``) and the poller moves on;
      a hook that raises stops it too. ``Router.on_error`` hooks work as for webhooks;
    * pacing: ``min_interval`` (2 s) between calls while ``hasMore``, ``idle_interval``
      (5 s; the docs say 5 to 30) when the queue is empty, full-jitter exponential
      backoff from ``backoff_base`` to ``backoff_max`` on errors and 429, and
      ``app_limiter`` (2 requests/s, shared by every poller of the process by default;
      None turns it off); ``limit`` events per call (1 to 1000);
    * the lease: held for ``lease_ttl`` seconds and renewed as events are handled, so a
      second poller of the same bot waits (trying every ``lease_retry`` seconds) and
      takes over within ``lease_ttl + lease_retry`` of the first one dying. A handler
      that runs longer than ``lease_ttl`` risks a takeover (the poller then stops that page).
    """

    def __init__(
        self,
        router: Router,
        client: RestClient,
        *,
        bot_id: int,
        portal: str | None = None,
        offsets: OffsetStore | None = None,
        key: str | None = None,
        user_events: bool = False,
        limit: int = 100,
        on_error: Callable[..., object] | None = None,
        min_interval: float = 2.0,
        idle_interval: float = 5.0,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        lease_ttl: float = 30.0,
        lease_retry: float = 5.0,
        app_limiter: RateLimiter | None = APP_LIMITER,
        limits: Limits | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(router, Router):
            raise TypeError("router must be a Router or Dispatcher")
        if type(bot_id) is not int or bot_id <= 0:
            raise ValueError("bot_id must be a positive int")
        if type(limit) is not int or not 1 <= limit <= 1000:
            raise ValueError("limit must be an int from 1 to 1000")
        if portal is None and client.webhook is None:
            raise ValueError("give portal= (the member_id whose tokens to use) or a webhook client")
        if on_error is not None and not callable(on_error):
            raise TypeError("on_error must be callable")
        self.router = router
        self.client = client
        self.bot_id = bot_id
        self.portal = portal
        self.offsets: OffsetStore = offsets if offsets is not None else MemoryOffsetStore()
        where = (
            portal
            if portal is not None
            else _host_key(client.webhook.host if client.webhook else "")
        )
        self.key = key if key is not None else f"{where}/{bot_id}"
        self.owner = secrets.token_hex(8)
        lease_ttl = _seconds("lease_ttl", lease_ttl, positive=True)
        app_key = client.app.client_id if portal is not None and client.app else f"webhook:{where}"
        self._settings = Settings(
            key=self.key,
            owner=self.owner,
            bot_id=bot_id,
            limit=limit,
            user_events=bool(user_events),
            store=self.offsets,
            lease_ttl=lease_ttl,
            lease_retry=_seconds("lease_retry", lease_retry, positive=True),
            min_interval=_seconds("min_interval", min_interval),
            idle_interval=_seconds("idle_interval", idle_interval),
            backoff_base=_seconds("backoff_base", backoff_base),
            backoff_max=_seconds("backoff_max", backoff_max),
            app_key=app_key,
            app_limiter=app_limiter,
            on_error=on_error,
            limits=limits,
            # The webhook's host as the client compares it (replies fall back to the
            # webhook for its own host only), not the normalised key.
            auth={"member_id": portal}
            if portal is not None
            else {"domain": client.webhook.host if client.webhook else where},
            clock=clock or time.monotonic,
            rng=rng or random.Random(),  # noqa: S311 (backoff jitter, not a secret)
        )
        self._blocking = store_blocking(self.offsets, "offsets")
        self._tally = Tally()
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._astop: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def __repr__(self) -> str:
        return f"<Poller bot {self.bot_id} key={self.key!r}>"

    @property
    def metrics(self) -> PollerMetrics:
        """A snapshot of the poller's figures (safe to read from any thread)."""
        return self._tally.snapshot()

    @property
    def stopping(self) -> bool:
        """True once ``stop()`` was called (the loop ends after the current event)."""
        return self._stop.is_set()

    def stop(self) -> None:
        """Ask ``run``/``arun`` to end: the event being handled finishes and is marked,
        the rest of the page is left for the next start, no offset past it is saved.
        Safe from any thread and from a signal handler."""
        self._stop.set()
        held = self._astop
        if held is not None:
            loop, event = held
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(event.set)

    def _flow(self) -> PollFlow:
        return PollFlow(self._settings, self._tally, self._stop.is_set)

    # ---- sync --------------------------------------------------------------------------

    def run(self, *, handle_signals: bool = True) -> PollerMetrics:
        """Poll until ``stop()``; returns the final metrics. With ``handle_signals`` (and
        in the main thread) SIGTERM and SIGINT call ``stop()`` while it runs. A ``stop()``
        made before ``run`` makes it return at once; the request is spent when a run
        ends, so the poller can run again."""
        with self._exclusive(), self._signals(handle_signals):
            try:
                self._drive(self._flow().run())
            finally:
                self._release()
        return self.metrics

    def poll_once(self) -> FetchPage | None:
        """Fetch one page and handle it (the lease is kept for the next call, and given up
        when an error propagates). Returns the page as handled (events skipped as already
        handled are left out of it), or None when another poller holds the bot's lease. A
        ``stop()`` meanwhile leaves the rest of the page for later."""
        with self._exclusive():
            try:
                page: FetchPage | None = self._drive(self._flow().once())
            except BaseException:
                self._release()  # a caller that gives up must not keep the bot from others
                raise
        return page

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One drive at a time: the lease is this poller's, so a second drive of the same
        poller would hold it too and handle every event twice."""
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("this Poller is already running; make one Poller per consumer")
        try:
            yield
        finally:
            self._stop.clear()
            self._busy.release()

    def close(self) -> None:
        """Give the lease up now (``run`` does it when it ends)."""
        self._release()

    def _release(self) -> None:
        try:
            self.offsets.release(self.key, self.owner)
        except Exception:  # best effort: the lease expires by itself
            logger.warning("poller %r: could not release the lease", self.key, exc_info=False)

    def _drive(self, flow: Flow) -> Any:
        value: Any = None
        failure: Exception | None = None
        while True:
            try:
                step = flow.throw(failure) if failure is not None else flow.send(value)
            except StopIteration as done:
                return done.value
            failure = None
            try:
                value = self._perform(step)
            except Exception as exc:
                failure = exc

    def _perform(self, step: Any) -> Any:
        if isinstance(step, Handle):
            return self.router.dispatch(step.event)
        if isinstance(step, StoreCall):
            return step.fn(*step.args, **step.kwargs)
        if isinstance(step, Fetch):
            return self.client.call(
                "imbot.v2.Event.get", step.params, portal=self.portal, retry=_ONE_TRY
            )
        if isinstance(step, Pause):
            return self._stop.wait(step.seconds) if step.seconds > 0 else self._stop.is_set()
        assert isinstance(step, Hook)
        return call_sync(step.fn, *step.args)

    @contextlib.contextmanager
    def _signals(self, wanted: bool) -> Iterator[None]:
        if not wanted or threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum: int, frame: FrameType | None) -> None:
            logger.info("poller %r: stopping after the current event", self.key)
            self.stop()

        previous = {sig: signal.signal(sig, on_signal) for sig in _SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # ---- async -------------------------------------------------------------------------

    async def arun(self, *, handle_signals: bool = True) -> PollerMetrics:
        """``run`` for async code: async handlers are awaited, sync ones run in threads."""
        with self._exclusive():
            loop = asyncio.get_running_loop()
            stop_event = asyncio.Event()
            if self._stop.is_set():
                stop_event.set()
            self._astop = (loop, stop_event)
            installed: dict[signal.Signals, Any] = {}
            if handle_signals and threading.current_thread() is threading.main_thread():
                for sig in _SIGNALS:
                    previous = signal.getsignal(sig)
                    with contextlib.suppress(NotImplementedError, RuntimeError):
                        loop.add_signal_handler(sig, self.stop)
                        installed[sig] = previous
            try:
                await self._adrive(self._flow().run(), stop_event)
            finally:
                for sig, previous in installed.items():
                    loop.remove_signal_handler(sig)
                    if previous is not None:  # asyncio would leave the default
                        signal.signal(sig, previous)
                self._astop = None
                await self._aoffsets(self.offsets.release, self.key, self.owner, quiet=True)
        return self.metrics

    async def apoll_once(self) -> FetchPage | None:
        """``poll_once`` for async code."""
        with self._exclusive():
            try:
                page: FetchPage | None = await self._adrive(self._flow().once(), asyncio.Event())
            except BaseException:
                await self._aoffsets(self.offsets.release, self.key, self.owner, quiet=True)
                raise
        return page

    async def _aoffsets(
        self, fn: Callable[..., Any], *args: Any, quiet: bool = False, **kwargs: Any
    ) -> Any:
        try:
            if self._blocking:
                return await asyncio.to_thread(fn, *args, **kwargs)
            return fn(*args, **kwargs)
        except Exception:
            if not quiet:
                raise
            logger.warning("poller %r: could not release the lease", self.key)
            return None

    async def _adrive(self, flow: Flow, stop_event: asyncio.Event) -> Any:
        value: Any = None
        failure: Exception | None = None
        while True:
            try:
                step = flow.throw(failure) if failure is not None else flow.send(value)
            except StopIteration as done:
                return done.value
            failure = None
            try:
                value = await self._aperform(step, stop_event)
            except Exception as exc:
                failure = exc

    async def _aperform(self, step: Any, stop_event: asyncio.Event) -> Any:
        if isinstance(step, Handle):
            return await self.router.adispatch(step.event)
        if isinstance(step, StoreCall):
            return await self._aoffsets(step.fn, *step.args, **step.kwargs)
        if isinstance(step, Fetch):
            return await self.client.acall(
                "imbot.v2.Event.get", step.params, portal=self.portal, retry=_ONE_TRY
            )
        if isinstance(step, Pause):
            if self._stop.is_set():
                return True
            if step.seconds > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), step.seconds)
            return self._stop.is_set()
        assert isinstance(step, Hook)
        return await call_off_loop(step.fn, step.args, None)


def _host_key(host: str) -> str:
    """A webhook's host as one name: lower case, no trailing dot, no default port (so the
    same portal written two ways is one consumer, with one lease)."""
    name = host.lower()
    if name.endswith(":443"):
        name = name[:-4]
    return name.rstrip(".")
