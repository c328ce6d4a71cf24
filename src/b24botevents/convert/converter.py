"""``make_converter()``: the cattrs ``Converter`` with the wire's names and coercions.

Everything is registered as a hook or a hook factory; the hooks of a model are generated
the first time that model is structured or unstructured, so building a converter costs
almost nothing and a process pays only for the events it sees.

Internal module: import ``make_converter`` from ``b24botevents.convert``.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from b24botevents.models import AppStatus, Auth, BotCommandData, Chat, Event, MessageParams

from .names import FLAT_AUTH_MODELS, is_model, wire_names
from .paths import KeyedErrors, key_label
from .scalars import (
    Invalid,
    is_zero,
    kind,
    structure_bool,
    structure_code,
    structure_datetime,
    structure_ids,
    structure_int,
    structure_mapping,
    structure_scope,
    structure_status,
    structure_str,
    unstructure_datetime,
    unstructure_id_list,
    unstructure_id_set,
    unstructure_status,
)

T = TypeVar("T")

# Generic aliases cannot be registered by class; they are matched by equality instead.
_SCOPE_TYPE: Any = tuple[str, ...]
_STATUS_TYPE: Any = AppStatus | str
_MAPPING_TYPE: Any = dict[str, Any]
_IDS_TYPE: Any = tuple[int, ...]


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


#: Field-specific unstructure hooks, where the wire shape is not the type's usual one
#: (``textFieldEnabled`` is ``"Y"``/``"N"`` even in fetch mode's JSON).
_FIELD_UNSTRUCTURE: dict[type, dict[str, Callable[[Any], Any]]] = {
    MessageParams: {"mentioned": unstructure_id_set},
    Chat: {"text_field_enabled": _yes_no},
}

#: Collections that must hold something: an ONIMCOMMANDADD without a command is no command.
_NON_EMPTY: dict[type, tuple[str, ...]] = {BotCommandData: ("commands",)}


def is_optional(type_: Any) -> bool:
    """True for ``X | None`` (and ``Optional[X]``)."""
    args = get_args(type_)
    return type(None) in args and (
        isinstance(type_, types.UnionType) or getattr(type_, "__origin__", None) is Union
    )


def is_id_map(type_: Any) -> bool:
    """True for ``dict[int, X]``: v1's ``data[BOT]``/``data[COMMAND]``, keyed by id."""
    return get_origin(type_) is dict and get_args(type_)[:1] == (int,)


