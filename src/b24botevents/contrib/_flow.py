"""The one request flow every adapter follows, and the bounded body reading under it.

``respond`` (sync) and ``arespond`` (async) answer one request: 405 to anything but POST,
then the body read within ``Dispatcher.max_body_bytes`` (413 when it is over, 400 when
it was cut short), then ``dp.handle``/``await dp.ahandle`` with the content type. An
adapter passes its framework's method, a reader for its body, the content type, and the
exception that means "the client went away" there.

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
    body_incomplete,
    method_not_allowed,
    payload_too_large,
)

__all__ = [
    "CHUNK_SIZE",
    "CutShort",
    "arespond",
    "declared_length",
    "read_bounded",
    "read_chunks",
    "respond",
]

#: Bytes asked of a request stream at a time.
CHUNK_SIZE = 64 * 1024

#: The exception(s) a body reader raises when the body ended before it was complete.
CutShort: TypeAlias = type[BaseException] | tuple[type[BaseException], ...]


def declared_length(value: str | None) -> int | None:
    """A ``Content-Length`` header value as an int; None when absent or not digits."""
    return int(value) if value and value.isdigit() else None


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
    ``max_bytes``; it raises ``cut_short`` when the body ended early.
    """
    if method != "POST":
        return method_not_allowed()
    limit = dp.max_body_bytes
    try:
        body = read_body(limit)
    except cut_short:
        return body_incomplete()
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
    except cut_short:
        return body_incomplete()
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
