"""FastAPI adapter: ``make_router(dp)`` and ``event_dependency(dp)``.

This module owns only the I/O between FastAPI and the flow in ``_flow.arespond``: routing
every method to the core (so that its 405 answers all but POST), where the method, the
content type and the body chunks come from (``request.stream()``, read within
``Dispatcher.max_body_bytes``; ``ClientDisconnect`` means the client went away), and
turning the core's ``Response`` into a FastAPI one (or, for the dependency, the verified
event into an endpoint argument and a refusal into an ``HTTPException``). Decoding,
verification and status codes are the core's.

Needs the ``fastapi`` extra: ``pip install 'b24botevents[fastapi]'``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from functools import partial
from typing import Any

from b24botevents.dispatcher import Dispatcher
from b24botevents.models import Event
from b24botevents.response import Response, method_not_allowed

from ._extras import needs_extra
from ._flow import arespond, content_length, handler_paths, read_chunks

with needs_extra(__name__, "FastAPI", "fastapi"):
    from fastapi import APIRouter, HTTPException, Request
    from fastapi import Response as FastAPIResponse
    from starlette.requests import ClientDisconnect
    from starlette.types import Receive, Scope, Send

__all__ = ["event_dependency", "make_router", "read_request_body", "to_fastapi_response"]


async def read_request_body(request: Request, max_bytes: int) -> bytes | None:
    """The raw request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``content-length`` over the limit is refused before reading anything;
    otherwise reading stops at the first chunk that crosses the limit, so an oversized
    body is never buffered whole. Raises ``starlette.requests.ClientDisconnect`` when the
    client hangs up first, and ``_flow.Refused`` (400) for a ``content-length`` that is
    not 1 to 19 ASCII digits.
    """
    length = content_length(request.headers.get("content-length"))
    async with aclosing(request.stream()) as chunks:
        return await read_chunks(chunks, max_bytes, length)


async def _respond(dp: Dispatcher, request: Request) -> Response:
    """The core's answer to one request: 405, 413, 400, or whatever ``ahandle`` says."""
    return await arespond(
        dp,
        request.method,
        partial(read_request_body, request),
        request.headers.get("content-type"),
        cut_short=ClientDisconnect,
    )


def to_fastapi_response(response: Response) -> FastAPIResponse:
    """A core ``Response`` as a FastAPI one (status, body and headers unchanged)."""
    return FastAPIResponse(
        content=response.body, status_code=response.status, headers=dict(response.headers)
    )


class _RefuseMethod:
    """The core's 405 as an ASGI app: Starlette routes a plain ASGI app for every method
    (a request function would be routed for GET only)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await to_fastapi_response(method_not_allowed())(scope, receive, send)


def make_router(dp: Dispatcher, *, path: str = "/", shutdown_timeout: float = 30.0) -> APIRouter:
    """An ``APIRouter`` that serves Bitrix24 events at ``path``: ``app.include_router(...)``.

    POST goes to ``await dp.ahandle``; any other method gets the core's 405 with
    ``Allow: POST``. ``path`` with the trailing slash toggled is served too (no 307: the
    Bitrix24 queue server does not follow one); for a prefix, put it in ``path``
    (``include_router(..., prefix=P)`` with the default ``path="/"`` serves only ``P/``,
    as FastAPI cannot route the empty path ``P`` would need). The router's lifespan
    (merged into the app's by ``include_router``) waits at shutdown, up to
    ``shutdown_timeout`` seconds, for the handlers that ``Dispatcher(background=True)``
    still runs.
    """

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        await dp.aclose(shutdown_timeout)

    router = APIRouter(lifespan=lifespan)

    async def receive_bitrix24_event(request: Request) -> FastAPIResponse:
        return to_fastapi_response(await _respond(dp, request))

    # Both forms of the URL, so that Starlette never answers the other one with a 307
    # (Bitrix24 does not follow redirects); only ``path`` itself is in the schema.
    for served in handler_paths(path):
        router.add_api_route(
            served,
            receive_bitrix24_event,
            methods=["POST"],
            response_class=FastAPIResponse,
            response_model=None,
            include_in_schema=served == path,
            summary="Bitrix24 event handler",
            description="Receives Bitrix24 events (form-encoded or JSON POST bodies).",
        )
        # A route to a plain ASGI app, with no method list, matches every method, so
        # anything but POST (even an unusual one) gets the core's 405 rather than
        # Starlette's own. (add_route is annotated for request functions only; Starlette's
        # Route takes both.)
        router.add_route(served, _RefuseMethod(), methods=None, include_in_schema=False)  # type: ignore[arg-type]
    return router


def event_dependency(dp: Dispatcher) -> Callable[[Request], Awaitable[Event]]:
    """A dependency for your own endpoint: ``event: Event = Depends(event_dependency(dp))``.

    It reads the body like ``make_router`` does and hands it to ``await dp.ahandle``,
    so the whole core pipeline applies (decoding, verification, ``max_age``, install
    approval, token storage, dedup); the endpoint then receives the verified, typed
    event. Any refusal becomes ``HTTPException`` with the core's status and text (403 for
    a bad token, 400, 405, 413, 415, 503; a duplicate delivery answers 200 ``duplicate``
    without running the endpoint).

    The dispatcher's own handlers, if it has any, run before the endpoint: give it none
    when the endpoint is the handler. ``Dispatcher(background=True)`` cannot be used
    here: it hands the event to handlers after the answer, never to an endpoint.
    """
    if dp.background:
        raise ValueError(
            "event_dependency needs a Dispatcher with background=False: in background "
            "mode the event goes to handlers after the answer, never to an endpoint"
        )

    async def verified_bitrix24_event(request: Request) -> Event:
        if dp.background:
            raise RuntimeError("event_dependency: the Dispatcher was switched to background")
        response = await _respond(dp, request)
        if response.result is None:
            raise HTTPException(
                status_code=response.status,
                detail=response.body.decode("utf-8", "replace"),
                headers={k: v for k, v in response.headers if k.lower() != "content-type"},
            )
        return response.result.event

    return verified_bitrix24_event
