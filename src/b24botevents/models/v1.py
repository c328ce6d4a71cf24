"""The legacy ``imbot`` (v1) events: bot delete, messages, joins and commands.

Keys on the wire shout (``BOT_ID``); every value is a string. ``data[BOT]`` and
``data[COMMAND]`` are keyed by id and may address several bots. ``V1MessageView`` gives
these events the same properties as their v2 counterparts.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from .base import Auth, Event, empty_auth_is_none


@attrs.frozen(kw_only=True)
class BotDeleteData:
    """``data`` of ONIMBOTDELETE: just the bot's id and code, no tokens."""

    bot_id: int
    bot_code: str


@attrs.frozen(kw_only=True)
class BotDeleteEvent(Event):
    """ONIMBOTDELETE (v1, legacy ``imbot``): a bot of this application was deleted."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTDELETE",)
    data: BotDeleteData

    @property
    def bot_id(self) -> int:
        return self.data.bot_id

    @property
    def bot_code(self) -> str:
        return self.data.bot_code


@attrs.frozen(kw_only=True)
class BotCredentials:
    """One entry of v1 ``data[BOT][<id>]``: a bot the event is for, and its own tokens.

    Bitrix24 sends the bot's tokens twice, flat in the entry and again under ``AUTH``; the
    converter reads ``AUTH`` and falls back to the flat fields when it is absent.
    """

    bot_id: int
    bot_code: str
    auth: Auth | None = attrs.field(default=None, converter=empty_auth_is_none)


@attrs.frozen(kw_only=True)
class MessageParams:
    """v1 ``data[PARAMS]`` of the message and command events.

    Only the fields a handler acts on are typed; the many delivery flags (``PUSH``,
    ``SKIP_COMMAND``, ...) stay in ``raw``. ``mentioned`` comes from ``MENTIONED_LIST``
    (``{id: id}``), set in group chats only.
    """

    message: str | None = None
    message_id: int | None = None
    message_type: str | None = None
    chat_type: str | None = None
    dialog_id: str | None = None
    from_user_id: int | None = None
    to_user_id: int | None = None
    to_chat_id: int | None = None
    author_id: int | None = None
    chat_id: int | None = None
    chat_title: str | None = None
    chat_author_id: int | None = None
    chat_entity_type: str | None = None
    chat_entity_id: str | None = None
    chat_user_count: int | None = None
    system: bool | None = None
    language: str | None = None
    command_context: str | None = None
    platform_context: str | None = None
    template_id: str | None = None
    message_original: str | None = None
    mentioned: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class ChatUser:
    """v1 ``data[USER]``: who wrote (or added the bot). Join and command events omit the
    ``IS_*`` flags."""

    id: int
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    work_position: str | None = None
    gender: str | None = None
    is_bot: bool | None = None
    is_connector: bool | None = None
    is_network: bool | None = None
    is_extranet: bool | None = None


@attrs.frozen(kw_only=True)
class JoinChatParams:
    """v1 ``data[PARAMS]`` of ONIMBOTJOINCHAT; ``user_id`` is who added the bot."""

    chat_type: str | None = None
    message_type: str | None = None
    bot_id: int | None = None
    user_id: int | None = None
    dialog_id: str | None = None
    language: str | None = None
    to_user_id: int | None = None
    from_user_id: int | None = None
    chat_id: int | None = None
    chat_author_id: int | None = None
    chat_entity_type: str | None = None
    chat_entity_id: str | None = None
    access_history: bool | None = None
    silent_join: bool | None = None


@attrs.frozen(kw_only=True)
class CommandCall:
    """One entry of v1 ``data[COMMAND][<command id>]``: the command and its bot's tokens.

    ``command`` is the code without the slash (``echo``); the tokens come as in
    ``BotCredentials`` (flat and under ``AUTH``).
    """

    bot_id: int
    bot_code: str
    command: str | None = None
    command_id: int | None = None
    command_params: str | None = None
    command_context: str | None = None
    message_id: int | None = None
    auth: Auth | None = attrs.field(default=None, converter=empty_auth_is_none)


@attrs.frozen(kw_only=True)
class BotMessageData:
    """``data`` of ONIMBOTMESSAGEADD/UPDATE/DELETE: the addressed bots, the message, the user.

    ``bots`` is keyed by bot id; v1 may address several bots in one call. ``user`` is None
    when ``USER`` is missing or empty (the group examples of update/delete omit it).
    """

    bots: dict[int, BotCredentials] = attrs.field(factory=dict)
    params: MessageParams = attrs.field(factory=MessageParams)
    user: ChatUser | None = None


@attrs.frozen(kw_only=True)
class BotJoinChatData:
    """``data`` of ONIMBOTJOINCHAT."""

    bots: dict[int, BotCredentials] = attrs.field(factory=dict)
    params: JoinChatParams = attrs.field(factory=JoinChatParams)
    user: ChatUser | None = None


@attrs.frozen(kw_only=True)
class BotCommandData:
    """``data`` of ONIMCOMMANDADD; ``commands`` is keyed by command id."""

    commands: dict[int, CommandCall] = attrs.field(factory=dict)
    params: MessageParams = attrs.field(factory=MessageParams)
    user: ChatUser | None = None


def _bot_ids(bots: dict[int, BotCredentials] | dict[int, CommandCall]) -> tuple[int, ...]:
    # The entries' own ids, not the keys: a PHP list body leaves only positions as keys.
    return tuple(dict.fromkeys(entry.bot_id for entry in bots.values()))


class V1MessageView:
    """The cross-version properties of v1 message and command events, read from PARAMS."""

    __slots__ = ()
    data: BotMessageData | BotCommandData  # declared by each event class

    @property
    def text(self) -> str | None:
        return self.data.params.message

    @property
    def dialog_id(self) -> str | None:
        return self.data.params.dialog_id

    @property
    def message_id(self) -> int | None:
        return self.data.params.message_id

    @property
    def author_id(self) -> int | None:
        return self.data.params.author_id

    @property
    def language(self) -> str | None:
        return self.data.params.language


@attrs.frozen(kw_only=True)
class _BotMessageEvent(V1MessageView, Event):
    """The three v1 message events; the properties match their v2 counterparts'."""

    data: BotMessageData = attrs.field(factory=BotMessageData)

    @property
    def bot_ids(self) -> tuple[int, ...]:
        return _bot_ids(self.data.bots)


