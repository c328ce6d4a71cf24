"""The legacy ``imbot`` (v1) events: bot delete, messages, joins and commands.

Keys on the wire shout (``BOT_ID``); every value is a string. ``data[BOT]`` and
``data[COMMAND]`` are keyed by id and may address several bots. ``V1MessageView`` and
``V1CommandView`` give these events the same properties as their v2 counterparts.

Required fields are those the docs list for every chat type (``PARAMS``: ``MESSAGE``,
``DIALOG_ID``, ``MESSAGE_ID``; a join's ``DIALOG_ID``; a command's ``COMMAND`` and
``COMMAND_ID``): a body without one is refused with a ``SchemaError`` naming it, so a
handler never meets a ``None`` there. Fields the docs mark as sent in some chats only
(``CHAT_ID`` "absent in personal dialogue", ``USER`` "may be an empty object") stay
optional.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import attrs

from .base import Auth, BotRef, Event, command_key, empty_auth_is_none


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
        """The deleted bot's id (``data[BOT_ID]``)."""
        return self.data.bot_id

    @property
    def bot_code(self) -> str:
        """The deleted bot's code (``data[BOT_CODE]``)."""
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

    ``message`` (``MESSAGE``, possibly ``""``), ``message_id`` and ``dialog_id`` are
    required: the docs list them for every chat type of all four events, and the core sets
    ``DIALOG_ID`` for each of them. The rest is optional (``CHAT_ID`` is absent in private
    chats, ``FROM_USER_ID`` in the group examples of update and delete).
    """

    message: str
    message_id: int
    message_type: str | None = None
    chat_type: str | None = None
    dialog_id: str
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
    """v1 ``data[PARAMS]`` of ONIMBOTJOINCHAT; ``user_id`` is who added the bot.

    ``dialog_id`` is required (the docs list ``DIALOG_ID`` for private and group chats);
    ``from_user_id`` is the bot itself in a private chat, not the user.
    """

    chat_type: str | None = None
    message_type: str | None = None
    bot_id: int | None = None
    user_id: int | None = None
    dialog_id: str
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
    ``BotCredentials`` (flat and under ``AUTH``). ``command`` and ``command_id`` are
    required, as ``imbot.command.answer`` needs them.
    """

    bot_id: int
    bot_code: str
    command: str
    command_id: int
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
    params: MessageParams
    user: ChatUser | None = None


@attrs.frozen(kw_only=True)
class BotJoinChatData:
    """``data`` of ONIMBOTJOINCHAT."""

    bots: dict[int, BotCredentials] = attrs.field(factory=dict)
    params: JoinChatParams
    user: ChatUser | None = None


@attrs.frozen(kw_only=True)
class BotCommandData:
    """``data`` of ONIMCOMMANDADD; ``commands`` is keyed by command id, in wire order.

    ``commands`` is required, and the converter refuses it empty (``data[COMMAND]``).
    """

    commands: dict[int, CommandCall]
    params: MessageParams
    user: ChatUser | None = None


def _bot_ids(entries: Iterable[BotCredentials | CommandCall]) -> tuple[int, ...]:
    # The entries' own ids, not the keys: a PHP list body leaves only positions as keys.
    return tuple(dict.fromkeys(entry.bot_id for entry in entries))


def _bot_refs(entries: Iterable[BotCredentials | CommandCall]) -> tuple[BotRef, ...]:
    """One ``BotRef`` per bot, in wire order; a bot with several commands counts once."""
    refs: dict[int, BotRef] = {}
    for entry in entries:
        if entry.bot_id not in refs:
            refs[entry.bot_id] = BotRef(id=entry.bot_id, code=entry.bot_code, auth=entry.auth)
    return tuple(refs.values())


