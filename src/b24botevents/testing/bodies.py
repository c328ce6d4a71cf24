"""Request bodies exactly as Bitrix24 sends them: the envelope and ready-made events.

``event_body`` lays out the envelope (``event, event_handler_id, data, ts, auth``, in the
docs' order) and encodes it with ``b24botevents.encode_form``, which is PHP's
``http_build_query`` byte for byte: ``True``/``False`` become ``1``/``0``, ``None`` values
and empty containers are dropped, every scalar becomes text. The builders below fill in
realistic ``data`` and ``auth`` for the events the library models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from b24botevents.wire import encode_form

from .portal import DEFAULT_DOMAIN, Portal, Timestamp, unix_ts

__all__ = [
    "FORM_CONTENT_TYPE",
    "app_install_body",
    "app_uninstall_body",
    "app_update_body",
    "bot_delete_body",
    "event_body",
    "resolve_portal",
]

#: The content type Bitrix24 posts events with.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def event_body(
    code: str,
    data: Mapping[str, Any] | Sequence[Any] | None,
    auth: Mapping[str, Any] | None = None,
    *,
    ts: Timestamp | None = None,
    handler_id: int | str | None = None,
) -> str:
    """One event as a form body: ``event=...&event_handler_id=...&data[...]&ts=...&auth[...]``.

    ``code`` is sent as given (Bitrix24 sends upper case). ``ts`` defaults to now, in
    Unix seconds; ``handler_id`` and ``auth`` are left out when ``None``, and so is an
    empty ``data``, as PHP drops empty arrays.
    """
    tree: dict[str, Any] = {"event": code}
    if handler_id is not None:
        tree["event_handler_id"] = handler_id
    if data is not None:
        tree["data"] = data
    tree["ts"] = unix_ts(ts)
    if auth is not None:
        tree["auth"] = auth
    return encode_form(tree)


def resolve_portal(
    portal: Portal | None,
    *,
    application_token: str | None = None,
    member_id: str | None = None,
    domain: str | None = None,
) -> Portal:
    """The portal a builder signs with: ``portal`` with any field given overriding it.

    Without ``portal``, ``application_token`` and ``member_id`` are required and the
    other tokens are random.
    """
    if portal is None:
        if application_token is None or member_id is None:
            raise TypeError("pass portal=..., or both application_token=... and member_id=...")
        return Portal(
            member_id=member_id,
            domain=domain or DEFAULT_DOMAIN,
            application_token=application_token,
        )
    changes = {
        name: value
        for name, value in (
            ("application_token", application_token),
            ("member_id", member_id),
            ("domain", domain),
        )
        if value is not None
    }
    return portal.evolve(**changes) if changes else portal


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def bot_delete_body(
    bot_id: int,
    bot_code: str,
    *,
    version: int = 1,
    portal: Portal | None = None,
    application_token: str | None = None,
    member_id: str | None = None,
    domain: str | None = None,
    with_user_tokens: bool = True,
    user_id: int = 1,
    ts: Timestamp | None = None,
    handler_id: int | str | None = None,
) -> str:
    """ONIMBOTDELETE (``version=1``) or ONIMBOTV2DELETE (``version=2``) for one bot.

    v1: ``data[BOT_ID]``, ``data[BOT_CODE]`` and the user's ``auth`` (no refresh token,
    as in the docs). v2: ``data[bot][id]``, ``data[bot][code]``, ``data[bot][auth][...]``
    (the bot's own tokens) and the top-level ``auth``; ``with_user_tokens=False`` gives
    the documented v2 envelope, only ``domain`` and ``application_token``, and a v1
    ``auth`` without user tokens (an event fired by automation).
    """
    signer = resolve_portal(
        portal, application_token=application_token, member_id=member_id, domain=domain
    )
    stamp = unix_ts(ts)
    if version == 1:
        data: dict[str, Any] = {"BOT_ID": bot_id, "BOT_CODE": bot_code}
        auth = signer.auth(with_user_tokens, user_id, refresh_token=False, now=stamp)
        return event_body("ONIMBOTDELETE", data, auth, ts=stamp, handler_id=handler_id)
    if version == 2:
        data = {"bot": {"id": bot_id, "code": bot_code, "auth": signer.bot_auth(bot_id, now=stamp)}}
        if with_user_tokens:
            auth = signer.auth(True, user_id, refresh_token=False, now=stamp)
        else:
            auth = signer.envelope_auth()
        return event_body("ONIMBOTV2DELETE", data, auth, ts=stamp, handler_id=handler_id)
    raise ValueError(f"version must be 1 or 2, got {version!r}")


def app_install_body(
    *,
    portal: Portal | None = None,
    application_token: str | None = None,
    member_id: str | None = None,
    domain: str | None = None,
    version: str | int = "1",
    language_id: str = "en",
    active: bool = True,
    installed: bool = True,
    user_id: int = 1,
    ts: Timestamp | None = None,
    handler_id: int | str | None = None,
) -> str:
    """ONAPPINSTALL: ``data[VERSION|ACTIVE|INSTALLED|LANGUAGE_ID]`` and the full ``auth``.

    This is the event that hands the app its ``application_token``: a dispatcher with a
    portal store learns the portal from it.
    """
    signer = resolve_portal(
        portal, application_token=application_token, member_id=member_id, domain=domain
    )
    stamp = unix_ts(ts)
    data = {
        "VERSION": str(version),
        "ACTIVE": _yes_no(active),
        "INSTALLED": _yes_no(installed),
        "LANGUAGE_ID": language_id,
    }
    auth = signer.auth(True, user_id, now=stamp)
    return event_body("ONAPPINSTALL", data, auth, ts=stamp, handler_id=handler_id)


def app_update_body(
    *,
    portal: Portal | None = None,
    application_token: str | None = None,
    member_id: str | None = None,
    domain: str | None = None,
    version: str | int = "2",
    previous_version: str | int = "1",
    language_id: str = "en",
    user_id: int = 1,
    ts: Timestamp | None = None,
    handler_id: int | str | None = None,
) -> str:
    """ONAPPUPDATE: ``data[VERSION|PREVIOUS_VERSION|LANGUAGE_ID]`` and the full ``auth``.

    To rotate the token, sign with ``portal.with_application_token(...)``.
    """
    signer = resolve_portal(
        portal, application_token=application_token, member_id=member_id, domain=domain
    )
    stamp = unix_ts(ts)
    data = {
        "VERSION": str(version),
        "PREVIOUS_VERSION": str(previous_version),
        "LANGUAGE_ID": language_id,
    }
    auth = signer.auth(True, user_id, now=stamp)
    return event_body("ONAPPUPDATE", data, auth, ts=stamp, handler_id=handler_id)


def app_uninstall_body(
    *,
    portal: Portal | None = None,
    application_token: str | None = None,
    member_id: str | None = None,
    domain: str | None = None,
    language_id: str = "en",
    clean: bool = False,
    ts: Timestamp | None = None,
    handler_id: int | str | None = None,
) -> str:
    """ONAPPUNINSTALL: ``data[LANGUAGE_ID]``, ``data[CLEAN]`` (``1``/``0``) and the bare ``auth``.

    The ``auth`` holds only ``domain, server_endpoint, client_endpoint, member_id,
    application_token``: the app's API access is already revoked.
    """
    signer = resolve_portal(
        portal, application_token=application_token, member_id=member_id, domain=domain
    )
    data = {"LANGUAGE_ID": language_id, "CLEAN": 1 if clean else 0}
    return event_body("ONAPPUNINSTALL", data, signer.uninstall_auth(), ts=ts, handler_id=handler_id)
