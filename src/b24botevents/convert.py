"""The one cattrs ``Converter``: wire names, coercion rules, and wire paths in errors.

Models declare snake_case attributes; this module maps them to the wire (``BOT_ID`` in v1
and app events, ``isHidden`` in v2, ``event_handler_id`` in the envelope) and coerces the
strings of form bodies and the native types of JSON bodies alike:

* ``"12"``/``12`` -> int; ``Y``/``N``, ``1``/``0``, ``true``/``false`` -> bool;
* ``""``, a missing key and ``null`` -> ``None`` for optional fields (and v2's ``false`` for
  "string or false" fields);
* Unix seconds or ISO-8601 -> aware UTC ``datetime``;
* ``auth[scope]`` split on commas and spaces; unknown ``auth[status]`` codes kept as text.

A body that does not fit raises ``SchemaError`` naming the wire path (``data[BOT_ID]``).
Messages show offending values only for fields that cannot hold a secret.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .errors import SchemaError
from .models import (
    EVENT_TYPES,
    AppInstallData,
    AppStatus,
    AppUninstallData,
    AppUpdateData,
    Auth,
    Bot,
    BotCommandData,
    BotCredentials,
    BotDeleteData,
    BotJoinChatData,
    BotMessageData,
    BotV2CommandData,
    BotV2ContextGetData,
    BotV2DeleteData,
    BotV2JoinChatData,
    BotV2MessageData,
    BotV2MessageDeleteData,
    BotV2ReactionChangeData,
    Chat,
    ChatUser,
    Command,
    CommandCall,
    Event,
    JoinChatParams,
    Message,
    MessageParams,
    UnknownEvent,
    User,
)
from .redact import copy_tree

__all__ = ["converter", "event_from_tree", "event_to_dict"]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)


# --------------------------------------------------------------------------------------
# Scalar coercion
# --------------------------------------------------------------------------------------


class _Invalid(ValueError):
    """A value that does not coerce; the message becomes ``SchemaError.reason``."""


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _shown(value: object) -> str:
    """A short rendering of a non-secret offending value."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, (bool, int, float)) or value is None:
        return repr(value)
    return _kind(value)


_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1  # PHP's integers: the same bound on both wires


def _structure_int(value: Any, _: object) -> int:
    if type(value) is int:
        if _INT_MIN <= value <= _INT_MAX:
            return value
    elif type(value) is str and 0 < len(value) <= 20:
        digits = value[1:] if value[0] == "-" else value
        if digits.isascii() and digits.isdigit() and _INT_MIN <= int(value) <= _INT_MAX:
            return int(value)
    raise _Invalid(f"expected an integer, got {_shown(value)}")


def _structure_str(value: Any, _: object) -> str:
    if type(value) is str:
        return value
    if type(value) in (int, float):  # a JSON body may send numbers where PHP sends text
        return str(value)
    # No value in this message: string fields include the tokens.
    raise _Invalid(f"expected a string, got {_kind(value)}")


_TRUE_TEXT = frozenset({"y", "1", "true"})
_FALSE_TEXT = frozenset({"n", "0", "false"})


def _structure_bool(value: Any, _: object) -> bool:
    if value is True or value is False:
        return value
    if type(value) is str:
        lowered = value.lower()
        if lowered in _TRUE_TEXT:
            return True
        if lowered in _FALSE_TEXT:
            return False
    elif type(value) is int and value in (0, 1):
        return bool(value)
    raise _Invalid(f"expected a boolean (Y/N, 1/0, true/false), got {_shown(value)}")


def _structure_datetime(value: Any, _: object) -> datetime:
    try:
        if type(value) is int or type(value) is float:
            return datetime.fromtimestamp(value, timezone.utc)
        if type(value) is str:
            digits = value[1:] if value[:1] == "-" else value
            if digits.isascii() and digits.isdigit() and len(digits) <= 12:
                return datetime.fromtimestamp(int(value), timezone.utc)
            text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
            parsed = datetime.fromisoformat(text)  # Python 3.10 has no "Z" support
        elif isinstance(value, datetime):
            parsed = value
        else:
            raise _Invalid(f"expected Unix seconds or an ISO-8601 date, got {_shown(value)}")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)  # may overflow past year 9999
    except (ValueError, OverflowError, OSError) as exc:
        if isinstance(exc, _Invalid):
            raise
        raise _Invalid(f"expected Unix seconds or an ISO-8601 date, got {_shown(value)}") from None


