"""Requests with hostile framing, sent to every adapter: over a real wsgiref server on
127.0.0.1 where it hands the header to the app as it came, directly where a real server
would refuse the request before any app saw it.

wsgiref is the one server here that passes ``Content-Length`` and ``Transfer-Encoding``
through unchecked (a PEP 3333 server decodes headers as latin-1, so ``²`` is byte 0xB2).
uvicorn (h11 and httptools) and aiohttp's parser answer 400 themselves to a malformed
``Content-Length``, so the ASGI, FastAPI and aiohttp adapters get such a header directly:
a scripted ASGI ``receive`` for the first two, ``make_mocked_request`` for aiohttp.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import setup_testing_defaults

import flask
from aiohttp import StreamReader
from aiohttp.test_utils import make_mocked_request
from django.core.handlers.wsgi import WSGIHandler
from django.urls import clear_url_caches, path
from multidict import CIMultiDict

from b24botevents import Dispatcher
from b24botevents.contrib.aiohttp import make_handler
from b24botevents.contrib.asgi import ASGIApp
from b24botevents.contrib.django import make_view
from b24botevents.contrib.flask import make_blueprint
from b24botevents.contrib.wsgi import WSGIApp
from contrib import django_urls
from contrib.async_drivers import fastapi_app
from contrib.bodies import DOC_BODY, FORM, TOKEN
from contrib.recording import Recorder
from contrib.streams import WSGIApplication

PATH = "/b24/events"
SYNC = ("wsgi", "flask", "django")
ASYNC = ("asgi", "fastapi", "aiohttp")
ADAPTERS = SYNC + ASYNC
#: The answer to a Content-Length that is not 1 to 19 ASCII digits.
BAD_LENGTH = (400, "bad request: Content-Length must be 1 to 19 ASCII digits")
#: The answer to a body that broke off while it was read.
INCOMPLETE = (400, "bad request: the body ended before it was complete")

Answer = tuple[int, str]


def recording_dp(**kwargs: Any) -> tuple[Dispatcher, Recorder]:
    """A dispatcher verifying the documented token, recording every bot delete."""
    dp = Dispatcher(application_token=TOKEN, **kwargs)
    recorder = Recorder()
    dp.on_bot_delete(recorder)
    return dp, recorder


@contextmanager
def wsgi_app(adapter: str, dp: Dispatcher) -> Iterator[WSGIApplication]:
    """The WSGI application of a sync adapter, serving ``PATH`` (Django: in the test URLconf)."""
    if adapter == "wsgi":
        yield WSGIApp(dp)
    elif adapter == "flask":
        app = flask.Flask("security")
        app.register_blueprint(make_blueprint(dp, url=PATH))
        yield app
    elif adapter == "django":
        django_urls.urlpatterns[:] = [path(PATH.lstrip("/"), make_view(dp))]
        clear_url_caches()
        try:
            yield WSGIHandler()
        finally:
            django_urls.urlpatterns.clear()
            clear_url_caches()
    else:
        raise ValueError(adapter)


class _Handler(WSGIRequestHandler):
    """wsgiref's handler, its errors (tracebacks) kept for the test instead of stderr."""

    errors = io.StringIO()

    def get_stderr(self) -> io.StringIO:
        return self.errors

    def log_message(self, format: str, *args: Any) -> None:
        return


def over_wsgiref(app: WSGIApplication, request: bytes) -> tuple[Answer, str]:
    """Send raw ``request`` to ``app`` on a real wsgiref server on 127.0.0.1.

    Returns the answer and what the server wrote on its stderr (a traceback, if any).
    """
    errors = io.StringIO()
    handler = type("Handler", (_Handler,), {"errors": errors})
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=30) as client:
            client.sendall(request)
            response = http.client.HTTPResponse(client)
            response.begin()
            answer = (response.status, response.read().decode("utf-8", "replace"))
    finally:
        thread.join(30)
        server.server_close()
    return answer, errors.getvalue()


