"""Internal: the sync and the async driver of the REST flows, on httpx.

Each driver runs a flow (``_flow``) to its end, carrying out every effect it yields
(``_effects``): HTTP with ``httpx.Client`` / ``httpx.AsyncClient``, sleeps, store calls
and waits on another caller's refresh. Failures are thrown back into the flow, which
decides what is retried. A portal is an outside server, so its answers are read as raw
bytes and decoded here: cut off at ``MAX_ANSWER_BYTES`` after decompression (only gzip
and deflate are asked for), and on a deadline for the whole answer, not per read.
Redirects are never followed: a call goes where the flow sent it or fails.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import httpx

from b24botevents._concurrency import run_off_loop
from b24botevents.errors import RestError

from ._deadline import within
from ._effects import Detached, Flow, HttpReply, HttpRequest, Sleep, StoreCall, WaitFor

T = TypeVar("T")

#: The largest answer read, after decompression; Bitrix24's are kilobytes (a full
#: batch: a few MB at most).
MAX_ANSWER_BYTES = 32 * 1024 * 1024
# Only encodings this module decodes itself, within MAX_ANSWER_BYTES (httpx's own decoders
# have no output bound: a few KB of gzip can inflate to gigabytes).
_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": "b24botevents",
}


def is_transport_error(exc: BaseException) -> bool:
    """httpx's "no usable answer" errors: the flow decides whether to try again."""
    return isinstance(exc, httpx.TransportError)


def _invalid(request: HttpRequest, why: str) -> RestError:
    # The portal answered: whatever the call does, it may have done it.
    return RestError("INVALID_RESPONSE", why, method=request.purpose, may_have_run=True)


class _Body:
    """An answer's body read from its raw bytes: decoded here, bounded, on a deadline.

    ``deadline`` bounds the whole read: httpx's timeout applies to each socket read, so
    a server dripping a byte at a time would otherwise hold the call for ever.
    """

    def __init__(self, request: HttpRequest, encoding: str | None, deadline: float) -> None:
        self.request = request
        self.deadline = deadline
        self.parts: list[bytes] = []
        self.size = 0
        coding = (encoding or "identity").strip().lower()
        if coding in ("", "identity"):
            self.decoder = None
        elif coding == "gzip":
            self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self.decoder = zlib.decompressobj()
        else:  # br, zstd, or a chain like "gzip, gzip": never asked for
            raise _invalid(
                request, "the answer's Content-Encoding is not one this client asked for"
            )

    def feed(self, chunk: bytes) -> None:
        if time.monotonic() > self.deadline:
            raise httpx.ReadTimeout("the answer took longer than the timeout in all")
        if self.decoder is not None:
            room = MAX_ANSWER_BYTES - self.size
            try:
                chunk = self.decoder.decompress(chunk, room + 1)
            except zlib.error:
                raise _invalid(self.request, "the answer's compression is corrupt") from None
            if self.decoder.unconsumed_tail:
                raise _invalid(self.request, "the answer is too large")
        self._add(chunk)

    def finish(self) -> bytes:
        if self.decoder is not None:
            try:
                self._add(self.decoder.flush())
            except zlib.error:
                raise _invalid(self.request, "the answer's compression is corrupt") from None
        return b"".join(self.parts)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > MAX_ANSWER_BYTES:
            raise _invalid(self.request, "the answer is too large")
        self.parts.append(data)


def _build(client: httpx.Client | httpx.AsyncClient, request: HttpRequest) -> httpx.Request:
    return client.build_request(
        request.method, request.url, json=request.json, params=request.params, headers=_HEADERS
    )


def _reply(response: httpx.Response, body: bytes) -> HttpReply:
    return HttpReply(response.status_code, response.headers.get("retry-after"), body)


