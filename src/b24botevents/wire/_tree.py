"""Package-private: PHP's ``parse_str`` tree building, and the key rules it enforces.

Shared by the form parser and by already-split pairs, so that a body and a framework's
multi-dict build the same tree and reject the same keys.
"""

from __future__ import annotations

import re
from typing import Any

from b24botevents.errors import LimitExceeded, PayloadError
from b24botevents.limits import Limits

#: PHP skips one whitespace character (C ``isspace``) right after '[', so ``a[ ]`` appends.
_BLANK_SEGMENTS = frozenset(" \t\n\v\f\r")

_LONG_MAX = 2**63 - 1
_LONG_MIN = -(2**63)


# How keys appear in error messages (``show_key``). A key is request text, and a broken
# body can put a value, a token even, into one: a JSON body posted as form data is one
# long key, and so is ``auth[application_token]TOKEN`` with its '=' missing. So a key is
# shown in one of three forms, none of which can hold a value:
#
# * whole, escaped as ``repr`` escapes it (``'a[b'``, ``'a\\nb'``), when it is at most
#   ``_WHOLE_KEY_CHARS`` (16) characters long. Bitrix24's tokens are 32 and 50 hex
#   digits, and hex has no '&' or '=' to split one between fields, so a field that
#   holds any of a token holds all of it, and a key this short holds none;
# * its structure, quoted, then its length: the longest prefix made of a name and
#   ``[segment]``s that are all plain identifiers (``[A-Za-z0-9_-]``; a segment may also
#   be empty), at most ``_SHOWN_PART_CHARS`` (40) characters each and
#   ``_SHOWN_KEY_CHARS`` (64) in all (a longer identifier name is cut at 40):
#   ``'auth[application_token]'... (57 chars)``. Text after the last well-formed ``]``,
#   and any segment with anything but an identifier in it (quotes, spaces, '=', control
#   characters, brackets), is never shown, nor is anything after it;
# * only its length, ``(57 chars, not shown)``, when not even its name is an identifier.
#
# So a message shows at most 64 characters of a key, or 16 escaped ones, never free text.
# (Text that a sender put inside brackets is a key segment, and is shown as one.)
_WHOLE_KEY_CHARS = 16
_SHOWN_PART_CHARS = 40
_SHOWN_KEY_CHARS = 64
_IDENTIFIER = re.compile(r"[A-Za-z0-9_\-]+")


def _key_structure(key: str) -> str:
    """The prefix of ``key`` that ``show_key`` may quote: identifiers and brackets only."""
    bracket = key.find("[")
    name = key if bracket < 0 else key[:bracket]
    if not _IDENTIFIER.fullmatch(name):
        return ""
    if len(name) > _SHOWN_PART_CHARS:
        return name[:_SHOWN_PART_CHARS]
    end = len(name)
    while end < len(key) and key[end] == "[":
        close = key.find("]", end + 1)
        if close < 0:
            break
        segment = key[end + 1 : close]
        if len(segment) > _SHOWN_PART_CHARS or (segment and not _IDENTIFIER.fullmatch(segment)):
            break
        if close + 1 > _SHOWN_KEY_CHARS:
            break
        end = close + 1
    return key[:end]


def show_key(key: str) -> str:
    """A key for an error message, in a form that never shows a value (see above)."""
    if len(key) <= _WHOLE_KEY_CHARS:
        return repr(key)
    shown = _key_structure(key)
    if shown == key:
        return repr(key)
    if shown:
        return f"{shown!r}... ({len(key)} chars)"
    return f"({len(key)} chars, not shown)"


def php_int_key(key: str) -> int | None:
    """The integer PHP would use for this array key, or None if PHP keeps it a string.

    PHP turns canonical decimal integers in the ``zend_long`` range into int keys
    (``"5"``, ``"-5"``), but not ``"05"``, ``"-0"``, ``" 5"`` or ``"5.0"``.
    """
    digits = key[1:] if key[:1] == "-" else key
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    if digits[0] == "0" and (len(digits) > 1 or key[0] == "-"):
        return None
    if len(digits) > 19:
        return None
    number = int(key)
    if number > _LONG_MAX or number < _LONG_MIN:
        return None
    return number


