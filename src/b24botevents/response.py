"""``Response``: what the core answers, and which status each outcome gets.

Statuses: 200 handled or ignored (and duplicates, and background acceptances); 400 an
undecodable body or one that does not fit its model; 403 verification failed; 405 not a
POST; 413 a ``Limits`` bound; 415 neither form data nor JSON; 500 a handler error no
``on_error`` hook dealt with; 503 a token or dedup store that cannot be reached (fail
closed). No response text or log line written here carries a token: error messages never
hold one (``errors.py``).

Public for adapter authors: ``Response`` (also exported by ``b24botevents``) and the
canned answers ``method_not_allowed``, ``payload_too_large`` and ``body_incomplete`` that
every adapter gives before the dispatcher is involved. ``handled``/``failed`` are the
dispatcher's.
"""

from __future__ import annotations

import logging

import attrs

from ._redact import shown_text
from ._slots import slot_setters
from .errors import (
    LimitExceeded,
    PayloadError,
    SchemaError,
    StoreUnavailable,
    UnsupportedContentType,
    VerificationFailed,
)
from .router import DispatchResult

logger = logging.getLogger("b24botevents")

_TEXT_PLAIN = (("content-type", "text/plain; charset=utf-8"),)
_DEBUG = logging.DEBUG


@attrs.frozen
class Response:
    """What to answer: ``status``, ``body`` and ``headers``, for any web framework.

    ``result`` is the dispatch outcome when handlers ran (not part of the HTTP answer).
    """

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = _TEXT_PLAIN
    result: DispatchResult | None = attrs.field(default=None, eq=False, repr=False)


_SET_STATUS, _SET_BODY, _SET_HEADERS, _SET_RESULT = slot_setters(Response)


def text_response(status: int, text: str) -> Response:
    """A ``text/plain`` answer."""
    return Response(status, text.encode("utf-8"))


#: Handlers will run after the answer (``Dispatcher(background=True)``).
ACCEPTED = text_response(200, "accepted")
#: The dedup store has seen this delivery: nothing ran again.
DUPLICATE = text_response(200, "duplicate")
_OK = b"ok"
_IGNORED = b"ignored"


def method_not_allowed() -> Response:
    """405 for anything but POST: what every adapter answers before reading a body."""
    return Response(
        405,
        b"method not allowed: Bitrix24 delivers events with POST",
        (*_TEXT_PLAIN, ("allow", "POST")),
    )


def body_incomplete() -> Response:
    """400 for a body cut short (``IncompleteBody``): adapters never dispatch a partial body."""
    return text_response(400, "bad request: the body ended before it was complete")


def bad_content_length() -> Response:
    """400 for a ``Content-Length`` that is not 1 to 19 ASCII digits: nothing is read."""
    return text_response(400, "bad request: Content-Length must be 1 to 19 ASCII digits")


def length_required() -> Response:
    """411 for a chunked body the WSGI server handed on without de-chunking it (wsgiref)."""
    return text_response(
        411, "length required: this server cannot read a chunked body; send a Content-Length"
    )


def framing_conflict() -> Response:
    """400 for ``Transfer-Encoding`` with ``Content-Length`` that no server resolved."""
    return text_response(
        400, "bad request: Transfer-Encoding and Content-Length must not come together"
    )


def payload_too_large(max_body_bytes: int) -> Response:
    """413 for a body refused while it was being read (adapters stop reading at the limit)."""
    return text_response(
        413, f"payload too large: the body exceeds max_body_bytes={max_body_bytes}"
    )


def handled(result: DispatchResult) -> Response:
    """200 after the handlers ran: ``ok``, or ``ignored`` when no handler had the code."""
    if logger.isEnabledFor(_DEBUG):
        logger.debug(
            "%s dispatched to %d handler(s)%s",
            shown_text(result.event.code),
            len(result.handlers),
            "" if result.handled else " (no handler for this code)",
        )
    response: Response = object.__new__(Response)  # Response(200, ...), for the hot path
    _SET_STATUS(response, 200)
    _SET_BODY(response, _OK if result.handled else _IGNORED)
    _SET_HEADERS(response, _TEXT_PLAIN)
    _SET_RESULT(response, result)
    return response


def failed(exc: Exception, code: str = "") -> Response:
    """The answer to an exception raised while handling ``code``, logged without secrets."""
    what = code or "event"
    if isinstance(exc, VerificationFailed):
        logger.warning("rejected: %s", exc)
        return text_response(403, "forbidden: the event could not be verified")
    if isinstance(exc, StoreUnavailable):
        logger.error("store unavailable while handling %s: %s", what, exc)
        return text_response(503, "service unavailable: token or dedup store unreachable")
    if isinstance(exc, LimitExceeded):
        logger.debug("body refused: %s", exc)
        return text_response(413, f"payload too large: {exc}")
    if isinstance(exc, UnsupportedContentType):
        logger.debug("body refused: %s", exc)
        return text_response(415, f"unsupported media type: {exc}")
    if isinstance(exc, (PayloadError, SchemaError)):
        logger.debug("body refused: %s", exc)
        return text_response(400, f"bad request: {exc}")
    logger.error(
        "handling %s failed (%s) and no on_error hook dealt with it",
        what,
        type(exc).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return text_response(500, "internal error while handling the event")
