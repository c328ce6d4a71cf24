"""Form bodies: ``application/x-www-form-urlencoded`` to a tree, as PHP's ``parse_str``.

This is the hot path for Bitrix24 events, so ``parse_form`` inlines the check for plain
names and binds what it can to locals; keep it that way when changing it.

Internal module: import these names from ``b24botevents.wire``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from b24botevents.errors import LimitExceeded, PayloadError
from b24botevents.limits import DEFAULT_LIMITS, Limits

from ._text import body_text
from ._tree import TreeBuilder, show_key

#: Values longer than this are percent-decoded in slices (``_unquote_in_slices``).
_SLICED = 64 * 1024
_SLICE = 16 * 1024


def _unquote_in_slices(text: str) -> str:
    """``unquote(text, errors="strict")`` for a long ASCII ``text``, a slice at a time.

    ``unquote`` does a long value in a few C calls that hold the GIL for tens of
    milliseconds each (1 MiB of ``%41``: ~40 ms), so a thread decoding a hostile body
    would still stall the event loop. Slices end before any ``%`` among their last two
    characters, so no escape is cut; for ASCII text the result is the same bytes, decoded
    once as UTF-8 at the end.
    """
    parts = []
    start = 0
    end = len(text)
    while start < end:
        stop = min(start + _SLICE, end)
        if stop < end:
            cut = text.rfind("%", stop - 2, stop)
            if cut > start:
                stop = cut
        parts.append(unquote_to_bytes(text[start:stop]))
        start = stop
    return b"".join(parts).decode("utf-8", "strict")


def _decode_component(text: str, key: str | None) -> str:
    """Percent-decode (with '+' as space) one key or value; invalid UTF-8 is an error."""
    try:
        if len(text) > _SLICED and text.isascii():
            return _unquote_in_slices(text.replace("+", " "))
        return unquote(text.replace("+", " "), errors="strict")
    except UnicodeDecodeError:
        where = "a key" if key is None else f"the value of {show_key(key)}"
        raise PayloadError(f"{where} is not valid UTF-8 once percent-decoded") from None


def parse_form(
    body: bytes | bytearray | memoryview | str, *, limits: Limits | None = None
) -> dict[str, Any]:
    """Decode a form body into a tree, exactly as PHP 8.2's ``parse_str`` would.

    ``data[BOT][567][BOT_ID]=567&data[TAGS][]=a`` gives
    ``{"data": {"BOT": {"567": {"BOT_ID": "567"}}, "TAGS": ["a"]}}``: every leaf is a
    ``str``, dict keys are ``str``, and only PHP arrays keyed ``0..n-1`` in order are lists.
    Repeated keys: the last one wins; a scalar and an array at one path: the later one
    wins, as in PHP. Malformed keys, invalid UTF-8 and bodies over ``limits`` raise
    ``PayloadError`` (``LimitExceeded``).
    """
    limits = limits or DEFAULT_LIMITS
    text = body_text(body, limits)
    if "%5" in text:
        # Brackets are the only escapes a key needs for its structure. Replacing them up
        # front is exact: '%' is not a hex digit, so no other escape can overlap these.
        text = text.replace("%5B", "[").replace("%5D", "]").replace("%5b", "[").replace("%5d", "]")
    fields = text.split("&")
    if len(fields) > limits.max_fields:
        present = len(fields) - fields.count("")
        if present > limits.max_fields:
            raise LimitExceeded(
                f"body has {present} fields, more than max_fields={limits.max_fields}",
                limit="max_fields",
            )
    builder = TreeBuilder(limits)
    root = builder.root
    max_key = limits.max_key_length
    for field in fields:
        if not field:
            continue  # PHP skips empty pieces ("a=1&&b=2")
        key, _, value = field.partition("=")
        if "%" in key or "+" in key:
            if len(key) > 3 * max_key:  # cannot shrink below the limit; skip the work
                raise LimitExceeded(
                    f"key {show_key(key)} is longer than max_key_length={max_key}",
                    limit="max_key_length",
                )
            key = _decode_component(key, None)
        if "%" in value or "+" in value:
            value = _decode_component(value, key)
        if (
            "[" not in key
            and len(key) <= max_key
            and " " not in key
            and "." not in key
            and "]" not in key
            and "\x00" not in key
            and key
        ):
            root[key] = value  # the common plain name: skip the builder's checks
        else:
            builder.insert(key, value)
    return builder.finish()
