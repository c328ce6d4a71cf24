"""b24botevents: typed, verified Bitrix24 chat-bot events.

The public API is what this module exports; everything else may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .dedup import Deduplicator
from .dispatch import DispatchResult, Router
from .errors import (
    B24EventError,
    LimitExceeded,
    PayloadError,
    SchemaError,
    StoreUnavailable,
    UnsupportedContentType,
    VerificationFailed,
)
from .handle import ApproveInstall, Dispatcher, Response, method_not_allowed, payload_too_large
from .limits import Limits
from .models import (
    EVENT_TYPES,
    AnyBotDeleteEvent,
    AnyCommandEvent,
    AnyJoinChatEvent,
    AnyMessageAddEvent,
    AnyMessageDeleteEvent,
    AnyMessageUpdateEvent,
    AppInstallData,
    AppInstallEvent,
    AppStatus,
    AppUninstallData,
    AppUninstallEvent,
    AppUpdateData,
    AppUpdateEvent,
    Auth,
    Bot,
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
    Chat,
    ChatUser,
    Command,
    CommandCall,
    Event,
    JoinChatParams,
    Message,
    MessageParams,
    UnknownEvent,
    User,
)
from .parse import parse_event
from .stores import (
    DedupStore,
    MemoryDedupStore,
    MemoryTokenStore,
    SQLiteDedupStore,
    SQLiteTokenStore,
    TokenStore,
)
from .wire import decode_body, encode_form, parse_form

if TYPE_CHECKING:
    from .stores.redis import RedisDedupStore as RedisDedupStore
    from .stores.redis import RedisTokenStore as RedisTokenStore

__version__ = "0.1.0.dev0"

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
    "ApproveInstall",
    "Auth",
    "B24EventError",
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
    "DedupStore",
    "Deduplicator",
    "DispatchResult",
    "Dispatcher",
    "Event",
    "JoinChatParams",
    "LimitExceeded",
    "Limits",
    "MemoryDedupStore",
    "MemoryTokenStore",
    "Message",
    "MessageParams",
    "PayloadError",
    "Response",
    "Router",
    "SQLiteDedupStore",
    "SQLiteTokenStore",
    "SchemaError",
    "StoreUnavailable",
    "TokenStore",
    "UnknownEvent",
    "UnsupportedContentType",
    "User",
    "VerificationFailed",
    "__version__",
    "decode_body",
    "encode_form",
    "method_not_allowed",
    "parse_event",
    "parse_form",
    "payload_too_large",
]

# RedisTokenStore and RedisDedupStore need the optional redis extra: resolved on first
# access and left out of __all__, so a star import works without redis-py.
_LAZY = frozenset({"RedisDedupStore", "RedisTokenStore"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import stores

        value = getattr(stores, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
