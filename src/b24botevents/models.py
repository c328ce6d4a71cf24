"""Typed, frozen event models: the envelope, the ``auth`` block and each event's ``data``.

The classes are plain attrs value objects with snake_case attributes. They know nothing
about the wire: which key is ``BOT_ID`` or ``isHidden``, and how ``"Y"`` becomes ``True``,
is the converter's business (``convert.py``). Secret fields never show in ``repr``/``str``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .redact import mask_repr, redacted_repr

__all__ = [
    "EVENT_TYPES",
    "AnyBotDeleteEvent",
    "AnyCommandEvent",
    "AnyJoinChatEvent",
    "AnyMessageAddEvent",
    "AnyMessageDeleteEvent",
    "AnyMessageUpdateEvent",
    "AppInstallData",
    "AppInstallEvent",
    "AppStatus",
    "AppUninstallData",
    "AppUninstallEvent",
    "AppUpdateData",
    "AppUpdateEvent",
    "Auth",
    "Bot",
    "BotCommandAddEvent",
    "BotCommandData",
    "BotCredentials",
    "BotDeleteData",
    "BotDeleteEvent",
    "BotJoinChatData",
    "BotJoinChatEvent",
    "BotMessageAddEvent",
    "BotMessageData",
    "BotMessageDeleteEvent",
    "BotMessageUpdateEvent",
    "BotV2CommandAddEvent",
    "BotV2CommandData",
    "BotV2ContextGetData",
    "BotV2ContextGetEvent",
    "BotV2DeleteData",
    "BotV2DeleteEvent",
    "BotV2JoinChatData",
    "BotV2JoinChatEvent",
    "BotV2MessageAddEvent",
    "BotV2MessageData",
    "BotV2MessageDeleteData",
    "BotV2MessageDeleteEvent",
    "BotV2MessageUpdateEvent",
    "BotV2ReactionChangeData",
    "BotV2ReactionChangeEvent",
    "Chat",
    "ChatUser",
    "Command",
    "CommandCall",
    "Event",
    "JoinChatParams",
    "Message",
    "MessageParams",
    "UnknownEvent",
    "User",
]


class AppStatus(str, enum.Enum):
    """The application's status on the portal (``auth[status]``).

    Codes outside this list are kept as plain strings by the converter, never an error:
    the two official docs already disagree on the list.
    """

    FREE = "F"
    DEMO = "D"
    TRIAL = "T"
    PAID = "P"
    LOCAL = "L"
    SUBSCRIPTION = "S"


@attrs.frozen(kw_only=True)
class Auth:
    """The ``auth`` block: who the event came from and, sometimes, tokens to call back.

    Every field is optional: events fired by automation carry no user tokens, outgoing
    webhooks and ONAPPUNINSTALL carry only the portal fields and ``application_token``, and
    a v2 envelope may carry just ``domain`` and ``application_token``.
    """

    access_token: str | None = attrs.field(default=None, repr=mask_repr)
    refresh_token: str | None = attrs.field(default=None, repr=mask_repr)
    expires: datetime | None = None
    expires_in: int | None = None
    scope: tuple[str, ...] = ()
    domain: str | None = None
    server_endpoint: str | None = None
    client_endpoint: str | None = None
    member_id: str | None = None
    user_id: int | None = None
    status: AppStatus | str | None = None
    application_token: str | None = attrs.field(default=None, repr=mask_repr)
    client_id: str | None = None

    @property
    def has_user_tokens(self) -> bool:
        """True when the event brought an OAuth access token usable for REST calls."""
        return bool(self.access_token)


def _empty_auth_is_none(auth: Auth | None) -> Auth | None:
    """``Auth()`` carries nothing, and a form body cannot carry an empty block: None."""
    return None if auth is None or auth == _NO_AUTH else auth


_NO_AUTH = Auth()


@attrs.frozen(kw_only=True)
class Bot:
    """A v2 bot as events describe it.

    Webhook mode sends ``{id, code, auth}`` (``auth`` holds the bot's own tokens); fetch
    mode sends the full bot object without ``auth``. Everything but ``id`` and ``code`` is
    optional so that both shapes fit.
    """

    id: int
    code: str
    auth: Auth | None = attrs.field(default=None, converter=_empty_auth_is_none)
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
class Event:
    """The envelope every event shares. Use a subclass; unknown codes give ``UnknownEvent``.

    ``raw`` is the decoded body as received (nested dicts of strings for form bodies), for
    whatever the typed fields do not cover. It takes no part in equality and is not shown
    in ``repr`` (it holds the tokens).
    """

    #: Event code(s) this class models; the converter dispatches on them.
    CODES: ClassVar[tuple[str, ...]] = ()

    code: str
    handler_id: int | None = None
    ts: datetime | None = None
    auth: Auth | None = attrs.field(default=None, converter=_empty_auth_is_none)
    data: object = None
    raw: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def member_id(self) -> str | None:
        """The portal's ``member_id`` from the envelope's ``auth``, if any."""
        return self.auth.member_id if self.auth is not None else None

    @property
    def domain(self) -> str | None:
        """The portal's domain from the envelope's ``auth``, if any."""
        return self.auth.domain if self.auth is not None else None

    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """A JSON-serialisable, wire-shaped dict; ``parse_event`` of it equals this event.

        Typed fields are written with their wire names over ``raw``, so nothing the body
        carried is lost. ``redact=True`` masks every token, at any depth.
        """
        from .convert import event_to_dict  # same layer; a module-level import would cycle

        return event_to_dict(self, redact=redact)


# ---- v1: ONIMBOTDELETE ---------------------------------------------------------------


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


# ---- v2: ONIMBOTV2DELETE -------------------------------------------------------------


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


#: Either delete event; both have ``bot_id`` and ``bot_code``.
AnyBotDeleteEvent = BotDeleteEvent | BotV2DeleteEvent


# ---- v1: messages, joins, commands ---------------------------------------------------


@attrs.frozen(kw_only=True)
class BotCredentials:
    """One entry of v1 ``data[BOT][<id>]``: a bot the event is for, and its own tokens.

    Bitrix24 sends the bot's tokens twice, flat in the entry and again under ``AUTH``; the
    converter reads ``AUTH`` and falls back to the flat fields when it is absent.
    """

    bot_id: int
    bot_code: str
    auth: Auth | None = attrs.field(default=None, converter=_empty_auth_is_none)


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
    auth: Auth | None = attrs.field(default=None, converter=_empty_auth_is_none)


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


class _V1MessageView:
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
class _BotMessageEvent(_V1MessageView, Event):
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
class BotCommandAddEvent(_V1MessageView, Event):
    """ONIMCOMMANDADD (v1): a bot command was sent; ``data.commands`` holds each call."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMCOMMANDADD",)
    data: BotCommandData = attrs.field(factory=BotCommandData)

    @property
    def bot_ids(self) -> tuple[int, ...]:
        return _bot_ids(self.data.commands)


