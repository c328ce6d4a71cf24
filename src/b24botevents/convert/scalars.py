"""Internal: the coercion of single wire values, for form text and JSON values alike.

``"12"``/``12`` -> int; ``Y``/``N``, ``1``/``0``, ``true``/``false`` -> bool; Unix
seconds or ISO-8601 -> aware UTC ``datetime``; ``auth[scope]`` split on commas and
spaces; unknown ``auth[status]`` codes kept as text. A value that does not coerce raises
``Invalid``, whose message becomes the ``SchemaError`` reason; messages show the value
only for fields that cannot hold a secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from b24botevents._redact import RawTree
from b24botevents.models import AppStatus


class Invalid(ValueError):
    """A value that does not coerce; the message becomes ``SchemaError.reason``."""


def kind(value: object) -> str:
    """What a value is, for messages that must not show it."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def shown(value: object) -> str:
    """A short rendering of a non-secret offending value."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, (bool, int, float)) or value is None:
        return repr(value)
    return kind(value)


INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # PHP's integers: the same bound on both wires


def structure_int(value: Any, _: object) -> int:
    if type(value) is int:
        if INT_MIN <= value <= INT_MAX:
            return value
    elif type(value) is str and 0 < len(value) <= 20:
        digits = value[1:] if value[0] == "-" else value
        if digits.isascii() and digits.isdigit() and INT_MIN <= int(value) <= INT_MAX:
            return int(value)
    raise Invalid(f"expected an integer, got {shown(value)}")


def structure_str(value: Any, _: object) -> str:
    if type(value) is str:
        return value
    if type(value) in (int, float):  # a JSON body may send numbers where PHP sends text
        return str(value)
    # No value in this message: string fields include the tokens.
    raise Invalid(f"expected a string, got {kind(value)}")


_TRUE_TEXT = frozenset({"y", "1", "true"})
_FALSE_TEXT = frozenset({"n", "0", "false"})


def structure_bool(value: Any, _: object) -> bool:
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
    raise Invalid(f"expected a boolean (Y/N, 1/0, true/false), got {shown(value)}")


def structure_datetime(value: Any, _: object) -> datetime:
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
            raise Invalid(f"expected Unix seconds or an ISO-8601 date, got {shown(value)}")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)  # may overflow past year 9999
    except (ValueError, OverflowError, OSError) as exc:
        if isinstance(exc, Invalid):
            raise
        raise Invalid(f"expected Unix seconds or an ISO-8601 date, got {shown(value)}") from None


def is_zero(value: Any) -> bool:
    """``0``, ``"0"``, ``"00"``, ``"-0"``: how v2 says "no date" (``false`` -> ``"0"``)."""
    if type(value) is int or type(value) is float:
        return bool(value == 0)
    if type(value) is not str:
        return False
    digits = value.removeprefix("-")
    return bool(digits) and digits.count("0") == len(digits)


def envelope_time(value: Any) -> datetime | None:
    """An envelope's ``ts`` as the models read it: None when absent, ``Invalid`` when bad."""
    if value is None or value == "" or value is False or is_zero(value):
        return None
    return structure_datetime(value, datetime)


_SCOPE_SEPARATORS = re.compile(r"[,\s]+")


def structure_scope(value: Any, _: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if type(value) is str:
        return tuple(part for part in _SCOPE_SEPARATORS.split(value) if part)
    if isinstance(value, (list, tuple)):  # JSON: split each item as text is split
        return tuple(
            part
            for item in value
            for part in _SCOPE_SEPARATORS.split(structure_str(item, str))
            if part
        )
    raise Invalid(f"expected a comma-separated list of scopes, got {kind(value)}")


_STATUS_BY_CODE = {status.value: status for status in AppStatus}


def structure_status(value: Any, _: object) -> AppStatus | str:
    if isinstance(value, AppStatus):
        return value
    text = structure_str(value, str)
    return _STATUS_BY_CODE.get(text, text)


def structure_code(value: Any, _: object) -> str:
    text = structure_str(value, str)
    if not text:
        raise Invalid("expected an event code, got an empty string")
    return text.upper()


def structure_mapping(value: Any, _: object) -> dict[str, Any]:
    """``data`` of an event without a model: kept as decoded, lists indexed by position,
    anything else (a bare string, say) empty; a ``RawTree``, whose ``repr`` masks tokens."""
    if isinstance(value, Mapping):
        return RawTree(value)
    if value is None or value == "":
        return RawTree()
    if isinstance(value, list):
        return RawTree({str(index): item for index, item in enumerate(value)})
    return RawTree()  # an unknown event never fails on its data; raw still holds what came


def structure_ids(value: Any, _: object) -> tuple[int, ...]:
    """A list of ids (v2 ``departments``), or a PHP ``{id: id}`` set (``MENTIONED_LIST``),
    whose values are the ids. Nothing (``""``, ``null``, v2's ``false``) is no ids."""
    if value is None or value == "" or value is False:
        return ()
    if isinstance(value, Mapping):
        items: Any = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise Invalid(f"expected a list of ids, got {kind(value)}")
    return tuple(structure_int(item, int) for item in items)


def unstructure_id_list(value: tuple[int, ...]) -> list[int]:
    return list(value)


def unstructure_id_set(value: tuple[int, ...]) -> dict[str, int]:
    # MENTIONED_LIST's wire shape, {id: id}; its values read back in the same order.
    return {str(item): item for item in value}


def unstructure_status(status: AppStatus | str) -> str:
    return status.value if isinstance(status, AppStatus) else status


def unstructure_datetime(value: datetime) -> int | str:
    # Whole seconds as Unix time, as the wire has them; the epoch itself as ISO text,
    # because a zero timestamp reads as "no value".
    seconds = value.timestamp()
    if value.microsecond == 0 and seconds != 0:
        return int(seconds)
    return value.isoformat()