class TreeBuilder:
    """Inserts ``name[seg][seg]...`` paths into a tree the way PHP's ``parse_str`` does.

    Containers are plain dicts while building. PHP's "next free index" for ``[]`` is kept
    per container in ``_next_free`` (keyed by ``id``; the container itself is held there
    too, so an id is never reused while the table lives). Every created container is
    remembered with its parent so that ``finish`` can turn list-shaped dicts into lists
    children-first, without recursion.
    """

    __slots__ = ("_created", "_limits", "_next_free", "root")

    def __init__(self, limits: Limits) -> None:
        self.root: dict[str, Any] = {}
        self._limits = limits
        self._next_free: dict[int, tuple[dict[str, Any], int | None]] = {}
        self._created: list[tuple[dict[str, Any], str, dict[str, Any]]] = []

    def _append_key(self, node: dict[str, Any], full_key: str) -> str:
        entry = self._next_free.get(id(node))
        if entry is None:
            # First append into this container: PHP's counter is the largest int key + 1.
            largest: int | None = None
            for existing in node:
                number = php_int_key(existing)
                if number is not None and (largest is None or number > largest):
                    largest = number
            nxt = None if largest is None else min(largest + 1, _LONG_MAX)
        else:
            nxt = entry[1]
        index = 0 if nxt is None else nxt
        key = str(index)
        if key in node:  # only at LONG_MAX; PHP drops the value silently
            raise PayloadError(f"array index overflow at key {show_key(full_key)}")
        self._next_free[id(node)] = (node, min(index + 1, _LONG_MAX))
        return key

    def _note_key(self, node: dict[str, Any], key: str) -> None:
        """Keep the next-free counter right when an explicit int key is inserted."""
        entry = self._next_free.get(id(node))
        if entry is not None:
            number = php_int_key(key)
            if number is not None and (entry[1] is None or number >= entry[1]):
                self._next_free[id(node)] = (node, min(number + 1, _LONG_MAX))

    def insert(self, full_key: str, value: Any) -> None:
        """Insert one decoded ``key=value`` field; ``full_key`` is validated here."""
        limits = self._limits
        if len(full_key) > limits.max_key_length:
            raise LimitExceeded(
                f"key {show_key(full_key)} is longer than max_key_length={limits.max_key_length}",
                limit="max_key_length",
            )
        bracket = full_key.find("[")
        if bracket < 0:
            check_name(full_key, full_key)
            self.root[full_key] = value
            return
        name = full_key[:bracket]
        check_name(name, full_key)
        rest = full_key[bracket:]
        segments = rest[1:-1].split("][")
        count = len(segments)
        # With the outer brackets and the split separators accounted for, any other
        # bracket means a segment holds '[' or ']', or text trails the last ']'.
        if rest[-1] != "]" or rest.count("[") != count or rest.count("]") != count:
            raise PayloadError(
                f"malformed key {show_key(full_key)}: expected name[key][key]... "
                "with no brackets inside a key and nothing after the last ']'"
            )
        if count > limits.max_depth:
            raise LimitExceeded(
                f"key {show_key(full_key)} is nested {count} levels deep, more than "
                f"max_depth={limits.max_depth}",
                limit="max_depth",
            )
        node = self.root
        key: str | None = name
        next_free = self._next_free
        for segment in segments:
            if key is None:
                key = self._append_key(node, full_key)
                child: Any = None
            else:
                child = node.get(key)
                if next_free:
                    self._note_key(node, key)
            if type(child) is not dict:
                # A scalar (or nothing) is replaced in place, keeping its position: PHP.
                child = {}
                node[key] = child
                created = self._created
                created.append((node, key, child))
                if len(created) > limits.max_containers:
                    raise LimitExceeded(
                        f"body has more than max_containers={limits.max_containers}"
                        " arrays and objects",
                        limit="max_containers",
                    )
            node = child
            key = None if not segment or segment in _BLANK_SEGMENTS else segment
        if key is None:
            key = self._append_key(node, full_key)
        elif next_free:
            self._note_key(node, key)
        node[key] = value

    def finish(self) -> dict[str, Any]:
        """Turn dicts keyed exactly "0".."n-1" in order into lists; return the root."""
        for parent, key, container in reversed(self._created):
            if parent.get(key) is not container or not container:
                continue
            if all(existing == str(index) for index, existing in enumerate(container)):
                parent[key] = list(container.values())
        return self.root


def check_name(name: str, full_key: str) -> None:
    """Reject the base names PHP would mangle or drop, instead of reshaping them."""
    if not name:
        raise PayloadError(f"malformed key {show_key(full_key)}: empty name")
    if " " in name or "." in name or "]" in name or "\x00" in name:
        raise PayloadError(
            f"malformed key {show_key(full_key)}: a name may not contain "
            "spaces, dots, ']' or NUL bytes (PHP would rename it)"
        )
    if "\x00" in full_key:
        raise PayloadError(f"malformed key {show_key(full_key)}: NUL byte in key")
