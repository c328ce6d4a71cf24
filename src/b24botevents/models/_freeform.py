"""Free-form values (a context, a message's ``params``) in the one shape both modes give.

Bitrix24 hands out the same ``imbot.v2`` event as native JSON (fetch mode) or through
PHP's ``http_build_query`` (webhook mode), where every scalar is text, ``true``/``false``
are ``"1"``/``"0"`` and ``null`` and empty arrays are dropped. The fields the docs leave
free-form (``object``, "arbitrary data") cannot be typed, so they are kept as a webhook
body carries them: ``{"taskId": 456, "ok": true, "none": null}`` reads as
``{"taskId": "456", "ok": "1"}`` whichever way it came, and one handler serves both modes
(cast explicitly, as the docs advise). ``event.raw`` keeps the values as received.

Internal module: the models use these as attrs converters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b24botevents._redact import RawTree
from b24botevents.errors import B24EventError
from b24botevents.wire import encode_form, parse_form

__all__ = ["form_text_tree", "optional_form_text_tree"]

_BLANKS = frozenset(" \t\n\v\f\r")


def form_text_tree(value: Any) -> dict[str, Any]:
    """``value`` as ``parse_str(http_build_query(value))`` gives it, as a ``RawTree``.

    Anything but a mapping or a list is no tree: empty. A list at the top is keyed by
    position (``{"0": ...}``), as ``data`` of unknown events is.
    """
    if isinstance(value, list):
        value = {str(index): item for index, item in enumerate(value)}
    if not isinstance(value, Mapping) or not value:
        return RawTree()
    if _is_form_text(value):
        return value if type(value) is RawTree else RawTree(value)
    try:
        tree = parse_form(encode_form({"v": value})).get("v")
    except (B24EventError, TypeError):
        # Keys PHP would reshape (brackets) or a tree over the form limits: no webhook
        # body could carry it; the values at least read as one would.
        tree = _texted(value)
    if isinstance(tree, list):
        return RawTree({str(index): item for index, item in enumerate(tree)})
    return RawTree(tree) if isinstance(tree, dict) else RawTree()


def optional_form_text_tree(value: Any) -> dict[str, Any] | None:
    """``form_text_tree`` for an ``object | false`` field: nothing in it is None."""
    if value is None:
        return None
    return form_text_tree(value) or None


def _is_form_text(tree: Mapping[str, Any]) -> bool:
    """Whether ``tree`` already is what a form body gives: text leaves, no empty or
    list-shaped mappings, no key PHP would change. Anything else takes the round trip."""
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if not node:
                return False
            list_shaped = True
            for position, (key, item) in enumerate(node.items()):
                if type(key) is not str or not key or key[0] in _BLANKS or "[" in key or "]" in key:
                    return False
                list_shaped = list_shaped and key == str(position)
                stack.append(item)
            if list_shaped and node is not tree:
                return False  # PHP renders keys 0..n-1 as a list
        elif isinstance(node, list):
            if not node:
                return False
            stack.extend(node)
        elif type(node) is not str:
            return False
    return True


def _texted(value: Any) -> Any:
    """Every scalar as ``http_build_query`` writes it, keys as they are; None (and what
    holds nothing else) dropped."""
    if isinstance(value, Mapping):
        items = ((str(key), _texted(item)) for key, item in value.items())
        return {key: item for key, item in items if item is not None} or None
    if isinstance(value, (list, tuple)):
        kept = [item for item in (_texted(item) for item in value) if item is not None]
        return kept or None
    if value is None or isinstance(value, str):
        return value
    if value is True or value is False:
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    try:
        return parse_form(encode_form({"v": value})).get("v")  # floats as PHP prints them
    except (B24EventError, TypeError):
        return None
