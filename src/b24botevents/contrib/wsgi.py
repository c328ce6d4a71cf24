"""``WSGIApp``: the dispatcher as a plain WSGI application (PEP 3333), no framework needed.

This module owns the WSGI side only: where the method, the length and the body come from
in the environ (``read_wsgi_body``, which Flask and Django reuse) and how a ``Response``
goes out (``to_wsgi_response``, ``status_line``). The flow itself is ``_flow.respond``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from b24botevents.dispatcher import Dispatcher
from b24botevents.response import Response, framing_conflict, length_required

from ._flow import Refused, content_length, read_bounded, respond

__all__ = ["WSGIApp", "read_wsgi_body", "status_line", "to_wsgi_response"]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

StartResponse = Callable[..., Any]


def status_line(status: int) -> str:
    """``200`` -> ``"200 OK"``, as WSGI wants it."""
    return f"{status} {_REASONS.get(status, 'Unknown')}"


def to_wsgi_response(response: Response, start_response: StartResponse) -> Iterable[bytes]:
    """Start a core ``Response`` (status line, headers, ``Content-Length``); the body."""
    headers = [*response.headers, ("content-length", str(len(response.body)))]
    start_response(status_line(response.status), headers)
    return [response.body]


def read_wsgi_body(environ: dict[str, Any], max_bytes: int) -> bytes | None:
    """Read the request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before reading anything;
    otherwise (chunked bodies the server marks ``wsgi.input_terminated``, or a wrong
    length) at most ``max_bytes + 1`` are read. A stream that ends before its
    ``Content-Length`` raises ``IncompleteBody``: a partial event is never dispatched.

    Raises ``_flow.Refused`` without reading when the framing cannot be trusted: a
    ``Content-Length`` that is not 1 to 19 ASCII digits (400; an empty one is no header,
    as PEP 3333 has it), or a ``Transfer-Encoding`` the server passed on undecoded
    (wsgiref does): 411 without a ``Content-Length``, 400 with one.
    """
    length = content_length(environ.get("CONTENT_LENGTH") or None)
    terminated = bool(environ.get("wsgi.input_terminated"))
    if environ.get("HTTP_TRANSFER_ENCODING") and not terminated:
        # The stream still carries the transfer coding: neither reading it to its end
        # (which waits on the client) nor taking Content-Length bytes of it is the body.
        raise Refused(length_required() if length is None else framing_conflict())
    if length is None and not terminated:
        # No length and no chunking: HTTP/1.1 says there is no body, and on servers that
        # do not end the stream themselves (werkzeug's) reading would wait for the client.
        return b""
    return read_bounded(environ["wsgi.input"].read, max_bytes, length)


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
        return to_wsgi_response(self.respond(environ), start_response)

    def respond(self, environ: dict[str, Any]) -> Response:
        """The ``Response`` for one WSGI request (for frameworks built on WSGI)."""
        return respond(
            self.dispatcher,
            environ.get("REQUEST_METHOD", "GET").upper(),
            partial(read_wsgi_body, environ),
            environ.get("CONTENT_TYPE") or None,
        )

    def close(self, timeout: float | None = 30.0) -> bool:
        """Wait for background handlers (see ``Dispatcher.close``)."""
        return self.dispatcher.close(timeout)
