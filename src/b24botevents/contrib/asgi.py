"""``ASGIApp``: the dispatcher as a plain ASGI 3 application, no framework needed.

This module owns the ASGI side only: the ASGI type aliases, where the method, headers and
body chunks come from (``receive``; ``http.disconnect`` means the client went away), how a
``Response`` goes out (``send_response``) and the lifespan protocol. The flow itself is
``_flow.arespond``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from contextlib import aclosing
from functools import partial
from typing import Any

from b24botevents.dispatcher import Dispatcher
from b24botevents.errors import IncompleteBody
from b24botevents.response import Response

from ._flow import arespond, content_length, read_chunks

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send", "read_asgi_body", "send_response"]

#: The ASGI connection scope (``type``, ``method``, ``headers``, ...).
Scope = MutableMapping[str, Any]
#: One ASGI event, received or sent (``http.request``, ``http.response.body``, ...).
Message = MutableMapping[str, Any]
#: The ASGI ``receive`` callable: awaits the next message from the server.
Receive = Callable[[], Awaitable[Message]]
#: The ASGI ``send`` callable: hands a message to the server.
Send = Callable[[Message], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _body_chunks(receive: Receive) -> AsyncGenerator[bytes, None]:
    """The ``http.request`` bodies until ``more_body`` is false; a disconnect first raises
    ``IncompleteBody``."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise IncompleteBody("the client disconnected before the body ended")
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def read_asgi_body(scope: Scope, receive: Receive, max_bytes: int) -> bytes | None:
    """Receive the request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``content-length`` over the limit is refused before receiving anything;
    otherwise receiving stops at the first chunk that crosses the limit. A client that
    disconnects first raises ``IncompleteBody``: a partial event is never dispatched. A
    ``content-length`` that is not 1 to 19 ASCII digits raises ``_flow.Refused`` (400).
    """
    length = content_length(_header(scope, b"content-length"))
    async with aclosing(_body_chunks(receive)) as chunks:
        return await read_chunks(chunks, max_bytes, length)


async def send_response(send: Send, response: Response) -> None:
    """Send a ``Response`` as ``http.response.start`` + ``http.response.body``."""
    headers = [(key.encode("latin-1"), value.encode("latin-1")) for key, value in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


class ASGIApp:
    """``ASGIApp(dp)``: POST bodies go to ``await dp.ahandle``; serve it with any ASGI server.

    Lifespan shutdown waits (bounded by ``shutdown_timeout``) for handlers that
    ``Dispatcher(background=True)`` still runs.
    """

    def __init__(self, dispatcher: Dispatcher, *, shutdown_timeout: float = 30.0) -> None:
        self.dispatcher = dispatcher
        self.shutdown_timeout = shutdown_timeout

    def __repr__(self) -> str:
        return f"ASGIApp({self.dispatcher!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await send_response(send, await self.respond(scope, receive))
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:  # websockets and anything newer: not ours
            raise RuntimeError(f"ASGIApp serves HTTP only, not {kind!r}")

    async def respond(self, scope: Scope, receive: Receive) -> Response:
        """The ``Response`` for one ASGI HTTP request (for frameworks built on ASGI)."""
        return await arespond(
            self.dispatcher,
            scope.get("method", "GET").upper(),
            partial(read_asgi_body, scope, receive),
            _header(scope, b"content-type"),
        )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.dispatcher.aclose(self.shutdown_timeout)
                await send({"type": "lifespan.shutdown.complete"})
                return
