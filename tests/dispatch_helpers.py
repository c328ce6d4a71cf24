"""Request bodies and small utilities shared by the dispatcher, verification and dedup tests.

Bodies are real form bodies. ONIMBOTDELETE from PHP's ``http_build_query`` is the spec's
file as it is; the other bodies come from the testing kit (``b24botevents.testing``),
signed by ``PORTAL``, with the ``data``, ``ts`` and handler id of the spec examples.
A body the kit does not build (a field left out, another event code, no ``ts``) is laid out
by hand as a tree from the same parts (the kit's ``auth`` blocks) and sent through
``encode_form``; the trees are also what the JSON tests send. Tokens are distinctive
canary strings, so a leak into a response, a log line or an exception message can be
searched for.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from b24botevents import Dispatcher, MemoryPortalStore, PortalRecord, Response
from b24botevents.testing import (
    Portal,
    app_install_body,
    app_uninstall_body,
    app_update_body,
)
from b24botevents.testing import bot_delete_body as kit_bot_delete_body
from b24botevents.wire import encode_form
from spec_examples import EXAMPLES

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


#: The real PHP form body of ONIMBOTDELETE, and the values inside it.
PHP_BOT_DELETE = (EXAMPLES / "ONIMBOTDELETE.derived-http_build_query.txt").read_bytes().strip()
PHP_MEMBER = "bac1cd5c8940947a75e0d71b1a84e348"
PHP_DOMAIN = "some-domain.bitrix24.com"
PHP_TOKEN = "831c76b092f9f135d9b6b36c3a720757"
#: The PHP body's portal, as a store holds it once installed.
PHP_RECORD = PortalRecord(PHP_MEMBER, PHP_DOMAIN, PHP_TOKEN)

# Canary secrets: nothing but a token, access token or refresh token contains these.
TOKEN = "apptok-CANARY-5f1e0d9c8b7a"
OTHER_TOKEN = "apptok-OTHER-CANARY-3c2b1a"
ACCESS = "access-CANARY-9a8b7c6d5e"
REFRESH = "refresh-CANARY-1f2e3d4c5b"
BOT_SECRET = "botauth-CANARY-7e6d5c4b3a"
CANARIES = (TOKEN, OTHER_TOKEN, ACCESS, REFRESH, BOT_SECRET)

MEMBER = "4f0c7a1b2c3d4e5f60718293a4b5c6d7"
DOMAIN = "canary-portal.bitrix24.com"

#: Our canary portal: it signs with ``TOKEN`` and hands out the canary user tokens.
PORTAL = Portal(
    member_id=MEMBER,
    domain=DOMAIN,
    application_token=TOKEN,
    access_token=ACCESS,
    refresh_token=REFRESH,
)
#: Our canary portal, as a store holds it once installed.
RECORD = PORTAL.record()


def known_store(*records: PortalRecord) -> MemoryPortalStore:
    """A memory store in which our canary portal (or ``records``) is already installed."""
    return MemoryPortalStore(records or [RECORD])


def example(name: str) -> dict[str, Any]:
    """A JSON example from the spec, as a fresh tree."""
    tree: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return tree


def form(tree: Mapping[str, Any]) -> bytes:
    """A tree as the form body PHP's ``http_build_query`` would send."""
    return encode_form(tree).encode("ascii")


#: The spec examples the bodies take their ``data``, ``ts`` and handler id from.
_BOT_DELETE = example("ONIMBOTDELETE.json")
_INSTALL = example("ONAPPINSTALL.json")
_UPDATE = example("ONAPPUPDATE.json")
_UNINSTALL = example("ONAPPUNINSTALL.json")
#: ONIMBOTDELETE's handler id, its sender (a user) and its bot code in the spec example.
_HANDLER_ID = int(_BOT_DELETE["event_handler_id"])
_USER_ID = int(_BOT_DELETE["auth"]["user_id"])
_BOT_CODE = _BOT_DELETE["data"]["BOT_CODE"]
#: The spec ONIMBOTDELETE's ``ts``: the default of the bot-delete bodies.
BOT_DELETE_TS = int(_BOT_DELETE["ts"])