class V1MessageView:
    """The cross-version properties of v1 message and command events, read from PARAMS.

    ``text``, ``dialog_id`` and ``message_id`` are always sent (the converter requires
    them). ``user_id`` falls back to ``AUTHOR_ID`` because the group examples of update and
    delete send neither ``FROM_USER_ID`` nor ``USER`` (the docs call ``USER`` the
    message's author); ``0`` is a system message.
    """

    __slots__ = ()
    data: BotMessageData | BotCommandData  # declared by each event class

    @property
    def text(self) -> str:
        """The message text (``PARAMS[MESSAGE]``)."""
        return self.data.params.message

    @property
    def dialog_id(self) -> str:
        """The dialog to answer in (``PARAMS[DIALOG_ID]``)."""
        return self.data.params.dialog_id

    @property
    def message_id(self) -> int:
        """The message's id (``PARAMS[MESSAGE_ID]``)."""
        return self.data.params.message_id

    @property
    def author_id(self) -> int | None:
        """The message's author (``PARAMS[AUTHOR_ID]``), if sent."""
        return self.data.params.author_id

    @property
    def language(self) -> str | None:
        """The language code of ``PARAMS[LANGUAGE]``, if sent."""
        return self.data.params.language

    @property
    def chat_id(self) -> int | None:
        """The chat's id: ``CHAT_ID``, else ``TO_CHAT_ID`` (all a private chat sends)."""
        params = self.data.params
        return params.chat_id if params.chat_id is not None else params.to_chat_id

    @property
    def user_id(self) -> int | None:
        """Who wrote: ``FROM_USER_ID``, else ``USER[ID]``, else ``AUTHOR_ID``."""
        params = self.data.params
        if params.from_user_id is not None:
            return params.from_user_id
        user = self.data.user
        return user.id if user is not None else params.author_id


@attrs.frozen(kw_only=True)
class _BotMessageEvent(V1MessageView, Event):
    """The three v1 message events; the properties match their v2 counterparts'."""

    data: BotMessageData

    @property
    def bots(self) -> tuple[BotRef, ...]:
        """The bots of ``data[BOT]`` (v1 may address several), with their own tokens."""
        return _bot_refs(self.data.bots.values())

    @property
    def bot_ids(self) -> tuple[int, ...]:
        """The ids of ``bots``, in wire order."""
        return _bot_ids(self.data.bots.values())


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
    data: BotJoinChatData

    @property
    def dialog_id(self) -> str:
        """The dialog the bot joined (``PARAMS[DIALOG_ID]``, required)."""
        return self.data.params.dialog_id

    @property
    def bots(self) -> tuple[BotRef, ...]:
        """The bots of ``data[BOT]``, with their own tokens."""
        return _bot_refs(self.data.bots.values())

    @property
    def bot_ids(self) -> tuple[int, ...]:
        """The ids of ``bots``, in wire order."""
        return _bot_ids(self.data.bots.values())

    @property
    def language(self) -> str | None:
        """The language code of ``PARAMS[LANGUAGE]``, if sent."""
        return self.data.params.language

    @property
    def chat_id(self) -> int | None:
        """``PARAMS[CHAT_ID]``: group chats only, a private join sends no chat id."""
        return self.data.params.chat_id

    @property
    def user_id(self) -> int | None:
        """Who added the bot: ``PARAMS[USER_ID]``, else ``USER[ID]`` (``FROM_USER_ID``: the bot)."""
        if self.data.params.user_id is not None:
            return self.data.params.user_id
        user = self.data.user
        return user.id if user is not None else None


class V1CommandView:
    """The command of a v1 ONIMCOMMANDADD, read like v2's single ``command``.

    ``data.commands`` may hold several calls (keyed by command id): the properties read
    the first in wire order, ``command_names`` lists them all, lower-cased (``echo``).
    """

    __slots__ = ()
    data: BotCommandData

    def _first(self) -> CommandCall:
        for call in self.data.commands.values():
            return call
        raise LookupError("this ONIMCOMMANDADD event has no data.commands")

    @property
    def command_name(self) -> str:
        """The first call's command, lower-cased, without the slash."""
        return command_key(self._first().command)

    @property
    def command_names(self) -> tuple[str, ...]:
        """Every called command, once each, in wire order."""
        calls = self.data.commands.values()
        return tuple(dict.fromkeys(command_key(call.command) for call in calls))

    @property
    def command_params(self) -> str:
        """``COMMAND_PARAMS``, the text after the command; ``""`` when there is none."""
        return self._first().command_params or ""

    @property
    def command_id(self) -> int:
        """The first call's ``COMMAND_ID``."""
        return self._first().command_id


@attrs.frozen(kw_only=True)
class BotCommandAddEvent(V1CommandView, V1MessageView, Event):
    """ONIMCOMMANDADD (v1): a bot command was sent; ``data.commands`` holds each call.

    ``bots`` are the bots of the calls, once each, with the tokens of their first call.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMCOMMANDADD",)
    data: BotCommandData

    @property
    def bots(self) -> tuple[BotRef, ...]:
        """The bots of the calls, once each, with their first call's tokens."""
        return _bot_refs(self.data.commands.values())

    @property
    def bot_ids(self) -> tuple[int, ...]:
        """The ids of ``bots``, in wire order."""
        return _bot_ids(self.data.commands.values())
