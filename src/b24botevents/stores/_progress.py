"""``Progress``, a fetch-mode consumer's durable position, and the rule for its numbers.

Below every offset store (``offsets``, ``sqlite_offsets``, ``redis_offsets``), so that each
backend accepts and rejects exactly the same values and none of them imports another.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._protocols import check_key, check_owner

__all__ = ["MAX_POSITION", "Progress", "check_position", "check_save"]

#: The largest ``offset`` or ``handled`` a store keeps: SQLite's largest INTEGER. Bitrix24's
#: event ids are far below it; every backend refuses more, so they all agree.
MAX_POSITION = 2**63 - 1


def check_position(value: object, what: str) -> int | None:
    """Return ``value`` if it is ``None`` or an ``int`` in ``0..MAX_POSITION`` (not a bool)."""
    if value is None:
        return None
    if type(value) is not int:  # bool is an int subclass; ``offset=True`` is surely a mistake
        raise TypeError(f"{what} must be None or an int, not {type(value).__name__}")
    if not 0 <= value <= MAX_POSITION:
        raise ValueError(f"{what} must be between 0 and 2**63 - 1")
    return value


def _position(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    check_position(value, attribute.name)


@attrs.frozen
class Progress:
    """How far a consumer (one bot's fetch loop) has got.

    ``offset`` is the ``offset`` to send with the next ``imbot.v2.Event.get``: Bitrix24 treats
    every event id below it as acknowledged. ``None``: nothing was ever acknowledged.
    ``handled`` is the highest ``eventId`` whose handlers finished; a poller skips the ids
    up to it, so an event fetched again after a crash (acknowledged late) is not handled twice.
    """

    offset: int | None = attrs.field(default=None, validator=_position)
    handled: int | None = attrs.field(default=None, validator=_position)


def check_save(
    key: object, owner: object, offset: object, handled: object
) -> tuple[str, str, int | None, int | None]:
    """The arguments of ``save``, checked the same way by every backend."""
    return (
        check_key(key),
        check_owner(owner),
        check_position(offset, "offset"),
        check_position(handled, "handled"),
    )
