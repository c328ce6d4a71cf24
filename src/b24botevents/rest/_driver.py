"""Internal: the sync and the async driver of the REST flows, on httpx.

Each driver runs a flow (``_flow``) to its end, carrying out every effect it yields
(``_effects``): HTTP with ``httpx.Client`` / ``httpx.AsyncClient``, sleeps, store calls
and waits on another caller's refresh. Failures are thrown back into the flow, which
decides what is retried. Answers are read as a stream and cut off at
``MAX_ANSWER_BYTES``: a portal is an outside server, and a huge answer must not exhaust
memory. Redirects are never followed: a call goes where the flow sent it or fails.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import httpx

from b24botevents._concurrency import run_off_loop
from b24botevents.errors import RestError

from ._effects import Flow, HttpReply, HttpRequest, Sleep, StoreCall, WaitFor

T = TypeVar("T")

#: The largest answer read; Bitrix24's are kilobytes (a full batch: a few MB at most).
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_HEADERS = {"Accept": "application/json", "User-Agent": "b24botevents"}


def is_transport_error(exc: BaseException) -> bool:
    """httpx's "no usable answer" errors: the flow decides whether to try again."""
    return isinstance(exc, httpx.TransportError)


def _too_large(request: HttpRequest) -> RestError:
    return RestError("INVALID_RESPONSE", "the answer is too large", method=request.purpose)


def _build(client: httpx.Client | httpx.AsyncClient, request: HttpRequest) -> httpx.Request:
    return client.build_request(
        request.method, request.url, json=request.json, params=request.params, headers=_HEADERS
    )


def _reply(response: httpx.Response, body: bytes) -> HttpReply:
    return HttpReply(response.status_code, response.headers.get("retry-after"), body)


def run_sync(flow: Flow[T], http: httpx.Client) -> T:
    """Run ``flow`` in this thread."""
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
                value = _send_sync(http, effect)
            elif isinstance(effect, Sleep):
                time.sleep(effect.seconds)
            elif isinstance(effect, StoreCall):
                value = effect.fn(*effect.args, **effect.kwargs)
            elif isinstance(effect, WaitFor):
                value = _wait_sync(effect)
            else:  # pragma: no cover - the flows yield nothing else
                raise TypeError(f"unknown effect {effect!r}")
        except BaseException as exc:  # thrown into the flow, which re-raises what it cannot use
            error = exc


def _send_sync(http: httpx.Client, request: HttpRequest) -> HttpReply:
    response = http.send(_build(http, request), stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _too_large(request)
            chunks.append(chunk)
    finally:
        response.close()
    return _reply(response, b"".join(chunks))


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
) -> T:
    """Run ``flow`` in the running loop; blocking store calls go to ``store_executor()``."""
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
                value = await _send_async(http, effect)
            elif isinstance(effect, Sleep):
                await asyncio.sleep(effect.seconds)
            elif isinstance(effect, StoreCall):
                if store_blocking:
                    value = await run_off_loop(store_executor(), _store_call, effect)
                else:
                    value = _store_call(effect)
            elif isinstance(effect, WaitFor):
                value = await _wait_async(effect)
            else:  # pragma: no cover
                raise TypeError(f"unknown effect {effect!r}")
        except BaseException as exc:  # CancelledError too: the flow's cleanup must run
            error = exc


def _store_call(effect: StoreCall) -> Any:
    return effect.fn(*effect.args, **effect.kwargs)


async def _send_async(http: httpx.AsyncClient, request: HttpRequest) -> HttpReply:
    response = await http.send(_build(http, request), stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _too_large(request)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return _reply(response, b"".join(chunks))


async def _wait_async(effect: WaitFor) -> Any:
    # Shielded: a waiter that times out or is cancelled must not cancel the leader's
    # future, which other waiters share.
    waiting: Awaitable[Any] = asyncio.shield(asyncio.wrap_future(effect.future))
    try:
        return await asyncio.wait_for(waiting, effect.timeout)
    except asyncio.TimeoutError:
        raise RestError("REFRESH_FAILED", "timed out waiting for another refresh") from None
