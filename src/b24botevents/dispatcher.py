"""``Dispatcher``: the framework-free core, ``handle(body) -> Response`` and ``ahandle``.

One request goes through two steps. *Accept*: decode the body -> verify
``application_token`` and the replay window on the decoded tree -> build the typed event
-> install approval -> dedup claim -> the portal record's compare-and-set write (an
uninstall marks it uninstalled here, before any handler). *Finish*: run the handlers, then the
verifier's clean-up, and answer. With ``background=True``
the answer comes between the two. Framework adapters only move bytes in and out of this.

Internal module: import ``Dispatcher`` from ``b24botevents``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from datetime import timedelta
from typing import Any

from ._background import Background
from ._concurrency import LazyPool, call_off_loop, call_sync, run_off_loop
from ._redact import shown_text
from .convert import event_from_tree
from .dedup import Claim, Deduplicator
from .errors import VerificationFailed
from .limits import DEFAULT_LIMITS, Limits
from .models import Event
from .response import ACCEPTED, DUPLICATE, Response, failed, handled
from .router import Router
from .stores import PortalStore
from .verify import ApproveInstall, Envelope, Verdict, check_age, make_verifier, read_envelope
from .wire import to_tree

logger = logging.getLogger("b24botevents")

#: Threads for blocking store calls in async code: each call is short, and this pool is
#: never shared with handlers, so it stays free for the next event's verification.
_STORE_THREADS = 4
#: Bodies at least this large are decoded in a worker thread by ``ahandle``; Bitrix24's
#: own are a few KB, so only hostile or unusual ones pay the hand-off.
OFF_LOOP_DECODE_BYTES = 64 * 1024
#: One thread: decoding is CPU work under the GIL, so more threads add no throughput, only
#: contention that keeps the loop waiting longer for the GIL (measured: 10 ms vs 34 ms).
_DECODE_THREADS = 1


def _is_large(body: object) -> bool:
    return isinstance(body, (bytes, bytearray, memoryview, str)) and (
        len(body) >= OFF_LOOP_DECODE_BYTES
    )


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class _Refused(Exception):
    """Internal: stop handling and answer with ``response`` (a duplicate, say)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _refused_by_hook(envelope: Envelope, approved: object) -> None:
    if approved is not True:
        raise VerificationFailed(
            f"{envelope.shown_code} from {envelope.portal}: refused by approve_install"
        )


