"""Realistic sample bodies for every event code the docs show, modelled or not.

``sample_body(code)`` gives the body Bitrix24 would post for ``code``: the library's own
models (bot delete v1/v2, app install/update/uninstall) come from the builders in
``bodies``; the other chat-bot events (messages, joins, commands, reactions, v1 and v2),
the im.v2 user events and ONOFFLINEEVENT follow the official doc examples, signed by the
given portal. Any other code gets a generic body. v2 samples are webhook-mode bodies
(``data[bot][auth]``); the user events, which Bitrix24 hands out by polling only, get the
same envelope without a bot.

``fetch_sample_data(code)`` is the ``data`` of the same v2 or user event in fetch mode
(what ``imbot.v2.Event.get`` returns): native JSON types, the full bot object, every
entity field; for a fake event queue or a fetch-mode test.
"""

from __future__ import annotations

from typing import Any

from ._doc_payloads import (
    USER_PAYLOADS,
    V1_PAYLOADS,
    V2_BOT_CODE,
    V2_BOT_ID,
    V2_PAYLOADS,
    v2_fetch_bot,
)
from .bodies import (
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
)
from .portal import Portal, Timestamp, unix_ts

__all__ = ["SAMPLE_CODES", "V1_TO_V2", "fetch_sample_data", "sample_body", "versioned_code"]

#: v1 (legacy ``imbot``) codes and their ``imbot.v2`` successors (the migration guide).
V1_TO_V2: dict[str, str] = {
    "ONIMBOTDELETE": "ONIMBOTV2DELETE",
    "ONIMBOTMESSAGEADD": "ONIMBOTV2MESSAGEADD",
    "ONIMBOTMESSAGEUPDATE": "ONIMBOTV2MESSAGEUPDATE",
    "ONIMBOTMESSAGEDELETE": "ONIMBOTV2MESSAGEDELETE",
    "ONIMBOTJOINCHAT": "ONIMBOTV2JOINCHAT",
    "ONIMCOMMANDADD": "ONIMBOTV2COMMANDADD",
}
_V2_TO_V1 = {v2: v1 for v1, v2 in V1_TO_V2.items()}
_V2_ONLY = ("ONIMBOTV2CONTEXTGET", "ONIMBOTV2REACTIONCHANGE", *USER_PAYLOADS)


def versioned_code(code: str, version: int | None) -> str:
    """``code`` (upper-cased) in API ``version`` 1 or 2; ``None`` keeps it as it is.

    ``versioned_code("ONIMBOTDELETE", 2) == "ONIMBOTV2DELETE"`` and back. Codes that
    exist in one version only raise ``ValueError`` when asked for the other.
    """
    upper = code.strip().upper()
    if version is None:
        return upper
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, got {version!r}")
    is_v2 = upper in _V2_TO_V1 or upper in _V2_ONLY
    if version == 2:
        if is_v2:
            return upper
        if upper in V1_TO_V2:
            return V1_TO_V2[upper]
    else:
        if upper in V1_TO_V2:
            return upper
        if upper in _V2_TO_V1:
            return _V2_TO_V1[upper]
    raise ValueError(f"{upper} has no version {version} form")


