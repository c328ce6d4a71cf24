"""Registering the app's bots at install, idempotently: ``register_bot`` / ``aregister_bot``.

An ONAPPINSTALL handler registers the bots the app brings. A reinstall (or a handler
that runs twice) must not make a second bot, so the helper lists the portal's bots
first and hands back the one with the same ``code``; only a missing bot is registered.
v2 bots go through ``imbot.v2.Bot.register`` (``fields.eventMode``: ``webhook`` with a
``webhookUrl``, or ``fetch``, the docs' default); v1 bots through ``imbot.register``
(one ``EVENT_HANDLER`` URL for all their events).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from b24botevents.errors import RestError

from ._calls import Calls, arun_calls, run_calls

if TYPE_CHECKING:
    from .client import PortalRef, RestClient

__all__ = ["BotRegistration", "aregister_bot", "register_bot"]

EventMode = Literal["webhook", "fetch"]
#: How the "code already taken" answer reads (v2 docs; v1 answers its own).
_TAKEN = frozenset({"BOT_CODE_ALREADY_TAKEN", "CODE_ALREADY_EXISTS", "WRONG_REQUEST"})


@attrs.frozen
class BotRegistration:
    """A registered bot: its ``bot_id``, its ``code``, and whether this call created it."""

    bot_id: int
    code: str
    created: bool


def _check(code: str, name: str, version: int, event_mode: str, webhook_url: str | None) -> None:
    if not isinstance(code, str) or not code.strip():
        raise ValueError("code must be a non-empty str")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name must be a non-empty str")
    if version not in (1, 2):
        raise ValueError("version must be 1 or 2")
    if event_mode not in ("webhook", "fetch"):
        raise ValueError("event_mode must be 'webhook' or 'fetch'")
    if event_mode == "webhook" and not webhook_url:
        raise ValueError("a webhook bot needs webhook_url")
    if version == 1 and event_mode != "webhook":
        raise ValueError("v1 bots only have webhook delivery")


def _list_call(version: int, offset: int = 0) -> tuple[str, dict[str, Any]]:
    if version == 2:
        return "imbot.v2.Bot.list", ({"offset": offset} if offset else {})
    return "imbot.bot.list", {}


#: Pages of ``imbot.v2.Bot.list`` read at most (50 bots a page; an app has at most 100).
_MAX_PAGES = 10


def _look_up(version: int, code: str) -> Calls[int | None]:
    """The id of the portal's bot with ``code``, through every page of the list."""
    offset = 0
    for _ in range(_MAX_PAGES):
        answer = yield _list_call(version, offset)
        found = _found(version, answer, code)
        if found is not None or version == 1 or not isinstance(answer, Mapping):
            return found
        bots = answer.get("bots")
        if answer.get("hasNextPage") is not True or not isinstance(bots, list) or not bots:
            return None
        offset += len(bots)
    return None


def _found(version: int, answer: Any, code: str) -> int | None:
    """The id of the bot with ``code`` in a list answer, if any."""
    if version == 2:
        bots = answer.get("bots") if isinstance(answer, Mapping) else None
        entries = bots if isinstance(bots, list) else []
        for bot in entries:
            if isinstance(bot, Mapping) and bot.get("code") == code:
                return _int(bot.get("id"))
        return None
    entries = list(answer.values()) if isinstance(answer, Mapping) else []
    for bot in entries:
        if isinstance(bot, Mapping) and bot.get("CODE") == code:
            return _int(bot.get("ID"))
    return None


def _int(value: object) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _register_call(
    version: int,
    code: str,
    name: str,
    event_mode: str,
    webhook_url: str | None,
    bot_type: str,
    properties: Mapping[str, Any] | None,
) -> tuple[str, dict[str, Any]]:
    if version == 2:
        fields: dict[str, Any] = {
            "code": code,
            "type": bot_type,
            "eventMode": event_mode,
            "properties": {"name": name, **(properties or {})},
        }
        if webhook_url:
            fields["webhookUrl"] = webhook_url
        return "imbot.v2.Bot.register", {"fields": fields}
    v1_type = {"bot": "B", "supervisor": "S", "personal": "P", "openline": "O"}.get(bot_type)
    return "imbot.register", {
        "CODE": code,
        "TYPE": v1_type or bot_type,
        "EVENT_HANDLER": webhook_url,
        "PROPERTIES": {"NAME": name, **(properties or {})},
    }


def _registered_id(version: int, answer: Any) -> int | None:
    if version == 2:
        bot = answer.get("bot") if isinstance(answer, Mapping) else None
        return _int(bot.get("id")) if isinstance(bot, Mapping) else None
    return _int(answer)


#: A registration: the REST calls it makes, each answered with its result (or the
#: ``RestError`` it raised, thrown in). Written once, run by ``register_bot`` and
#: ``aregister_bot`` alike (``_calls``).
_Steps = Calls[BotRegistration]


def _steps(
    code: str,
    name: str,
    version: int,
    event_mode: str,
    webhook_url: str | None,
    bot_type: str,
    properties: Mapping[str, Any] | None,
) -> _Steps:
    _check(code, name, version, event_mode, webhook_url)
    existing = yield from _look_up(version, code)
    if existing is not None:
        return BotRegistration(existing, code, created=False)
    method, params = _register_call(
        version, code, name, event_mode, webhook_url, bot_type, properties
    )
    try:
        answer = yield method, params
    except RestError as exc:
        if exc.code not in _TAKEN:
            raise
        # Registered meanwhile (a concurrent install handler): hand that one back.
        existing = yield from _look_up(version, code)
        if existing is None:
            raise
        return BotRegistration(existing, code, created=False)
    bot_id = _registered_id(version, answer)
    if bot_id is None:
        raise RestError("INVALID_RESPONSE", "the answer names no bot id", method=method)
    return BotRegistration(bot_id, code, created=True)


def register_bot(
    client: RestClient,
    portal: PortalRef | None,
    *,
    code: str,
    name: str,
    version: int = 2,
    event_mode: EventMode = "webhook",
    webhook_url: str | None = None,
    bot_type: str = "bot",
    properties: Mapping[str, Any] | None = None,
) -> BotRegistration:
    """Register the bot ``code`` on ``portal`` unless it exists; return it either way.

    ``portal`` is a ``member_id`` or record (``None``: through the client's webhook).
    ``properties`` adds to the bot's card (v2 ``lastName``, ``workPosition`` ...; v1
    ``LAST_NAME`` ...).
    """
    steps = _steps(code, name, version, event_mode, webhook_url, bot_type, properties)
    return run_calls(client, portal, steps)


async def aregister_bot(
    client: RestClient,
    portal: PortalRef | None,
    *,
    code: str,
    name: str,
    version: int = 2,
    event_mode: EventMode = "webhook",
    webhook_url: str | None = None,
    bot_type: str = "bot",
    properties: Mapping[str, Any] | None = None,
) -> BotRegistration:
    """``register_bot`` for async code."""
    steps = _steps(code, name, version, event_mode, webhook_url, bot_type, properties)
    return await arun_calls(client, portal, steps)
