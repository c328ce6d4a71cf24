"""The wire layer: request bodies to plain trees and back, with PHP's semantics.

Bitrix24 serialises events with PHP's ``http_build_query`` and its own SDK reads them with
``parse_str``. This module owns both directions:

* ``parse_form`` decodes ``application/x-www-form-urlencoded`` bodies into nested
  ``dict``/``list``/``str`` trees, equal to PHP 8.2's ``parse_str`` for every well-formed key
  (PHP arrays keyed exactly ``0..n-1`` in order become lists, as ``json_encode`` renders them);
* ``encode_form`` is ``http_build_query``, byte for byte;
* ``decode_body`` picks form or JSON by content type, and ``tree_from_pairs`` /
  ``tree_from_mapping`` accept what web frameworks have already parsed.

Where PHP silently reshapes input (``a[b`` becomes ``a_b``, ``a[b]c`` drops ``c``, an empty
name drops the field) this module raises ``PayloadError`` instead. Everything is bounded by
``Limits`` and runs in time linear in the body, with no recursion.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast
from urllib.parse import quote_plus, unquote

from .errors import LimitExceeded, PayloadError, UnsupportedContentType
from .limits import DEFAULT_LIMITS, Limits

__all__ = [
    "check_tree",
    "decode_body",
    "encode_form",
    "media_type",
    "parse_form",
    "parse_json",
    "to_tree",
    "tree_from_mapping",
    "tree_from_pairs",
]

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
JSON_MEDIA_TYPE = "application/json"

#: PHP skips one whitespace character (C ``isspace``) right after '[', so ``a[ ]`` appends.
_BLANK_SEGMENTS = frozenset(" \t\n\v\f\r")

_LONG_MAX = 2**63 - 1
_LONG_MIN = -(2**63)
_SHOWN_KEY_CHARS = 60


def _show_key(key: str) -> str:
    """A key for an error message: quoted, and cut short (keys can be megabytes long)."""
    if len(key) > _SHOWN_KEY_CHARS:
        return repr(key[:_SHOWN_KEY_CHARS]) + f"... ({len(key)} chars)"
    return repr(key)


# --------------------------------------------------------------------------------------
# Building the tree (shared by the form parser and by already-split pairs)
# --------------------------------------------------------------------------------------


def _php_int_key(key: str) -> int | None:
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


class _TreeBuilder:
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
                number = _php_int_key(existing)
                if number is not None and (largest is None or number > largest):
                    largest = number
            nxt = None if largest is None else min(largest + 1, _LONG_MAX)
        else:
            nxt = entry[1]
        index = 0 if nxt is None else nxt
        key = str(index)
        if key in node:  # only at LONG_MAX; PHP drops the value silently
            raise PayloadError(f"array index overflow at key {_show_key(full_key)}")
        self._next_free[id(node)] = (node, min(index + 1, _LONG_MAX))
        return key

    def _note_key(self, node: dict[str, Any], key: str) -> None:
        """Keep the next-free counter right when an explicit int key is inserted."""
        entry = self._next_free.get(id(node))
        if entry is not None:
            number = _php_int_key(key)
            if number is not None and (entry[1] is None or number >= entry[1]):
                self._next_free[id(node)] = (node, min(number + 1, _LONG_MAX))

    def insert(self, full_key: str, value: Any) -> None:
        """Insert one decoded ``key=value`` field; ``full_key`` is validated here."""
        limits = self._limits
        if len(full_key) > limits.max_key_length:
            raise LimitExceeded(
                f"key {_show_key(full_key)} is longer than max_key_length={limits.max_key_length}",
                limit="max_key_length",
            )
        bracket = full_key.find("[")
        if bracket < 0:
            _check_name(full_key, full_key)
            self.root[full_key] = value
            return
        name = full_key[:bracket]
        _check_name(name, full_key)
        rest = full_key[bracket:]
        segments = rest[1:-1].split("][")
        count = len(segments)
        # With the outer brackets and the split separators accounted for, any other
        # bracket means a segment holds '[' or ']', or text trails the last ']'.
        if rest[-1] != "]" or rest.count("[") != count or rest.count("]") != count:
            raise PayloadError(
                f"malformed key {_show_key(full_key)}: expected name[key][key]... "
                "with no brackets inside a key and nothing after the last ']'"
            )
        if count > limits.max_depth:
            raise LimitExceeded(
                f"key {_show_key(full_key)} is nested {count} levels deep, more than "
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
                self._created.append((node, key, child))
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


def _check_name(name: str, full_key: str) -> None:
    """Reject the base names PHP would mangle or drop, instead of reshaping them."""
    if not name:
        raise PayloadError(f"malformed key {_show_key(full_key)}: empty name")
    if " " in name or "." in name or "]" in name or "\x00" in name:
        raise PayloadError(
            f"malformed key {_show_key(full_key)}: a name may not contain "
            "spaces, dots, ']' or NUL bytes (PHP would rename it)"
        )
    if "\x00" in full_key:
        raise PayloadError(f"malformed key {_show_key(full_key)}: NUL byte in key")


# --------------------------------------------------------------------------------------
# Form bodies
# --------------------------------------------------------------------------------------


def _body_text(body: bytes | bytearray | memoryview | str, limits: Limits) -> str:
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


def _decode_component(text: str, key: str | None) -> str:
    """Percent-decode (with '+' as space) one key or value; invalid UTF-8 is an error."""
    try:
        return unquote(text.replace("+", " "), errors="strict")
    except UnicodeDecodeError:
        where = "a key" if key is None else f"the value of {_show_key(key)}"
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
    text = _body_text(body, limits)
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
    builder = _TreeBuilder(limits)
    root = builder.root
    max_key = limits.max_key_length
    for field in fields:
        if not field:
            continue  # PHP skips empty pieces ("a=1&&b=2")
        key, _, value = field.partition("=")
        if "%" in key or "+" in key:
            if len(key) > 3 * max_key:  # cannot shrink below the limit; skip the work
                raise LimitExceeded(
                    f"key {_show_key(key)} is longer than max_key_length={max_key}",
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


def tree_from_pairs(
    pairs: Iterable[tuple[str | bytes, Any]], *, limits: Limits | None = None
) -> dict[str, Any]:
    """Build a tree from already-decoded ``(key, value)`` pairs with bracket keys.

    This is what ``urllib.parse.parse_qsl`` returns, and what web frameworks keep in their
    form multi-dicts. Values are kept as given (``bytes`` are decoded as UTF-8).
    """
    limits = limits or DEFAULT_LIMITS
    builder = _TreeBuilder(limits)
    for count, pair in enumerate(pairs, 1):
        if count > limits.max_fields:
            raise LimitExceeded(
                f"more than max_fields={limits.max_fields} fields", limit="max_fields"
            )
        try:
            key, value = pair
            key = cast(Any, key)  # checked below: callers hand us anything iterable
        except (TypeError, ValueError):
            raise PayloadError(f"field {count} is not a (key, value) pair") from None
        if isinstance(key, bytes):
            key = _decode_bytes(key, None)
        if not isinstance(key, str):
            raise PayloadError(f"field {count} has a non-string key ({type(key).__name__})")
        if isinstance(value, bytes):
            value = _decode_bytes(value, key)
        builder.insert(key, value)
    return builder.finish()


def _decode_bytes(raw: bytes, key: str | None) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        where = "a key" if key is None else f"the value of {_show_key(key)}"
        raise PayloadError(f"{where} is not valid UTF-8") from None


def _pairs_of(mapping: Any) -> Iterator[tuple[Any, Any]]:
    """All (key, value) pairs of a framework's multi-dict, repeated keys included."""
    lists = getattr(mapping, "lists", None)
    if callable(lists):  # Django QueryDict, werkzeug MultiDict
        for key, values in lists():
            for value in values:
                yield key, value
        return
    multi_items = getattr(mapping, "multi_items", None)
    if callable(multi_items):  # Starlette FormData / ImmutableMultiDict
        yield from multi_items()
        return
    for key, value in mapping.items():
        if isinstance(value, (list, tuple)):  # urllib.parse.parse_qs shape
            for item in value:
                yield key, item
        else:
            yield key, value


