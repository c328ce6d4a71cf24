"""De-chunking for the stdlib receiver: wsgiref hands a chunked body on as it came.

A tunnel in front of ``listen`` re-chunks what Bitrix24 sent, and wsgiref passes
``Transfer-Encoding: chunked`` to the app with the raw stream and no ``Content-Length``.
``dechunk`` reads such a body off the connection before the app runs and rewrites the
environ to what a de-chunking server (gunicorn, waitress, werkzeug) would give: the body
as a terminated stream (``wsgi.input_terminated``). So the app's own rules apply:

* at most ``max_bytes`` of chunk data are read; at a chunk that would go past them (its
  size line alone is enough) reading stops and the app is told the body is
  ``max_bytes + 1`` long: its 413, with nothing more read;
* a body that ends early (EOF or a socket error) is a stream that raises
  ``IncompleteBody``: the app's 400, never a partial event;
* malformed framing raises ``MalformedChunks`` (the receiver answers 400 itself).

The framing is read strictly (RFC 9112, section 7.1): a size is 1 to 16 hex digits (no
sign, no ``0x``, no spaces but before a chunk extension), every line ends in CRLF and is
at most 4 KiB, the data is followed by CRLF, extensions and trailer fields are skipped
(32 trailer lines at most). A lenient reading is how a proxy and a server come to see
different bodies.
"""

from __future__ import annotations

import io
from typing import Any

from b24botevents import IncompleteBody

__all__ = ["MalformedChunks", "dechunk", "is_chunked", "read_chunked"]

#: The longest chunk-size or trailer line, CRLF excluded.
MAX_LINE = 4096
#: The most trailer lines after the last chunk.
MAX_TRAILERS = 32
#: Bytes read from the connection at a time.
_PIECE = 64 * 1024
_HEX = frozenset(b"0123456789abcdefABCDEF")


class MalformedChunks(ValueError):
    """The chunked framing is broken: a bad size, line end or trailer section."""


class _Ended(Exception):
    """The connection ended before the last chunk."""


def is_chunked(environ: dict[str, Any]) -> bool:
    """Whether the request's body is chunked and still framed (the server left it so)."""
    coding = str(environ.get("HTTP_TRANSFER_ENCODING", ""))
    return (
        coding.strip().lower() == "chunked"
        and not environ.get("CONTENT_LENGTH")
        and not environ.get("wsgi.input_terminated")
    )


def _line(rfile: io.BufferedIOBase) -> bytes:
    """The next line without its CRLF."""
    line = rfile.readline(MAX_LINE + 2)
    if not line.endswith(b"\n"):
        if len(line) > MAX_LINE:
            raise MalformedChunks("a chunked-body line is too long")
        raise _Ended
    if not line.endswith(b"\r\n"):
        raise MalformedChunks("a chunked-body line does not end in CRLF")
    return line[:-2]


def _size(line: bytes) -> int:
    digits = line.partition(b";")[0].rstrip(b" \t")  # extensions may follow after spaces
    if not 1 <= len(digits) <= 16 or not _HEX.issuperset(digits):
        raise MalformedChunks("a chunk size is not 1 to 16 hex digits")
    return int(digits, 16)


def _exactly(rfile: io.BufferedIOBase, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left:
        piece = rfile.read(min(_PIECE, left))
        if not piece:
            raise _Ended
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


def read_chunked(rfile: io.BufferedIOBase, max_bytes: int) -> bytes | None:
    """The body of a chunked request from ``rfile``; None once it would exceed ``max_bytes``.

    Raises ``MalformedChunks`` for broken framing and ``IncompleteBody`` when the stream
    ends first. The chunk that would cross the limit is not read.
    """
    parts: list[bytes] = []
    received = 0
    try:
        while size := _size(_line(rfile)):
            if received + size > max_bytes:
                return None
            parts.append(_exactly(rfile, size))
            received += size
            if _line(rfile):
                raise MalformedChunks("a chunk's data is not followed by CRLF")
        for _ in range(MAX_TRAILERS + 1):
            if not _line(rfile):
                return b"".join(parts)
    except _Ended:
        raise IncompleteBody("the chunked body ended before its last chunk") from None
    raise MalformedChunks(f"more than {MAX_TRAILERS} trailer lines")


class _Failing(io.BufferedIOBase):
    """A body stream that raises ``error`` on the first read."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        raise self.error


def dechunk(environ: dict[str, Any], rfile: io.BufferedIOBase, max_bytes: int) -> io.BufferedIOBase:
    """Read the chunked body from ``rfile``; return the app's ``wsgi.input`` for it and
    update ``environ`` (see the module's docstring). Raises ``MalformedChunks``."""
    environ["wsgi.input_terminated"] = True
    try:
        body = read_chunked(rfile, max_bytes)
    except (IncompleteBody, OSError) as exc:  # OSError: a reset, the receiver's timeout
        error = exc if isinstance(exc, IncompleteBody) else IncompleteBody("connection lost")
        return _Failing(error)
    if body is None:
        environ["CONTENT_LENGTH"] = str(max_bytes + 1)  # a lower bound, and over the limit
        return io.BytesIO()
    return io.BytesIO(body)
