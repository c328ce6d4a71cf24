"""The exception hierarchy: bad input is a ``B24EventError``, a failed REST call a ``RestError``.

Both derive from ``B24Error``, so ``except B24Error`` catches everything the library
raises on purpose.

Messages name the wire path (``data[BOT_ID]``) and what was expected. They never carry
the value of a secret: callers may log them and answer with them as they are. What they
show of request text is bounded and escaped (an event code, a ``member_id``: at most 64
characters, no newline or control character), and a key only in a form that cannot hold
a value (see ``wire/_tree.py``).
"""

from __future__ import annotations

__all__ = [
    "B24Error",
    "B24EventError",
    "IncompleteBody",
    "LimitExceeded",
    "PayloadError",
    "RestError",
    "SchemaError",
    "StoreUnavailable",
    "UnsupportedContentType",
    "VerificationFailed",
]


class B24Error(Exception):
    """Base class of everything this library raises on purpose."""


class B24EventError(B24Error):
    """Base class of every error this library raises about an event or its handling."""


class PayloadError(B24EventError):
    """The request body cannot be decoded: bad encoding, malformed key, bad JSON."""


class LimitExceeded(PayloadError):
    """The body breaks one of the configured ``Limits``; ``limit`` names which one."""

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class IncompleteBody(PayloadError):
    """The body ended before it was complete (the client hung up, or sent less than its
    ``Content-Length``). A truncated event must never reach the handlers."""


class UnsupportedContentType(PayloadError):
    """The body's content type is neither form data nor JSON."""


class SchemaError(B24EventError):
    """The decoded body does not fit the event's model.

    ``path`` is the wire path of the (first) offending field (``data[BOT_ID]``,
    ``auth[expires]``), ``reason`` says what was expected, and ``errors`` lists every
    ``(path, reason)`` found, in field order.
    """

    def __init__(self, path: str, reason: str, *, errors: tuple[tuple[str, str], ...] = ()) -> None:
        self.path = path
        self.reason = reason
        self.errors = errors or ((path, reason),)
        message = f"{path}: {reason}" if path else reason
        if len(self.errors) > 1:
            more = len(self.errors) - 1
            message += f" (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(message)


class StoreUnavailable(B24EventError):
    """A token or dedup store could not be reached; handling fails closed."""


class VerificationFailed(B24EventError):
    """The event's ``auth[application_token]`` could not be verified; nothing ran.

    The message says why (unknown portal, mismatch, missing token) and never shows a
    token.
    """


class RestError(B24Error):
    """A REST call failed: Bitrix24 answered an error, or no usable answer came.

    ``code`` is Bitrix24's ``error`` (``ACCESS_DENIED``, ``expired_token``, ...) or one of
    the client's own, in capitals: ``TIMEOUT``, ``CONNECTION_FAILED``, ``RESPONSE_LOST``,
    ``INVALID_RESPONSE``, ``HTTP_ERROR``, ``NO_CREDENTIALS``, ``PORTAL_NOT_INSTALLED``,
    ``UNSAFE_ENDPOINT``, ``REFRESH_FAILED``. ``description`` is Bitrix24's
    ``error_description`` (bounded and escaped), ``status`` the HTTP status (``None``
    without an answer), ``method`` the REST method. ``may_have_run`` is True when the
    request may have reached the portal and taken effect although no answer came (a
    timeout after sending): such a call is not retried unless it is idempotent.

    No token is ever part of the message or the attributes.
    """

    def __init__(
        self,
        code: str,
        description: str = "",
        *,
        status: int | None = None,
        method: str | None = None,
        may_have_run: bool = False,
    ) -> None:
        self.code = code
        self.description = description
        self.status = status
        self.method = method
        self.may_have_run = may_have_run
        #: For ``batch``: the ``BatchResult`` of the requests that went through before
        #: this one failed (``None`` otherwise).
        self.partial: object = None
        where = f"{method}: " if method else ""
        message = f"{where}{code}"
        if description:
            message += f": {description}"
        if status is not None:
            message += f" (HTTP {status})"
        super().__init__(message)