def chunked(body: bytes, size: int = 100) -> bytes:
    """``body`` in chunked transfer coding, ``size`` bytes a chunk."""
    parts = [body[start : start + size] for start in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def raw_post(headers: Iterable[tuple[str, str]], body: bytes = b"") -> bytes:
    """A POST of ``body`` to ``PATH`` with exactly ``headers`` (latin-1, as sent)."""
    head = [f"POST {PATH} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {FORM}"]
    head += [f"{name}: {value}" for name, value in headers]
    head += ["Connection: close", "", ""]
    return "\r\n".join(head).encode("latin-1") + body


class BodyStream:
    """A request body stream: ``data``, then the end, or ``error`` raised where it would end."""

    def __init__(self, data: bytes, error: BaseException | None = None) -> None:
        self.data = data
        self.error = error

    @property
    def done(self) -> bool:
        return not self.data and self.error is None

    def read(self, size: int = -1) -> bytes:
        if self.data:
            cut = len(self.data) if size is None or size < 0 else size
            chunk, self.data = self.data[:cut], self.data[cut:]
            return chunk
        if self.error is not None:
            raise self.error
        return b""

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)

    async def _chunks(self, size: int) -> AsyncIterator[bytes]:
        while chunk := self.read(size):
            yield chunk

    def iter_chunked(self, size: int) -> AsyncIterator[bytes]:  # aiohttp's request.content
        return self._chunks(size)


def _direct_wsgi(app: WSGIApplication, headers: dict[str, str], stream: BodyStream) -> Answer:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": PATH,
        "CONTENT_TYPE": FORM,
        "wsgi.input": stream,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_LENGTH" else f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)

    body = b"".join(app(environ, start_response))
    return int(statuses[-1].split()[0]), body.decode("utf-8", "replace")


def _direct_asgi(app: Callable[..., Any], headers: dict[str, str], stream: BodyStream) -> Answer:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        chunk = stream.read(1 << 16)
        return {"type": "http.request", "body": chunk, "more_body": not stream.done}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw = [(b"content-type", FORM.encode())]
    raw += [(name.lower().encode(), value.encode("utf-8")) for name, value in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(bytes(m.get("body", b"")) for m in sent if m["type"] == "http.response.body")
    return int(start["status"]), body.decode("utf-8", "replace")


def _direct_aiohttp(dp: Dispatcher, headers: dict[str, str], stream: BodyStream) -> Answer:
    request = make_mocked_request(
        "POST",
        PATH,
        headers=CIMultiDict({"Content-Type": FORM, **headers}),
        payload=cast(StreamReader, stream),
    )

    async def main() -> Answer:
        response = await make_handler(dp)(request)
        body = cast(bytes, getattr(response, "body", b""))
        return response.status, body.decode("utf-8", "replace")

    return asyncio.run(main())


def direct(
    adapter: str,
    dp: Dispatcher,
    headers: dict[str, str],
    body: bytes = DOC_BODY,
    *,
    then: BaseException | None = None,
) -> Answer:
    """POST ``body`` with ``headers`` to ``adapter`` without a server in between.

    ``then``: the exception the body stream raises once ``body`` is used up (by default
    the stream just ends).
    """
    stream = BodyStream(body, then)
    if adapter in SYNC:
        with wsgi_app(adapter, dp) as app:
            return _direct_wsgi(app, headers, stream)
    if adapter == "asgi":
        return _direct_asgi(ASGIApp(dp), headers, stream)
    if adapter == "fastapi":
        return _direct_asgi(fastapi_app(dp, path=PATH), headers, stream)
    if adapter == "aiohttp":
        return _direct_aiohttp(dp, headers, stream)
    raise ValueError(adapter)


def refused_length(adapter: str, value: str, *, through_wsgiref: bool = True) -> None:
    """POST the documented event with ``Content-Length: value``: it must get the 400 for a
    bad length, run no handler and leave no traceback.

    The sync adapters get it over wsgiref unless ``through_wsgiref`` is false (the header
    cannot reach an app through wsgiref as it is); the async ones directly (their servers
    refuse it first).
    """
    dp, recorder = recording_dp()
    if adapter in SYNC and through_wsgiref:
        with wsgi_app(adapter, dp) as app:
            answer, errors = over_wsgiref(app, raw_post([("Content-Length", value)], DOC_BODY))
        assert errors == "", errors
    else:
        answer = direct(adapter, dp, {"Content-Length": value})
    assert answer == BAD_LENGTH, answer
    assert recorder.bot_ids == []
