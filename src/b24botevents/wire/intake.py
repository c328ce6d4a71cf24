"""Intake of what web frameworks have already parsed: pairs, multi-dicts and mappings.

Pairs with bracket keys are rebuilt with the same tree builder as form bodies, so they
give the same tree and the same errors; an already-nested tree is only checked against
``Limits`` (``check_tree``, which JSON bodies use too).

Internal module: import these names from ``b24botevents.wire``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from b24botevents.errors import LimitExceeded, PayloadError
from b24botevents.limits import DEFAULT_LIMITS, Limits

from ._tree import TreeBuilder, show_key


def tree_from_pairs(
    pairs: Iterable[tuple[str | bytes, Any]], *, limits: Limits | None = None
) -> dict[str, Any]:
    """Build a tree from already-decoded ``(key, value)`` pairs with bracket keys.

    This is what ``urllib.parse.parse_qsl`` returns, and what web frameworks keep in their
    form multi-dicts. Values are kept as given (``bytes`` are decoded as UTF-8).
    """
    limits = limits or DEFAULT_LIMITS
    builder = TreeBuilder(limits)
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
        where = "a key" if key is None else f"the value of {show_key(key)}"
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
    every empty container (so a body of empty lists is as bounded as one of strings);
    ``max_containers`` every dict and list below the top level.
    """
    limits = limits or DEFAULT_LIMITS
    fields = 0
    containers = 0
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
                containers += 1
                if containers > limits.max_containers:
                    raise LimitExceeded(
                        f"body has more than max_containers={limits.max_containers}"
                        " arrays and objects",
                        limit="max_containers",
                    )
                if depth + 1 > limits.max_depth:
                    raise LimitExceeded(
                        f"body is nested more than max_depth={limits.max_depth} levels deep",
                        limit="max_depth",
                    )
                stack.append((value, depth + 1))
