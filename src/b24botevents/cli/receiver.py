"""The local receiver's moving parts: printing apps, the stdlib server and stop signals.

``PrintingWSGI`` and ``PrintingASGI`` wrap the library's adapters so every refused
request gets a line; ``ThreadingWSGIServer`` runs the WSGI one on ``wsgiref``, one
thread per request, and answers what it already accepted before it stops (bounded, so
a stalled client cannot hold the stop up); ``serve_until_stopped`` runs it until
SIGINT or SIGTERM, which raise ``Stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any, NoReturn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from b24botevents.contrib.asgi import ASGIApp, Message, Receive, Scope, Send
from b24botevents.contrib.wsgi import WSGIApp

from .display import Printer, now, reasons_collected

__all__ = [
    "STOP_GRACE_SECONDS",
    "PrintingASGI",
    "PrintingWSGI",
    "Stop",
    "ThreadingWSGIServer",
    "install_stop_signals",
    "quiet_cancelled_requests",
    "restore_signals",
    "serve_until_stopped",
    "stdlib_server",
]

StartResponse = Callable[..., Any]

#: Seconds a stop waits for the requests in flight to be answered, on either server.
STOP_GRACE_SECONDS = 5


class PrintingWSGI:
    """``WSGIApp`` plus a line for each refused request."""

    def __init__(self, app: WSGIApp, printer: Printer) -> None:
        self.app = app
        self.printer = printer

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        statuses: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        with reasons_collected() as reasons:
            body = b"".join(self.app(environ, capture))
        self.printer.answered(int(statuses[0].split()[0]), body, reasons)
        return [body]


class PrintingASGI:
    """``ASGIApp`` plus a line for each refused request."""

    def __init__(self, app: ASGIApp, printer: Printer) -> None:
        self.app = app
        self.printer = printer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
            await send(message)

        with reasons_collected() as reasons:
            await self.app(scope, receive, capture)
        self.printer.answered(status, b"".join(chunks), reasons)


class _NoCancelledTraceback(logging.Filter):
    """Drops the traceback uvicorn logs for a request it cancelled at the end of its grace.

    uvicorn has already said so in one line ("Cancel 1 running task(s), ...").
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, asyncio.CancelledError)


@contextlib.contextmanager
def quiet_cancelled_requests() -> Iterator[None]:
    """While uvicorn runs: a request cut off at stop is one line on stderr, no traceback."""
    quiet = _NoCancelledTraceback()
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addFilter(quiet)
    try:
        yield
    finally:
        uvicorn_errors.removeFilter(quiet)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref's server, one thread per request; closing it answers requests in flight.

    ``server_close`` waits up to ``stop_grace`` seconds for the requests it already
    accepted, so a stop answers them instead of cutting them off; a client that stalls
    longer is abandoned (its daemon thread ends with the process).
    """

    daemon_threads = True
    # socketserver's own wait on close has no bound; server_close below has one.
    block_on_close = False
    allow_reuse_address = True
    stop_grace: float = STOP_GRACE_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._handling: list[threading.Thread] = []
        super().__init__(*args, **kwargs)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            daemon=self.daemon_threads,
        )
        # Forget the finished ones; server_close reads the list only once serving has ended.
        self._handling = [handling for handling in self._handling if handling.is_alive()]
        self._handling.append(thread)
        thread.start()

    def server_close(self) -> None:
        super().server_close()  # no new connections from here on
        deadline = time.monotonic() + self.stop_grace
        for thread in self._handling:
            if thread.is_alive():  # not one that failed to start: joining that would raise
                thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stalls or hangs up: one line on stderr, not socketserver's traceback.
        error = sys.exc_info()[1]
        what = type(error).__name__ if error is not None else "error"
        print(f"{now()}  connection from {client_address[0]} dropped: {what}", file=sys.stderr)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the receiver prints its own lines."""

    #: Seconds a client may stall while sending its request.
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        return


def stdlib_server(host: str, port: int, app: PrintingWSGI) -> ThreadingWSGIServer:
    server = ThreadingWSGIServer((host, port), _QuietHandler)
    server.set_app(app)
    return server


class Stop(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM: stop serving, cleanly.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception``
    on the way (socketserver's, uvicorn's) takes it for an error and keeps going.
    """


def _raise_stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise Stop


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def install_stop_signals() -> list[tuple[int, Any]]:
    """Ctrl-C and SIGTERM stop the server, even where a shell started it ignoring SIGINT."""
    if threading.current_thread() is not threading.main_thread():
        return []
    return [(signum, signal.signal(signum, _raise_stop)) for signum in _STOP_SIGNALS]


def restore_signals(previous: list[tuple[int, Any]]) -> None:
    for signum, handler in previous:
        signal.signal(signum, handler)


def serve_until_stopped(server: ThreadingWSGIServer, on_start: Callable[[], None]) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop: requests in flight answered, bounded.

    ``serve_forever`` runs on a thread of its own and the main thread only waits, so
    the signal's ``Stop`` lands in that wait: raised inside socketserver's loop, it
    would make socketserver close a request that a handler thread is still answering.
    """
    serving = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.2},
        name="b24botevents-listen",
        daemon=True,
    )
    serving.start()
    previous = install_stop_signals()
    try:
        on_start()
        while serving.is_alive():
            serving.join(0.5)
    except (KeyboardInterrupt, Stop):
        pass
    finally:
        # Asked again while the requests in flight are answered: stop now.
        with contextlib.suppress(KeyboardInterrupt, Stop):
            server.shutdown()
            server.server_close()
        restore_signals(previous)
