"""Which wire fields are secrets, and how they are masked wherever they could be shown.

Everything that renders an event or a tree for people (``repr``, ``to_dict(redact=True)``,
the CLI, log lines) goes through here, so there is one list of secret names to keep right.
A secret key masks everything under it, whatever its shape (a string, a list, a mapping).
``RawTree`` is the dict that holds a body as received (``event.raw``, ``UnknownEvent.data``):
a plain dict in every way but its ``repr``. ``shown_text`` is how any other text a request
chose (an event code, a ``member_id``) enters a message: bounded and escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Field names whose values are credentials, wherever they stand in a payload (the
#: top-level ``auth`` block, ``data[bot][auth]``, v1's ``data[BOT][<id>]`` and its ``AUTH``).
SECRET_KEYS = frozenset({"access_token", "refresh_token", "application_token"})

#: What a secret value is replaced with.
MASK = "***"

#: How many characters of request text a message shows (``shown_text``).
SHOWN_CHARS = 64


def is_secret_key(key: object) -> bool:
    """True for a key that names a credential (compared case-insensitively)."""
    return isinstance(key, str) and key.lower() in SECRET_KEYS


def mask_repr(value: object) -> str:
    """attrs ``repr`` for a secret field: shows whether it is set, never what it is."""
    return "None" if value is None else repr(MASK)


def redacted_repr(tree: Mapping[str, Any]) -> str:
    """attrs ``repr`` for a raw mapping that may hold tokens at any depth (v1 ``BOT``)."""
    return repr(copy_tree(tree, redact=True))


def redact_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``tree`` with every secret value masked, at any depth."""
    return copy_tree(tree, redact=True)


def shown_text(text: str, limit: int = SHOWN_CHARS) -> str:
    """Request text for a message or log line: at most ``limit`` characters, escaped.

    Printable text under the limit comes back as it is (``ONIMBOTDELETE``), so ordinary
    messages read as before. Anything else is cut to ``limit`` characters, followed by
    ``... (N chars)``, and every character that is not printable (newlines, control
    characters, lone surrogates, bidi overrides) is written as its backslash escape: one
    request can never make a long line, nor a second one.
    """
    if len(text) <= limit and text.isprintable():
        return text
    cut = text[:limit]
    if not cut.isprintable():
        cut = "".join(char if char.isprintable() else repr(char)[1:-1] for char in cut)
    return cut if len(text) <= limit else f"{cut}... ({len(text)} chars)"


def _masked(value: Any) -> Any:
    """What a secret key's value becomes: the mask, unless it is empty (shown as unset)."""
    if value is None or value == "":
        return value
    if isinstance(value, Mapping) and not value:
        return {}
    if isinstance(value, (list, tuple)) and not value:
        return []
    return MASK


def copy_tree(tree: Mapping[str, Any], *, redact: bool) -> dict[str, Any]:
    """A deep copy of a decoded tree (dicts and lists), masking secrets if ``redact``.

    With ``redact``, everything under a secret key is masked, whatever its shape: a list
    or a mapping of tokens (``data[auth][access_token][]=...``) is one secret too. Copies
    are plain dicts and lists. Iterative, so a deep tree cannot exhaust the stack.
    """
    result: dict[str, Any] = {}
    stack: list[tuple[Any, Any]] = [(tree, result)]
    while stack:
        source, target = stack.pop()
        pairs = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in pairs:
            if redact and is_secret_key(key):
                copied: Any = _masked(value)
            elif isinstance(value, Mapping):
                copied = {}
                stack.append((value, copied))
            elif isinstance(value, (list, tuple)):
                copied = [None] * len(value)
                stack.append((value, copied))
            else:
                copied = value
            target[key] = copied  # a dict, or a list pre-sized to the source
    return result


class RawTree(dict[str, Any]):
    """A decoded body as received: a ``dict`` in every way (``json.dumps`` gives it all,
    equality, copies, pickling), except that ``repr`` and ``str`` mask its secrets.

    The dicts nested inside are plain, so the mask is applied at any depth here.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return redacted_repr(self)

    __str__ = __repr__


def as_raw_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    """``tree`` as a ``RawTree`` (itself if it is one already): an attrs converter."""
    return tree if type(tree) is RawTree else RawTree(tree)
