"""``parse_fetch_response``: an ``imbot.v2.Event.get`` result to typed events.

Fetch mode hands events out by polling. The result has ``events`` (``eventId``, ``type``,
``date``, ``data``), ``nextOffset`` (the ``offset`` that acknowledges them on the next call)
and ``hasMore``; before 2026-03-25 it had ``lastEventId`` instead of ``nextOffset`` (the
next offset is ``lastEventId + 1``), which is still read. Each item becomes the same typed
event a webhook gives, through the same converter: ``code`` is ``type``, ``event_id`` is
``eventId``, ``ts`` is ``date``; ``auth`` is None (a fetched event brings no tokens: the
poller called with its own), or names the portal the caller fetched it from. The
``data`` of the same event is equal whichever way it came.

One item that does not fit its model does not cost the page: it becomes a
``RejectedEvent`` (its id, code and error), and the rest are typed. A page whose shape is
wrong (no list of events, an item without an ``eventId``) raises ``SchemaError``, like a
body that does not fit. Every item is bounded by ``Limits`` as a request body is.

Internal module: import these names from ``b24botevents``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import attrs

from .convert import converter, event_from_tree
from .convert.scalars import Invalid, kind, structure_int
from .errors import B24EventError, SchemaError
from .limits import Limits
from .models import Auth, Event
from .wire import check_tree

__all__ = ["FetchPage", "RejectedEvent", "parse_fetch_response"]


@attrs.frozen(kw_only=True)
class RejectedEvent:
    """A fetched item that could not be typed: its ``eventId``, ``type`` (as sent, or
    ``""``), and the ``B24EventError`` that says why (naming the wire path, never a value)."""

    event_id: int
    code: str
    error: B24EventError


@attrs.frozen(kw_only=True)
class FetchPage:
    """One ``imbot.v2.Event.get`` result.

    ``events`` are the typed events, by ``event_id``; ``rejected`` the items that did not
    fit. ``next_offset`` is the ``offset`` to send next once these are handled (None when
    the result named none and brought no events: keep the current one; with events but no
    offset, the last id + 1); ``has_more`` says whether more events wait (poll again soon).
    """

    events: tuple[Event, ...] = ()
    rejected: tuple[RejectedEvent, ...] = ()
    next_offset: int | None = None
    has_more: bool = False

    @property
    def items(self) -> tuple[Event | RejectedEvent, ...]:
        """Events and rejected items together, in ``event_id`` order (how a poller walks
        the page)."""
        if not self.rejected:
            return self.events
        merged: list[Event | RejectedEvent] = [*self.events, *self.rejected]
        merged.sort(key=_event_id)
        return tuple(merged)

    @property
    def last_event_id(self) -> int | None:
        """The highest ``eventId`` on the page, or None for an empty page."""
        items: list[Event | RejectedEvent] = [*self.events, *self.rejected]
        ids = [_event_id(item) for item in items]
        return max(ids) if ids else None


#: The largest offset a store keeps (PHP's and SQLite's integers): 2**63 - 1.
_MAX_OFFSET = 2**63 - 1


def _event_id(item: Event | RejectedEvent) -> int:
    event_id = item.event_id
    assert event_id is not None  # every fetched event has one
    return event_id


def _offset(value: Any, path: str) -> int | None:
    if value is None or value is False or value == "":
        return None
    try:
        number = structure_int(value, int)
    except Invalid as exc:
        raise SchemaError(path, str(exc)) from None
    if number < 0:
        raise SchemaError(path, "expected a non-negative integer")
    return number


def _has_more(value: Any) -> bool:
    if value is None:
        return False
    if value is True or value is False:
        return value
    if value in (1, "1", "Y", "true"):
        return True
    if value in (0, "0", "N", "false", ""):
        return False
    raise SchemaError("hasMore", f"expected a boolean, got {kind(value)}")


def _items(result: Mapping[str, Any]) -> list[Any]:
    events = result.get("events")
    if events is None or events == {}:
        return []
    if isinstance(events, Mapping):  # a PHP array with gaps in its keys is a JSON object
        return list(events.values())
    if isinstance(events, list):
        return events
    raise SchemaError("events", f"expected a list of events, got {kind(events)}")


def _event_id_of(index: int, item: Any) -> int:
    if not isinstance(item, Mapping):
        raise SchemaError(f"events[{index}]", f"expected an event object, got {kind(item)}")
    if "eventId" not in item:
        raise SchemaError(f"events[{index}][eventId]", "required field is missing")
    event_id = _offset(item["eventId"], f"events[{index}][eventId]")
    if event_id is None:
        raise SchemaError(f"events[{index}][eventId]", "required field is missing")
    return event_id


def portal_auth(auth: Mapping[str, str] | None) -> tuple[Auth, dict[str, str]] | None:
    """Internal: the caller's portal as the ``Auth`` every event of its pages shares, and
    as it is written in each event's ``raw`` (so ``to_dict`` keeps it)."""
    if not auth:
        return None
    written = {str(key): str(value) for key, value in auth.items()}
    model = converter.structure(written, Auth)
    return model, written


