"""The ``imbot.v2`` entities events carry: ``Bot``, ``Message`` (and its ``Forward``),
``Chat``, ``User``, ``Command``.

Keys on the wire are camelCase (``isHidden``); fetch mode sends native JSON types,
webhook mode PHP form text, and both read the same. Every field ``entities.md`` lists for
events is typed; what else a body carries stays in the event's ``raw``. Besides the ids,
the fields a reply needs and ``entities.md`` types as never null are required:
``Message.text``, ``Chat.dialog_id``, ``Command.command``. The fields the docs leave
free-form (``Message.params``, ``Chat.entity_link``, ``Chat.permissions``, ``User.phones``)
hold text, as a webhook body carries them (``models._freeform``).

Internal module: import these from ``b24botevents.models``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._freeform import form_text_tree, optional_form_text_tree
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
class Forward:
    """Where a forwarded message came from (``message.forward``: ``{id, userId, chatId,
    date}``). The docs give no type for ``id``, so it is kept as text (``"123"``)."""

    id: str | None = None
    user_id: int | None = None
    chat_id: int | None = None
    date: datetime | None = None


def empty_forward_is_none(forward: Forward | None) -> Forward | None:
    """``Forward()`` says nothing (a form body cannot carry ``{"date": null}``): None."""
    return None if forward is None or forward == _NO_FORWARD else forward


_NO_FORWARD = Forward()


@attrs.frozen(kw_only=True)
class Message:
    """A v2 ``message``.

    ``text`` is required (``string``, never null, in ``entities.md``); it may be ``""``.
    ``forward`` is None unless the message was forwarded. ``params`` ("attach, keyboard,
    files, and others") is free-form: text leaves, as a webhook body has them, in either
    mode (``{"FILE_ID": ["12"]}``); ``event.raw`` keeps what was sent.
    """

    id: int
    chat_id: int | None = None
    author_id: int | None = None
    date: datetime | None = None
    text: str
    is_system: bool | None = None
    uuid: str | None = None
    forward: Forward | None = attrs.field(default=None, converter=empty_forward_is_none)
    params: dict[str, Any] = attrs.field(factory=dict, converter=form_text_tree)
    viewed_by_others: bool | None = None


@attrs.frozen(kw_only=True)
class Chat:
    """A v2 ``chat`` (events carry no ``role``/``muteList``); ``dialog_id`` (``chat5``, or
    the user id of a private chat) is required, as ``entities.md`` types it ``string``.

    ``message_type`` is the internal type (``C``, ``O``, ``P``, ...); ``entity_*`` link the
    chat to an object (``entity_type`` ``LINES`` for Open Channels). ``text_field_enabled``
    is sent as ``"Y"``/``"N"`` in both modes and reads as a bool. ``entity_link`` and
    ``permissions`` are free-form objects, with text leaves (empty when none).
    ``parent_chat_id``/``parent_message_id`` are a thread's parent (``0`` or None
    otherwise).
    """

    id: int
    dialog_id: str
    type: str | None = None
    message_type: str | None = None
    name: str | None = None
    description: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    entity_data1: str | None = None
    entity_data2: str | None = None
    entity_data3: str | None = None
    entity_link: dict[str, Any] = attrs.field(factory=dict, converter=form_text_tree)
    owner: int | None = None
    avatar: str | None = None
    color: str | None = None
    extranet: bool | None = None
    contains_collaber: bool | None = None
    disk_folder_id: int | None = None
    permissions: dict[str, Any] = attrs.field(factory=dict, converter=form_text_tree)
    parent_chat_id: int | None = None
    parent_message_id: int | None = None
    is_new: bool | None = None
    text_field_enabled: bool | None = None
    background_id: str | None = None


@attrs.frozen(kw_only=True)
class User:
    """A v2 ``user``.

    The dates ``entities.md`` types "ISO 8601 or ``false``" (``idle``,
    ``last_activity_date``, ``mobile_last_date``, ``desktop_last_date``, ``absent``) read
    ``false`` (``"0"`` in a webhook body) as None; events always send ``false`` for the
    first four. ``birthday`` is the docs' text (None when empty). ``phones`` is an
    object of numbers (``personalPhone``, ``workPhone``, ...), None for ``false``.
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
    idle: datetime | None = None
    last_activity_date: datetime | None = None
    mobile_last_date: datetime | None = None
    desktop_last_date: datetime | None = None
    absent: datetime | None = None
    birthday: str | None = None
    departments: tuple[int, ...] = ()
    phones: dict[str, Any] | None = attrs.field(default=None, converter=optional_form_text_tree)
    type: str | None = None
    website: str | None = None
    email: str | None = None


@attrs.frozen(kw_only=True)
class Command:
    """A v2 ``command``: ``command`` (required) keeps its slash (``/help``); ``context`` is
    ``textarea``, ``keyboard`` or ``menu``."""

    id: int
    command: str
    params: str | None = None
    context: str | None = None
