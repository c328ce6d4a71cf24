"""The fake's fetch-mode methods: ``imbot.v2.Event.get``, ``im.v2.Event.get/subscribe/unsubscribe``.

Docs: ``chat-bots-v2/imbot.v2/events/event-get.md`` and ``chat-bots-v2/im.v2/events/``
of ``bitrix24/b24restdocs``. ``imbot.v2.Event.get`` checks its bot as every ``imbot.v2``
method does (``BOT_TOKEN_NOT_SPECIFIED`` over a webhook without ``botToken``,
``BOT_ID_REQUIRED``, ``BOT_OWNERSHIP_ERROR`` for another application's bot or a wrong
token), except that a bot the fake does not know is ``BOT_NOT_FOUND`` over OAuth too: an
unknown bot has no queue to read. ``withUserEvents`` needs scope ``im`` over OAuth
(``SCOPE_ERROR``) and a subscribed caller (``USER_NOT_SUBSCRIBED``); the user is the
caller (the token's user, the webhook's user). ``limit`` outside 1-1000 and an ``offset``
that is not an integer are ``INVALID_ARGUMENT`` (the docs name no code). The user-event
methods need scope ``im`` over OAuth (``insufficient_scope``); ``im.v2.Event.get`` has no
errors of its own: an unsubscribed user just has no events.
"""

from __future__ import annotations

import re
from typing import Any

from ._fake_context import Ctx, Handler, flag, int_param
from ._fake_events import DEFAULT_LIMIT, MAX_LIMIT, Page
from ._fake_imbot_v2 import owned_bot
from ._fake_wire import ApiError

__all__ = ["METHODS"]

_BOT_METHOD = "imbot.v2.Event.get"
_USER_METHOD = "im.v2.Event.get"


def _scoped(ctx: Ctx, scope: str) -> bool:
    """Whether the caller's application has ``scope`` (a webhook's scopes are not modelled)."""
    if ctx.caller.is_webhook:
        return True
    granted = ctx.state.entry(ctx.caller.member_id).portal.scope
    return scope in re.split(r"[\s,]+", granted.strip())


def _need_im_scope(ctx: Ctx) -> None:
    if not _scoped(ctx, "im"):
        raise ApiError(
            "insufficient_scope", "The request requires higher privileges than provided", 403
        )


def _offset(ctx: Ctx) -> int | None:
    raw = ctx.params.get("offset")
    if raw is None or raw == "":
        return None
    number = int_param(raw)
    if number is None:
        raise ApiError("INVALID_ARGUMENT", "offset must be an integer")
    return number


def _limit(ctx: Ctx) -> int:
    raw = ctx.params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    number = int_param(raw)
    if number is None or not 1 <= number <= MAX_LIMIT:
        raise ApiError("INVALID_ARGUMENT", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return number


def _answer(page: Page, legacy: bool) -> dict[str, Any]:
    if legacy:
        return {"events": page.events, "lastEventId": page.last_event_id, "hasMore": page.has_more}
    return {"events": page.events, "nextOffset": page.next_offset, "hasMore": page.has_more}


def event_get(ctx: Ctx) -> dict[str, Any]:
    """``imbot.v2.Event.get``: confirm below ``offset``, then the bot's next ``limit`` events."""
    bot = owned_bot(ctx, register=False)
    offset, limit = _offset(ctx), _limit(ctx)
    events = ctx.state.events
    user_id: int | None = None
    if flag(ctx.params.get("withUserEvents"), False):
        if not _scoped(ctx, "im"):
            raise ApiError("SCOPE_ERROR", "Scope error")
        if (ctx.caller.member_id, ctx.caller.user_id) not in events.subscribed:
            raise ApiError("USER_NOT_SUBSCRIBED", "User not subscribed")
        user_id = ctx.caller.user_id
    page = events.page(
        _BOT_METHOD,
        ctx.caller.member_id,
        bot_id=bot.bot_id,
        user_id=user_id,
        offset=offset,
        limit=limit,
    )
    return _answer(page, events.legacy)


def user_event_get(ctx: Ctx) -> dict[str, Any]:
    """``im.v2.Event.get``: the calling user's events (kept after an unsubscribe)."""
    _need_im_scope(ctx)
    offset, limit = _offset(ctx), _limit(ctx)
    page = ctx.state.events.page(
        _USER_METHOD,
        ctx.caller.member_id,
        bot_id=None,
        user_id=ctx.caller.user_id,
        offset=offset,
        limit=limit,
    )
    return _answer(page, legacy=False)


def user_event_subscribe(ctx: Ctx) -> bool:
    """``im.v2.Event.subscribe``: record the caller's events from now on (idempotent)."""
    _need_im_scope(ctx)
    ctx.state.events.subscribed.add((ctx.caller.member_id, ctx.caller.user_id))
    return True


def user_event_unsubscribe(ctx: Ctx) -> bool:
    """``im.v2.Event.unsubscribe``: stop recording; what was recorded stays readable."""
    _need_im_scope(ctx)
    ctx.state.events.subscribed.discard((ctx.caller.member_id, ctx.caller.user_id))
    return True


METHODS: dict[str, Handler] = {
    _BOT_METHOD: event_get,
    _USER_METHOD: user_event_get,
    "im.v2.Event.subscribe": user_event_subscribe,
    "im.v2.Event.unsubscribe": user_event_unsubscribe,
}
