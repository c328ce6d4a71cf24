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
    AppInstallData,
    AppInstallEvent,
    AppStatus,
    AppUninstallData,
    AppUninstallEvent,
    AppUpdateData,
    AppUpdateEvent,
    Auth,
    Bot,
    BotDeleteData,
    BotDeleteEvent,
    BotV2DeleteData,
    BotV2DeleteEvent,
    Event,
    UnknownEvent,
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
    "BotDeleteData",
    "BotDeleteEvent",
    "BotV2DeleteData",
    "BotV2DeleteEvent",
    "DedupStore",
    "Deduplicator",
    "DispatchResult",
    "Dispatcher",
    "Event",
    "LimitExceeded",
    "Limits",
    "MemoryDedupStore",
    "MemoryTokenStore",
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
