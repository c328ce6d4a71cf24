"""The framework-free core: ``Dispatcher.handle(body, content_type=...) -> Response``.

One request goes through: decode the body -> verify ``application_token`` on the decoded
tree -> build the typed event -> (replay window, install approval, dedup) -> dispatch ->
status. Framework adapters only move bytes in and out of this.

Statuses: 200 handled or ignored (and duplicates); 400 undecodable body or a body that
does not fit its model; 403 verification failed; 413 a ``Limits`` bound; 415 neither
form data nor JSON; 500 a handler error no ``on_error`` hook dealt with; 503 a token or
dedup store that cannot be reached (fail closed). No response, log line or exception text
carries a token.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from datetime import timedelta
from typing import Any, TypeVar

import attrs

from .convert import event_from_tree
from .dedup import Deduplicator
from .dispatch import DispatchResult, Router, _run_coroutine, call_off_loop
from .errors import (
    LimitExceeded,
    PayloadError,
    SchemaError,
    StoreUnavailable,
    UnsupportedContentType,
    VerificationFailed,
)
from .limits import DEFAULT_LIMITS, Limits
from .models import AppInstallEvent, AppUpdateEvent, Event
from .stores import TokenStore
from .verify import (
    NoVerifier,
    StaticVerifier,
    StoreVerifier,
    Verdict,
    Verifier,
    check_age,
    read_envelope,
)
from .wire import to_tree

__all__ = [
    "ApproveInstall",
    "Dispatcher",
    "Response",
    "body_incomplete",
    "method_not_allowed",
    "payload_too_large",
]

logger = logging.getLogger("b24botevents")

T = TypeVar("T")

#: ``approve_install(event, replaces_token) -> bool`` (or an awaitable of it): asked
#: before a token is stored on ONAPPINSTALL (first install, or a different token) and on
#: ONAPPUPDATE with a token that differs from the stored one. False refuses (403).
ApproveInstall = Callable[[AppInstallEvent | AppUpdateEvent, bool], bool | Awaitable[bool]]

_TEXT_PLAIN = (("content-type", "text/plain; charset=utf-8"),)
_OK = b"ok"
_IGNORED = b"ignored"


@attrs.frozen
class Response:
    """What to answer: ``status``, ``body`` and ``headers``, for any web framework.

    ``result`` is the dispatch outcome when handlers ran (not part of the HTTP answer).
    """

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = _TEXT_PLAIN
    result: DispatchResult | None = attrs.field(default=None, eq=False, repr=False)


def _text(status: int, text: str, result: DispatchResult | None = None) -> Response:
    return Response(status, text.encode("utf-8"), result=result)


def method_not_allowed() -> Response:
    """405 for anything but POST: what every adapter answers before reading a body."""
    return Response(
        405,
        b"method not allowed: Bitrix24 delivers events with POST",
        (*_TEXT_PLAIN, ("allow", "POST")),
    )


def body_incomplete() -> Response:
    """400 for a body cut short (``IncompleteBody``): adapters never dispatch a partial body."""
    return _text(400, "bad request: the body ended before it was complete")


def payload_too_large(max_body_bytes: int) -> Response:
    """413 for a body refused while it was being read (adapters stop reading at the limit)."""
    return _text(413, f"payload too large: the body exceeds max_body_bytes={max_body_bytes}")


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class _Refused(Exception):
    """Internal: stop handling and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class Dispatcher(Router):
    """A ``Router`` that also turns request bodies into verified, dispatched events.

    Say where the expected tokens come from, exactly one of:

    * ``token_store=``: per-portal tokens learnt at ONAPPINSTALL (``SQLiteTokenStore``,
      ``RedisTokenStore``, ``MemoryTokenStore``); ``approve_install`` may veto installs;
    * ``application_token=``: one token, or several at once while rotating (single-portal
      apps and outgoing webhooks);
    * ``verify=False``: no verification at all, on purpose.

    ``max_age`` refuses events whose ``ts`` is further than that from now (off by default:
    the Bitrix24 queue can delay events). ``dedup`` answers repeated deliveries without
    running handlers again. ``executor`` runs sync handlers and blocking store calls in
    async code (default: asyncio's default thread pool).

    ``background=True`` answers 200 as soon as an event is verified and runs its handlers
    afterwards (asyncio tasks in ``ahandle``, a thread pool in ``handle``): Bitrix24 gives
    slow handlers lower priority and never resends, so this is the recommended mode. At
    most ``max_in_flight`` events run in the background; past that an event is handled
    inline before the answer: slower, but nothing is dropped. Errors reach ``on_error``
    (and the log); ``close``/``aclose`` wait for in-flight handlers, bounded.
    """

    def __init__(
        self,
        *,
        token_store: TokenStore | None = None,
        application_token: str | Iterable[str] | None = None,
        verify: bool = True,
        approve_install: ApproveInstall | None = None,
        max_age: timedelta | float | None = None,
        dedup: Deduplicator | None = None,
        limits: Limits | None = None,
        executor: Executor | None = None,
        background: bool = False,
        max_in_flight: int = 64,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or "dispatcher")
        if verify is not True and verify is not False:
            raise TypeError("verify must be True or False")
        given = [
            n
            for n, v in (("token_store", token_store), ("application_token", application_token))
            if v is not None
        ]
        if not verify:
            if given:
                raise ValueError(f"verify=False contradicts {given[0]}=; pass one or the other")
            self.verifier: Verifier = NoVerifier()
        elif not given:
            raise ValueError(
                "say where the expected application_token comes from: token_store=... "
                "(per portal), application_token=... (fixed), or verify=False"
            )
        elif len(given) > 1:
            raise ValueError("pass token_store= or application_token=, not both")
        elif token_store is not None:
            self.verifier = StoreVerifier(token_store, approval=approve_install is not None)
        else:
            assert application_token is not None
            self.verifier = StaticVerifier(application_token)
        if approve_install is not None and token_store is None:
            raise ValueError("approve_install= needs token_store=: it guards stored tokens")
        if isinstance(max_age, (int, float)):
            max_age = timedelta(seconds=max_age)
        if max_age is not None and max_age <= timedelta(0):
            raise ValueError("max_age must be positive")
        self.approve_install = approve_install
        self.max_age = max_age
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.dedup = dedup
        self.limits = limits
        self.executor = executor
        self.background = background
        self.max_in_flight = max_in_flight
        self._closing = False
        self._tasks: set[asyncio.Task[Response]] = set()
        self._futures: set[Future[None]] = set()
        self._thread_slots = threading.BoundedSemaphore(max_in_flight)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Dispatcher {self.name!r} verifier={self.verifier!r}>"

    @property
    def max_body_bytes(self) -> int:
        """The body size adapters must enforce while reading, before calling ``handle``."""
        return (self.limits or DEFAULT_LIMITS).max_body_bytes

    # ---- the steps, shared by handle and ahandle -------------------------------------

    def _decode(
        self, body: Any, content_type: str | None, headers: Mapping[str, str] | None
    ) -> dict[str, Any]:
        if content_type is None:
            content_type = _header(headers, "content-type")
        return to_tree(body, content_type=content_type, limits=self.limits)

    def _build(self, tree: dict[str, Any]) -> Event:
        event = event_from_tree(tree)
        if self.max_age is not None:
            check_age(event, self.max_age)
        return event

    def _approval_refused(self, verdict: Verdict, approved: object) -> None:
        if approved is not True:
            raise VerificationFailed(
                f"{verdict.envelope.code} from {verdict.envelope.portal}: "
                "refused by approve_install"
            )

    @staticmethod
    def _failure(exc: Exception, code: str = "") -> Response:
        """Map an exception to its response, and log it without secrets."""
        what = code or "event"
        if isinstance(exc, _Refused):
            return exc.response
        if isinstance(exc, VerificationFailed):
            logger.warning("rejected: %s", exc)
            return _text(403, "forbidden: the event could not be verified")
        if isinstance(exc, StoreUnavailable):
            logger.error("store unavailable while handling %s: %s", what, exc)
            return _text(503, "service unavailable: token or dedup store unreachable")
        if isinstance(exc, LimitExceeded):
            logger.debug("body refused: %s", exc)
            return _text(413, f"payload too large: {exc}")
        if isinstance(exc, UnsupportedContentType):
            logger.debug("body refused: %s", exc)
            return _text(415, f"unsupported media type: {exc}")
        if isinstance(exc, (PayloadError, SchemaError)):
            logger.debug("body refused: %s", exc)
            return _text(400, f"bad request: {exc}")
        logger.error(
            "handling %s failed (%s) and no on_error hook dealt with it",
            what,
            type(exc).__name__,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        return _text(500, "internal error while handling the event")

    @staticmethod
    def _success(result: DispatchResult) -> Response:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s dispatched to %d handler(s)%s",
                result.event.code,
                len(result.handlers),
                "" if result.handled else " (no handler for this code)",
            )
        return Response(200, _OK if result.handled else _IGNORED, result=result)

    # ---- synchronous -----------------------------------------------------------------

    def _accept(
        self, body: Any, content_type: str | None, headers: Mapping[str, str] | None
    ) -> tuple[Event, Verdict]:
        """Everything before the handlers: decode, verify, build, approve, store, dedup."""
        tree = self._decode(body, content_type, headers)
        verdict = self.verifier.check(read_envelope(tree))
        event = self._build(tree)
        if verdict.needs_approval:
            assert self.approve_install is not None
            approved: object = self.approve_install(event, verdict.replaces_token)  # type: ignore[arg-type]
            if inspect.isawaitable(approved):
                approved = _run_coroutine(approved)
            self._approval_refused(verdict, approved)
        self.verifier.before(verdict)
        if self.dedup is not None and not self.dedup.claim(event):
            raise _Refused(_text(200, "duplicate"))
        return event, verdict

    def _finish(self, event: Event, verdict: Verdict) -> Response:
        """Run the handlers, then the verifier's clean-up (uninstall deletes the token)."""
        try:
            try:
                result = self.dispatch(event)
            except Exception:
                if self.dedup is not None:
                    self.dedup.release(event)  # so that a resend runs again
                raise
            finally:
                self.verifier.after(verdict)
        except Exception as exc:
            return self._failure(exc, event.code)
        return self._success(result)

    def handle(
        self,
        body: Any,
        *,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Decode, verify and dispatch one request body; never raises for bad input.

        With ``background=True`` the answer (200 ``accepted``) comes once the event is
        verified, and the handlers run in a worker thread afterwards.
        """
        try:
            event, verdict = self._accept(body, content_type, headers)
        except Exception as exc:
            return self._failure(exc)
        if self.background and self._reserve_thread():
            future = self._thread_pool().submit(self._finish_in_thread, event, verdict)
            self._futures.add(future)
            future.add_done_callback(self._futures.discard)
            return _text(200, "accepted")
        return self._finish(event, verdict)

    def _reserve_thread(self) -> bool:
        return not self._closing and self._thread_slots.acquire(blocking=False)

    def _thread_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=min(self.max_in_flight, 32), thread_name_prefix="b24botevents"
                )
            return self._pool

    def _finish_in_thread(self, event: Event, verdict: Verdict) -> None:
        try:
            self._finish(event, verdict)  # failures are logged and offered to on_error
        finally:
            self._thread_slots.release()

    def close(self, timeout: float | None = 30.0) -> bool:
        """Stop taking background work and wait (up to ``timeout``) for what is running.

        Returns True when nothing is left running. Events that arrive after this run
        inline, so nothing is dropped.
        """
        self._closing = True
        _, pending = futures_wait(list(self._futures), timeout=timeout)
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=not pending)
        if pending:
            logger.warning("close: %d background handler(s) still running", len(pending))
        return not pending

    # ---- asynchronous ----------------------------------------------------------------

    async def _blocking(self, blocking: bool, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call in a worker thread when it may block the loop."""
        if not blocking:
            return fn(*args)
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def _aaccept(
        self, body: Any, content_type: str | None, headers: Mapping[str, str] | None
    ) -> tuple[Event, Verdict]:
        verifier = self.verifier
        tree = self._decode(body, content_type, headers)
        verdict = await self._blocking(verifier.blocking, verifier.check, read_envelope(tree))
        event = self._build(tree)
        if verdict.needs_approval:
            assert self.approve_install is not None
            # A sync hook may call the REST API (spec §8.3): keep it off the event loop.
            approved = await call_off_loop(
                self.approve_install, (event, verdict.replaces_token), self.executor
            )
            self._approval_refused(verdict, approved)
        await self._blocking(verifier.blocking, verifier.before, verdict)
        dedup = self.dedup
        if dedup is not None and not await self._blocking(dedup.blocking, dedup.claim, event):
            raise _Refused(_text(200, "duplicate"))
        return event, verdict

    async def _afinish(self, event: Event, verdict: Verdict) -> Response:
        dedup = self.dedup
        try:
            try:
                result = await self.adispatch(event, executor=self.executor)
            except Exception:
                if dedup is not None:
                    await self._blocking(dedup.blocking, dedup.release, event)
                raise
            finally:
                await self._blocking(self.verifier.blocking, self.verifier.after, verdict)
        except Exception as exc:
            return self._failure(exc, event.code)
        return self._success(result)

    async def ahandle(
        self,
        body: Any,
        *,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """``handle`` for async code: never blocks the loop on handlers or stores.

        With ``background=True`` the handlers run in an ``asyncio`` task after the answer.
        """
        try:
            event, verdict = await self._aaccept(body, content_type, headers)
        except Exception as exc:
            return self._failure(exc)
        if self.background and not self._closing and len(self._tasks) < self.max_in_flight:
            task = asyncio.get_running_loop().create_task(self._afinish(event, verdict))
            self._tasks.add(task)  # a reference, or the task may vanish mid-flight
            task.add_done_callback(self._tasks.discard)
            return _text(200, "accepted")
        return await self._afinish(event, verdict)

    async def aclose(self, timeout: float | None = 30.0) -> bool:
        """``close`` for async code: wait for background tasks (and threads), bounded.

        Tasks still running after ``timeout`` are cancelled. Returns True when all
        finished on their own.
        """
        self._closing = True
        tasks = set(self._tasks)
        pending: set[asyncio.Task[Response]] = set()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                logger.warning("aclose: cancelled %d background handler(s)", len(pending))
        threads_done = await asyncio.get_running_loop().run_in_executor(None, self.close, timeout)
        return not pending and threads_done
