"""Shared helpers for the async adapter tests: bodies, dispatchers, drivers and servers.

A *driver* sends one request to one adapter through a real client (or a scripted ASGI
receive/send) and reports what came back and how many body bytes the application pulled,
so that every adapter runs the same cases (``test_matrix.py``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import uvicorn
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler
from fastapi import FastAPI

from b24botevents import Dispatcher, MemoryTokenStore
from b24botevents.contrib.aiohttp import CHUNK_SIZE, setup
from b24botevents.contrib.asgi import ASGIApp
from b24botevents.contrib.fastapi import make_router
from b24botevents.models import Event
from b24botevents.wire import encode_form

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path("/work/shared/spec/examples")
DOC_BODY_FILE = EXAMPLES / "ONIMBOTDELETE.derived-http_build_query.txt"

TOKEN = "831c76b092f9f135d9b6b36c3a720757"
MEMBER_ID = "bac1cd5c8940947a75e0d71b1a84e348"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

#: The real PHP-built ONIMBOTDELETE body from the spec examples (bot 567).
DOC_BODY = (
    b"event=ONIMBOTDELETE&event_handler_id=439&data%5BBOT_ID%5D=567&data%5BBOT_CODE%5D=BOT"
    b"&ts=1772090363&auth%5Baccess_token%5D=0b02a0690000071b0008440001b0007a16b39202c2490f015"
    b"&auth%5Bexpires%5D=1772093963&auth%5Bexpires_in%5D=3600&auth%5Bscope%5D=imbot"
    b"&auth%5Bdomain%5D=some-domain.bitrix24.com"
    b"&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F&auth%5Bstatus%5D=F"
    b"&auth%5Bclient_endpoint%5D=https%3A%2F%2Fsome-domain.bitrix24.com%2Frest%2F"
    b"&auth%5Bmember_id%5D=bac1cd5c8940947a75e0d71b1a84e348&auth%5Buser_id%5D=27"
    b"&auth%5Bapplication_token%5D=831c76b092f9f135d9b6b36c3a720757"
)
WRONG_TOKEN_BODY = DOC_BODY.replace(TOKEN.encode(), b"0" * len(TOKEN))

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGI = Callable[[Scope, Receive, Send], Any]


def bot_delete_tree(bot_id: int, *, token: str = TOKEN) -> dict[str, Any]:
    """An ONIMBOTDELETE envelope like the doc body's, for another bot id."""
    return {
        "event": "ONIMBOTDELETE",
        "event_handler_id": "439",
        "data": {"BOT_ID": str(bot_id), "BOT_CODE": f"bot{bot_id}"},
        "ts": "1772090363",
        "auth": {
            "domain": "some-domain.bitrix24.com",
            "member_id": MEMBER_ID,
            "application_token": token,
        },
    }


def form_body(bot_id: int, *, token: str = TOKEN) -> bytes:
    return encode_form(bot_delete_tree(bot_id, token=token)).encode("ascii")


def json_body(bot_id: int) -> bytes:
    return json.dumps(bot_delete_tree(bot_id)).encode("utf-8")


def token_store() -> MemoryTokenStore:
    return MemoryTokenStore({f"member:{MEMBER_ID}": TOKEN})


@dataclass
class Seen:
    """Bot ids the handlers saw (appended from any thread), and the threads they ran in."""

    bot_ids: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, event: Event) -> None:
        with self.lock:
            self.bot_ids.append(getattr(event, "bot_id", -1))
            self.threads.append(threading.get_ident())


def recording_dispatcher(**kwargs: Any) -> tuple[Dispatcher, Seen]:
    """A Dispatcher verifying against the doc token, with one async handler recording."""
    kwargs.setdefault("token_store", token_store())
    dp = Dispatcher(**kwargs)
    seen = Seen()

    @dp.on("ONIMBOTDELETE")
    async def record(event: Event) -> None:
        seen.add(event)

    return dp, seen


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


# ---- ASGI lifespan --------------------------------------------------------------------


@asynccontextmanager
async def asgi_lifespan(app: ASGI) -> AsyncIterator[list[str]]:
    """Run an ASGI app's lifespan: startup on enter, shutdown on exit.

    Yields the list of lifespan messages the app sent, filled in as they arrive.
    """
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    sent: list[str] = []

    async def send(message: Message) -> None:
        sent.append(message["type"])
        await from_app.put(message)

    scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.ensure_future(app(scope, to_app.get, send))
    await to_app.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(from_app.get(), 10)
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield sent
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await asyncio.wait_for(from_app.get(), 30)
        assert stopped["type"] == "lifespan.shutdown.complete", stopped
        await asyncio.wait_for(task, 10)


# ---- a real uvicorn server ------------------------------------------------------------


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


@contextmanager
def uvicorn_server(app: ASGI) -> Iterator[Served]:
    """Serve ``app`` with a real uvicorn on 127.0.0.1 (a free port) in a thread.

    On exit the server is asked to stop (unless the test already did) and joined.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,  # the kernel picks a free port; read back once listening
        log_level="warning",
        lifespan="on",
        ws="none",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped during startup"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(60)
        assert not thread.is_alive(), "uvicorn did not stop"


def stop_server(served: Served) -> None:
    """Ask uvicorn to stop (lifespan shutdown included) and wait for its thread."""
    served.server.should_exit = True
    served.thread.join(60)
    assert not served.thread.is_alive()
