"""The ``im.v2`` user events: what a subscribed *user* sees in every chat of theirs.

``ONIMV2MESSAGEADD``, ``ONIMV2MESSAGEUPDATE``, ``ONIMV2MESSAGEDELETE``,
``ONIMV2REACTIONCHANGE`` and ``ONIMV2JOINCHAT`` come by polling only (``im.v2.Event.get``
after ``im.v2.Event.subscribe``, or ``imbot.v2.Event.get`` with ``withUserEvents``;
"Webhook mode is not supported for user events"). Their ``data`` is the bot events' shape
without ``bot``: the chat, the user and the language (``UserChatData``), and the
``message``, its ``messageId`` or the ``dialogId``. In them ``user`` lacks ``network``,
``botData`` and ``avatarHr``, and its online dates are always ``false`` (None).

They are not messages to a bot: no ``bots``, and ``client.reply`` refuses them; the bot
decorators (``on_message``, ...) leave them out. The properties are those of the v2 bot
events (``views``): ``dialog_id``, ``chat_id``, ``user_id``, ``language`` and, where there
is one, the message's ``text``, ``message_id`` and ``author_id``. What the docs list for
every event is required, as for the bot events: the ``chat`` and ``message`` (a delete's
``messageId``); ONIMV2JOINCHAT keeps ``chat`` and ``dialogId`` optional.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from .base import Event
from .entities import Chat, Message, User
from .views import DeletedMessageView, JoinView, MessageView

__all__ = [
    "UserChatData",
    "UserJoinChatData",
    "UserJoinChatEvent",
    "UserMessageAddEvent",
    "UserMessageData",
    "UserMessageDeleteData",
    "UserMessageDeleteEvent",
    "UserMessageUpdateEvent",
    "UserReactionChangeData",
    "UserReactionChangeEvent",
]


@attrs.frozen(kw_only=True)
class UserChatData:
    """What the ``data`` of every im.v2 user event has: the chat, the user (who wrote,
    reacted or was added) and the portal's language.

    ``chat`` is optional here; the events whose docs always list it redeclare it as
    required (which puts it after ``language`` in the field order).
    """

    chat: Chat | None = None
    user: User | None = None
    language: str | None = None


@attrs.frozen(kw_only=True)
class UserMessageData(UserChatData):
    """``data`` of ONIMV2MESSAGEADD/UPDATE: ``chat`` and ``message`` (the new text of an
    update) are required; ``user`` is the message's author."""

    chat: Chat
    message: Message


@attrs.frozen(kw_only=True)
class UserMessageDeleteData(UserChatData):
    """``data`` of ONIMV2MESSAGEDELETE: a required ``messageId`` and ``chat``, no
    ``message`` object; ``user`` is the deleted message's author."""

    chat: Chat
    message_id: int


@attrs.frozen(kw_only=True)
class UserReactionChangeData(UserChatData):
    """``data`` of ONIMV2REACTIONCHANGE: ``reaction`` (``like``, ...), ``action`` (``add``
    or ``delete``), the (required) ``message`` reacted to; ``user`` is who reacted."""

    chat: Chat
    reaction: str | None = None
    action: str | None = None
    message: Message


@attrs.frozen(kw_only=True)
class UserJoinChatData(UserChatData):
    """``data`` of ONIMV2JOINCHAT: ``dialogId`` of the chat; ``user`` is who was added."""

    dialog_id: str | None = None


@attrs.frozen(kw_only=True)
class _UserMessageEvent(MessageView, Event):
    data: UserMessageData


@attrs.frozen(kw_only=True)
class UserMessageAddEvent(_UserMessageEvent):
    """ONIMV2MESSAGEADD: a new message in a chat the subscribed user is in (any author).

    ``text``, ``dialog_id``, ``message_id`` are never None; ``user_id`` is the author.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMV2MESSAGEADD",)


@attrs.frozen(kw_only=True)
class UserMessageUpdateEvent(_UserMessageEvent):
    """ONIMV2MESSAGEUPDATE: a message in one of the user's chats was edited (new ``text``)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMV2MESSAGEUPDATE",)


@attrs.frozen(kw_only=True)
class UserMessageDeleteEvent(DeletedMessageView, Event):
    """ONIMV2MESSAGEDELETE: a message in one of the user's chats was deleted.

    ``message_id`` is ``messageId``; ``text`` and ``author_id`` are always None.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMV2MESSAGEDELETE",)
    data: UserMessageDeleteData


@attrs.frozen(kw_only=True)
class UserReactionChangeEvent(MessageView, Event):
    """ONIMV2REACTIONCHANGE: a reaction on a message in one of the user's chats changed.

    ``user_id`` is who reacted; ``message_id``, ``text`` and ``author_id`` are the
    message's; ``data.reaction`` and ``data.action`` say what changed.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMV2REACTIONCHANGE",)
    data: UserReactionChangeData


@attrs.frozen(kw_only=True)
class UserJoinChatEvent(JoinView, Event):
    """ONIMV2JOINCHAT: someone was added to one of the user's chats; ``user_id`` is who.

    ``dialog_id`` is ``dialogId``, else ``chat.dialogId``; both are optional here.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMV2JOINCHAT",)
    #: Everything in it is optional, and a form body drops an empty ``data``.
    data: UserJoinChatData = attrs.field(factory=UserJoinChatData)
