"""``FakeBitrix24``'s fetch-mode side: queue bot and user events, see what was confirmed.

A mixin of ``FakeBitrix24`` (kept apart so each module stays small): the events a test
pushes are what ``imbot.v2.Event.get`` (and, for user events, ``im.v2.Event.get``) serve,
page by page, until an ``offset`` confirms them. ``data`` left out is a realistic sample
in the fetch format: native JSON types and the full bot object, without ``bot.auth``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from . import samples
from ._fake_events import EventOffset
from ._fake_records import FakeBot
from ._fake_state import State
from .portal import Portal

__all__ = ["EventFeed"]


#: The bot object of the docs' fetch-format examples (``events.md``, "Example Data").
def _sample_data(code: str, bot: FakeBot) -> dict[str, Any]:
    """The kit's fetch-format sample of ``code`` for this bot (built once per push)."""
    data: dict[str, Any] = samples.fetch_sample_data(code, bot_id=bot.bot_id, bot_code=bot.code)
    return data


def _json_copy(data: Any) -> Any:
    """``data`` as JSON would carry it: a copy, checked once, shared by the events pushed."""
    try:
        return json.loads(json.dumps(data, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"data must be JSON-encodable: {exc}") from None


def _date(date: datetime | str | None) -> str:
    """ISO 8601 with the UTC offset, as the docs show it (``2025-01-15T10:30:00+02:00``)."""
    if date is None:
        return datetime.now().astimezone().isoformat(timespec="seconds")
    if isinstance(date, datetime):
        if date.tzinfo is None:
            raise ValueError("date must be timezone-aware (or an ISO 8601 string)")
        return date.isoformat(timespec="seconds")
    if isinstance(date, str):
        return date
    raise TypeError(f"date must be a datetime, a str or None, not {type(date).__name__}")


def _code(code: str) -> str:
    if not isinstance(code, str) or not code.strip():
        raise ValueError("code must be an event code like 'ONIMBOTV2MESSAGEADD'")
    return code.strip()


class EventFeed:
    """The event-queue methods of ``FakeBitrix24`` (which holds ``_state``)."""

    _state: State

    @property
    def legacy_event_format(self) -> bool:
        """``True``: ``imbot.v2.Event.get`` answers as before 2026-03-25, ``lastEventId``
        (the last id served; with no events, the last id confirmed: ``0`` if none was)
        instead of ``nextOffset``, so that ``offset = lastEventId + 1`` always holds."""
        with self._state.lock:
            return self._state.events.legacy

    @legacy_event_format.setter
    def legacy_event_format(self, value: bool) -> None:
        with self._state.lock:
            self._state.events.legacy = bool(value)

    def _fetch_bot(self, portal: Portal, bot_id: int) -> FakeBot:
        """The bot's record; a bot not known yet becomes the application's, in fetch mode."""
        state = self._state
        state.entry(portal.member_id)
        if isinstance(bot_id, bool) or not isinstance(bot_id, int) or bot_id <= 0:
            raise ValueError(f"bot_id must be a positive integer, not {bot_id!r}")
        bot = state.bot(portal.member_id, bot_id)
        if bot is None:
            bot = state.put_bot(
                FakeBot(
                    bot_id=bot_id,
                    member_id=portal.member_id,
                    code=f"bot{bot_id}",
                    version=2,
                    name=f"Bot {bot_id}",
                    event_mode="fetch",
                )
            )
        if bot.version != 2:
            raise ValueError(f"bot {bot_id} is a v1 bot: only imbot.v2 bots fetch events")
        return bot

    def push_event(
        self,
        portal: Portal,
        bot_id: int,
        code: str,
        data: Any = None,
        *,
        date: datetime | str | None = None,
    ) -> int:
        """Queue one event for bot ``bot_id`` of ``portal``; return its ``eventId``.

        Ids are positive and increase per portal (bot and user events share them). With
        ``data=None`` the data is the code's fetch-format sample for this bot; ``data``
        given is copied as JSON carries it. ``date`` (default now) is an aware
        ``datetime`` or a ready string. A bot the fake does not know is registered to the
        application in fetch mode (``add_bot`` or ``bot_token`` first for another kind).
        """
        return self.push_events(portal, bot_id, code, 1, data, date=date)[0]

    def push_events(
        self,
        portal: Portal,
        bot_id: int,
        code: str,
        count: int,
        data: Any = None,
        *,
        date: datetime | str | None = None,
    ) -> list[int]:
        """Queue ``count`` events like ``push_event``'s, cheaply: their ids in order.

        The data is built (or copied) once and shared by all of them, so pushing tens of
        thousands costs little more than their ids.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count must be a non-negative integer, not {count!r}")
        wanted, stamp = _code(code), _date(date)
        given = None if data is None else _json_copy(data)
        with self._state.lock:
            bot = self._fetch_bot(portal, bot_id)
            payload = _sample_data(wanted, bot) if given is None else given
            return self._state.events.push_bot(
                portal.member_id, bot.bot_id, wanted, stamp, payload, count
            )

    def push_user_event(
        self,
        portal: Portal,
        user_id: int,
        code: str,
        data: Any,
        *,
        date: datetime | str | None = None,
    ) -> int | None:
        """Record a user event (``ONIMV2*``) of ``user_id``; return its ``eventId``.

        As Bitrix24 does, only while the user is subscribed (``im.v2.Event.subscribe``,
        or ``subscribe_user``): otherwise nothing is recorded and this returns ``None``.
        ``imbot.v2.Event.get`` serves it with ``withUserEvents: true`` to calls made as
        that user, ``im.v2.Event.get`` to that user's calls.
        """
        if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
            raise ValueError(f"user_id must be a positive integer, not {user_id!r}")
        wanted, stamp, payload = _code(code), _date(date), _json_copy(data)
        with self._state.lock:
            self._state.entry(portal.member_id)
            return self._state.events.push_user(portal.member_id, user_id, wanted, stamp, payload)

    def subscribe_user(self, portal: Portal, user_id: int = 1) -> None:
        """Subscribe ``user_id`` to user events, as their ``im.v2.Event.subscribe`` would."""
        with self._state.lock:
            self._state.entry(portal.member_id)
            self._state.events.subscribed.add((portal.member_id, user_id))

    @property
    def event_offsets(self) -> list[EventOffset]:
        """Every ``offset`` an ``Event.get`` call acted on, in order (``None``: none sent).

        Calls refused with an error, or hit by ``fail_next`` or by a ``drop_next`` before
        processing, confirmed nothing and are not in it; one dropped after processing is.
        """
        with self._state.lock:
            return list(self._state.events.offsets)

    def pending_events(self, portal: Portal, bot_id: int) -> list[int]:
        """The ids of the bot's events not confirmed yet, in order."""
        with self._state.lock:
            return self._state.events.pending_bot(portal.member_id, bot_id)

    def pending_user_events(self, portal: Portal, user_id: int) -> list[int]:
        """The ids of the user's recorded events not confirmed yet, in order."""
        with self._state.lock:
            return self._state.events.pending_user(portal.member_id, user_id)
