"""``WSGIApp``: the dispatcher as a plain WSGI application (PEP 3333), no framework needed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from b24botevents.dispatcher import Dispatcher
from b24botevents.errors import IncompleteBody
from b24botevents.response import (
    Response,
    body_incomplete,
    method_not_allowed,
    payload_too_large,
)

__all__ = ["WSGIApp", "read_wsgi_body"]

_CHUNK = 64 * 1024
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

StartResponse = Callable[..., Any]


def status_line(status: int) -> str:
    """``200`` -> ``"200 OK"``, as WSGI wants it."""
    return f"{status} {_REASONS.get(status, 'Unknown')}"


def read_wsgi_body(environ: dict[str, Any], max_bytes: int) -> bytes | None:
    """Read the request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before reading anything;
    otherwise (chunked bodies the server marks ``wsgi.input_terminated``, or a wrong
    length) at most ``max_bytes + 1`` are read. A stream that ends before its
    ``Content-Length`` raises ``IncompleteBody``: a partial event is never dispatched.
    """
    declared = environ.get("CONTENT_LENGTH") or ""
    length: int | None = int(declared) if declared.isdigit() else None
    if length is not None and length > max_bytes:
        return None
    if length is None and not environ.get("wsgi.input_terminated"):
        # No length and no chunking: HTTP/1.1 says there is no body, and on servers that
        # do not end the stream themselves (werkzeug's) reading would wait for the client.
        return b""
    stream = environ["wsgi.input"]
    budget = max_bytes + 1 if length is None else length
    parts: list[bytes] = []
    received = 0
    while received < budget:
        chunk = stream.read(min(_CHUNK, budget - received))
        if not chunk:
            break
        parts.append(chunk)
        received += len(chunk)
    if received > max_bytes:
        return None
    if length is not None and received < length:
        raise IncompleteBody(f"the body ended after {received} of {length} bytes")
    return b"".join(parts)


class WSGIApp:
    """``WSGIApp(dp)``: POST bodies go to ``dp.handle``; mount it at the handler URL.

    With ``Dispatcher(background=True)`` handlers run in the dispatcher's thread pool after
    the answer; call ``close()`` at shutdown to wait for them.
    """

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def __repr__(self) -> str:
        return f"WSGIApp({self.dispatcher!r})"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.respond(environ)
        headers = [*response.headers, ("content-length", str(len(response.body)))]
        start_response(status_line(response.status), headers)
        return [response.body]

    def respond(self, environ: dict[str, Any]) -> Response:
        """The ``Response`` for one WSGI request (for frameworks built on WSGI)."""
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            return method_not_allowed()
        limit = self.dispatcher.max_body_bytes
        try:
            body = read_wsgi_body(environ, limit)
        except IncompleteBody:
            return body_incomplete()
        if body is None:
            return payload_too_large(limit)
        return self.dispatcher.handle(body, content_type=environ.get("CONTENT_TYPE") or None)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Wait for background handlers (see ``Dispatcher.close``)."""
        return self.dispatcher.close(timeout)
