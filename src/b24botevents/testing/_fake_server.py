"""The fake served for real: a ``ThreadingHTTPServer`` on 127.0.0.1 for any HTTP client.

One daemon thread per connection (keep-alive HTTP/1.1), all answering from the fake's one
locked state. A ``delay`` sleeps in the connection's thread; a ``drop`` closes the socket
without writing a byte. ``serve`` binds port 0, yields ``http://127.0.0.1:<port>`` and,
when the ``with`` block ends, stops listening, closes open connections and waits for
requests in progress to finish, so the fake's state is final afterwards.

With ``tls`` (a server-side ``ssl.SSLContext`` holding a certificate and its key) it
speaks HTTPS instead and yields ``https://127.0.0.1:<port>``: clients that only call
``https://{domain}/rest/`` (b24pysdk) can then be tested for real. Each connection's TLS
handshake runs in that connection's thread, so a client that never completes one holds
up nobody else; one that fails (say, the client refuses the certificate) just closes.
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ._fake_rest import RestEngine
from ._fake_wire import HttpRequest

__all__ = ["serve"]

_MAX_BODY = 16 << 20


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, engine: RestEngine, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.engine = engine
        self.tls = tls
        self.open_connections: set[socket.socket] = set()
        self.handler_threads: set[threading.Thread] = set()
        self.connections_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self.tls is None:
            return connection, address
        try:
            # The handshake waits for the handler's thread (``_Handler.handle``): done
            # here, in the accepting thread, one slow client would stall every other.
            wrapped = self.tls.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        except OSError:
            connection.close()
            raise
        return wrapped, address

    def handle_error(self, request: object, client_address: object) -> None:
        # A client gone away (or a connection ended at shutdown) is not the fake's error.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self, timeout: float) -> None:
        """End the connections still open and wait for their threads to finish.

        A request in progress (a ``delay``) still completes: its call takes effect, only
        its answer finds the socket closed.
        """
        with self.connections_lock:
            open_now = list(self.open_connections)
            threads = list(self.handler_threads)
        for connection in open_now:
            with suppress(OSError):
                # The plain socket's shutdown, also under TLS: ``SSLSocket.shutdown``
                # would drop its TLS state while the handler thread may be reading.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)
            self.server.handler_threads.add(threading.current_thread())

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)
                self.server.handler_threads.discard(threading.current_thread())

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except OSError:  # ssl.SSLError too: a client that refused the certificate
                self.close_connection = True
                return
        super().handle()

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a request line may carry a token in its query string."""

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, _MAX_BODY)) if length > 0 else b""

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        request = HttpRequest(
            http_method=self.command,
            path=parts.path,
            query=parts.query,
            content_type=self.headers.get("Content-Type"),
            body=self._body(),
        )
        engine = self.server.engine
        fault = engine.begin(request)
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        reply = engine.finish(request, fault)
        if reply is None:
            self.close_connection = True  # nothing written: the client sees the socket close
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


def check_tls(tls: object) -> ssl.SSLContext | None:
    """``tls`` if it is ``None`` or a context that can serve; ``TypeError``/``ValueError``."""
    if tls is None:
        return None
    if not isinstance(tls, ssl.SSLContext):
        raise TypeError(f"tls must be an ssl.SSLContext or None, not {type(tls).__name__}")
    if tls.protocol == ssl.PROTOCOL_TLS_CLIENT:
        raise ValueError(
            "tls must be a server-side context: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)"
            " with load_cert_chain(...)"
        )
    return tls


@contextmanager
def serve(engine: RestEngine, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve ``engine`` on 127.0.0.1 (a free port) for the ``with`` block; yield its URL.

    ``tls``: a server-side ``ssl.SSLContext`` to serve HTTPS (``https://`` URL).
    """
    server = _Server(engine, check_tls(tls))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        scheme = "http" if tls is None else "https"
        yield f"{scheme}://{host!s}:{port}"
    finally:
        server.shutdown()
        server.close_connections(timeout=10)
        server.server_close()
        thread.join(timeout=5)
