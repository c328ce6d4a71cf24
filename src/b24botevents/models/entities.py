"""The ``imbot.v2`` entities events carry: ``Bot``, ``Message``, ``Chat``, ``User``, ``Command``.

Keys on the wire are camelCase (``isHidden``); fetch mode sends native JSON types,
webhook mode PHP form text. Fields the docs' ``entities.md`` lists but these classes do
not type stay in the event's ``raw``. Besides the ids, the fields a reply needs and
``entities.md`` types as never null are required: ``Message.text``, ``Chat.dialog_id``,
``Command.command``.

Internal module: import these from ``b24botevents.models``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from .base import Auth, empty_auth_is_none


@attrs.frozen(kw_only=True)
class Bot:
    """A v2 bot as events describe it.

    Webhook mode sends ``{id, code, auth}`` (``auth`` holds the bot's own tokens); fetch
    mode sends the full bot object without ``auth``. Everything but ``id`` and ``code`` is
    optional so that both shapes fit.
    """

    id: int
    code: str
    auth: Auth | None = attrs.field(default=None, converter=empty_auth_is_none)
    type: str | None = None
    is_hidden: bool | None = None
    is_support_openline: bool | None = None
    is_reactions_enabled: bool | None = None
    background_id: str | None = None
    language: str | None = None
    module_id: str | None = None
    event_mode: str | None = None
    count_message: int | None = None
    count_command: int | None = None
    count_chat: int | None = None
    count_user: int | None = None
    #: Removed from ONIMBOTV2* events on 2026-05-01; older deliveries still carry it.
    app_id: str | None = None


@attrs.frozen(kw_only=True)
class Message:
    """A v2 ``message``; ``params`` and ``forward`` are free-form, kept as decoded.

    ``text`` is required (``string``, never null, in ``entities.md``); it may be ``""``.
    """

    id: int
    chat_id: int | None = None
    author_id: int | None = None
    date: datetime | None = None
    text: str
    is_system: bool | None = None
    uuid: str | None = None
    forward: dict[str, Any] | None = None
    params: dict[str, Any] = attrs.field(factory=dict)
    viewed_by_others: bool | None = None


@attrs.frozen(kw_only=True)
class Chat:
    """A v2 ``chat`` (events carry no ``role``/``muteList``); ``dialog_id`` (``chat5``, or
    the user id of a private chat) is required, as ``entities.md`` types it ``string``."""

    id: int
    dialog_id: str
    type: str | None = None
    name: str | None = None
    entity_type: str | None = None
    owner: int | None = None
    avatar: str | None = None
    color: str | None = None


@attrs.frozen(kw_only=True)
class User:
    """A v2 ``user``.

    ``absent`` is a date (the end of an absence) or ``false``, which reads as None, like
    ``last_activity_date``. ``idle``, ``birthday`` and ``phones`` stay in ``raw``.
    """

    id: int
    active: bool | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    work_position: str | None = None
    color: str | None = None
    avatar: str | None = None
    gender: str | None = None
    extranet: bool | None = None
    bot: bool | None = None
    connector: bool | None = None
    external_auth_id: str | None = None
    status: str | None = None
    last_activity_date: datetime | None = None
    absent: datetime | None = None
    departments: tuple[int, ...] = ()
    type: str | None = None


@attrs.frozen(kw_only=True)
class Command:
    """A v2 ``command``: ``command`` (required) keeps its slash (``/help``); ``context`` is
    ``textarea``, ``keyboard`` or ``menu``."""

    id: int
    command: str
    params: str | None = None
    context: str | None = None
