"""Internal: reading Bitrix24's answers, and the rules on method names and repeats.

Pure functions, shared by the call and the refresh flows: what an answer's JSON says
(``result``, or ``error`` with ``error_description``), what a status or an error code
means for a retry, whether a transport failure may have let the request through, and
which methods are harmless to repeat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from b24botevents._redact import shown_text

from ._effects import HttpReply

__all__ = [
    "EXPIRED",
    "MAYBE_RUN_STATUSES",
    "NOT_RUN_STATUSES",
    "THROTTLED",
    "check_method",
    "decode_answer",
    "error_of",
    "is_idempotent",
    "retry_after",
    "transport_code",
]

_METHOD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}(?:\.[A-Za-z0-9_]{1,64}){0,8}")
#: Codes that mean the access token is no longer good.
EXPIRED = frozenset({"expired_token", "invalid_token"})
#: Codes that mean "too many requests": the call did not run.
THROTTLED = frozenset({"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"})
#: Statuses after which the call did not run (rate limit, overload).
NOT_RUN_STATUSES = frozenset({429, 503})
#: Statuses after which it may have run (a proxy gave up waiting, a crash mid-way).
MAYBE_RUN_STATUSES = frozenset({500, 502, 504})
#: Last segments of methods that only read.
_IDEMPOTENT_ENDINGS = frozenset({"get", "list", "info", "time", "fields", "search"})
#: Whole names (lower case) of other methods whose repeat is harmless: "typing…" and
#: read marks. By name, not by ending: ``im.notify`` sends a notification.
_IDEMPOTENT_METHODS = frozenset(
    {
        "app.info",
        "profile",
        "scope",
        "methods",
        "imbot.chat.sendtyping",
        "imbot.v2.chat.inputaction.notify",
        "imbot.v2.chat.message.read",
        "im.dialog.read",
    }
)
#: Longest error text kept from an answer.
_DESCRIPTION_CHARS = 200


def check_method(method: object) -> str:
    """A REST method name: dotted identifiers, nothing that could change the URL's path."""
    if type(method) is not str or not _METHOD.fullmatch(method):
        raise ValueError("method must be a REST method name like 'imbot.message.add'")
    return method


def is_idempotent(method: str) -> bool:
    """Whether a repeat of ``method`` after a lost answer is harmless (reads, "typing")."""
    lowered = method.lower()
    return lowered in _IDEMPOTENT_METHODS or lowered.rsplit(".", 1)[-1] in _IDEMPOTENT_ENDINGS


def decode_answer(reply: HttpReply) -> dict[str, Any] | None:
    try:
        body = json.loads(reply.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the stack: unreadable
        return None
    return body if isinstance(body, dict) else None


def error_of(body: Mapping[str, Any]) -> tuple[str, str]:
    code = body.get("error")
    code = shown_text(code) if isinstance(code, str) and code else "UNKNOWN_ERROR"
    description = body.get("error_description")
    text = shown_text(description, _DESCRIPTION_CHARS) if isinstance(description, str) else ""
    return code, text


def retry_after(reply: HttpReply) -> float | None:
    value = reply.retry_after
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: fall back to the backoff
    return seconds if seconds >= 0 else None


def transport_code(exc: BaseException) -> tuple[str, bool]:
    """``(code, may_have_run)`` for a transport failure (httpx's exception classes)."""
    name = type(exc).__name__
    if name in ("ConnectError", "ConnectTimeout", "PoolTimeout", "UnsupportedProtocol"):
        return "CONNECTION_FAILED", False
    if name in ("ReadTimeout", "WriteTimeout", "TimeoutException"):
        return "TIMEOUT", True
    return "RESPONSE_LOST", True
