"""aiohttp adapter: ``setup(app, dp)`` mounts the dispatcher; ``make_handler(dp)`` is the handler.

This module owns only the I/O between aiohttp and the flow in ``_flow.arespond``: where
the method, the content type and the body chunks come from (``request.content``, read
with ``iter_chunked`` within ``Dispatcher.max_body_bytes``; a ``ConnectionError`` means
the client went away), turning the core's ``Response`` into a ``web.Response``, and
waiting on application shutdown for handlers still running in background mode.

aiohttp's own ``client_max_size`` only applies to ``request.read()``/``post()``, which
this adapter never calls: the dispatcher's limit is the one that counts.

Needs the ``aiohttp`` extra: ``pip install 'b24botevents[aiohttp]'``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from b24botevents.dispatcher import Dispatcher
from b24botevents.response import Response

from ._extras import needs_extra
from ._flow import CHUNK_SIZE, arespond, content_length, handler_paths, read_chunks

with needs_extra(__name__, "aiohttp", "aiohttp"):
    from aiohttp import hdrs, web

__all__ = ["CHUNK_SIZE", "make_handler", "read_request_body", "setup", "to_aiohttp_response"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def read_request_body(
    request: web.Request, max_bytes: int, *, chunk_size: int = CHUNK_SIZE
) -> bytes | None:
    """The raw request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before reading anything;
    otherwise reading stops at the first chunk that crosses the limit, so at most
    ``max_bytes + chunk_size`` bytes are taken from the stream. A ``Content-Length``
    that is not 1 to 19 ASCII digits raises ``_flow.Refused`` (400; aiohttp's own
    ``request.content_length`` is ``int()``, which takes signs and spaces).
    """
    length = content_length(request.headers.get(hdrs.CONTENT_LENGTH))
    chunks = request.content.iter_chunked(chunk_size)
    return await read_chunks(chunks, max_bytes, length)


def to_aiohttp_response(response: Response) -> web.Response:
    """A core ``Response`` as a ``web.Response`` (status, body and headers unchanged)."""
    return web.Response(status=response.status, body=response.body, headers=response.headers)


def make_handler(dp: Dispatcher, *, chunk_size: int = CHUNK_SIZE) -> Handler:
    """The request handler: POST bodies go to ``await dp.ahandle``, other methods get 405.

    Route it for every method (``app.router.add_route("*", path, handler)``) so that the
    405 with ``Allow: POST`` is the core's; ``setup`` does that and more.
    """

    async def handle_bitrix24_event(request: web.Request) -> web.StreamResponse:
        response = await arespond(
            dp,
            request.method,
            partial(read_request_body, request, chunk_size=chunk_size),
            request.headers.get(hdrs.CONTENT_TYPE),
            cut_short=ConnectionError,  # how aiohttp reports a client gone mid-body
        )
        return to_aiohttp_response(response)

    return handle_bitrix24_event


def setup(
    app: web.Application, dp: Dispatcher, *, path: str = "/", shutdown_timeout: float = 30.0
) -> web.AbstractRoute:
    """Serve ``dp`` at ``path`` on ``app`` (every method; non-POST gets 405).

    ``path`` with the trailing slash toggled is served too (aiohttp would answer it 404,
    and Bitrix24 follows no redirect). Also registers an ``on_shutdown`` hook that
    waits, up to ``shutdown_timeout`` seconds, for the handlers
    ``Dispatcher(background=True)`` still runs, before the ``on_cleanup`` hooks close
    what those handlers may use. Returns the route at ``path``.
    """

    async def wait_for_handlers(app: web.Application) -> None:
        await dp.aclose(shutdown_timeout)

    app.on_shutdown.append(wait_for_handlers)
    handler = make_handler(dp)
    first, *others = handler_paths(path)
    for other in others:
        app.router.add_route("*", other, handler)
    return app.router.add_route("*", first, handler)
