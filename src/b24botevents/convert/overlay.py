"""Internal: an event back to its wire-shaped dict, typed fields written over ``raw``.

Nothing the body carried is lost: keys a model does not own stay as received, at any
depth; keys it owns take their typed value, or go when the field is at its default (so a
field reset with ``attrs.evolve`` does not come back from ``raw``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, get_args

import attrs
import cattrs

from b24botevents._redact import copy_tree
from b24botevents.models import Event

from .converter import is_id_map, is_optional
from .names import is_model, wire_names


def _nested_model(type_: Any) -> type | None:
    """The model class a field holds (``Auth`` for ``Auth | None``), or None."""
    candidates = (type_, *get_args(type_)) if is_optional(type_) else (type_,)
    for candidate in candidates:
        if is_model(candidate):
            return candidate  # type: ignore[no-any-return]
    return None


@functools.cache
def _nested(cls: type) -> tuple[dict[str, type], dict[str, type]]:
    """The fields of ``cls`` holding a model, and those holding an id-keyed map of models."""
    fields = attrs.fields(attrs.resolve_types(cls))
    models: dict[str, type] = {}
    maps: dict[str, type] = {}
    for field in fields:
        if (nested := _nested_model(field.type)) is not None:
            models[field.name] = nested
        elif is_id_map(field.type) and (entry := _nested_model(get_args(field.type)[1])):
            maps[field.name] = entry
    return models, maps


def _overlay(base: dict[str, Any], model: Any, typed: Mapping[str, Any]) -> None:
    """Write a model's unstructured fields over ``base`` (a copy of raw), in place."""
    stack: list[tuple[dict[str, Any], type, Mapping[str, Any]]] = [(base, type(model), typed)]
    while stack:
        target, cls, source = stack.pop()
        nested, maps = _nested(cls)
        for attr, key in wire_names(cls).items():
            existing = target.get(key)
            value = source.get(key)
            if attr in nested and isinstance(existing, dict):
                stack.append((existing, nested[attr], value if isinstance(value, Mapping) else {}))
            elif attr in maps and isinstance(existing, dict) and isinstance(value, Mapping):
                # Entry by entry, so what an entry carries beyond its model (the flat tokens,
                # say) is kept; entries the typed map no longer has go.
                entries: dict[str, Any] = {}
                for entry_key, entry in value.items():
                    kept = existing.get(entry_key)
                    if isinstance(kept, dict) and isinstance(entry, Mapping):
                        stack.append((kept, maps[attr], entry))
                        entries[entry_key] = kept
                    else:
                        entries[entry_key] = entry
                target[key] = entries
            elif key in source:
                target[key] = value
            else:
                target.pop(key, None)


def event_to_dict(converter: cattrs.Converter, event: Event, *, redact: bool) -> dict[str, Any]:
    """The wire-shaped dict of an event: typed fields over a copy of ``raw``."""
    result = copy_tree(event.raw, redact=False)
    _overlay(result, event, converter.unstructure(event))
    return copy_tree(result, redact=True) if redact else result
