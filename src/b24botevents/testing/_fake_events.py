"""The fake's event queues for fetch mode: what ``imbot.v2.Event.get`` (and im.v2's) serve.

Docs: ``chat-bots-v2/imbot.v2/events/event-get.md``, ``chat-bots-v2/im.v2/events/*.md``
and ``chat-bots-v2/change-log.md`` (BOT-BC-0325-1) of ``bitrix24/b24restdocs``. Each bot
of a portal has a queue of its events, each user of a portal a queue of their ``ONIMV2*``
events (recorded only while the user is subscribed, as ``im.v2.Event.subscribe`` says).
Event ids are positive and strictly increasing per portal, bot and user events alike, so
one ``offset`` confirms both kinds "with IDs less than" it. An ``offset`` removes those
events from the queues a call reads; the call then serves the first ``limit`` events left,
in id order. Every item is kept as the JSON-ready dict the answer lists, built once when
pushed: serving a page copies nothing. Not locked: ``State``'s lock is held around every
use.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import itemgetter
from typing import Any

import attrs

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "EventOffset", "EventQueues", "Page"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

_Item = tuple[int, dict[str, Any]]  # (eventId, the answer's item)
_ID = itemgetter(0)


@attrs.frozen(kw_only=True)
class EventOffset:
    """One ``offset`` an ``Event.get`` call acted on (``None``: the call sent none).

    ``method`` is ``imbot.v2.Event.get`` (``bot_id`` is the bot polled) or
    ``im.v2.Event.get`` (``bot_id`` is ``None``); ``user_id`` is the user whose events
    the call read too (``withUserEvents``, or ``im.v2.Event.get``), else ``None``.
    """

    method: str
    member_id: str
    bot_id: int | None
    user_id: int | None
    offset: int | None


@attrs.frozen(kw_only=True)
class Page:
    """One answer of ``Event.get``: its events, the offset to send next, and ``hasMore``.

    ``last_event_id`` is the pre-2026-03-25 ``lastEventId``: always ``next_offset - 1``,
    so with no events it is the last id confirmed (``0`` before anything was).
    """

    events: list[dict[str, Any]]
    next_offset: int
    has_more: bool

    @property
    def last_event_id(self) -> int:
        return self.next_offset - 1


class _Queue:
    """One bot's or one user's unconfirmed events, in id order, and how far it was confirmed."""

    __slots__ = ("cursor", "items")

    def __init__(self) -> None:
        self.items: deque[_Item] = deque()
        #: The highest ``offset`` this queue has seen (1: nothing confirmed yet).
        self.cursor = 1

    def confirm(self, offset: int) -> None:
        items = self.items
        while items and items[0][0] < offset:
            items.popleft()
        self.cursor = max(self.cursor, offset)


class EventQueues:
    """Every portal's bot and user event queues, user subscriptions and confirmed offsets."""

    def __init__(self) -> None:
        self._next_id: dict[str, int] = {}
        self._bots: dict[tuple[str, int], _Queue] = {}
        self._users: dict[tuple[str, int], _Queue] = {}
        self.subscribed: set[tuple[str, int]] = set()
        self.offsets: list[EventOffset] = []
        #: Answer ``lastEventId`` instead of ``nextOffset`` (``imbot.v2.Event.get`` only).
        self.legacy = False

    # -- pushing ------------------------------------------------------------------------

    def _ids(self, member_id: str, count: int) -> range:
        first = self._next_id.get(member_id, 1)
        self._next_id[member_id] = first + count
        return range(first, first + count)

    @staticmethod
    def _fill(queue: _Queue, ids: range, code: str, date: str, data: Any) -> list[int]:
        queue.items.extend(
            (event_id, {"eventId": event_id, "type": code, "date": date, "data": data})
            for event_id in ids
        )
        return list(ids)

    def push_bot(
        self, member_id: str, bot_id: int, code: str, date: str, data: Any, count: int = 1
    ) -> list[int]:
        """Queue ``count`` events for the bot, all with this ``data`` (shared, not copied)."""
        queue = self._bots.setdefault((member_id, bot_id), _Queue())
        return self._fill(queue, self._ids(member_id, count), code, date, data)

    def push_user(
        self, member_id: str, user_id: int, code: str, date: str, data: Any
    ) -> int | None:
        """Queue a user event; ``None`` (not recorded) while the user is not subscribed."""
        if (member_id, user_id) not in self.subscribed:
            return None
        queue = self._users.setdefault((member_id, user_id), _Queue())
        return self._fill(queue, self._ids(member_id, 1), code, date, data)[0]

    # -- reading ------------------------------------------------------------------------

    def pending_bot(self, member_id: str, bot_id: int) -> list[int]:
        queue = self._bots.get((member_id, bot_id))
        return [] if queue is None else [event_id for event_id, _item in queue.items]

    def pending_user(self, member_id: str, user_id: int) -> list[int]:
        queue = self._users.get((member_id, user_id))
        return [] if queue is None else [event_id for event_id, _item in queue.items]

    def page(
        self,
        method: str,
        member_id: str,
        *,
        bot_id: int | None,
        user_id: int | None,
        offset: int | None,
        limit: int,
    ) -> Page:
        """Confirm the events below ``offset`` in the queues read, then serve ``limit``.

        The queues read are the bot's (if ``bot_id``) and the user's (if ``user_id``),
        merged in id order. With no events left ``next_offset`` is the highest offset
        these queues were confirmed with (so sending it again confirms nothing new).
        """
        self.offsets.append(
            EventOffset(
                method=method, member_id=member_id, bot_id=bot_id, user_id=user_id, offset=offset
            )
        )
        queues: list[_Queue] = []
        if bot_id is not None:
            queues.append(self._bots.setdefault((member_id, bot_id), _Queue()))
        if user_id is not None:
            queues.append(self._users.setdefault((member_id, user_id), _Queue()))
        for queue in queues:
            if offset is not None:
                queue.confirm(offset)
        taken = list(islice(_merged(queue.items for queue in queues), limit + 1))
        served = taken[:limit]
        # With nothing to serve: the highest offset these queues were confirmed with.
        next_offset = served[-1][0] + 1 if served else max(queue.cursor for queue in queues)
        return Page(
            events=[item for _id, item in served],
            next_offset=next_offset,
            has_more=len(taken) > limit,
        )


def _merged(sources: Iterable[deque[_Item]]) -> Iterator[_Item]:
    found = list(sources)
    if len(found) == 1:
        return iter(found[0])
    return heapq.merge(*found, key=_ID)
