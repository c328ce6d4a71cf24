"""b24botevents: typed, verified Bitrix24 chat-bot events.

The public API is what this module exports (``__all__``), plus the named subpackages:
``b24botevents.models`` (every model, the ``...Data`` and value classes, ``EVENT_TYPES``),
``b24botevents.wire`` (the PHP-exact codecs), ``b24botevents.convert`` (``make_converter``,
``event_from_tree``), ``b24botevents.stores``,
``b24botevents.verify``, ``b24botevents.rest`` (the REST client and replies: the
``[rest]`` extra), ``b24botevents.fetch`` (fetch-mode pages), ``b24botevents.poller``
(the fetch-mode ``Poller``: the ``[rest]`` extra too), ``b24botevents.response`` (the
canned answers, for adapter authors), ``b24botevents.contrib.*`` (one adapter per
framework) and ``b24botevents.testing``. Everything else may change.

Names are loaded on first use, so ``import b24botevents`` is cheap and a process pays
only for what it touches (serverless cold starts pay this on every start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .convert import (
        to_dict as to_dict,
    )
    from .dedup import (
        Deduplicator as Deduplicator,
    )
    from .dispatcher import (
        Dispatcher as Dispatcher,
    )
    from .errors import (
        B24Error as B24Error,
    )
    from .errors import (
        B24EventError as B24EventError,
    )
    from .errors import (
        IncompleteBody as IncompleteBody,
    )
    from .errors import (
        LimitExceeded as LimitExceeded,
    )
    from .errors import (
        PayloadError as PayloadError,
    )
    from .errors import (
        RestError as RestError,
    )
    from .errors import (
        SchemaError as SchemaError,
    )
    from .errors import (
        StoreUnavailable as StoreUnavailable,
    )
    from .errors import (
        UnsupportedContentType as UnsupportedContentType,
    )
    from .errors import (
        VerificationFailed as VerificationFailed,
    )
    from .fetch import (
        parse_fetch_response as parse_fetch_response,
    )
    from .limits import (
        Limits as Limits,
    )
    from .models import (
        AnyBotDeleteEvent as AnyBotDeleteEvent,
    )
    from .models import (
        AnyCommandEvent as AnyCommandEvent,
    )
    from .models import (
        AnyJoinChatEvent as AnyJoinChatEvent,
    )
    from .models import (
        AnyMessageAddEvent as AnyMessageAddEvent,
    )
    from .models import (
        AnyMessageDeleteEvent as AnyMessageDeleteEvent,
    )
    from .models import (
        AnyMessageUpdateEvent as AnyMessageUpdateEvent,
    )
    from .models import (
        AppInstallEvent as AppInstallEvent,
    )
    from .models import (
        AppUninstallEvent as AppUninstallEvent,
    )
    from .models import (
        AppUpdateEvent as AppUpdateEvent,
    )
    from .models import (
        BotCommandAddEvent as BotCommandAddEvent,
    )
    from .models import (
        BotDeleteEvent as BotDeleteEvent,
    )
    from .models import (
        BotJoinChatEvent as BotJoinChatEvent,
    )
    from .models import (
        BotMessageAddEvent as BotMessageAddEvent,
    )
    from .models import (
        BotMessageDeleteEvent as BotMessageDeleteEvent,
    )
    from .models import (
        BotMessageUpdateEvent as BotMessageUpdateEvent,
    )
    from .models import (
        BotV2CommandAddEvent as BotV2CommandAddEvent,
    )
    from .models import (
        BotV2ContextGetEvent as BotV2ContextGetEvent,
    )
    from .models import (
        BotV2DeleteEvent as BotV2DeleteEvent,
    )
    from .models import (
        BotV2JoinChatEvent as BotV2JoinChatEvent,
    )
    from .models import (
        BotV2MessageAddEvent as BotV2MessageAddEvent,
    )
    from .models import (
        BotV2MessageDeleteEvent as BotV2MessageDeleteEvent,
    )
    from .models import (
        BotV2MessageUpdateEvent as BotV2MessageUpdateEvent,
    )
    from .models import (
        BotV2ReactionChangeEvent as BotV2ReactionChangeEvent,
    )
    from .models import (
        Event as Event,
    )
    from .models import (
        UnknownEvent as UnknownEvent,
    )
    from .models import (
        UserJoinChatEvent as UserJoinChatEvent,
    )
    from .models import (
        UserMessageAddEvent as UserMessageAddEvent,
    )
    from .models import (
        UserMessageDeleteEvent as UserMessageDeleteEvent,
    )
    from .models import (
        UserMessageUpdateEvent as UserMessageUpdateEvent,
    )
    from .models import (
        UserReactionChangeEvent as UserReactionChangeEvent,
    )
    from .parse import (
        parse_event as parse_event,
    )
    from .poller import (
        Poller as Poller,
    )
    from .response import (
        Response as Response,
    )
    from .rest import (
        AsyncOnlineInstallCheck as AsyncOnlineInstallCheck,
    )
    from .rest import (
        OAuthApp as OAuthApp,
    )
    from .rest import (
        OnlineInstallCheck as OnlineInstallCheck,
    )
    from .rest import (
        RestClient as RestClient,
    )
    from .rest import (
        WebhookAuth as WebhookAuth,
    )
    from .router import (
        DispatchResult as DispatchResult,
    )
    from .router import (
        Router as Router,
    )
    from .stores import (
        DedupStore as DedupStore,
    )
    from .stores import (
        MemoryDedupStore as MemoryDedupStore,
    )
    from .stores import (
        MemoryPortalStore as MemoryPortalStore,
    )
    from .stores import (
        OAuthTokens as OAuthTokens,
    )
    from .stores import (
        PortalRecord as PortalRecord,
    )
    from .stores import (
        PortalStore as PortalStore,
    )
    from .stores import (
        RedisDedupStore as RedisDedupStore,
    )
    from .stores import (
        RedisPortalStore as RedisPortalStore,
    )
    from .stores import (
        SQLiteDedupStore as SQLiteDedupStore,
    )
    from .stores import (
        SQLitePortalStore as SQLitePortalStore,
    )
    from .verify import (
        InstallReason as InstallReason,
    )
    from .verify import (
        InstallRequest as InstallRequest,
    )

__all__ = [
    "AnyBotDeleteEvent",
    "AnyCommandEvent",
    "AnyJoinChatEvent",
    "AnyMessageAddEvent",
    "AnyMessageDeleteEvent",
    "AnyMessageUpdateEvent",
    "AppInstallEvent",
    "AppUninstallEvent",
    "AppUpdateEvent",
    "B24Error",
    "B24EventError",
    "BotCommandAddEvent",
    "BotDeleteEvent",
    "BotJoinChatEvent",
    "BotMessageAddEvent",
    "BotMessageDeleteEvent",
    "BotMessageUpdateEvent",
    "BotV2CommandAddEvent",
    "BotV2ContextGetEvent",
    "BotV2DeleteEvent",
    "BotV2JoinChatEvent",
    "BotV2MessageAddEvent",
    "BotV2MessageDeleteEvent",
    "BotV2MessageUpdateEvent",
    "BotV2ReactionChangeEvent",
    "DedupStore",
    "Deduplicator",
    "DispatchResult",
    "Dispatcher",
    "Event",
    "IncompleteBody",
    "InstallReason",
    "InstallRequest",
    "LimitExceeded",
    "Limits",
    "MemoryDedupStore",
    "MemoryPortalStore",
    "OAuthTokens",
    "PayloadError",
    "PortalRecord",
    "PortalStore",
    "Response",
    "RestError",
    "Router",
    "SQLiteDedupStore",
    "SQLitePortalStore",
    "SchemaError",
    "StoreUnavailable",
    "UnknownEvent",
    "UnsupportedContentType",
    "UserJoinChatEvent",
    "UserMessageAddEvent",
    "UserMessageDeleteEvent",
    "UserMessageUpdateEvent",
    "UserReactionChangeEvent",
    "VerificationFailed",
    "__version__",
    "parse_event",
    "parse_fetch_response",
    "to_dict",
]

# Name -> the module that defines it. RedisPortalStore and RedisDedupStore need the
# optional redis extra, RestClient, the install checks and Poller the rest extra (httpx): they
# resolve on first access but stay out of __all__, so a star import works without them.
_EXPORTS: dict[str, str] = {
    "AnyBotDeleteEvent": "models",
    "AnyCommandEvent": "models",
    "AnyJoinChatEvent": "models",
    "AnyMessageAddEvent": "models",
    "AnyMessageDeleteEvent": "models",
    "AnyMessageUpdateEvent": "models",
    "AppInstallEvent": "models",
    "AppUninstallEvent": "models",
    "AppUpdateEvent": "models",
    "AsyncOnlineInstallCheck": "rest",
    "B24Error": "errors",
    "B24EventError": "errors",
    "BotCommandAddEvent": "models",
    "BotDeleteEvent": "models",
    "BotJoinChatEvent": "models",
    "BotMessageAddEvent": "models",
    "BotMessageDeleteEvent": "models",
    "BotMessageUpdateEvent": "models",
    "BotV2CommandAddEvent": "models",
    "BotV2ContextGetEvent": "models",
    "BotV2DeleteEvent": "models",
    "BotV2JoinChatEvent": "models",
    "BotV2MessageAddEvent": "models",
    "BotV2MessageDeleteEvent": "models",
    "BotV2MessageUpdateEvent": "models",
    "BotV2ReactionChangeEvent": "models",
    "DedupStore": "stores",
    "Deduplicator": "dedup",
    "DispatchResult": "router",
    "Dispatcher": "dispatcher",
    "Event": "models",
    "IncompleteBody": "errors",
    "InstallReason": "verify",
    "InstallRequest": "verify",
    "LimitExceeded": "errors",
    "Limits": "limits",
    "MemoryDedupStore": "stores",
    "MemoryPortalStore": "stores",
    "OAuthApp": "rest",
    "OAuthTokens": "stores",
    "OnlineInstallCheck": "rest",
    "PayloadError": "errors",
    "PortalRecord": "stores",
    "PortalStore": "stores",
    "RedisDedupStore": "stores",
    "RedisPortalStore": "stores",
    "Response": "response",
    "RestClient": "rest",
    "RestError": "errors",
    "Router": "router",
    "SQLiteDedupStore": "stores",
    "SQLitePortalStore": "stores",
    "SchemaError": "errors",
    "StoreUnavailable": "errors",
    "UnknownEvent": "models",
    "UnsupportedContentType": "errors",
    "UserJoinChatEvent": "models",
    "UserMessageAddEvent": "models",
    "UserMessageDeleteEvent": "models",
    "UserMessageUpdateEvent": "models",
    "UserReactionChangeEvent": "models",
    "VerificationFailed": "errors",
    "WebhookAuth": "rest",
    "parse_event": "parse",
    "parse_fetch_response": "fetch",
    "Poller": "poller",
    "to_dict": "convert",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_EXPORTS})