def _accept_mapping(structure: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """Wrap a generated hook: empty values mean an empty mapping, other non-mappings fail."""

    def hook(value: Any, type_: Any) -> T:
        if not isinstance(value, Mapping):
            if value is None or value == "" or value == []:
                value = {}  # PHP drops empty arrays; JSON may send null or []
            else:
                # The kind only: auth=<token> must not echo the token.
                raise Invalid(f"expected a mapping, got {kind(value)}")
        return structure(value, type_)

    return hook


def _non_empty(structure: Callable[[Any, Any], T], type_: Any) -> Callable[[Any, Any], T]:
    """A field hook that refuses an empty result (an empty map, ``""``, ``null``)."""

    def hook(value: Any, _: object) -> T:
        result = structure(value, type_)
        if not result:
            raise Invalid("expected at least one entry, got none")
        return result

    return hook


def _with_flat_auth(auth_key: str, structure: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """v1 ``BOT``/``COMMAND`` entries: without ``AUTH``, the entry's own token fields are
    the bot's auth (they are the same set, sent twice)."""
    auth_names = tuple(wire_names(Auth).values())

    def hook(value: Any, type_: Any) -> T:
        if isinstance(value, Mapping) and auth_key not in value:
            flat = {name: value[name] for name in auth_names if name in value}
            value = {**value, auth_key: flat}
        return structure(value, type_)

    return hook


def make_converter() -> cattrs.Converter:
    """A new converter for the models, with hooks made on first use of each model."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(int, structure_int)
    converter.register_structure_hook(str, structure_str)
    converter.register_structure_hook(bool, structure_bool)
    converter.register_structure_hook(datetime, structure_datetime)
    converter.register_unstructure_hook(datetime, unstructure_datetime)
    converter.register_unstructure_hook(AppStatus, unstructure_status)
    converter.register_structure_hook_func(lambda t: t == _SCOPE_TYPE, structure_scope)
    converter.register_structure_hook_func(lambda t: t == _STATUS_TYPE, structure_status)
    converter.register_structure_hook_func(lambda t: t == _MAPPING_TYPE, structure_mapping)
    converter.register_structure_hook_func(lambda t: t == _IDS_TYPE, structure_ids)
    converter.register_unstructure_hook_func(lambda t: t == _SCOPE_TYPE, ",".join)
    converter.register_unstructure_hook_func(lambda t: t == _IDS_TYPE, unstructure_id_list)
    converter.register_unstructure_hook_func(lambda t: t == _STATUS_TYPE, unstructure_status)

    def optional_hook(type_: Any) -> Callable[[Any, Any], Any]:
        """``X | None``: ``None``, ``""`` and a missing key are all "no value".

        v2 sends ``false`` for "string or false" fields and ``"0"``/``false`` for absent
        dates, so those are "no value" too, except where a boolean is wanted. A webhook
        body writes ``false`` as ``"0"``: for dates and objects (``object | false``) that
        is "no value" as well, never for text, where ``"0"`` is text.
        """
        inner_args = tuple(arg for arg in get_args(type_) if arg is not type(None))
        inner: Any = inner_args[0] if len(inner_args) == 1 else Union[inner_args]  # noqa: UP007
        structure = converter.get_structure_hook(inner)
        false_is_empty = inner is not bool
        zero_is_empty = inner is datetime or attrs.has(inner)
        # An empty object where a model may be is no model: v1's USER ("may be empty") and
        # the v2 webhook example's "message": {}; PHP drops it from a form body anyway.
        empty_is_none = attrs.has(inner)

        def hook(value: Any, _: object) -> Any:
            if value is None or value == "":
                return None
            if empty_is_none and (value == {} or value == []):
                return None
            if value is False and false_is_empty:
                return None
            if zero_is_empty and is_zero(value):
                return None
            return structure(value, inner)

        return hook

    def id_map_structure_hook(type_: Any) -> Callable[[Any, Any], dict[int, Any]]:
        """Keys may be text or ints; a list (PHP renders keys exactly ``0..n-1`` as one) is
        keyed by position; ``""``/``null`` is empty. Errors carry the entry's key."""
        value_type = get_args(type_)[1]
        structure_value = converter.get_structure_hook(value_type)

        def hook(value: Any, _: object) -> dict[int, Any]:
            if value is None or value == "":
                return {}
            if isinstance(value, Mapping):
                items: Any = value.items()
            elif isinstance(value, list):
                items = enumerate(value)
            else:
                raise Invalid(f"expected a mapping keyed by id, got {kind(value)}")
            result: dict[int, Any] = {}
            errors: list[tuple[str, BaseException]] = []
            for key, item in items:
                try:
                    number = structure_int(key, int)
                except Invalid:
                    errors.append((key_label(key), Invalid("expected an integer id as the key")))
                    continue
                try:
                    result[number] = structure_value(item, value_type)
                except Exception as exc:  # collected, so every bad entry is reported
                    errors.append((key_label(key), exc))
            if errors:
                raise KeyedErrors(errors)
            return result

        return hook

    def id_map_unstructure_hook(type_: Any) -> Callable[[dict[int, Any]], dict[str, Any]]:
        unstructure_value = converter.get_unstructure_hook(get_args(type_)[1])

        def hook(value: dict[int, Any]) -> dict[str, Any]:
            # Text keys: the wire shape, and what a JSON or form body carries anyway.
            return {str(key): unstructure_value(item) for key, item in value.items()}

        return hook

    def model_structure_hook(cls: type[Any]) -> Callable[[Any, Any], Any]:
        names = wire_names(cls)
        overrides: dict[str, Any] = {attr: override(rename=key) for attr, key in names.items()}
        if cls in _NON_EMPTY:
            fields = attrs.fields_dict(attrs.resolve_types(cls))
            for attr in _NON_EMPTY[cls]:
                type_ = fields[attr].type
                check = _non_empty(converter.get_structure_hook(type_), type_)
                overrides[attr] = override(rename=names[attr], struct_hook=check)
        if issubclass(cls, Event):
            overrides["code"] = override(rename="event", struct_hook=structure_code)
            overrides["raw"] = override(omit=True)
        hook = _accept_mapping(make_dict_structure_fn(cls, converter, **overrides))
        if cls in FLAT_AUTH_MODELS:
            hook = _with_flat_auth(names["auth"], hook)
        return hook

    def model_unstructure_hook(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        field_hooks = _FIELD_UNSTRUCTURE.get(cls, {})
        overrides: dict[str, Any] = {
            attr: override(rename=key, unstruct_hook=field_hooks[attr])
            if attr in field_hooks
            else override(rename=key)
            for attr, key in wire_names(cls).items()
        }
        if issubclass(cls, Event):
            overrides["code"] = override(rename="event")
            overrides["raw"] = override(omit=True)
        return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)

    converter.register_structure_hook_factory(is_optional, optional_hook)
    converter.register_structure_hook_factory(is_id_map, id_map_structure_hook)
    converter.register_unstructure_hook_factory(is_id_map, id_map_unstructure_hook)
    converter.register_structure_hook_factory(is_model, model_structure_hook)
    converter.register_unstructure_hook_factory(is_model, model_unstructure_hook)
    return converter
