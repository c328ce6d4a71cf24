"""The one request flow every adapter follows, and the bounded body reading under it.

``respond`` (sync) and ``arespond`` (async) answer one request: 405 to anything but POST,
then the body read within ``Dispatcher.max_body_bytes`` (413 when it is over, 400 when
it was cut short or the read failed with an ``OSError``, the reader's own answer when it
raised ``Refused``), then ``dp.handle``/``await dp.ahandle`` with the content type. An
adapter passes its framework's method, a reader for its body, the content type, and the
exception that means "the client went away" there.

``content_length`` is the one reading of a ``Content-Length`` header: 1 to 19 ASCII
digits, or ``Refused`` with a 400. (``str.isdigit`` takes a superscript two and other
Unicode digits, ``int`` a sign, spaces and underscores; a proxy in front would not read
such a length the same way.)

The readers hold the size rules once for each kind of source: ``read_bounded`` for a
blocking ``read(n)`` stream, ``read_chunks`` for an async chunk iterator. A declared
``Content-Length`` over the limit is refused before anything is read; otherwise reading
stops at the first chunk that crosses the limit, so an oversized body is never buffered
whole.

Internal module: the adapters' public names live in their own modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import TypeAlias

from b24botevents.dispatcher import Dispatcher
from b24botevents.errors import IncompleteBody
from b24botevents.response import (
    Response,
    bad_content_length,
    body_incomplete,
    method_not_allowed,
    payload_too_large,
)

__all__ = [
    "CHUNK_SIZE",
    "MAX_LENGTH_DIGITS",
    "CutShort",
    "Refused",
    "arespond",
    "content_length",
    "declared_length",
    "handler_paths",
    "read_bounded",
    "read_chunks",
    "respond",
]

#: Bytes asked of a request stream at a time.
CHUNK_SIZE = 64 * 1024

#: The exception(s) a body reader raises when the body ended before it was complete.
CutShort: TypeAlias = type[BaseException] | tuple[type[BaseException], ...]

#: The most digits a ``Content-Length`` may have (any 19 fit in 64 bits).
MAX_LENGTH_DIGITS = 19


class Refused(Exception):
    """Raised by a body reader to answer ``response`` instead (bad framing, nothing read)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def declared_length(value: str | None) -> int | None:
    """A ``Content-Length`` value as an int; None when absent or not 1-19 ASCII digits."""
    if value and len(value) <= MAX_LENGTH_DIGITS and value.isascii() and value.isdigit():
        return int(value)
    return None


def content_length(value: str | None) -> int | None:
    """A ``Content-Length`` header's value (None: no header) as an int, or None for none.

    Anything but 1 to 19 ASCII digits (an empty value included) raises ``Refused`` with
    the 400 of ``bad_content_length``: the body is never read.
    """
    length = declared_length(value)
    if length is None and value is not None:
        raise Refused(bad_content_length())
    return length


def handler_paths(path: str) -> tuple[str, ...]:
    """``path`` and the same path with the trailing slash toggled, for routers that would
    otherwise answer the other form with a redirect or a 404 (Bitrix24 follows neither).

    ``"/"`` has no other form.
    """
    other = path[:-1] if path.endswith("/") else path + "/"
    return (path, other) if other else (path,)


def _failed_read(cut_short: CutShort) -> tuple[type[BaseException], ...]:
    """What a body reader may raise instead of returning: ``Refused``, an ``OSError`` (a
    reset connection, a server's stream error) and the adapter's "client went away"."""
    return (Refused, OSError, *(cut_short if isinstance(cut_short, tuple) else (cut_short,)))


def _refusal(exc: BaseException) -> Response:
    """The answer to a read that raised one of ``_failed_read``: nothing is dispatched."""
    return exc.response if isinstance(exc, Refused) else body_incomplete()


def respond(
    dp: Dispatcher,
    method: str,
    read_body: Callable[[int], bytes | None],
    content_type: str | None,
    *,
    cut_short: CutShort = IncompleteBody,
) -> Response:
    """The core's answer to one request, for a sync adapter.

    ``read_body(max_bytes)`` returns the body, or None once it is known to be over
    ``max_bytes``; it raises ``cut_short`` when the body ended early, and ``Refused``
    for framing it will not read.
    """
    if method != "POST":
        return method_not_allowed()
    limit = dp.max_body_bytes
    try:
        body = read_body(limit)
    except _failed_read(cut_short) as exc:
        return _refusal(exc)
    if body is None:
        return payload_too_large(limit)
    return dp.handle(body, content_type=content_type)


async def arespond(
    dp: Dispatcher,
    method: str,
    read_body: Callable[[int], Awaitable[bytes | None]],
    content_type: str | None,
    *,
    cut_short: CutShort = IncompleteBody,
) -> Response:
    """``respond`` for an async adapter: ``await read_body(max_bytes)``, ``dp.ahandle``."""
    if method != "POST":
        return method_not_allowed()
    limit = dp.max_body_bytes
    try:
        body = await read_body(limit)
    except _failed_read(cut_short) as exc:
        return _refusal(exc)
    if body is None:
        return payload_too_large(limit)
    return await dp.ahandle(body, content_type=content_type)


def read_bounded(
    read: Callable[[int], bytes],
    max_bytes: int,
    length: int | None,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> bytes | None:
    """Read a body of declared ``length`` (None: unknown) from ``read(n)``, bounded.

    With a length, exactly that many bytes are asked for (never past the body, which
    would wait on a kept-alive connection); without one, at most ``max_bytes + 1``.
    A stream that ends before its ``length`` raises ``IncompleteBody``: a partial event
    is never dispatched.
    """
    if length is not None and length > max_bytes:
        return None
    budget = max_bytes + 1 if length is None else length
    parts: list[bytes] = []
    received = 0
    while received < budget:
        chunk = read(min(chunk_size, budget - received))
        if not chunk:
            break
        parts.append(chunk)
        received += len(chunk)
    if received > max_bytes:
        return None
    if length is not None and received < length:
        raise IncompleteBody(f"the body ended after {received} of {length} bytes")
    return b"".join(parts)


async def read_chunks(
    chunks: AsyncIterable[bytes], max_bytes: int, length: int | None
) -> bytes | None:
    """Join the chunks of a body of declared ``length`` (None: unknown), bounded.

    Nothing is taken from ``chunks`` when ``length`` is over the limit; otherwise taking
    stops at the first chunk that crosses it, so at most ``max_bytes`` plus one chunk is
    read. A body cut short is the source's to report, by raising (async frameworks
    learn of a disconnect from the server, not from a byte count).
    """
    if length is not None and length > max_bytes:
        return None
    parts: list[bytes] = []
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > max_bytes:
            return None
        parts.append(chunk)
    return b"".join(parts)
