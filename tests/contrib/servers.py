"""Real servers on 127.0.0.1 for the end-to-end tests (waitress for WSGI, uvicorn for
ASGI) and the ASGI lifespan protocol driven by hand."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import uvicorn
import waitress  # type: ignore[import-untyped]
from waitress import wasyncore

from .async_drivers import ASGI, Message, Scope
from .streams import WSGIApplication


@contextmanager
def waitress_server(app: WSGIApplication, *, threads: int = 8) -> Iterator[str]:
    """Serve ``app`` with a real waitress server on 127.0.0.1; yield its base URL.

    The event loop runs in a daemon thread a step at a time so that it stops on request;
    the channels, the listening socket and the worker threads are closed at exit.
    """
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    socket_map = server._map
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=socket_map, use_poll=True, count=1)

    thread = threading.Thread(target=loop, name="waitress-test-loop", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)
        for channel in list(socket_map.values()):
            if channel is not server and channel is not server.trigger:
                channel.close()
        server.close()  # the listening socket and the trigger
        server.task_dispatcher.shutdown()


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
