"""JSON bodies: a JSON object to a tree, bounded by ``Limits`` like form bodies.

Python's ``json`` accepts some input PHP's ``json_decode`` refuses (``NaN``, lone
surrogate escapes); this module refuses it too. Named ``json_body`` so that it never
shadows the standard library's ``json``.

Internal module: import these names from ``b24botevents.wire``.
"""

from __future__ import annotations

import json
from typing import Any

from b24botevents.errors import LimitExceeded, PayloadError
from b24botevents.limits import DEFAULT_LIMITS, Limits

from ._text import body_text
from ._tree import show_key
from .intake import check_tree


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"invalid JSON: {name} is not a JSON number")


def parse_json(
    body: bytes | bytearray | memoryview | str, *, limits: Limits | None = None
) -> dict[str, Any]:
    """Decode a JSON object body, bounded by ``limits`` like form bodies are."""
    limits = limits or DEFAULT_LIMITS
    text = body_text(body, limits)
    try:
        tree = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        # exc.msg never quotes the document, so no secret can leak through it.
        raise PayloadError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise LimitExceeded(
            f"JSON body is nested too deeply to decode (max_depth={limits.max_depth})",
            limit="max_depth",
        ) from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise PayloadError(f"invalid JSON: {exc}") from None
    if not isinstance(tree, dict):
        raise PayloadError(f"a JSON body must be an object, not {type(tree).__name__}")
    check_tree(tree, limits=limits)
    for key in tree:
        if "[" in key:
            # Only flat form fields have such names; a tree with one could not be told
            # from form pairs when handed back as a mapping (to_dict, task queues).
            raise PayloadError(
                f"a JSON body may not have a top-level key with '[': {show_key(key)}"
            )
    if "\\ud" in text or "\\uD" in text:
        _reject_lone_surrogates(tree)
    return tree


def _reject_lone_surrogates(tree: dict[str, Any]) -> None:
    """JSON may escape half a surrogate pair (``"\\ud800"``); PHP's json_decode refuses."""
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            for text in (key, value):
                if isinstance(text, str) and not text.isascii():
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        raise PayloadError("invalid JSON: a lone UTF-16 surrogate") from None
            if isinstance(value, (dict, list)):
                stack.append(value)
