"""aiohttp adapter: ``setup(app, dp)`` mounts the dispatcher; ``make_handler(dp)`` is the handler.

This module owns only the I/O between aiohttp and ``Dispatcher.ahandle``: answering 405
to anything but POST, reading the raw body with ``request.content.iter_chunked`` while
enforcing ``Dispatcher.max_body_bytes`` (a declared ``Content-Length`` over the limit is
refused before anything is read; a chunked body stops at the first chunk past the limit),
passing the content type, turning the core's ``Response`` into a ``web.Response``, and
waiting on application shutdown for handlers still running in background mode.

aiohttp's own ``client_max_size`` only applies to ``request.read()``/``post()``, which
this adapter never calls: the dispatcher's limit is the one that counts.

Needs the ``aiohttp`` extra: ``pip install 'b24botevents[aiohttp]'``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

try:
    from aiohttp import hdrs, web
except ImportError as exc:  # an optional extra: say which one to install
    raise ImportError(
        "b24botevents.contrib.aiohttp needs aiohttp: pip install 'b24botevents[aiohttp]'"
    ) from exc

from b24botevents.dispatcher import Dispatcher
from b24botevents.response import (
    Response,
    body_incomplete,
    method_not_allowed,
    payload_too_large,
)

__all__ = ["CHUNK_SIZE", "make_handler", "read_request_body", "setup"]

#: Bytes asked of the request stream at a time.
CHUNK_SIZE = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def read_request_body(
    request: web.Request, max_bytes: int, *, chunk_size: int = CHUNK_SIZE
) -> bytes | None:
    """The raw request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before reading anything;
    otherwise reading stops at the first chunk that crosses the limit, so at most
    ``max_bytes + chunk_size`` bytes are taken from the stream.
    """
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        return None
    parts: list[bytes] = []
    received = 0
    async for chunk in request.content.iter_chunked(chunk_size):
        received += len(chunk)
        if received > max_bytes:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _to_aiohttp(response: Response) -> web.Response:
    return web.Response(status=response.status, body=response.body, headers=response.headers)


def make_handler(dp: Dispatcher, *, chunk_size: int = CHUNK_SIZE) -> Handler:
    """The request handler: POST bodies go to ``await dp.ahandle``, other methods get 405.

    Route it for every method (``app.router.add_route("*", path, handler)``) so that the
    405 with ``Allow: POST`` is the core's; ``setup`` does that and more.
    """

    async def handle_bitrix24_event(request: web.Request) -> web.StreamResponse:
        if request.method != hdrs.METH_POST:
            return _to_aiohttp(method_not_allowed())
        limit = dp.max_body_bytes
        try:
            body = await read_request_body(request, limit, chunk_size=chunk_size)
        except ConnectionError:  # the client went away mid-body
            return _to_aiohttp(body_incomplete())
        if body is None:
            return _to_aiohttp(payload_too_large(limit))
        content_type = request.headers.get(hdrs.CONTENT_TYPE)
        return _to_aiohttp(await dp.ahandle(body, content_type=content_type))

    return handle_bitrix24_event


def setup(
    app: web.Application, dp: Dispatcher, *, path: str = "/", shutdown_timeout: float = 30.0
) -> web.AbstractRoute:
    """Serve ``dp`` at ``path`` on ``app`` (every method; non-POST gets 405).

    Also registers an ``on_shutdown`` hook that waits, up to ``shutdown_timeout``
    seconds, for the handlers ``Dispatcher(background=True)`` still runs, before the
    ``on_cleanup`` hooks close what those handlers may use. Returns the route.
    """

    async def wait_for_handlers(app: web.Application) -> None:
        await dp.aclose(shutdown_timeout)

    app.on_shutdown.append(wait_for_handlers)
    return app.router.add_route("*", path, make_handler(dp))