def type_item(
    event_id: int,
    item: Mapping[str, Any],
    limits: Limits | None,
    portal: tuple[Auth, dict[str, str]] | None,
) -> Event | RejectedEvent:
    """Internal: one item of a page (checked by ``read_fetch_result``) to its event.

    The portal's ``Auth`` is the caller's, not the wire's: built once (``portal_auth``)
    and set on each event after it is built, which also keeps it out of the item's reach.
    """
    code = item.get("type")
    tree: dict[str, Any] = {"event": code, "event_id": event_id, "ts": item.get("date")}
    data = item.get("data")
    if data is not None:
        tree["data"] = data
    try:
        check_tree(tree, limits=limits)
        event = event_from_tree(tree)
    except B24EventError as error:
        return RejectedEvent(
            event_id=event_id, code=code if isinstance(code, str) else "", error=error
        )
    if portal is not None:
        object.__setattr__(event, "auth", portal[0])  # frozen: as event_from_tree sets raw
        event.raw["auth"] = dict(portal[1])
    return event


class RawPage(NamedTuple):
    """Internal: a page whose shape is checked, its items not typed yet (``items`` are
    ``(eventId, item)`` in id order). A poller types each item just before handling it,
    so a page of 1000 events is never held typed at once (the garbage collector would
    walk them all on every collection: measured, a quarter of the cost per event)."""

    items: list[tuple[int, Mapping[str, Any]]]
    next_offset: int | None
    has_more: bool


def read_fetch_result(result: Any) -> RawPage:
    """Internal: the checks of ``parse_fetch_response`` that concern the page itself."""
    if isinstance(result, Mapping) and "result" in result and "events" not in result:
        result = result["result"]
    if isinstance(result, list) and not result:  # PHP's empty array: no events at all
        return RawPage([], None, False)
    if not isinstance(result, Mapping):
        raise SchemaError("", f"expected the Event.get result object, got {kind(result)}")
    items = [(_event_id_of(index, item), item) for index, item in enumerate(_items(result))]
    items.sort(key=_first)
    if "nextOffset" in result:
        next_offset = _offset(result["nextOffset"], "nextOffset")
    else:  # the form before 2026-03-25: the next offset is lastEventId + 1
        last = _offset(result.get("lastEventId"), "lastEventId")
        if last is not None and last >= _MAX_OFFSET:
            raise SchemaError("lastEventId", "is too large to acknowledge")
        next_offset = None if last is None else last + 1
    if next_offset is None and items:
        # Events but no offset: keeping the old one would serve this page forever.
        highest = items[-1][0]
        next_offset = highest + 1 if highest < _MAX_OFFSET else None
    return RawPage(items, next_offset, _has_more(result.get("hasMore")))


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def parse_fetch_response(
    result: Any, *, limits: Limits | None = None, auth: Mapping[str, str] | None = None
) -> FetchPage:
    """Type an ``imbot.v2.Event.get`` ``result`` (the REST answer's ``result`` value; a
    whole answer with a ``result`` key is accepted too).

    Raises ``SchemaError`` when the page itself does not fit; items that do not fit are
    ``FetchPage.rejected``. ``limits`` bound each item as a request body is bounded.
    ``auth`` is the portal the page was fetched from, given to every event as its
    ``auth`` (``{"member_id": ...}`` or ``{"domain": ...}``: no tokens), so that
    ``event.member_id``/``event.domain`` name it and replies find its credentials; the
    caller vouches for it (it made the call), nothing in the page can set it.
    """
    raw = read_fetch_result(result)
    portal = portal_auth(auth)
    typed: list[Event] = []
    rejected: list[RejectedEvent] = []
    for event_id, item in raw.items:
        outcome = type_item(event_id, item, limits, portal)
        if isinstance(outcome, RejectedEvent):
            rejected.append(outcome)
        else:
            typed.append(outcome)
    return FetchPage(
        events=tuple(typed),
        rejected=tuple(rejected),
        next_offset=raw.next_offset,
        has_more=raw.has_more,
    )