def tree_from_mapping(
    mapping: Mapping[Any, Any], *, limits: Limits | None = None
) -> dict[str, Any]:
    """Accept a mapping: a flat one with bracket keys is rebuilt, a tree is checked.

    A flat mapping (``{"data[BOT_ID]": "567"}``, a Django ``QueryDict``, a werkzeug
    ``MultiDict``) is recognised by a ``[`` in any top-level key. Anything else is taken as
    an already-nested tree and checked against ``limits`` (depth and number of values).
    Framework multi-dicts always go through their pairs, so a repeated key's last value
    wins, as in a form body.
    """
    limits = limits or DEFAULT_LIMITS
    is_multi_dict = callable(getattr(mapping, "lists", None)) or callable(
        getattr(mapping, "multi_items", None)
    )
    if is_multi_dict or any(isinstance(key, str) and "[" in key for key in mapping):
        return tree_from_pairs(_pairs_of(mapping), limits=limits)
    tree = dict(mapping)
    check_tree(tree, limits=limits)
    return tree


def check_tree(tree: Mapping[Any, Any], *, limits: Limits | None = None) -> None:
    """Raise ``LimitExceeded`` if a decoded tree is deeper or larger than ``limits``.

    ``max_fields`` counts what a form body would need a field for: every leaf value, and
    every empty container (so a body of empty lists is as bounded as one of strings).
    """
    limits = limits or DEFAULT_LIMITS
    fields = 0
    # Depth counts containers below the top level, so JSON {"a": {"b": 1}} is depth 1,
    # the same as the form key a[b].
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        for value in node.values() if isinstance(node, Mapping) else node:
            is_container = isinstance(value, (Mapping, list, tuple))
            if not is_container or not value:
                fields += 1
                if fields > limits.max_fields:
                    raise LimitExceeded(
                        f"body has more than max_fields={limits.max_fields} values",
                        limit="max_fields",
                    )
            if is_container:
                if depth + 1 > limits.max_depth:
                    raise LimitExceeded(
                        f"body is nested more than max_depth={limits.max_depth} levels deep",
                        limit="max_depth",
                    )
                stack.append((value, depth + 1))