_SCOPE_SEPARATORS = re.compile(r"[,\s]+")


def _structure_scope(value: Any, _: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if type(value) is str:
        return tuple(part for part in _SCOPE_SEPARATORS.split(value) if part)
    if isinstance(value, (list, tuple)):  # JSON: split each item as text is split
        return tuple(
            part
            for item in value
            for part in _SCOPE_SEPARATORS.split(_structure_str(item, str))
            if part
        )
    raise _Invalid(f"expected a comma-separated list of scopes, got {_kind(value)}")


_STATUS_BY_CODE = {status.value: status for status in AppStatus}


def _structure_status(value: Any, _: object) -> AppStatus | str:
    if isinstance(value, AppStatus):
        return value
    text = _structure_str(value, str)
    return _STATUS_BY_CODE.get(text, text)


def _structure_code(value: Any, _: object) -> str:
    text = _structure_str(value, str)
    if not text:
        raise _Invalid("expected an event code, got an empty string")
    return text.upper()


def _structure_mapping(value: Any, _: object) -> dict[str, Any]:
    """``data`` of an event without a model: kept as decoded, lists indexed by position,
    anything else (a bare string, say) empty."""
    if isinstance(value, Mapping):
        return dict(value)
    if value is None or value == "":
        return {}
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    return {}  # an unknown event never fails on its data; raw still holds what came


def _structure_ids(value: Any, _: object) -> tuple[int, ...]:
    """A list of ids (v2 ``departments``), or a PHP ``{id: id}`` set (``MENTIONED_LIST``),
    whose values are the ids. Nothing (``""``, ``null``, v2's ``false``) is no ids."""
    if value is None or value == "" or value is False:
        return ()
    if isinstance(value, Mapping):
        items: Any = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise _Invalid(f"expected a list of ids, got {_kind(value)}")
    return tuple(_structure_int(item, int) for item in items)


def _unstructure_id_list(value: tuple[int, ...]) -> list[int]:
    return list(value)


def _unstructure_id_set(value: tuple[int, ...]) -> dict[str, int]:
    # MENTIONED_LIST's wire shape, {id: id}; its values read back in the same order.
    return {str(item): item for item in value}


class _KeyedErrors(Exception):
    """Errors of an id-keyed map's entries, by wire key; ``_collect_errors`` walks them."""

    def __init__(self, errors: list[tuple[str, BaseException]]) -> None:
        super().__init__(f"{len(errors)} invalid entries")
        self.errors = errors


def _key_label(key: object) -> str:
    text = str(key)
    return text if len(text) <= 40 else text[:40] + "..."


def _is_id_map(type_: Any) -> bool:
    return get_origin(type_) is dict and get_args(type_)[:1] == (int,)


def _id_map_structure_hook(type_: Any) -> Callable[[Any, Any], dict[int, Any]]:
    """``dict[int, X]``: v1's ``data[BOT]``/``data[COMMAND]``, keyed by id.

    Keys may be text or ints; a list (PHP renders keys exactly ``0..n-1`` as one) is keyed
    by position; ``""``/``null`` is empty. Errors carry the entry's key in their path.
    """
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
            raise _Invalid(f"expected a mapping keyed by id, got {_kind(value)}")
        result: dict[int, Any] = {}
        errors: list[tuple[str, BaseException]] = []
        for key, item in items:
            try:
                number = _structure_int(key, int)
            except _Invalid:
                errors.append((_key_label(key), _Invalid("expected an integer id as the key")))
                continue
            try:
                result[number] = structure_value(item, value_type)
            except Exception as exc:  # collected, so every bad entry is reported
                errors.append((_key_label(key), exc))
        if errors:
            raise _KeyedErrors(errors)
        return result

    return hook


def _id_map_unstructure_hook(type_: Any) -> Callable[[dict[int, Any]], dict[str, Any]]:
    unstructure_value = converter.get_unstructure_hook(get_args(type_)[1])

    def hook(value: dict[int, Any]) -> dict[str, Any]:
        # Text keys: the wire shape, and what a JSON or form body carries anyway.
        return {str(key): unstructure_value(item) for key, item in value.items()}

    return hook


def _unstructure_status(status: AppStatus | str) -> str:
    return status.value if isinstance(status, AppStatus) else status


def _unstructure_datetime(value: datetime) -> int | str:
    # Whole seconds as Unix time, as the wire has them; the epoch itself as ISO text,
    # because a zero timestamp reads as "no value".
    seconds = value.timestamp()
    if value.microsecond == 0 and seconds != 0:
        return int(seconds)
    return value.isoformat()


converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(datetime, _unstructure_datetime)
converter.register_unstructure_hook(AppStatus, _unstructure_status)
# Generic aliases cannot be registered by class; match them by equality instead.
_SCOPE_TYPE: Any = tuple[str, ...]
_STATUS_TYPE: Any = AppStatus | str
_MAPPING_TYPE: Any = dict[str, Any]
_IDS_TYPE: Any = tuple[int, ...]
converter.register_structure_hook_func(lambda t: t == _SCOPE_TYPE, _structure_scope)
converter.register_structure_hook_func(lambda t: t == _STATUS_TYPE, _structure_status)
converter.register_structure_hook_func(lambda t: t == _MAPPING_TYPE, _structure_mapping)
converter.register_structure_hook_func(lambda t: t == _IDS_TYPE, _structure_ids)
converter.register_structure_hook_factory(_is_id_map, _id_map_structure_hook)
converter.register_unstructure_hook_func(lambda t: t == _SCOPE_TYPE, ",".join)
converter.register_unstructure_hook_func(lambda t: t == _IDS_TYPE, _unstructure_id_list)
converter.register_unstructure_hook_factory(_is_id_map, _id_map_unstructure_hook)
converter.register_unstructure_hook_func(lambda t: t == _STATUS_TYPE, _unstructure_status)


def _is_optional(type_: Any) -> bool:
    args = get_args(type_)
    return type(None) in args and (
        isinstance(type_, types.UnionType) or getattr(type_, "__origin__", None) is Union
    )


def _is_zero(value: Any) -> bool:
    """``0``, ``"0"``, ``"00"``, ``"-0"``: how v2 says "no date" (``false`` -> ``"0"``)."""
    if type(value) is int or type(value) is float:
        return bool(value == 0)
    if type(value) is not str:
        return False
    digits = value.removeprefix("-")
    return bool(digits) and digits.count("0") == len(digits)


def _optional_hook(type_: Any) -> Callable[[Any, Any], Any]:
    """``X | None``: ``None``, ``""`` and a missing key are all "no value".

    v2 sends ``false`` for "string or false" fields and ``"0"``/``false`` for absent
    dates, so those are "no value" too, except where a boolean is wanted.
    """
    inner_args = tuple(arg for arg in get_args(type_) if arg is not type(None))
    inner: Any = inner_args[0] if len(inner_args) == 1 else Union[inner_args]  # noqa: UP007
    structure = converter.get_structure_hook(inner)
    false_is_empty = inner is not bool
    zero_is_empty = inner is datetime
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
        if zero_is_empty and _is_zero(value):
            return None
        return structure(value, inner)

    return hook


converter.register_structure_hook_factory(_is_optional, _optional_hook)


# --------------------------------------------------------------------------------------
# Models and their wire names
# --------------------------------------------------------------------------------------


def _same(name: str) -> str:
    return name


def _upper(name: str) -> str:
    return name.upper()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


#: Wire-name style of each model's fields: v1 and app events shout, v2 is camelCase, and
#: ``auth`` is snake_case like the models.
#: Nested models come before the models that hold them: generated hooks bind the hooks of
#: their fields when they are made.
_STYLES: dict[type, Callable[[str], str]] = {
    Auth: _same,
    Bot: _camel,
    BotV2DeleteData: _camel,
    BotDeleteData: _upper,
    AppInstallData: _upper,
    AppUpdateData: _upper,
    AppUninstallData: _upper,
    BotCredentials: _upper,
    CommandCall: _upper,
    MessageParams: _upper,
    ChatUser: _upper,
    JoinChatParams: _upper,
    BotMessageData: _upper,
    BotJoinChatData: _upper,
    BotCommandData: _upper,
    Message: _camel,
    Chat: _camel,
    User: _camel,
    Command: _camel,
    BotV2MessageData: _camel,
    BotV2MessageDeleteData: _camel,
    BotV2JoinChatData: _camel,
    BotV2CommandData: _camel,
    BotV2ReactionChangeData: _camel,
    BotV2ContextGetData: _camel,
}

#: Wire names the style does not give: v1 names its id-keyed maps in the singular, and the
#: mention set by what it is.
_RENAMES: dict[type, dict[str, str]] = {
    BotMessageData: {"bots": "BOT"},
    BotJoinChatData: {"bots": "BOT"},
    BotCommandData: {"commands": "COMMAND"},
    MessageParams: {"mentioned": "MENTIONED_LIST"},
}

#: Field-specific unstructure hooks, where the wire shape is not the type's usual one.
_FIELD_UNSTRUCTURE: dict[type, dict[str, Callable[[Any], Any]]] = {
    MessageParams: {"mentioned": _unstructure_id_set},
}

#: The envelope's wire names, for every event class.
_ENVELOPE = {"code": "event", "handler_id": "event_handler_id"}

#: model class -> {attribute: wire key}; also used to turn errors into wire paths.
_WIRE_NAMES: dict[type, dict[str, str]] = {}


def _accept_mapping(cls: type[T], structure: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """Wrap a generated hook: empty values mean an empty mapping, other non-mappings fail."""

    def hook(value: Any, type_: Any) -> T:
        if not isinstance(value, Mapping):
            if value is None or value == "" or value == []:
                value = {}  # PHP drops empty arrays; JSON may send null or []
            else:
                # The kind only: auth=<token> must not echo the token.
                raise _Invalid(f"expected a mapping, got {_kind(value)}")
        return structure(value, type_)

    return hook


def _with_flat_auth(auth_key: str, structure: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """v1 ``BOT``/``COMMAND`` entries: without ``AUTH``, the entry's own token fields are
    the bot's auth (they are the same set, sent twice)."""
    auth_names = tuple(_WIRE_NAMES[Auth].values())

    def hook(value: Any, type_: Any) -> T:
        if isinstance(value, Mapping) and auth_key not in value:
            flat = {name: value[name] for name in auth_names if name in value}
            value = {**value, auth_key: flat}
        return structure(value, type_)

    return hook


def _register_model(
    cls: type[Any], names: dict[str, str], *, structure: bool = True, **extra: Any
) -> None:
    _WIRE_NAMES[cls] = names
    hooks = _FIELD_UNSTRUCTURE.get(cls, {})
    renames = {attr: override(rename=key) for attr, key in names.items()}
    unstructure_overrides = {
        attr: override(rename=key, unstruct_hook=hooks[attr]) if attr in hooks else renames[attr]
        for attr, key in names.items()
    }
    unstructure = make_dict_unstructure_fn(
        cls, converter, _cattrs_omit_if_default=True, **{**unstructure_overrides, **extra}
    )
    converter.register_unstructure_hook(cls, unstructure)
    if structure:
        hook = _accept_mapping(cls, make_dict_structure_fn(cls, converter, **{**renames, **extra}))
        if cls in (BotCredentials, CommandCall):
            hook = _with_flat_auth(names["auth"], hook)
        converter.register_structure_hook(cls, hook)


for _model, _style in _STYLES.items():
    _renamed = _RENAMES.get(_model, {})
    _register_model(
        _model, {a.name: _renamed.get(a.name, _style(a.name)) for a in attrs.fields(_model)}
    )

# The base Event is written (a hand-built one's to_dict), never read: bodies without a
# model become UnknownEvent.
for _event_cls in (*dict.fromkeys(EVENT_TYPES.values()), UnknownEvent, Event):
    _register_model(
        _event_cls,
        {
            a.name: _ENVELOPE.get(a.name, a.name)
            for a in attrs.fields(_event_cls)
            if a.name != "raw"
        },
        structure=_event_cls is not Event,
        code=override(rename="event", struct_hook=_structure_code),
        raw=override(omit=True),
    )


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def _wire_path(parts: list[str]) -> str:
    if not parts:
        return ""
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _Invalid):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field is missing"
    return f"invalid value ({type(exc).__name__})"


def _collect_errors(exc: BaseException, path: list[str], out: list[tuple[str, str]]) -> None:
    """Flatten cattrs' nested validation errors into (wire path, reason) pairs."""
    if isinstance(exc, _KeyedErrors):
        for key, sub in exc.errors:
            _collect_errors(sub, [*path, key], out)
    elif isinstance(exc, ClassValidationError):
        names = _WIRE_NAMES.get(exc.cl, {})
        with_notes, without_notes = exc.group_exceptions()
        for sub, note in with_notes:
            _collect_errors(sub, [*path, names.get(note.name, note.name)], out)
        for sub in without_notes:
            _collect_errors(sub, path, out)
    else:
        out.append((_wire_path(path), _reason(exc)))


def event_from_tree(tree: Mapping[str, Any]) -> Event:
    """Build the typed event for a decoded tree; ``SchemaError`` if it does not fit."""
    if not isinstance(tree, Mapping):
        raise SchemaError("", f"expected an event mapping, got {_kind(tree)}")
    try:
        code = _structure_code(tree["event"], str)
    except KeyError:
        raise SchemaError("event", "required field is missing") from None
    except _Invalid as exc:
        raise SchemaError("event", str(exc)) from None
    cls = EVENT_TYPES.get(code, UnknownEvent)
    try:
        event = converter.structure(tree, cls)
    except ClassValidationError as exc:
        errors: list[tuple[str, str]] = []
        _collect_errors(exc, [], errors)
        path, reason = errors[0]
        raise SchemaError(path, reason, errors=tuple(errors)) from None
    # raw is not a constructor concern: attach the tree as received (frozen class).
    object.__setattr__(event, "raw", tree if type(tree) is dict else dict(tree))
    return event


def _nested_model(type_: Any) -> type | None:
    """The model class a field holds (``Auth`` for ``Auth | None``), or None."""
    candidates = (type_, *get_args(type_)) if _is_optional(type_) else (type_,)
    for candidate in candidates:
        if isinstance(candidate, type) and candidate in _WIRE_NAMES:
            return candidate
    return None


def _mapped_model(type_: Any) -> type | None:
    """The model class of an id-keyed map's entries (``dict[int, BotCredentials]``)."""
    if _is_id_map(type_):
        return _nested_model(get_args(type_)[1])
    return None


#: model class -> {attribute: model class it holds}, for the fields that hold models.
_NESTED: dict[type, dict[str, type]] = {
    cls: {
        field.name: nested
        for field in attrs.fields(attrs.resolve_types(cls))
        if (nested := _nested_model(field.type)) is not None
    }
    for cls in _WIRE_NAMES
}

#: model class -> {attribute: entry model}, for the id-keyed maps of models.
_NESTED_MAPS: dict[type, dict[str, type]] = {
    cls: {
        field.name: nested
        for field in attrs.fields(cls)
        if (nested := _mapped_model(field.type)) is not None
    }
    for cls in _WIRE_NAMES
}


def _overlay(base: dict[str, Any], model: Any, typed: Mapping[str, Any]) -> None:
    """Write a model's unstructured fields over ``base`` (a copy of raw), in place.

    The keys a model owns take their typed value, or go when the field is at its default
    (so a field reset with ``attrs.evolve`` does not come back from raw); keys it does not
    own are kept, at any depth of nested models.
    """
    stack: list[tuple[dict[str, Any], type, Mapping[str, Any]]] = [(base, type(model), typed)]
    while stack:
        target, cls, source = stack.pop()
        nested = _NESTED[cls]
        maps = _NESTED_MAPS[cls]
        for attr, key in _WIRE_NAMES[cls].items():
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


def event_to_dict(event: Event, *, redact: bool = False) -> dict[str, Any]:
    """The wire-shaped dict of an event: typed fields over a copy of ``raw``."""
    result = copy_tree(event.raw, redact=False)
    _overlay(result, event, converter.unstructure(event))
    return copy_tree(result, redact=True) if redact else result
