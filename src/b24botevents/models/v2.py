"""The ``imbot.v2`` events: delete, messages, joins, commands, reactions, context.

Each event's ``data`` holds the bot and, for chat events, the chat, the user and the
language (``BotV2ChatData``). ``V2ChatView``/``V2MessageView`` give these events the
same properties as their v1 counterparts.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from .base import Event
from .entities import Bot, Chat, Command, Message, User


@attrs.frozen(kw_only=True)
class BotV2DeleteData:
    """``data`` of ONIMBOTV2DELETE: the ``bot`` object and nothing else."""

    bot: Bot


@attrs.frozen(kw_only=True)
class BotV2DeleteEvent(Event):
    """ONIMBOTV2DELETE (``imbot.v2``): the bot was removed; its last event.

    Verification uses the top-level ``auth``, never ``data.bot.auth``.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2DELETE",)
    data: BotV2DeleteData

    @property
    def bot_id(self) -> int:
        return self.data.bot.id

    @property
    def bot_code(self) -> str:
        return self.data.bot.code


@attrs.frozen(kw_only=True)
class BotV2ChatData:
    """What the ``data`` of every v2 chat event has: the bot, the chat, the user (who
    wrote, reacted, or added the bot) and the chat's language."""

    bot: Bot
    chat: Chat | None = None
    user: User | None = None
    language: str | None = None


@attrs.frozen(kw_only=True)
class BotV2MessageData(BotV2ChatData):
    """``data`` of ONIMBOTV2MESSAGEADD/UPDATE."""

    message: Message | None = None


@attrs.frozen(kw_only=True)
class BotV2MessageDeleteData(BotV2ChatData):
    """``data`` of ONIMBOTV2MESSAGEDELETE: a ``messageId``, no ``message`` object."""

    message_id: int | None = None


@attrs.frozen(kw_only=True)
class BotV2JoinChatData(BotV2ChatData):
    """``data`` of ONIMBOTV2JOINCHAT; ``user`` is who added the bot."""

    dialog_id: str | None = None


@attrs.frozen(kw_only=True)
class BotV2CommandData(BotV2ChatData):
    """``data`` of ONIMBOTV2COMMANDADD: one event per command in a message."""

    command: Command | None = None
    message: Message | None = None


@attrs.frozen(kw_only=True)
class BotV2ReactionChangeData(BotV2ChatData):
    """``data`` of ONIMBOTV2REACTIONCHANGE; ``action`` is ``add`` or ``delete``."""

    reaction: str | None = None
    action: str | None = None
    message: Message | None = None


@attrs.frozen(kw_only=True)
class BotV2ContextGetData(BotV2ChatData):
    """``data`` of ONIMBOTV2CONTEXTGET; ``context`` is free-form, kept as decoded."""

    dialog_id: str | None = None
    context: dict[str, Any] = attrs.field(factory=dict)


class V2ChatView:
    """Cross-version properties every v2 chat event can answer (from bot, chat, language)."""

    __slots__ = ()
    data: BotV2ChatData  # declared by each event class

    @property
    def dialog_id(self) -> str | None:
        chat = self.data.chat
        return chat.dialog_id if chat is not None else None

    @property
    def bot_ids(self) -> tuple[int, ...]:
        return (self.data.bot.id,)

    @property
    def language(self) -> str | None:
        return self.data.language


class V2MessageView(V2ChatView):
    """The rest of them, for the v2 events that carry a ``message`` object."""

    __slots__ = ()
    data: BotV2MessageData | BotV2CommandData

    @property
    def text(self) -> str | None:
        message = self.data.message
        return message.text if message is not None else None

    @property
    def message_id(self) -> int | None:
        message = self.data.message
        return message.id if message is not None else None

    @property
    def author_id(self) -> int | None:
        message = self.data.message
        return message.author_id if message is not None else None


@attrs.frozen(kw_only=True)
class _BotV2MessageEvent(V2MessageView, Event):
    """The v2 add/update events; the properties match the v1 message events'."""

    data: BotV2MessageData


@attrs.frozen(kw_only=True)
class BotV2MessageAddEvent(_BotV2MessageEvent):
    """ONIMBOTV2MESSAGEADD: a message to the bot (private chat, or a mention)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2MESSAGEADD",)


@attrs.frozen(kw_only=True)
class BotV2MessageUpdateEvent(_BotV2MessageEvent):
    """ONIMBOTV2MESSAGEUPDATE: a message was edited; ``message`` has the new text."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2MESSAGEUPDATE",)


@attrs.frozen(kw_only=True)
class BotV2MessageDeleteEvent(V2ChatView, Event):
    """ONIMBOTV2MESSAGEDELETE: a message was deleted.

    There is no ``message`` object, so ``text`` and ``author_id`` are always None.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2MESSAGEDELETE",)
    data: BotV2MessageDeleteData

    @property
    def text(self) -> str | None:
        return None

    @property
    def message_id(self) -> int | None:
        return self.data.message_id

    @property
    def author_id(self) -> int | None:
        return None


@attrs.frozen(kw_only=True)
class BotV2JoinChatEvent(V2ChatView, Event):
    """ONIMBOTV2JOINCHAT: the bot was added to a chat."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2JOINCHAT",)
    data: BotV2JoinChatData

    @property
    def dialog_id(self) -> str | None:
        if self.data.dialog_id is not None:
            return self.data.dialog_id
        chat = self.data.chat
        return chat.dialog_id if chat is not None else None


@attrs.frozen(kw_only=True)
class BotV2CommandAddEvent(V2MessageView, Event):
    """ONIMBOTV2COMMANDADD: a bot command was sent (one event per command)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2COMMANDADD",)
    data: BotV2CommandData


@attrs.frozen(kw_only=True)
class BotV2ReactionChangeEvent(Event):
    """ONIMBOTV2REACTIONCHANGE: a reaction on a message was added or removed."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2REACTIONCHANGE",)
    data: BotV2ReactionChangeData


@attrs.frozen(kw_only=True)
class BotV2ContextGetEvent(Event):
    """ONIMBOTV2CONTEXTGET: the bot was opened with a context. Do no side effects here."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2CONTEXTGET",)
    data: BotV2ContextGetData