_MODELLED = ("ONIMBOTDELETE", "ONIMBOTV2DELETE", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL")

#: Every code ``sample_body`` has a specific sample for (others get a generic body).
SAMPLE_CODES: tuple[str, ...] = (
    *_MODELLED,
    *V1_PAYLOADS,
    *V2_PAYLOADS,
    *USER_PAYLOADS,
    "ONOFFLINEEVENT",
)

#: Every code ``fetch_sample_data`` knows: the ``imbot.v2`` events and the user events.
FETCH_CODES: tuple[str, ...] = ("ONIMBOTV2DELETE", *V2_PAYLOADS, *USER_PAYLOADS)


def _copy(tree: Any) -> Any:
    """A fresh copy of a JSON tree (dicts, lists, scalars): callers may change it."""
    if isinstance(tree, dict):
        return {key: _copy(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_copy(value) for value in tree]
    return tree


def fetch_sample_data(
    code: str, *, bot_id: int = V2_BOT_ID, bot_code: str = V2_BOT_CODE
) -> dict[str, Any]:
    """The fetch-mode ``data`` of a v2 or user event ``code`` (any case), as JSON values.

    ``imbot.v2`` events carry the full bot object (``bot_id``, ``bot_code``; no ``auth``
    in fetch mode), the user events no bot. Every call returns a new tree. Another
    ``ONIMBOTV2*`` code gets just the bot, another ``ONIMV2*`` code ``{}``; any other code
    (v1, app events: never fetched) raises ``ValueError``.
    """
    wanted = code.strip().upper()
    if wanted in USER_PAYLOADS:
        return _copy(USER_PAYLOADS[wanted])  # type: ignore[no-any-return]
    if wanted in V2_PAYLOADS:
        return {"bot": v2_fetch_bot(bot_id, bot_code), **_copy(V2_PAYLOADS[wanted])}
    if wanted.startswith("ONIMBOTV2"):
        return {"bot": v2_fetch_bot(bot_id, bot_code)}  # ONIMBOTV2DELETE: exactly this
    if wanted.startswith("ONIMV2"):
        return {}
    raise ValueError(f"no fetch-mode sample for {wanted}: one of {', '.join(FETCH_CODES)}")


def sample_body(
    code: str,
    *,
    version: int | None = None,
    portal: Portal | None = None,
    with_user_tokens: bool = True,
    ts: Timestamp | None = None,
) -> str:
    """A realistic body for ``code`` (any case), signed by ``portal``.

    ``portal`` defaults to ``Portal.example()``, so two samples verify against each
    other. ``version`` picks the v1 or v2 form of a chat-bot code (see
    ``versioned_code``). ``with_user_tokens=False`` sends an ``auth`` without user tokens
    (v2: the minimal ``domain`` + ``application_token`` envelope); install and update
    always carry tokens. A code with no sample gets a generic body
    (``data[FIELDS][ID]=1``) with the full ``auth``.
    """
    wanted = versioned_code(code, version)
    signer = portal if portal is not None else Portal.example()
    stamp = unix_ts(ts)
    if wanted in ("ONIMBOTDELETE", "ONIMBOTV2DELETE"):
        v1 = wanted == "ONIMBOTDELETE"
        return bot_delete_body(
            567 if v1 else V2_BOT_ID,
            "BOT" if v1 else V2_BOT_CODE,
            version=1 if v1 else 2,
            portal=signer,
            with_user_tokens=with_user_tokens,
            user_id=27 if v1 else 1,
            ts=stamp,
            handler_id=439 if v1 else None,
        )
    if wanted == "ONAPPINSTALL":
        return app_install_body(portal=signer, version="1.0.0", ts=stamp)
    if wanted == "ONAPPUPDATE":
        return app_update_body(portal=signer, version="2.1.0", previous_version="2.0.3", ts=stamp)
    if wanted == "ONAPPUNINSTALL":
        return app_uninstall_body(portal=signer, clean=True, ts=stamp)
    if wanted in V1_PAYLOADS:
        build, handler_id, user_id, refresh = V1_PAYLOADS[wanted]
        auth = signer.auth(with_user_tokens, user_id, refresh_token=refresh, now=stamp)
        return event_body(wanted, build(signer, stamp), auth, ts=stamp, handler_id=handler_id)
    if wanted in V2_PAYLOADS or wanted in USER_PAYLOADS:
        if wanted in USER_PAYLOADS:
            # Polled only: the envelope a webhook subscription would have, with no bot.
            data = USER_PAYLOADS[wanted]
        else:
            bot = {
                "id": V2_BOT_ID,
                "code": V2_BOT_CODE,
                "auth": signer.bot_auth(V2_BOT_ID, now=stamp),
            }
            data = {"bot": bot, **V2_PAYLOADS[wanted]}
        if with_user_tokens:
            auth = signer.auth(True, 1, refresh_token=False, now=stamp)
        else:
            auth = signer.envelope_auth()
        return event_body(wanted, data, auth, ts=stamp)
    if wanted == "ONOFFLINEEVENT":
        # data is empty ([]): PHP's http_build_query drops it altogether.
        return event_body(wanted, None, signer.auth(with_user_tokens, 1, now=stamp), ts=stamp)
    auth = signer.auth(with_user_tokens, 1, refresh_token=False, now=stamp)
    return event_body(wanted, {"FIELDS": {"ID": "1"}}, auth, ts=stamp)
