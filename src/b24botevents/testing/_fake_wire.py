"""The fake's HTTP vocabulary: a request as received, a reply to send, and Bitrix24's envelopes.

Both transports (the in-process ``httpx`` one and the real server) turn what they receive
into an ``HttpRequest`` and write back an ``HttpReply``, so everything between is shared.
Successful REST answers are ``{"result": ..., "time": {...}}``; errors are
``{"error": CODE, "error_description": text}`` with the HTTP status Bitrix24 gives that
code. Parameters come from the query string and the body (JSON or PHP-style form data,
decoded by ``b24botevents.wire``), the body winning.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import attrs

from b24botevents import PayloadError
from b24botevents.wire import parse_form, to_tree

__all__ = [
    "ApiError",
    "HttpReply",
    "HttpRequest",
    "decode_params",
    "error_reply",
    "html_reply",
    "json_reply",
    "time_block",
]

#: HTTP status of an error code; any other code is a 400.
STATUS: dict[str, int] = {
    "expired_token": 401,
    "invalid_token": 401,
    "NO_AUTH_FOUND": 401,
    "invalid_client": 401,
    "ACCESS_DENIED": 403,
    "BOT_OWNERSHIP_ERROR": 403,
    "SCOPE_ERROR": 403,
    "insufficient_scope": 403,
    "ERROR_METHOD_NOT_FOUND": 404,
    "ERROR_BATCH_METHOD_NOT_ALLOWED": 405,
    "INTERNAL_SERVER_ERROR": 500,
    "QUERY_LIMIT_EXCEEDED": 503,
    "OVERLOAD_LIMIT": 503,
}

#: Bitrix24's own wording for the codes a fault or the fake itself answers.
DESCRIPTIONS: dict[str, str] = {
    "expired_token": "The access token provided has expired.",
    "invalid_token": "The access token provided is invalid.",
    "NO_AUTH_FOUND": "Wrong authorization data",
    "ERROR_METHOD_NOT_FOUND": "Method not found!",
    "QUERY_LIMIT_EXCEEDED": "Too many requests",
    "OVERLOAD_LIMIT": "REST API is blocked due to overload",
    "INTERNAL_SERVER_ERROR": "Internal server error",
    "ACCESS_DENIED": "Access denied",
}

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@attrs.frozen(kw_only=True)
class HttpRequest:
    """One request as a transport received it (the path without the query string)."""

    http_method: str
    path: str
    query: str = attrs.field(default="", repr=False)  # may carry a token
    content_type: str | None = None
    body: bytes = attrs.field(default=b"", repr=False)


@attrs.frozen(kw_only=True)
class HttpReply:
    """What to answer: status, body and the headers besides ``Content-Length``."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


class ApiError(Exception):
    """A Bitrix24 error answer: ``code``, ``description`` and its HTTP status."""

    def __init__(self, code: str, description: str | None = None, status: int | None = None):
        super().__init__(code)
        self.code = code
        self.description = description or DESCRIPTIONS.get(code, code)
        self.status = status or STATUS.get(code, 400)


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat(timespec="seconds")


def time_block(start: float, finish: float) -> dict[str, Any]:
    """The ``time`` object of every successful answer."""
    return {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": finish - start,
        "date_start": _iso(start),
        "date_finish": _iso(finish),
        "operating_reset_at": int(start) + 600,
        "operating": 0,
    }


def _encode(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def json_reply(
    payload: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> HttpReply:
    return HttpReply(status=status, body=_encode(payload), headers=headers)


def error_reply(error: ApiError, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    payload = {"error": error.code, "error_description": error.description}
    return json_reply(payload, error.status, headers)


def html_reply(status: int, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    """A bare server error page, as a proxy in front of Bitrix24 answers one."""
    reason = _REASONS.get(status, "Error")
    title = f"{status} {reason}"
    page = f"<html><head><title>{title}</title></head><body><h1>{reason}</h1></body></html>"
    return HttpReply(
        status=status, body=page.encode(), content_type="text/html; charset=utf-8", headers=headers
    )


def decode_params(request: HttpRequest) -> dict[str, Any]:
    """The request's parameters: the query string's, overridden by the body's.

    Raises ``ApiError`` (``INVALID_REQUEST``) for a body that does not decode.
    """
    try:
        params = parse_form(request.query) if request.query else {}
        if request.body.strip():
            params.update(to_tree(request.body, content_type=request.content_type))
    except PayloadError as exc:
        raise ApiError("INVALID_REQUEST", f"Invalid request body: {exc}") from None
    return params