def _signer(*, token: str | None, member_id: str | None, domain: str | None) -> Portal:
    """``PORTAL`` with the fields given overriding it (as the kit's builders do)."""
    changes = {
        name: value
        for name, value in (
            ("application_token", token),
            ("member_id", member_id),
            ("domain", domain),
        )
        if value is not None
    }
    return PORTAL.evolve(**changes) if changes else PORTAL


def _leave_out(
    block: Mapping[str, str],
    *,
    token: str | None,
    member_id: str | None,
    domain: str | None,
) -> dict[str, Any]:
    """An ``auth`` block without the portal fields given as ``None``."""
    missing = {
        name
        for name, value in (
            ("application_token", token),
            ("member_id", member_id),
            ("domain", domain),
        )
        if value is None
    }
    return {key: value for key, value in block.items() if key not in missing}


def now_ts() -> int:
    return int(time.time())


def bot_delete_tree(
    *,
    token: str | None = TOKEN,
    member_id: str | None = MEMBER,
    domain: str | None = DOMAIN,
    ts: int | str | None = BOT_DELETE_TS,
    bot_id: int = 567,
    code: str = "ONIMBOTDELETE",
) -> dict[str, Any]:
    """ONIMBOTDELETE (spec example) for our canary portal, as a tree.

    The fields of the kit's ``bot_delete_body``: the user's ``auth`` without a refresh
    token, ``expires`` one hour after ``ts``. ``None`` leaves a field out.
    """
    signer = _signer(token=token, member_id=member_id, domain=domain)
    block = signer.auth(
        True, _USER_ID, refresh_token=False, now=BOT_DELETE_TS if ts is None else ts
    )
    tree: dict[str, Any] = {
        "event": code,
        "event_handler_id": str(_HANDLER_ID),
        "data": {"BOT_ID": str(bot_id), "BOT_CODE": _BOT_CODE},
    }
    if ts is not None:
        tree["ts"] = str(ts)
    tree["auth"] = _leave_out(block, token=token, member_id=member_id, domain=domain)
    return tree


def v2_delete_tree(
    *,
    token: str | None = TOKEN,
    domain: str | None = DOMAIN,
    member_id: str | None = None,
    bot_token: str = BOT_SECRET,
    ts: int | None = 1772093963,
) -> dict[str, Any]:
    """ONIMBOTV2DELETE in webhook mode, in the documented v2 envelope.

    The spec's envelope has only ``domain`` and ``application_token`` at the top (the
    kit's ``Portal.envelope_auth()``); ``data`` holds the webhook-mode bot object
    ``{id, code, auth}`` whose own ``auth`` carries the bot's tokens (which must never be
    used for verification). The kit signs a bot's ``auth`` with the portal's token, so
    this bot block, with a token of its own (``bot_token``), is written by hand.
    """
    bot = example("ONIMBOTV2DELETE.json")["bot"]
    signer = _signer(token=token, member_id=member_id, domain=domain)
    auth = _leave_out(signer.envelope_auth(), token=token, member_id=member_id, domain=domain)
    if member_id is not None:
        auth["member_id"] = member_id
    tree: dict[str, Any] = {
        "event": "ONIMBOTV2DELETE",
        "data": {
            "bot": {
                "id": bot["id"],
                "code": bot["code"],
                "auth": {
                    "access_token": ACCESS,
                    "refresh_token": REFRESH,
                    "application_token": bot_token,
                    "domain": DOMAIN,
                    "member_id": MEMBER,
                },
            }
        },
    }
    if ts is not None:
        tree["ts"] = ts
    tree["auth"] = auth
    return tree


def lifecycle_tree(
    name: str,
    *,
    token: str | None = TOKEN,
    member_id: str | None = MEMBER,
    domain: str | None = DOMAIN,
) -> dict[str, Any]:
    """ONAPPINSTALL / ONAPPUPDATE / ONAPPUNINSTALL (spec examples) for our canary portal.

    ``data`` and ``ts`` are the spec example's; ``auth`` is the block the kit's builder
    sends (the full one, or the bare one of ONAPPUNINSTALL). ``None`` leaves a field out.
    """
    tree = example(f"{name}.json")
    signer = _signer(token=token, member_id=member_id, domain=domain)
    if name == "ONAPPUNINSTALL":
        block = signer.uninstall_auth()
    else:
        block = signer.auth(True, now=tree["ts"])
    tree["auth"] = _leave_out(block, token=token, member_id=member_id, domain=domain)
    return tree


