"""Which wire fields are secrets, and how they are masked wherever they could be shown.

Everything that renders an event or a tree for people (``repr``, ``to_dict(redact=True)``,
the CLI, log lines) goes through here, so there is one list of secret names to keep right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Field names whose values are credentials, wherever they stand in a payload (the
#: top-level ``auth`` block, ``data[bot][auth]``, v1's ``data[BOT][<id>]`` and its ``AUTH``).
SECRET_KEYS = frozenset({"access_token", "refresh_token", "application_token"})

#: What a secret value is replaced with.
MASK = "***"


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


def copy_tree(tree: Mapping[str, Any], *, redact: bool) -> dict[str, Any]:
    """A deep copy of a decoded tree (dicts and lists), masking secrets if ``redact``.

    Iterative, so a deep tree cannot exhaust the stack.
    """
    result: dict[str, Any] = {}
    stack: list[tuple[Any, Any]] = [(tree, result)]
    while stack:
        source, target = stack.pop()
        pairs = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in pairs:
            if redact and is_secret_key(key) and not isinstance(value, (Mapping, list, tuple)):
                copied: Any = MASK if value not in (None, "") else value
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
