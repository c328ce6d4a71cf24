"""Package-private: a request body (bytes or str) as checked text.

Shared by the form and JSON parsers, so both enforce ``max_body_bytes``, UTF-8 and the
raw-NUL rule the same way before any parsing starts.
"""

from __future__ import annotations

from b24botevents.errors import LimitExceeded, PayloadError
from b24botevents.limits import Limits


def body_text(body: bytes | bytearray | memoryview | str, limits: Limits) -> str:
    """The body as text, after checking its size in bytes and its encoding."""
    if isinstance(body, str):
        if body.isascii():
            size = len(body)
        else:
            try:
                size = len(body.encode("utf-8"))
            except UnicodeEncodeError as exc:  # lone surrogates: not text any peer sent
                raise PayloadError(
                    f"body is not valid Unicode (lone surrogate at offset {exc.start})"
                ) from None
    else:
        size = body.nbytes if isinstance(body, memoryview) else len(body)
    if size > limits.max_body_bytes:
        raise LimitExceeded(
            f"body is {size} bytes, more than max_body_bytes={limits.max_body_bytes}",
            limit="max_body_bytes",
        )
    if isinstance(body, str):
        text = body
    else:
        raw = bytes(body)
        try:
            text = raw.decode("ascii")  # what a form body should be; the fast path
        except UnicodeDecodeError:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PayloadError(f"body is not valid UTF-8 (byte offset {exc.start})") from None
    if "\x00" in text:
        # PHP reads the body as a C string and stops at a raw NUL; refuse rather than
        # disagree with it. (An encoded %00 inside a value is fine, as in PHP.)
        raise PayloadError(f"body has a raw NUL byte at offset {text.index(chr(0))}")
    return text
