"""The Flask and Django adapters behind the frameworks' own development servers
(werkzeug's ``flask run`` server and Django's ``runserver`` server) on 127.0.0.1.

A POST with neither ``Content-Length`` nor chunking has no body; such a request must be
answered at once, not left waiting for body bytes the client will never send.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from werkzeug.serving import make_server

from b24botevents import Dispatcher
from b24botevents.contrib.flask import make_blueprint

from .bodies import DOC_BODY, DOC_BOT_ID, FORM
from .recording import Recorder

URL_PATH = "/b24/events"


@contextmanager
def serving(server: Any) -> Iterator[int]:
    """Run a ``socketserver``-style server in a thread; yield its port."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def dev_server(kind: str, dp: Dispatcher, request: pytest.FixtureRequest) -> Iterator[int]:
    if kind == "flask":
        app = flask.Flask("dev_server_app")
        app.register_blueprint(make_blueprint(dp, url=URL_PATH))
        with serving(make_server("127.0.0.1", 0, app, threaded=True)) as port:
            yield port
    else:
        request.getfixturevalue("django_urlconf")
        server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
        server.set_app(WSGIHandler())
        with serving(server) as port:
            yield port


def exchange(port: int, head: bytes, body: bytes = b"") -> bytes:
    """Send a raw request and return the status line of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + b"\r\n" + body)
        received = b""
        while b"\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    return received.partition(b"\r\n")[0]


def request_head(extra: bytes = b"") -> bytes:
    return (
        f"POST {URL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n".encode() + extra
    )


@pytest.mark.parametrize("kind", ["flask", "django"])
def test_a_post_without_length_or_chunking_is_answered(
    kind: str, dp: Dispatcher, recorder: Recorder, request: pytest.FixtureRequest
) -> None:
    with dev_server(kind, dp, request) as port:
        # The connection stays open: a blocking read would never see the body end.
        status = exchange(port, request_head())
    assert status.split(b" ")[1] == b"403"  # an empty body cannot be verified
    assert recorder.bot_ids == []


@pytest.mark.parametrize("kind", ["flask", "django"])
def test_a_post_with_content_length_is_handled(
    kind: str, dp: Dispatcher, recorder: Recorder, request: pytest.FixtureRequest
) -> None:
    length = f"Content-Length: {len(DOC_BODY)}\r\nConnection: close\r\n".encode()
    with dev_server(kind, dp, request) as port:
        status = exchange(port, request_head(length), DOC_BODY)
    assert status.split(b" ")[1] == b"200"
    assert recorder.bot_ids == [DOC_BOT_ID]