# --------------------------------------------------------------------------------------
# JSON bodies and content-type dispatch
# --------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"invalid JSON: {name} is not a JSON number")


def parse_json(
    body: bytes | bytearray | memoryview | str, *, limits: Limits | None = None
) -> dict[str, Any]:
    """Decode a JSON object body, bounded by ``limits`` like form bodies are."""
    limits = limits or DEFAULT_LIMITS
    text = _body_text(body, limits)
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
                f"a JSON body may not have a top-level key with '[': {_show_key(key)}"
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


# --------------------------------------------------------------------------------------
# Encoding: PHP's http_build_query
# --------------------------------------------------------------------------------------


def _php_quote(text: str) -> str:
    # PHP's urlencode (RFC 1738) keeps only alphanumerics and "-_." ; Python also keeps "~".
    return quote_plus(text, safe="").replace("~", "%7E")


def _php_float(number: float) -> str:
    """A float as PHP prints it with ``precision=14`` (``%.14G``, PHP's own flavour)."""
    if math.isnan(number):
        return "NAN"
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    sign = "-" if math.copysign(1.0, number) < 0 else ""
    if number == 0:
        return sign + "0"
    mantissa, _, exponent = f"{abs(number):.13e}".partition("e")
    rounded = mantissa.replace(".", "")  # 14 significant digits, correctly rounded
    digits = rounded.rstrip("0") or "0"
    if number.is_integer() and 1e14 <= abs(number) < 1e15:
        # dtoa's path for integral doubles keeps trailing zeros when an exact tie (a 15th
        # digit of 5) rounds down to even: PHP prints 710002428981305.0 as
        # 7.1000242898130E+14 (found by the differential test against php).
        exact = str(int(abs(number)))
        if exact[14] == "5" and exact[:14] == rounded:
            digits = rounded
    decpt = int(exponent) + 1  # position of the decimal point after the first digit
    if (decpt < -3) if decpt < 0 else (decpt > 14):
        exp = decpt - 1
        exp_sign = "-" if exp < 0 else "+"
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp_sign}{abs(exp)}"
    if decpt <= 0:
        return f"{sign}0.{'0' * -decpt}{digits}"
    if decpt >= len(digits):
        return sign + digits + "0" * (decpt - len(digits))
    return f"{sign}{digits[:decpt]}.{digits[decpt:]}"


def _php_scalar(value: Any) -> str:
    if isinstance(value, str):
        return _php_quote(value)
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _php_quote(_php_float(value))
    if isinstance(value, (bytes, bytearray)):
        return quote_plus(bytes(value), safe="").replace("~", "%7E")
    raise TypeError(f"encode_form cannot encode a {type(value).__name__}")


def _items(container: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(container, Mapping):
        return iter(container.items())
    return enumerate(container)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise TypeError(f"encode_form keys must be str or int, not {type(key).__name__}")


def encode_form(tree: Mapping[Any, Any] | list[Any] | tuple[Any, ...]) -> str:
    """Encode a tree exactly as PHP's ``http_build_query`` does (RFC 1738).

    Nested mappings become ``a[b]=v``, lists ``a[0]=v``; ``True``/``False`` become
    ``1``/``0``; ``None`` values and empty containers are dropped; floats print as PHP
    prints them. Keys, including the brackets, are percent-encoded, as PHP does.
    """
    out: list[str] = []
    stack: list[tuple[str | None, Iterator[tuple[Any, Any]]]] = [(None, _items(tree))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            quoted = _php_quote(_key_text(key))
            path = quoted if prefix is None else f"{prefix}%5B{quoted}%5D"
            if value is None:
                continue
            if isinstance(value, (Mapping, list, tuple)):
                stack.append((path, _items(value)))
                break
            out.append(f"{path}={_php_scalar(value)}")
        else:
            stack.pop()
    return "&".join(out)
