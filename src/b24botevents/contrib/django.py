"""Django adapter: ``make_view(dp)``, a csrf-exempt sync view around ``Dispatcher.handle``.

This module owns only the Django plumbing: which stream holds the raw body (never
``request.body`` or ``request.POST``, which buffer the whole body and apply Django's own
``DATA_UPLOAD_MAX_MEMORY_SIZE``), the content type, and turning a ``Response`` into an
``HttpResponse``. The flow itself is ``_flow.respond``. Django's async (ASGI) views are
out of scope: under ASGI the view still works, but Django has already received the whole
body before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from b24botevents.dispatcher import Dispatcher
from b24botevents.response import Response

from ._extras import needs_extra
from ._flow import respond
from .wsgi import read_wsgi_body

with needs_extra(__name__, "Django", "django"):
    from django.http import HttpRequest, HttpResponse
    from django.views.decorators.csrf import csrf_exempt

__all__ = ["make_view", "read_django_body", "to_django_response"]


def read_django_body(request: HttpRequest, max_bytes: int) -> bytes | None:
    """Read the request body, or None as soon as it is known to exceed ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before reading anything;
    otherwise at most ``max_bytes + 1`` bytes are read, in chunks. A body without a
    length (chunked) is read from ``wsgi.input`` when the server says it terminates that
    stream (``wsgi.input_terminated``: gunicorn, waitress, werkzeug); Django's own stream
    would present such a body as empty. Under ASGI Django has received the whole body
    already, so its own stream is read to the end. The framing rules (``Content-Length``
    digits, an undecoded ``Transfer-Encoding``) are ``read_wsgi_body``'s.
    """
    meta = request.META
    raw = meta.get("wsgi.input")
    declared = meta.get("CONTENT_LENGTH") or None
    terminated = raw is None or bool(meta.get("wsgi.input_terminated"))
    stream: Any = request  # HttpRequest.read: Django's stream, bounded by Content-Length
    if declared is None and raw is not None and terminated:
        stream = raw
    environ = {
        "CONTENT_LENGTH": declared,
        "HTTP_TRANSFER_ENCODING": meta.get("HTTP_TRANSFER_ENCODING"),
        "wsgi.input": stream,
        "wsgi.input_terminated": terminated,
    }
    return read_wsgi_body(environ, max_bytes)


def to_django_response(response: Response) -> HttpResponse:
    """A core ``Response`` as an ``HttpResponse`` (status, body and headers unchanged)."""
    answer = HttpResponse(response.body, status=response.status)
    for key, value in response.headers:
        answer[key] = value
    return answer


def make_view(dp: Dispatcher) -> Callable[[HttpRequest], HttpResponse]:
    """A csrf-exempt view for ``dp``: ``re_path(r"^bitrix24/events/?$", make_view(dp))``.

    POST bodies go to ``dp.handle``; every other method gets the core's 405 (with
    ``Allow: POST``); a body over ``dp.max_body_bytes`` gets 413 without being buffered.
    """

    def b24botevents_view(request: HttpRequest) -> HttpResponse:
        return to_django_response(
            respond(
                dp,
                request.method or "",
                partial(read_django_body, request),
                request.META.get("CONTENT_TYPE") or None,
            )
        )

    return csrf_exempt(b24botevents_view)
