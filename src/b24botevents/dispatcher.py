"""``Dispatcher``: the framework-free core, ``handle(body) -> Response`` and ``ahandle``.

One request goes through two steps. *Accept*: decode the body -> verify
``application_token`` and the replay window on the decoded tree -> build the typed event
-> install approval -> token storage -> dedup claim. *Finish*: run the handlers, then the
verifier's clean-up (uninstall deletes the token), and answer. With ``background=True``
the answer comes between the two. Framework adapters only move bytes in and out of this.

Internal module: import ``Dispatcher`` from ``b24botevents``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from datetime import timedelta
from typing import Any

from ._background import Background
from ._concurrency import call_off_loop, call_sync, run_off_loop
from ._redact import shown_text
from .convert import event_from_tree
from .dedup import Deduplicator
from .errors import VerificationFailed
from .limits import DEFAULT_LIMITS, Limits
from .models import Event
from .response import ACCEPTED, DUPLICATE, Response, failed, handled
from .router import Router
from .stores import TokenStore
from .verify import ApproveInstall, Envelope, Verdict, check_age, make_verifier, read_envelope
from .wire import to_tree

logger = logging.getLogger("b24botevents")


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
        self.verifier = make_verifier(
            token_store=token_store,
            application_token=application_token,
            verify=verify,
            approve_install=approve_install,
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
            event = event_from_tree(tree)
            if verdict.needs_approval:
                assert self.approve_install is not None
                approved = call_sync(self.approve_install, event, verdict.replaces_token)
                _refused_by_hook(envelope, approved)
            if verdict.effects:
                self.verifier.before(verdict)
            if self.dedup is not None and not self.dedup.claim(event):
                return DUPLICATE
        except Exception as exc:
            return failed(exc)
        if self.background and self._background.start_thread(self._finish, event, verdict):
            return ACCEPTED
        return self._finish(event, verdict)

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
                if verdict.effects:
                    self.verifier.after(verdict)
        except Exception as exc:
            return failed(exc, shown_text(event.code))  # request text: bounded, escaped
        return handled(result)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Stop taking background work and wait (up to ``timeout``) for what is running.

        Returns True when nothing is left running. Events that arrive after this run
        inline, so nothing is dropped.
        """
        return self._background.close(timeout)

    # ---- asynchronous ----------------------------------------------------------------

    async def _aaccept(
        self, body: Any, content_type: str | None, headers: Mapping[str, str] | None
    ) -> tuple[Event, Verdict]:
        verifier = self.verifier
        tree = self._decode(body, content_type, headers)
        envelope = read_envelope(tree)
        verdict = await self._store_call(verifier.blocking, verifier.check, envelope)
        if self.max_age is not None:
            check_age(envelope, self.max_age)
        event = event_from_tree(tree)
        if verdict.needs_approval:
            assert self.approve_install is not None
            # A sync hook may call the REST API (spec §8.3): keep it off the event loop.
            approved = await call_off_loop(
                self.approve_install, (event, verdict.replaces_token), self.executor
            )
            _refused_by_hook(envelope, approved)
        if verdict.effects:
            await self._store_call(verifier.blocking, verifier.before, verdict)
        dedup = self.dedup
        if dedup is not None and not await self._store_call(dedup.blocking, dedup.claim, event):
            raise _Refused(DUPLICATE)
        return event, verdict

    async def _store_call(self, blocking: bool, fn: Any, arg: Any) -> Any:
        """A store call, in a worker thread when the store may block the loop."""
        return await run_off_loop(self.executor, fn, arg) if blocking else fn(arg)

    async def _afinish(self, event: Event, verdict: Verdict) -> Response:
        dedup = self.dedup
        try:
            try:
                result = await self.adispatch(event, executor=self.executor)
            except Exception:
                if dedup is not None:
                    await self._store_call(dedup.blocking, dedup.release, event)
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
            event, verdict = await self._aaccept(body, content_type, headers)
        except _Refused as refused:
            return refused.response
        except Exception as exc:
            return failed(exc)
        if self.background and self._background.start_task(lambda: self._afinish(event, verdict)):
            return ACCEPTED
        return await self._afinish(event, verdict)

    async def aclose(self, timeout: float | None = 30.0) -> bool:
        """``close`` for async code: wait for background tasks (and threads), bounded.

        Tasks still running after ``timeout`` are cancelled. Returns True when all
        finished on their own.
        """
        return await self._background.aclose(timeout)