class Dispatcher(Router):
    """A ``Router`` that also turns request bodies into verified, dispatched events.

    Say where the expected tokens come from, exactly one of:

    * ``portal_store=``: per-portal records learnt at ONAPPINSTALL, each portal's
      ``member_id`` bound to its domain and token (``SQLitePortalStore``,
      ``RedisPortalStore``, ``MemoryPortalStore``); ``approve_install(event, request)``
      decides the installs and updates a token alone cannot justify (a new token, a
      domain change, a domain another portal holds; and first installs when given);
    * ``application_token=``: one token, or several at once while rotating (single-portal
      apps and outgoing webhooks);
    * ``verify=False``: no verification at all, on purpose.

    ``max_age`` refuses events whose ``ts`` is further than that from now (off by default:
    the Bitrix24 queue can delay events). ``dedup`` answers repeated deliveries without
    running handlers again. ``executor`` runs sync handlers (and a sync install hook) in
    async code (default: a pool of ``max_in_flight`` threads of the dispatcher's own);
    blocking store calls always run in a small pool of their own, never behind handlers.
    ``allow_domain_port`` accepts ``host:port`` portal domains (test rigs, on-premise).

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
        portal_store: PortalStore | None = None,
        application_token: str | Iterable[str] | None = None,
        verify: bool = True,
        approve_install: ApproveInstall | None = None,
        max_age: timedelta | float | None = None,
        dedup: Deduplicator | None = None,
        limits: Limits | None = None,
        executor: Executor | None = None,
        background: bool = False,
        max_in_flight: int = 64,
        allow_domain_port: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or "dispatcher")
        self.verifier = make_verifier(
            portal_store=portal_store,
            application_token=application_token,
            verify=verify,
            approve_install=approve_install,
            allow_domain_port=allow_domain_port,
        )
        if isinstance(max_age, (int, float)):
            max_age = timedelta(seconds=max_age)
        if max_age is not None and max_age <= timedelta(0):
            raise ValueError("max_age must be positive")
        self.approve_install = approve_install
        self.max_age = max_age
        self.dedup = dedup
        self.limits = limits
        self.executor = executor
        self._store_pool = LazyPool(_STORE_THREADS, "b24botevents-store")
        self._decode_pool = LazyPool(_DECODE_THREADS, "b24botevents-decode")
        # Sync handlers in async code: as many threads as events may run at once, so that
        # max_in_flight, not the size of asyncio's default pool, bounds them.
        self._handler_pool = LazyPool(max_in_flight, "b24botevents-handler")
        self.background = background
        self._background = Background(max_in_flight)

    def __repr__(self) -> str:
        return f"<Dispatcher {self.name!r} verifier={self.verifier!r}>"

    @property
    def max_in_flight(self) -> int:
        """How many events may run in the background at once."""
        return self._background.max_in_flight

    @property
    def max_body_bytes(self) -> int:
        """The body size adapters must enforce while reading, before calling ``handle``."""
        return (self.limits or DEFAULT_LIMITS).max_body_bytes

    def _decode(
        self, body: Any, content_type: str | None, headers: Mapping[str, str] | None
    ) -> dict[str, Any]:
        if content_type is None and headers:
            content_type = _header(headers, "content-type")
        return to_tree(body, content_type=content_type, limits=self.limits)

    # ---- synchronous -----------------------------------------------------------------

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
        # Accept, written out here rather than in a helper: every request passes through
        # it, and it is the dispatcher's whole cost over parse_event.
        try:
            if content_type is None and headers:
                content_type = _header(headers, "content-type")
            tree = to_tree(body, content_type=content_type, limits=self.limits)
            envelope = read_envelope(tree)
            verdict = self.verifier.check(envelope)
            if self.max_age is not None:
                check_age(envelope, self.max_age)
            if verdict.repeat:
                return DUPLICATE
            event = event_from_tree(tree)
            if verdict.needs_approval:
                assert self.approve_install is not None
                approved = call_sync(self.approve_install, event, verdict.request)
                _refused_by_hook(envelope, approved)
            # The claim comes before the record write: a replayed install or update is a
            # duplicate that writes nothing, not just one whose handlers do not run.
            claim = None
            if self.dedup is not None:
                claim = self.dedup.claim(event)
                if claim is None:
                    return DUPLICATE
            if verdict.effects:
                try:
                    self.verifier.before(verdict)
                except BaseException:
                    self._release(claim)
                    raise
        except Exception as exc:
            return failed(exc)
        if self.background and self._background.start_thread(self._finish, event, verdict, claim):
            return ACCEPTED
        return self._finish(event, verdict, claim)

    def _finish(self, event: Event, verdict: Verdict, claim: Claim | None) -> Response:
        """Run the handlers, then the verifier's clean-up."""
        try:
            try:
                result = self.dispatch(event)
            except BaseException:
                # KeyboardInterrupt and SystemExit too: they are re-raised after the release.
                self._release(claim)  # so that a resend runs again
                raise
            finally:
                if verdict.effects:
                    self.verifier.after(verdict)
        except Exception as exc:
            return failed(exc, shown_text(event.code))  # request text: bounded, escaped
        return handled(result)

    def _release(self, claim: Claim | None) -> None:
        if claim is None or self.dedup is None:
            return
        try:
            self.dedup.release(claim)
        except Exception as exc:  # the handler's own exception is the one to raise
            logger.warning("dedup: could not release the claim of a failed event: %s", exc)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Stop taking background work and wait (up to ``timeout``) for what is running.

        Returns True when nothing is left running. Events that arrive after this run
        inline, so nothing is dropped.
        """
        return self._background.close(timeout)

    # ---- asynchronous ----------------------------------------------------------------

    async def _aaccept(
        self, body: Any, content_type: str | None, headers: Mapping[str, str] | None
    ) -> tuple[Event, Verdict, Claim | None]:
        verifier = self.verifier
        if _is_large(body):
            # Decoding comes before authentication: a large hostile body must not hold the
            # loop while it is decoded (1 MiB of %41 costs ~0.1 s), so it goes to a thread.
            tree = await run_off_loop(
                self._decode_pool.get(), self._decode, body, content_type, headers
            )
        else:
            tree = self._decode(body, content_type, headers)
        envelope = read_envelope(tree)
        verdict = await self._store_call(verifier.blocking, verifier.check, envelope)
        if self.max_age is not None:
            check_age(envelope, self.max_age)
        if verdict.repeat:
            raise _Refused(DUPLICATE)
        event = event_from_tree(tree)
        if verdict.needs_approval:
            assert self.approve_install is not None
            # A sync hook may call the REST API (spec §8.3): keep it off the event loop.
            approved = await call_off_loop(
                self.approve_install, (event, verdict.request), self._handlers_executor()
            )
            _refused_by_hook(envelope, approved)
        dedup = self.dedup
        claim = None
        if dedup is not None:
            claim = await self._store_call(dedup.blocking, dedup.claim, event)
            if claim is None:
                raise _Refused(DUPLICATE)  # before the write: see ``handle``
        if verdict.effects:
            try:
                await self._store_call(verifier.blocking, verifier.before, verdict)
            except BaseException:
                await self._arelease(claim)
                raise
        return event, verdict, claim

    async def _store_call(self, blocking: bool, fn: Any, arg: Any) -> Any:
        """A store call, in a worker thread when the store may block the loop."""
        return await run_off_loop(self._store_pool.get(), fn, arg) if blocking else fn(arg)

    def _handlers_executor(self) -> Executor:
        return self.executor if self.executor is not None else self._handler_pool.get()

    async def _arelease(self, claim: Claim | None) -> None:
        dedup = self.dedup
        if claim is None or dedup is None:
            return
        try:
            if dedup.blocking:
                # Shielded: a cancelled task must still get its claim released.
                await asyncio.shield(run_off_loop(self._store_pool.get(), dedup.release, claim))
            else:
                dedup.release(claim)
        except Exception as exc:  # the handler's own exception is the one to raise
            logger.warning("dedup: could not release the claim of a failed event: %s", exc)
        except asyncio.CancelledError:
            pass  # cancelled again while releasing: the shielded release still runs

    async def _afinish(self, event: Event, verdict: Verdict, claim: Claim | None) -> Response:
        try:
            try:
                result = await self.adispatch(event, executor=self._handlers_executor())
            except BaseException:
                # Any way out that did not finish the work, cancellation at aclose and
                # SystemExit too: release the claim so that a redelivery runs again.
                await self._arelease(claim)
                raise
            finally:
                if verdict.effects:
                    await self._store_call(self.verifier.blocking, self.verifier.after, verdict)
        except Exception as exc:
            return failed(exc, shown_text(event.code))  # request text: bounded, escaped
        return handled(result)

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
            event, verdict, claim = await self._aaccept(body, content_type, headers)
        except _Refused as refused:
            return refused.response
        except Exception as exc:
            return failed(exc)
        if self.background and self._background.start_task(
            lambda: self._afinish(event, verdict, claim)
        ):
            return ACCEPTED
        return await self._afinish(event, verdict, claim)

    async def aclose(self, timeout: float | None = 30.0) -> bool:
        """``close`` for async code: wait for background tasks (and threads), bounded.

        Tasks still running after ``timeout`` are cancelled. Returns True when all
        finished on their own.
        """
        return await self._background.aclose(timeout)
