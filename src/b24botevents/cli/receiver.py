"""The local receiver's moving parts: printing apps, the stdlib server and stop signals.

``PrintingWSGI`` and ``PrintingASGI`` wrap the library's adapters so every refused
request gets a line; ``ThreadingWSGIServer`` runs the WSGI one on ``wsgiref``, one
thread per request, and answers what it already accepted before it stops (bounded, so
a stalled client cannot hold the stop up); its request handler de-chunks a chunked body
first (``chunked``), which wsgiref itself does not; ``serve_until_stopped`` runs it
until SIGINT or SIGTERM, which raise ``Stop``.
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
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from b24botevents import Response
from b24botevents.contrib.asgi import ASGIApp, Message, Receive, Scope, Send
from b24botevents.contrib.wsgi import WSGIApp, to_wsgi_response

from .chunked import MalformedChunks, dechunk, is_chunked
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
WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: Seconds a stop waits for the requests in flight to be answered, on either server.
STOP_GRACE_SECONDS = 5
#: The stdlib receiver's answer to a chunked body whose framing is broken.
MALFORMED_CHUNKS = Response(400, b"bad request: malformed chunked body")


class PrintingWSGI:
    """``WSGIApp`` plus a line for each refused request."""

    def __init__(self, app: WSGIApp, printer: Printer) -> None:
        self.app = app
        self.printer = printer

    @property
    def max_body_bytes(self) -> int:
        """The dispatcher's body limit (the stdlib server de-chunks up to it)."""
        return self.app.dispatcher.max_body_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with reasons_collected() as reasons:
            response = self.app.respond(environ)
        return self._answer(response, reasons, start_response)

    def refusal(self, response: Response) -> WSGIApplication:
        """An app answering ``response`` (the server's own refusal), printed like the rest."""

        def refuse(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            return self._answer(response, [], start_response)

        return refuse

    def _answer(
        self, response: Response, reasons: list[str], start_response: StartResponse
    ) -> Iterable[bytes]:
        self.printer.answered(response.status, response.body, reasons)
        return to_wsgi_response(response, start_response)


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
        """Bind without looking up the host's FQDN."""
        # HTTPServer.server_bind resolves the host's FQDN, which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle the request in a thread of its own, kept for ``server_close``."""
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
        """Stop accepting, then wait up to ``stop_grace`` seconds for requests in flight."""
        super().server_close()  # no new connections from here on
        deadline = time.monotonic() + self.stop_grace
        for thread in self._handling:
            if thread.is_alive():  # not one that failed to start: joining that would raise
                thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Report a dropped connection in one line on stderr, not a traceback."""
        # A client that stalls or hangs up: one line on stderr, not socketserver's traceback.
        error = sys.exc_info()[1]
        what = type(error).__name__ if error is not None else "error"
        print(f"{now()}  connection from {client_address[0]} dropped: {what}", file=sys.stderr)


class _QuietHandler(WSGIRequestHandler):
    """wsgiref's handler, de-chunking a chunked body before the app runs (``chunked``),
    and with no access log on stderr: the receiver prints its own lines."""

    #: Seconds a client may stall while sending its request.
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        return

    def handle(self) -> None:
        """wsgiref's ``handle`` (one request), with the app's stream de-chunked first."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():  # the error has been answered
            return
        environ = self.get_environ()
        stdin: Any = self.rfile  # typeshed: BufferedIOBase here, IO[bytes] for ServerHandler
        stdout: Any = self.wfile
        server = self.server
        app = server.get_app() if isinstance(server, WSGIServer) else None
        if isinstance(app, PrintingWSGI) and is_chunked(environ):
            try:
                stdin = dechunk(environ, self.rfile, app.max_body_bytes)
            except MalformedChunks:
                app = app.refusal(MALFORMED_CHUNKS)
        handler = ServerHandler(stdin, stdout, self.get_stderr(), environ, multithread=False)
        handler.request_handler = self  # type: ignore[attr-defined] # wsgiref's back-pointer
        if app is not None:
            handler.run(app)


def stdlib_server(host: str, port: int, app: PrintingWSGI) -> ThreadingWSGIServer:
    """A threading ``wsgiref`` server for ``app`` on ``host:port``."""
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
    """Put back the signal handlers ``previous`` lists."""
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
