"""Request bodies and small utilities shared by the dispatcher tests.

Bodies are real form bodies: the spec's PHP ``http_build_query`` output for ONIMBOTDELETE
as it is, and the JSON renderings of the other examples turned into form data with
``encode_form``. Tokens are distinctive canary strings, so a leak into a response, a log
line or an exception message can be searched for.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from b24botevents import Dispatcher, Response
from b24botevents.wire import encode_form
from spec_examples import EXAMPLES

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


#: The real PHP form body of ONIMBOTDELETE, and the values inside it.
PHP_BOT_DELETE = (EXAMPLES / "ONIMBOTDELETE.derived-http_build_query.txt").read_bytes().strip()
PHP_MEMBER = "bac1cd5c8940947a75e0d71b1a84e348"
PHP_DOMAIN = "some-domain.bitrix24.com"
PHP_TOKEN = "831c76b092f9f135d9b6b36c3a720757"

# Canary secrets: nothing but a token, access token or refresh token contains these.
TOKEN = "apptok-CANARY-5f1e0d9c8b7a"
OTHER_TOKEN = "apptok-OTHER-CANARY-3c2b1a"
ACCESS = "access-CANARY-9a8b7c6d5e"
REFRESH = "refresh-CANARY-1f2e3d4c5b"
BOT_SECRET = "botauth-CANARY-7e6d5c4b3a"
CANARIES = (TOKEN, OTHER_TOKEN, ACCESS, REFRESH, BOT_SECRET)

MEMBER = "4f0c7a1b2c3d4e5f60718293a4b5c6d7"
DOMAIN = "canary-portal.bitrix24.com"


def example(name: str) -> dict[str, Any]:
    """A JSON example from the spec, as a fresh tree."""
    tree: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return tree


def form(tree: Mapping[str, Any]) -> bytes:
    """A tree as the form body PHP's ``http_build_query`` would send."""
    return encode_form(tree).encode("ascii")


def _portal_auth(
    auth: dict[str, Any],
    *,
    token: str | None,
    member_id: str | None,
    domain: str | None,
) -> dict[str, Any]:
    auth = dict(auth)
    for key, value in (("application_token", token), ("member_id", member_id), ("domain", domain)):
        if value is None:
            auth.pop(key, None)
        else:
            auth[key] = value
    if "access_token" in auth:
        auth["access_token"] = ACCESS
    if "refresh_token" in auth:
        auth["refresh_token"] = REFRESH
    return auth


def now_ts() -> int:
    return int(time.time())


def bot_delete_tree(
    *,
    token: str | None = TOKEN,
    member_id: str | None = MEMBER,
    domain: str | None = DOMAIN,
    ts: int | str | None = 1772090363,
    bot_id: int = 567,
    code: str = "ONIMBOTDELETE",
) -> dict[str, Any]:
    """ONIMBOTDELETE (spec example) for our canary portal."""
    tree = example("ONIMBOTDELETE.json")
    tree["event"] = code
    tree["auth"] = _portal_auth(tree["auth"], token=token, member_id=member_id, domain=domain)
    tree["data"]["BOT_ID"] = str(bot_id)
    if ts is None:
        del tree["ts"]
    else:
        tree["ts"] = str(ts)
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

    The spec's envelope has only ``domain`` and ``application_token`` at the top; ``data``
    holds the webhook-mode bot object ``{id, code, auth}`` whose own ``auth`` carries the
    bot's tokens (which must never be used for verification).
    """
    envelope = example("ONIMBOTV2.webhook-envelope.json")
    bot = example("ONIMBOTV2DELETE.json")["bot"]
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
        "ts": ts if ts is not None else envelope["ts"],
        "auth": _portal_auth(envelope["auth"], token=token, member_id=member_id, domain=domain),
    }
    if ts is None:
        del tree["ts"]
    return tree


def lifecycle_tree(
    name: str,
    *,
    token: str | None = TOKEN,
    member_id: str | None = MEMBER,
    domain: str | None = DOMAIN,
) -> dict[str, Any]:
    """ONAPPINSTALL / ONAPPUPDATE / ONAPPUNINSTALL (spec examples) for our canary portal."""
    tree = example(f"{name}.json")
    tree["auth"] = _portal_auth(tree["auth"], token=token, member_id=member_id, domain=domain)
    return tree


def install_body(**kwargs: Any) -> bytes:
    return form(lifecycle_tree("ONAPPINSTALL", **kwargs))


def update_body(**kwargs: Any) -> bytes:
    return form(lifecycle_tree("ONAPPUPDATE", **kwargs))


def uninstall_body(**kwargs: Any) -> bytes:
    return form(lifecycle_tree("ONAPPUNINSTALL", **kwargs))


def bot_delete_body(**kwargs: Any) -> bytes:
    return form(bot_delete_tree(**kwargs))


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