def _complete(*values: str | int | None) -> bool:
    """Whether a kit builder can make the body: it always sends these fields."""
    return all(value is not None for value in values)


def install_body(
    *, token: str | None = TOKEN, member_id: str | None = MEMBER, domain: str | None = DOMAIN
) -> bytes:
    if not _complete(token, member_id, domain):
        return form(lifecycle_tree("ONAPPINSTALL", token=token, member_id=member_id, domain=domain))
    data = _INSTALL["data"]
    return app_install_body(
        portal=_signer(token=token, member_id=member_id, domain=domain),
        version=data["VERSION"],
        language_id=data["LANGUAGE_ID"],
        active=data["ACTIVE"] == "Y",
        installed=data["INSTALLED"] == "Y",
        ts=_INSTALL["ts"],
    ).encode("ascii")


def update_body(
    *, token: str | None = TOKEN, member_id: str | None = MEMBER, domain: str | None = DOMAIN
) -> bytes:
    if not _complete(token, member_id, domain):
        return form(lifecycle_tree("ONAPPUPDATE", token=token, member_id=member_id, domain=domain))
    data = _UPDATE["data"]
    return app_update_body(
        portal=_signer(token=token, member_id=member_id, domain=domain),
        version=data["VERSION"],
        previous_version=data["PREVIOUS_VERSION"],
        language_id=data["LANGUAGE_ID"],
        ts=_UPDATE["ts"],
    ).encode("ascii")


def uninstall_body(
    *, token: str | None = TOKEN, member_id: str | None = MEMBER, domain: str | None = DOMAIN
) -> bytes:
    if not _complete(token, member_id, domain):
        tree = lifecycle_tree("ONAPPUNINSTALL", token=token, member_id=member_id, domain=domain)
        return form(tree)
    data = _UNINSTALL["data"]
    return app_uninstall_body(
        portal=_signer(token=token, member_id=member_id, domain=domain),
        language_id=data["LANGUAGE_ID"],
        clean=bool(data["CLEAN"]),
        ts=_UNINSTALL["ts"],
    ).encode("ascii")


def bot_delete_body(
    *,
    token: str | None = TOKEN,
    member_id: str | None = MEMBER,
    domain: str | None = DOMAIN,
    ts: int | str | None = BOT_DELETE_TS,
    bot_id: int = 567,
    code: str = "ONIMBOTDELETE",
) -> bytes:
    if code != "ONIMBOTDELETE" or ts is None or not _complete(token, member_id, domain):
        tree = bot_delete_tree(
            token=token, member_id=member_id, domain=domain, ts=ts, bot_id=bot_id, code=code
        )
        return form(tree)
    return kit_bot_delete_body(
        bot_id,
        _BOT_CODE,
        portal=_signer(token=token, member_id=member_id, domain=domain),
        user_id=_USER_ID,
        ts=ts,
        handler_id=_HANDLER_ID,
    ).encode("ascii")


def v2_delete_body(**kwargs: Any) -> bytes:
    return form(v2_delete_tree(**kwargs))


def with_changes(tree: Mapping[str, Any], **top: Any) -> dict[str, Any]:
    """A deep copy of ``tree`` with top-level keys replaced (``None`` removes one)."""
    changed = copy.deepcopy(dict(tree))
    for key, value in top.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    return changed


#: ``run(dp, body, content_type=..., headers=...)`` through ``handle`` or ``ahandle``.
Runner = Callable[..., Response]


def run_sync(
    dp: Dispatcher,
    body: Any,
    *,
    content_type: str | None = FORM,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return dp.handle(body, content_type=content_type, headers=headers)


def run_async(
    dp: Dispatcher,
    body: Any,
    *,
    content_type: str | None = FORM,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return asyncio.run(dp.ahandle(body, content_type=content_type, headers=headers))


RUNNERS: dict[str, Runner] = {"handle": run_sync, "ahandle": run_async}
