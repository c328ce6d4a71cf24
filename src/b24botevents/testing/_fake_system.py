"""The fake's general methods: ``app.info`` (the portal's and the OAuth server's),
``profile`` and ``server.time``.

A portal's ``app.info`` answers what the method documents (``api-reference/common/system/
app-info.md``: ``ID, CODE, VERSION, STATUS, INSTALLED, PAYMENT_EXPIRED, DAYS,
LANGUAGE_ID, LICENSE, LICENSE_TYPE, LICENSE_FAMILY``), none of which names the portal.
The OAuth server's ``app.info`` (``oauth.bitrix.info/rest/app.info``, served here at
``/oauth/rest/app.info``) is what names the installation a token belongs to, and what
the official Python SDK reads to check an install: ``client_id, scope, expires, install
{installed, version, status, scope, domain, uri, client_endpoint, member_id,
member_type}, user_id``. Over a webhook a portal's ``app.info`` is ``ACCESS_DENIED``
(HTTP 400), as documented.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ._fake_context import Ctx, Handler
from ._fake_wire import ApiError

__all__ = ["METHODS"]


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat(timespec="seconds")


def app_info(ctx: Ctx) -> dict[str, Any]:
    """A portal's ``app.info``: the application, nothing about the portal."""
    if ctx.caller.is_webhook:
        raise ApiError("ACCESS_DENIED", "Access denied! Application context required", 400)
    state = ctx.state
    portal = state.entry(ctx.caller.member_id).portal
    return {
        "ID": state.app_id,
        "CODE": state.client_id,
        "VERSION": 1,
        "STATUS": portal.status,
        "INSTALLED": True,
        "PAYMENT_EXPIRED": "N",
        "DAYS": None,
        "LANGUAGE_ID": "en",
        "LICENSE": "ru_project",
        "LICENSE_TYPE": "project",
        "LICENSE_FAMILY": "project",
    }


def oauth_app_info(ctx: Ctx) -> dict[str, Any]:
    """The OAuth server's ``app.info``: which installation the token belongs to."""
    if ctx.caller.is_webhook:
        raise ApiError("ACCESS_DENIED", "Access denied! Application context required", 400)
    state = ctx.state
    portal = state.entry(ctx.caller.member_id).portal
    token = state.tokens.get(ctx.caller.credential)
    expires = token.expires if token is not None else 0.0
    return {
        "client_id": state.client_id,
        "scope": portal.scope,
        "expires": _iso(expires),
        "install": {
            "installed": True,
            "version": 1,
            "status": portal.status,
            "scope": portal.scope,
            "domain": portal.domain,
            "uri": f"https://{portal.domain}",
            "client_endpoint": portal.client_endpoint,
            "member_id": portal.member_id,
            "member_type": "PORTAL",
        },
        "user_id": ctx.caller.user_id,
    }


def profile(ctx: Ctx) -> dict[str, Any]:
    caller = ctx.caller
    name, last = "Test", "User"
    if caller.kind == "bot":
        bot = ctx.state.bot(caller.member_id, caller.user_id)
        name, _, last = (bot.name if bot else f"Bot {caller.user_id}").partition(" ")
    return {
        "ID": str(caller.user_id),
        "ADMIN": caller.kind == "user",
        "NAME": name,
        "LAST_NAME": last,
        "PERSONAL_GENDER": "",
        "TIME_ZONE": "",
    }


def server_time(ctx: Ctx) -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


METHODS: dict[str, Handler] = {
    "app.info": app_info,
    "oauth/app.info": oauth_app_info,
    "profile": profile,
    "server.time": server_time,
}