# ---- v2: messages, joins, commands, reactions, context -------------------------------


@attrs.frozen(kw_only=True)
class Message:
    """A v2 ``message``; ``params`` and ``forward`` are free-form, kept as decoded."""

    id: int
    chat_id: int | None = None
    author_id: int | None = None
    date: datetime | None = None
    text: str | None = None
    is_system: bool | None = None
    uuid: str | None = None
    forward: dict[str, Any] | None = None
    params: dict[str, Any] = attrs.field(factory=dict)
    viewed_by_others: bool | None = None


@attrs.frozen(kw_only=True)
class Chat:
    """A v2 ``chat`` (events carry no ``role``/``muteList``)."""

    id: int
    dialog_id: str | None = None
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
    """A v2 ``command``: ``command`` keeps its slash (``/help``); ``context`` is
    ``textarea``, ``keyboard`` or ``menu``."""

    id: int
    command: str | None = None
    params: str | None = None
    context: str | None = None


@attrs.frozen(kw_only=True)
class _BotV2ChatData:
    """What the ``data`` of every v2 chat event has: the bot, the chat, the user (who
    wrote, reacted, or added the bot) and the chat's language."""

    bot: Bot
    chat: Chat | None = None
    user: User | None = None
    language: str | None = None


@attrs.frozen(kw_only=True)
class BotV2MessageData(_BotV2ChatData):
    """``data`` of ONIMBOTV2MESSAGEADD/UPDATE."""

    message: Message | None = None


@attrs.frozen(kw_only=True)
class BotV2MessageDeleteData(_BotV2ChatData):
    """``data`` of ONIMBOTV2MESSAGEDELETE: a ``messageId``, no ``message`` object."""

    message_id: int | None = None


@attrs.frozen(kw_only=True)
class BotV2JoinChatData(_BotV2ChatData):
    """``data`` of ONIMBOTV2JOINCHAT; ``user`` is who added the bot."""

    dialog_id: str | None = None