@attrs.frozen(kw_only=True)
class BotMessageAddEvent(_BotMessageEvent):
    """ONIMBOTMESSAGEADD (v1): a message to the bot (private chat, or a group mention)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTMESSAGEADD",)


@attrs.frozen(kw_only=True)
class BotMessageUpdateEvent(_BotMessageEvent):
    """ONIMBOTMESSAGEUPDATE (v1): a message was edited; ``text`` is the new text."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTMESSAGEUPDATE",)


@attrs.frozen(kw_only=True)
class BotMessageDeleteEvent(_BotMessageEvent):
    """ONIMBOTMESSAGEDELETE (v1): a message was deleted; ``text`` is the system notice."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTMESSAGEDELETE",)


@attrs.frozen(kw_only=True)
class BotJoinChatEvent(Event):
    """ONIMBOTJOINCHAT (v1): the bot was added to a chat (or a private dialog opened)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTJOINCHAT",)
    data: BotJoinChatData = attrs.field(factory=BotJoinChatData)

    @property
    def dialog_id(self) -> str | None:
        return self.data.params.dialog_id

    @property
    def bot_ids(self) -> tuple[int, ...]:
        return _bot_ids(self.data.bots)

    @property
    def language(self) -> str | None:
        return self.data.params.language


@attrs.frozen(kw_only=True)
class BotCommandAddEvent(V1MessageView, Event):
    """ONIMCOMMANDADD (v1): a bot command was sent; ``data.commands`` holds each call."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMCOMMANDADD",)
    data: BotCommandData = attrs.field(factory=BotCommandData)

    @property
    def bot_ids(self) -> tuple[int, ...]:
        return _bot_ids(self.data.commands)
