"""Drivers for the async adapter matrix: one request to one adapter through a real client.

A *driver* sends one request to one adapter through a real client (or a scripted ASGI
receive/send) and reports what came back and how many body bytes the application pulled,
so that every async adapter runs the same cases (``test_matrix_async.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler
from fastapi import FastAPI

from b24botevents import Dispatcher
from b24botevents.contrib.aiohttp import CHUNK_SIZE, setup
from b24botevents.contrib.asgi import ASGIApp
from b24botevents.contrib.fastapi import make_router

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGI = Callable[[Scope, Receive, Send], Any]


# ---- counting -------------------------------------------------------------------------


@dataclass
class Pulled:
    """What an application took from ``receive()`` (or the request stream)."""

    messages: int = 0
    bytes: int = 0
    largest: int = 0

    def note(self, size: int) -> None:
        self.messages += 1
        self.bytes += size
        self.largest = max(self.largest, size)


class CountingASGI:
    """ASGI middleware counting the request body bytes the wrapped app receives."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.pulled = Pulled()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_receive() -> Message:
            message: Message = await receive()
            if message["type"] == "http.request":
                self.pulled.note(len(message.get("body", b"")))
            return message

        await self.app(scope, counting_receive, send)


# ---- drivers --------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    pulled: Pulled
    #: the largest chunk the adapter asks for at once (None: what the server delivers)
    chunk_size: int | None = None


class Driver(Protocol):
    #: the largest chunk the adapter itself asks for (None: whatever the server delivers)
    chunk_size: int | None

    async def request(self, method: str, body: bytes, headers: dict[str, str]) -> Reply: ...

    async def stream(self, chunks: Iterable[bytes], headers: dict[str, str]) -> Reply:
        """POST ``chunks`` with no content-length (chunked transfer encoding)."""
        ...


class ScriptedASGIDriver:
    """``ASGIApp`` called directly with a scripted receive/send."""

    chunk_size: int | None = None

    def __init__(self, dp: Dispatcher) -> None:
        self.app = ASGIApp(dp)

    async def _call(self, method: str, chunks: Iterable[bytes], headers: dict[str, str]) -> Reply:
        pending = list(chunks)
        pulled = Pulled()
        sent: list[Message] = []

        async def receive() -> Message:
            if not pending:
                return {"type": "http.disconnect"}
            chunk = pending.pop(0)
            pulled.note(len(chunk))
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

        async def send(message: Message) -> None:
            sent.append(message)

        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": "/",
            "raw_path": b"/",
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        await self.app(scope, receive, send)
        start, body = sent
        assert start["type"] == "http.response.start"
        assert body["type"] == "http.response.body"
        reply_headers = {bytes(k).decode().lower(): bytes(v).decode() for k, v in start["headers"]}
        return Reply(start["status"], reply_headers, bytes(body["body"]).decode(), pulled)

    async def request(self, method: str, body: bytes, headers: dict[str, str]) -> Reply:
        headers = {**headers, "content-length": str(len(body))}
        return await self._call(method, [body], headers)

    async def stream(self, chunks: Iterable[bytes], headers: dict[str, str]) -> Reply:
        return await self._call("POST", chunks, headers)


class HttpxASGIDriver:
    """Any ASGI app through ``httpx.AsyncClient(transport=ASGITransport(...))``."""

    chunk_size: int | None = None

    def __init__(self, app: ASGI) -> None:
        self.app = app

    async def _send(self, method: str, content: Any, headers: dict[str, str]) -> Reply:
        counting = CountingASGI(self.app)
        transport = httpx.ASGITransport(app=counting)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.request(method, "/events", content=content, headers=headers)
        return Reply(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.text,
            counting.pulled,
        )

    async def request(self, method: str, body: bytes, headers: dict[str, str]) -> Reply:
        return await self._send(method, body, headers)

    async def stream(self, chunks: Iterable[bytes], headers: dict[str, str]) -> Reply:
        async def generate() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        return await self._send("POST", generate(), headers)


class AiohttpDriver:
    """``setup(app, dp)`` served by aiohttp's ``TestServer`` and called by its ``TestClient``.

    A middleware notes, when the handler returns, how much of the request stream the
    handler consumed: everything fed into the stream minus what is still buffered.
    """

    chunk_size: int | None = CHUNK_SIZE

    def __init__(self, dp: Dispatcher) -> None:
        self.dp = dp

    async def _send(self, method: str, data: Any, headers: dict[str, str]) -> Reply:
        pulled = Pulled()

        @web.middleware
        async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
            response = await handler(request)
            buffered = len(request.content.read_nowait()) if request.can_read_body else 0
            consumed = request.content.total_bytes - buffered
            pulled.bytes = consumed
            pulled.largest = min(consumed, CHUNK_SIZE)
            return response

        app = web.Application(middlewares=[count])
        setup(app, self.dp, path="/events")
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            # aiohttp's client would add application/octet-stream to a body without one
            skip = () if "content-type" in headers else ("Content-Type",)
            response = await client.request(
                method, "/events", data=data, headers=headers, skip_auto_headers=skip
            )
            text = await response.text()
            return Reply(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                text,
                pulled,
            )

    async def request(self, method: str, body: bytes, headers: dict[str, str]) -> Reply:
        return await self._send(method, body, headers)

    async def stream(self, chunks: Iterable[bytes], headers: dict[str, str]) -> Reply:
        async def generate() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        return await self._send("POST", generate(), headers)


def fastapi_app(dp: Dispatcher, *, path: str = "/events") -> FastAPI:
    app = FastAPI()
    app.include_router(make_router(dp, path=path))
    return app


DRIVERS: dict[str, Callable[[Dispatcher], Driver]] = {
    "asgi-scripted": ScriptedASGIDriver,
    "asgi-httpx": lambda dp: HttpxASGIDriver(ASGIApp(dp)),
    "fastapi-httpx": lambda dp: HttpxASGIDriver(fastapi_app(dp)),
    "aiohttp": AiohttpDriver,
}