@attrs.frozen(kw_only=True)
class BotV2CommandData(_BotV2ChatData):
    """``data`` of ONIMBOTV2COMMANDADD: one event per command in a message."""

    command: Command | None = None
    message: Message | None = None


@attrs.frozen(kw_only=True)
class BotV2ReactionChangeData(_BotV2ChatData):
    """``data`` of ONIMBOTV2REACTIONCHANGE; ``action`` is ``add`` or ``delete``."""

    reaction: str | None = None
    action: str | None = None
    message: Message | None = None


@attrs.frozen(kw_only=True)
class BotV2ContextGetData(_BotV2ChatData):
    """``data`` of ONIMBOTV2CONTEXTGET; ``context`` is free-form, kept as decoded."""

    dialog_id: str | None = None
    context: dict[str, Any] = attrs.field(factory=dict)


class _V2ChatView:
    """Cross-version properties every v2 chat event can answer (from bot, chat, language)."""

    __slots__ = ()
    data: _BotV2ChatData  # declared by each event class

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


class _V2MessageView(_V2ChatView):
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
class _BotV2MessageEvent(_V2MessageView, Event):
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
class BotV2MessageDeleteEvent(_V2ChatView, Event):
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
class BotV2JoinChatEvent(_V2ChatView, Event):
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
class BotV2CommandAddEvent(_V2MessageView, Event):
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


#: Either version of each chat-bot event: one handler serves both. The message, join and
#: command events share ``dialog_id``, ``bot_ids`` and ``language``; the message and
#: command events also ``text``, ``message_id`` and ``author_id``.
AnyMessageAddEvent = BotMessageAddEvent | BotV2MessageAddEvent
AnyMessageUpdateEvent = BotMessageUpdateEvent | BotV2MessageUpdateEvent
AnyMessageDeleteEvent = BotMessageDeleteEvent | BotV2MessageDeleteEvent
AnyJoinChatEvent = BotJoinChatEvent | BotV2JoinChatEvent
AnyCommandEvent = BotCommandAddEvent | BotV2CommandAddEvent


# ---- app lifecycle -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AppInstallData:
    """``data`` of ONAPPINSTALL."""

    version: str | None = None
    active: bool | None = None
    installed: bool | None = None
    language_id: str | None = None


@attrs.frozen(kw_only=True)
class AppInstallEvent(Event):
    """ONAPPINSTALL: the app was installed; ``auth.application_token`` is the one to keep."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPINSTALL",)
    data: AppInstallData = attrs.field(factory=AppInstallData)


@attrs.frozen(kw_only=True)
class AppUpdateData:
    """``data`` of ONAPPUPDATE."""

    version: str | None = None
    previous_version: str | None = None
    language_id: str | None = None


@attrs.frozen(kw_only=True)
class AppUpdateEvent(Event):
    """ONAPPUPDATE: a new version was installed; it may bring a new ``application_token``."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPUPDATE",)
    data: AppUpdateData = attrs.field(factory=AppUpdateData)


@attrs.frozen(kw_only=True)
class AppUninstallData:
    """``data`` of ONAPPUNINSTALL; ``clean`` is the user's "delete app data" choice."""

    language_id: str | None = None
    clean: bool | None = None


@attrs.frozen(kw_only=True)
class AppUninstallEvent(Event):
    """ONAPPUNINSTALL: the app was removed. Its auth holds no usable tokens."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPUNINSTALL",)
    data: AppUninstallData = attrs.field(factory=AppUninstallData)


# ---- everything else -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UnknownEvent(Event):
    """Any event without a model: the envelope is typed, ``data`` is the raw mapping."""

    data: dict[str, Any] = attrs.field(factory=dict, repr=redacted_repr)


#: Event code -> model class. Codes are upper case; lookups upper-case the wire code.
EVENT_TYPES: dict[str, type[Event]] = {
    code: cls
    for cls in (
        BotDeleteEvent,
        BotV2DeleteEvent,
        BotMessageAddEvent,
        BotMessageUpdateEvent,
        BotMessageDeleteEvent,
        BotJoinChatEvent,
        BotCommandAddEvent,
        BotV2MessageAddEvent,
        BotV2MessageUpdateEvent,
        BotV2MessageDeleteEvent,
        BotV2JoinChatEvent,
        BotV2CommandAddEvent,
        BotV2ReactionChangeEvent,
        BotV2ContextGetEvent,
        AppInstallEvent,
        AppUpdateEvent,
        AppUninstallEvent,
    )
    for code in cls.CODES
}
