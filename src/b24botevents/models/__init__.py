"""The typed, frozen event models: every event, its ``data`` and the values inside.

The classes are plain attrs value objects with snake_case attributes. They know nothing
about the wire: which key is ``BOT_ID`` or ``isHidden``, and how ``"Y"`` becomes ``True``,
is the converter's business (``b24botevents.convert``). The free-form objects the docs
leave untyped (a message's ``params``, a context) hold text leaves, as a webhook body
carries them, so fetch and webhook mode give equal models (``_freeform``). Secret fields
never show in ``repr``/``str``.

* ``base``: ``Event`` (the envelope), ``Auth``, ``AppStatus``, ``UnknownEvent``, and
  ``BotRef`` (a chat-bot event's bot, as ``event.bots`` gives it for either version);
* ``v1``: the legacy ``imbot`` events and their payload classes;
* ``entities`` and ``v2``: the ``imbot.v2`` entities and events;
* ``user_events``: the ``im.v2`` user events (fetch mode only): what a subscribed user
  sees in all their chats, with the v2 events' properties (``views``) but no bot;
* ``app``: ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL.

The events and their cross-version unions are also exported by ``b24botevents``; the
``...Data`` and value classes live here only.
"""

from __future__ import annotations

from .app import (
    AppInstallData,
    AppInstallEvent,
    AppUninstallData,
    AppUninstallEvent,
    AppUpdateData,
    AppUpdateEvent,
)
from .base import AppStatus, Auth, BotRef, Event, UnknownEvent
from .entities import Bot, Chat, Command, Forward, Message, User
from .user_events import (
    UserJoinChatData,
    UserJoinChatEvent,
    UserMessageAddEvent,
    UserMessageData,
    UserMessageDeleteData,
    UserMessageDeleteEvent,
    UserMessageUpdateEvent,
    UserReactionChangeData,
    UserReactionChangeEvent,
)
from .v1 import (
    BotCommandAddEvent,
    BotCommandData,
    BotCredentials,
    BotDeleteData,
    BotDeleteEvent,
    BotJoinChatData,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageData,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    ChatUser,
    CommandCall,
    JoinChatParams,
    MessageParams,
)
from .v2 import (
    BotV2CommandAddEvent,
    BotV2CommandData,
    BotV2ContextGetData,
    BotV2ContextGetEvent,
    BotV2DeleteData,
    BotV2DeleteEvent,
    BotV2JoinChatData,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageData,
    BotV2MessageDeleteData,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    BotV2ReactionChangeData,
    BotV2ReactionChangeEvent,
)

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
    "BotRef",
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
    "Forward",
    "JoinChatParams",
    "Message",
    "MessageParams",
    "UnknownEvent",
    "User",
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

#: Either delete event; both have ``bot_id`` and ``bot_code``.
AnyBotDeleteEvent = BotDeleteEvent | BotV2DeleteEvent
#: Either version of each chat-bot event: one handler serves both. The message, join and
#: command events share ``dialog_id``, ``bots``, ``bot_ids``, ``chat_id``, ``user_id`` and
#: ``language``; the message and command events also ``text``, ``message_id`` and
#: ``author_id``; the command events ``command_name``, ``command_names``,
#: ``command_params`` and ``command_id``. Never None, as the converter requires them:
#: ``text`` (except on ``AnyMessageDeleteEvent``: v2 sends none), ``dialog_id`` (except on
#: ``AnyJoinChatEvent``) and ``message_id``.
AnyMessageAddEvent = BotMessageAddEvent | BotV2MessageAddEvent
#: Either message update event: the properties of ``AnyMessageAddEvent``.
AnyMessageUpdateEvent = BotMessageUpdateEvent | BotV2MessageUpdateEvent
#: Either message delete event: the properties of ``AnyMessageAddEvent``; v2 sends no text.
AnyMessageDeleteEvent = BotMessageDeleteEvent | BotV2MessageDeleteEvent
#: Either join event: ``dialog_id``, ``chat_id``, ``user_id``, ``bots``, ``bot_ids``, ``language``.
AnyJoinChatEvent = BotJoinChatEvent | BotV2JoinChatEvent
#: Either command event: the message properties and ``command_name`` and the rest.
AnyCommandEvent = BotCommandAddEvent | BotV2CommandAddEvent

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
        UserMessageAddEvent,
        UserMessageUpdateEvent,
        UserMessageDeleteEvent,
        UserReactionChangeEvent,
        UserJoinChatEvent,
        AppInstallEvent,
        AppUpdateEvent,
        AppUninstallEvent,
    )
    for code in cls.CODES
}
