"""The outbound half: calls to a portal's REST API, and replies to events in one line.

``RestClient`` is one client for sync and async code (on httpx: ``pip install
'b24botevents[rest]'``). It calls each portal with the OAuth credentials its portal record
keeps (learnt at ONAPPINSTALL, refreshed at the configured ``OAuthApp.token_url`` only and
written back compare-and-set), or through a ``WebhookAuth``. Calls go only to the portal's
bound domain (``endpoints``); they are rate-limited per portal and retried as
``RetryPolicy`` says; failures raise ``b24botevents.errors.RestError``.

``client.reply(event, "text")`` answers a message or a command, v1 or v2 alike
(``replies``); ``OnlineInstallCheck`` is an ``approve_install`` hook that asks the portal
itself whether an install is real (``install_check``); ``register_bot`` registers the
app's bots (``bots``) and ``register_command`` their chat commands (``commands``).

The names that need httpx (``RestClient``, the install checks, ``register_bot``,
``register_command``) load on first access, so the configuration classes import without
it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from b24botevents.errors import RestError

from ._batch import BatchResult
from .config import BITRIX24_OAUTH_SERVER, BITRIX24_OAUTH_URL, OAuthApp, RetryPolicy, WebhookAuth
from .endpoints import check_public_domain
from .limiter import RateLimiter
from .replies import ReplyTarget, reply_target

if TYPE_CHECKING:
    from .bots import BotRegistration as BotRegistration
    from .bots import aregister_bot as aregister_bot
    from .bots import register_bot as register_bot
    from .client import RestClient as RestClient
    from .commands import CommandRegistration as CommandRegistration
    from .commands import aregister_command as aregister_command
    from .commands import register_command as register_command
    from .install_check import AsyncOnlineInstallCheck as AsyncOnlineInstallCheck
    from .install_check import OnlineInstallCheck as OnlineInstallCheck

__all__ = [
    "BITRIX24_OAUTH_SERVER",
    "BITRIX24_OAUTH_URL",
    "BatchResult",
    "OAuthApp",
    "RateLimiter",
    "ReplyTarget",
    "RestError",
    "RetryPolicy",
    "WebhookAuth",
    "check_public_domain",
    "reply_target",
]

_LAZY = {
    "RestClient": "client",
    "OnlineInstallCheck": "install_check",
    "AsyncOnlineInstallCheck": "install_check",
    "BotRegistration": "bots",
    "register_bot": "bots",
    "aregister_bot": "bots",
    "CommandRegistration": "commands",
    "register_command": "commands",
    "aregister_command": "commands",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
