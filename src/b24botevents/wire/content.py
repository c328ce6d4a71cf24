"""Content-type dispatch: which decoder a body goes to, and ``to_tree`` for any input.

``to_tree`` is what the rest of the library calls; it is the one place that turns any
supported body (bytes, text, a mapping, pairs) into a tree.

Internal module: import these names from ``b24botevents.wire``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b24botevents.errors import PayloadError, UnsupportedContentType
from b24botevents.limits import Limits

from .form import parse_form
from .intake import tree_from_mapping, tree_from_pairs
from .json_body import parse_json

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
JSON_MEDIA_TYPE = "application/json"


def media_type(content_type: str | None) -> str | None:
    """``"application/json; charset=utf-8"`` -> ``"application/json"``; empty is None."""
    if content_type is None:
        return None
    if not isinstance(content_type, str):
        raise UnsupportedContentType(f"a content type is text, not {type(content_type).__name__}")
    return content_type.partition(";")[0].strip().lower() or None  # "" is no header at all


def decode_body(
    body: bytes | bytearray | memoryview | str,
    *,
    content_type: str | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Decode a request body to a tree: JSON or form by content type.

    With no content type, a body whose first non-blank character is ``{`` is JSON and
    anything else is form data. Other media types raise ``UnsupportedContentType``.
    """
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    media = media_type(content_type)
    if media is None:
        start = body[:256].lstrip()[:1]
        is_json = start in (b"{", "{")
    elif media == FORM_MEDIA_TYPE:
        is_json = False
    elif media == JSON_MEDIA_TYPE or (media.startswith("application/") and media.endswith("+json")):
        is_json = True
    else:
        shown = media[:60]
        raise UnsupportedContentType(
            f"unsupported content type {shown!r}: expected {FORM_MEDIA_TYPE} or {JSON_MEDIA_TYPE}"
        )
    if is_json:
        return parse_json(body, limits=limits)
    return parse_form(body, limits=limits)


def to_tree(
    body: Any, *, content_type: str | None = None, limits: Limits | None = None
) -> dict[str, Any]:
    """Any supported body to a tree: bytes or text (form or JSON), a mapping, or pairs.

    Raises only ``PayloadError`` (and its subclasses), whatever ``body`` is.
    """
    if isinstance(body, (bytes, bytearray, memoryview, str)):
        return decode_body(body, content_type=content_type, limits=limits)
    if isinstance(body, Mapping):
        return tree_from_mapping(body, limits=limits)
    if isinstance(body, Iterable):
        return tree_from_pairs(body, limits=limits)
    raise PayloadError(f"cannot decode a body of type {type(body).__name__}")
