"""b24botevents: typed, verified Bitrix24 chat-bot events.

The public API is what this module exports; everything else may change.
"""

from __future__ import annotations

from .errors import (
    B24EventError,
    LimitExceeded,
    PayloadError,
    SchemaError,
    StoreUnavailable,
    UnsupportedContentType,
)
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
from .wire import decode_body, encode_form, parse_form

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
    "Auth",
    "B24EventError",
    "Bot",
    "BotDeleteData",
    "BotDeleteEvent",
    "BotV2DeleteData",
    "BotV2DeleteEvent",
    "Event",
    "LimitExceeded",
    "Limits",
    "PayloadError",
    "SchemaError",
    "StoreUnavailable",
    "UnknownEvent",
    "UnsupportedContentType",
    "__version__",
    "decode_body",
    "encode_form",
    "parse_event",
    "parse_form",
]