def run_sync(flow: Flow[T], http: httpx.Client, total: float) -> T:
    """Run ``flow`` in this thread; each answer must be read within ``total`` seconds."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            result: T = stop.value
            return result
        value, error = None, None
        try:
            if isinstance(effect, HttpRequest):
                value = _send_sync(http, effect, total)
            elif isinstance(effect, Sleep):
                time.sleep(effect.seconds)
            elif isinstance(effect, StoreCall):
                value = effect.fn(*effect.args, **effect.kwargs)
            elif isinstance(effect, WaitFor):
                value = _wait_sync(effect)
            elif isinstance(effect, Detached):
                value = run_sync(effect.flow, http, total)
            else:  # pragma: no cover - the flows yield nothing else
                raise TypeError(f"unknown effect {effect!r}")
        except BaseException as exc:  # thrown into the flow, which re-raises what it cannot use
            error = exc


def _send_sync(http: httpx.Client, request: HttpRequest, total: float) -> HttpReply:
    with within(total):  # headers too: see _deadline
        return _exchange_sync(http, request, time.monotonic() + total)


def _exchange_sync(http: httpx.Client, request: HttpRequest, deadline: float) -> HttpReply:
    response = http.send(_build(http, request), stream=True)
    try:
        body = _Body(request, response.headers.get("content-encoding"), deadline)
        try:
            for chunk in response.iter_raw():
                body.feed(chunk)
        except httpx.StreamConsumed:
            # A transport that hands over a finished response (httpx.MockTransport, a
            # test's): its content is already in memory and decoded.
            body = _Body(request, None, deadline)
            body.feed(response.content)
        content = body.finish()
    finally:
        response.close()
    return _reply(response, content)


def _wait_sync(effect: WaitFor) -> Any:
    try:
        return effect.future.result(timeout=effect.timeout)
    except FutureTimeout:
        raise RestError("REFRESH_FAILED", "timed out waiting for another refresh") from None


async def run_async(
    flow: Flow[T],
    http: httpx.AsyncClient,
    store_executor: Callable[[], Executor],
    store_blocking: bool,
    total: float,
) -> T:
    """Run ``flow`` in the running loop; blocking store calls go to ``store_executor()``.

    Each HTTP exchange, headers and body, must end within ``total`` seconds.
    """
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            result: T = stop.value
            return result
        value, error = None, None
        try:
            if isinstance(effect, HttpRequest):
                value = await _send_async(http, effect, total)
            elif isinstance(effect, Sleep):
                await asyncio.sleep(effect.seconds)
            elif isinstance(effect, StoreCall):
                if store_blocking:
                    value = await run_off_loop(store_executor(), _store_call, effect)
                else:
                    value = _store_call(effect)
            elif isinstance(effect, WaitFor):
                value = await _wait_async(effect)
            elif isinstance(effect, Detached):
                task = asyncio.ensure_future(
                    run_async(effect.flow, http, store_executor, store_blocking, total)
                )
                _DETACHED.add(task)  # held: a task nobody references can be collected
                task.add_done_callback(_DETACHED.discard)
                value = await asyncio.shield(task)
            else:  # pragma: no cover
                raise TypeError(f"unknown effect {effect!r}")
        except BaseException as exc:  # CancelledError too: the flow's cleanup must run
            error = exc


#: ``asyncio.timeout`` where there is one (3.11+); ``wait_for`` otherwise.
_TIMEOUT_CONTEXT: Callable[[float], Any] | None = getattr(asyncio, "timeout", None)

#: Detached flows in progress (see ``_effects.Detached``).
_DETACHED: set[asyncio.Future[Any]] = set()


def _store_call(effect: StoreCall) -> Any:
    return effect.fn(*effect.args, **effect.kwargs)


async def _send_async(http: httpx.AsyncClient, request: HttpRequest, total: float) -> HttpReply:
    deadline = time.monotonic() + total
    try:
        if _TIMEOUT_CONTEXT is not None:  # 3.11+: no extra task per request
            async with _TIMEOUT_CONTEXT(total):
                return await _exchange(http, request, deadline)
        return await asyncio.wait_for(_exchange(http, request, deadline), total)
    except asyncio.TimeoutError:
        raise httpx.ReadTimeout("the answer took longer than the timeout in all") from None


async def _exchange(http: httpx.AsyncClient, request: HttpRequest, deadline: float) -> HttpReply:
    response = await http.send(_build(http, request), stream=True)
    try:
        body = _Body(request, response.headers.get("content-encoding"), deadline)
        try:
            async for chunk in response.aiter_raw():
                body.feed(chunk)
        except httpx.StreamConsumed:  # see _send_sync
            body = _Body(request, None, deadline)
            body.feed(response.content)
        content = body.finish()
    finally:
        await response.aclose()
    return _reply(response, content)


async def _wait_async(effect: WaitFor) -> Any:
    # Shielded: a waiter that times out or is cancelled must not cancel the leader's
    # future, which other waiters share.
    waiting: Awaitable[Any] = asyncio.shield(asyncio.wrap_future(effect.future))
    try:
        return await asyncio.wait_for(waiting, effect.timeout)
    except asyncio.TimeoutError:
        raise RestError("REFRESH_FAILED", "timed out waiting for another refresh") from None
