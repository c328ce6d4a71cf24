"""Realistic sample bodies for every event code the docs show, modelled or not.

``sample_body(code)`` gives the body Bitrix24 would post for ``code``: the library's own
models (bot delete v1/v2, app install/update/uninstall) come from the builders in
``bodies``; the other chat-bot events (messages, joins, commands, reactions, v1 and v2)
and ONOFFLINEEVENT follow the official doc examples, signed by the given portal. Any other
code gets a generic body. v2 samples are webhook-mode bodies (``data[bot][auth]``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .bodies import (
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
)
from .portal import Portal, Timestamp, unix_ts

__all__ = ["SAMPLE_CODES", "V1_TO_V2", "sample_body", "versioned_code"]

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
_V2_ONLY = ("ONIMBOTV2CONTEXTGET", "ONIMBOTV2REACTIONCHANGE")


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


# ---- v1 payloads (the docs' private-chat examples) -----------------------------------

_USER_27 = {
    "ID": "27",
    "NAME": "Svetlana Ivanova",
    "FIRST_NAME": "Svetlana",
    "LAST_NAME": "Ivanova",
    "WORK_POSITION": "",
    "GENDER": "F",
}
_USER_27_FLAGS = {
    **_USER_27,
    "IS_BOT": "N",
    "IS_CONNECTOR": "N",
    "IS_NETWORK": "N",
    "IS_EXTRANET": "N",
}

_MESSAGE_FLAGS = {
    "PUSH": "Y",
    "PUSH_IMPORTANT": "N",
    "RECENT_SKIP_AUTHOR": "N",
    "CONVERT": "N",
    "SKIP_COMMAND": "N",
    "SKIP_COUNTER_INCREMENTS": "N",
    "SILENT_CONNECTOR": "N",
    "SKIP_CONNECTOR": "N",
    "IMPORTANT_CONNECTOR": "N",
    "NO_SESSION_OL": "N",
    "FAKE_RELATION": "0",
    "SKIP_URL_INDEX": "N",
}


def _v1_bot(portal: Portal, bot_id: int, bot_code: str, stamp: str) -> dict[str, Any]:
    """One ``data[BOT][<id>]`` element: the bot's tokens, again under ``AUTH``, id, code."""
    tokens = portal.bot_auth(bot_id, refresh_token=True, client_id=True, now=stamp)
    return {**tokens, "AUTH": dict(tokens), "BOT_ID": str(bot_id), "BOT_CODE": bot_code}


def _v1_message_add(portal: Portal, stamp: str) -> dict[str, Any]:
    params = {
        "MESSAGE": "Hello",
        "TEMPLATE_ID": "796c45aa-70e5-45aa-930c-c7fb32710c62",
        "MESSAGE_TYPE": "P",
        "FROM_USER_ID": "27",
        "DIALOG_ID": "27",
        "TO_CHAT_ID": "1407",
        "AUTHOR_ID": "27",
        "SYSTEM": "N",
        "TO_USER_ID": "567",
        **_MESSAGE_FLAGS,
        "COMMAND_CONTEXT": "TEXTAREA",
        "CHAT_USER_COUNT": "2",
        "PLATFORM_CONTEXT": "web",
        "MESSAGE_ID": "84331",
        "CHAT_TYPE": "P",
        "LANGUAGE": "en",
    }
    return {
        "BOT": {"567": _v1_bot(portal, 567, "BOT1", stamp)},
        "PARAMS": params,
        "USER": _USER_27_FLAGS,
    }


def _v1_message_change(
    message: str, message_id: str, language: str, update: bool
) -> Callable[[Portal, str], dict[str, Any]]:
    def build(portal: Portal, stamp: str) -> dict[str, Any]:
        params = {
            "ID": message_id,
            "CHAT_ID": "1453",
            "AUTHOR_ID": "27",
            "MESSAGE": message,
            "MESSAGE_TYPE": "P",
            "CHAT_AUTHOR_ID": "571",
            "CHAT_ENTITY_ID": "",
            "CHAT_ENTITY_DATA_1": "",
            "CHAT_ENTITY_DATA_2": "",
            "CHAT_ENTITY_DATA_3": "",
            "FROM_USER_ID": "27",
            "TO_USER_ID": "571",
        }
        if update:
            params.update({"CHAT_USER_COUNT": "2", "PLATFORM_CONTEXT": "web"})
        params.update(
            {"DIALOG_ID": "27", "MESSAGE_ID": message_id, "CHAT_TYPE": "P", "LANGUAGE": language}
        )
        return {
            "BOT": {"571": _v1_bot(portal, 571, "BOT", stamp)},
            "PARAMS": params,
            "USER": _USER_27_FLAGS,
        }

    return build


def _v1_join_chat(portal: Portal, stamp: str) -> dict[str, Any]:
    params = {
        "CHAT_TYPE": "P",
        "MESSAGE_TYPE": "P",
        "BOT_ID": "571",
        "USER_ID": "27",
        "TO_USER_ID": "27",
        "FROM_USER_ID": "571",
        "DIALOG_ID": "27",
        "LANGUAGE": "de",
    }
    return {"BOT": {"571": _v1_bot(portal, 571, "BOT", stamp)}, "PARAMS": params, "USER": _USER_27}


def _v1_command_add(portal: Portal, stamp: str) -> dict[str, Any]:
    command = {
        **_v1_bot(portal, 1291, "BOT_GM", stamp),
        "COMMAND": "echo",
        "COMMAND_ID": "103",
        "COMMAND_PARAMS": "test",
        "COMMAND_CONTEXT": "TEXTAREA",
        "MESSAGE_ID": "33899",
    }
    params = {
        "MESSAGE": "/echo test",
        "TEMPLATE_ID": "acae8d22-4536-4f47-a276-2e3bdf866475",
        "MESSAGE_TYPE": "P",
        "FROM_USER_ID": "1269",
        "DIALOG_ID": "1269",
        "TO_CHAT_ID": "2737",
        "AUTHOR_ID": "1269",
        "SYSTEM": "N",
        "TO_USER_ID": "1291",
        "SKIP_USER_CHECK": "Y",
        "PUSH": "Y",
        "PUSH_IMPORTANT": "N",
        "RECENT_ADD": "Y",
        **{k: v for k, v in _MESSAGE_FLAGS.items() if k not in ("PUSH", "PUSH_IMPORTANT")},
        "MESSAGE_ID": "33899",
        "CHAT_TYPE": "P",
        "LANGUAGE": "en",
    }
    user = {
        "ID": "1269",
        "NAME": "John Smith",
        "FIRST_NAME": "John",
        "LAST_NAME": "Smith",
        "GENDER": "M",
    }
    return {"COMMAND": {"103": command}, "PARAMS": params, "USER": user}


#: code -> (data builder, handler id, user id, refresh token in the top-level auth)
_V1: dict[str, tuple[Callable[[Portal, str], dict[str, Any]], int, int, bool]] = {
    "ONIMBOTMESSAGEADD": (_v1_message_add, 403, 27, True),
    "ONIMBOTMESSAGEUPDATE": (
        _v1_message_change("How to add an observer to the task?", "84531", "en", True),
        455,
        27,
        True,
    ),
    "ONIMBOTMESSAGEDELETE": (
        _v1_message_change(
            "Message from 02/26/2026 09:27:30 has been deleted", "84525", "de", False
        ),
        457,
        27,
        True,
    ),
    "ONIMBOTJOINCHAT": (_v1_join_chat, 459, 27, False),
    "ONIMCOMMANDADD": (_v1_command_add, 1045, 1269, True),
}


# ---- v2 payloads (the docs' examples, in webhook mode) -------------------------------

_V2_BOT_ID = 456
_V2_BOT_CODE = "support_bot"

_V2_CHAT = {
    "id": 5,
    "dialogId": "chat5",
    "type": "chat",
    "name": "Support Chat",
    "entityType": "",
    "owner": 1,
    "avatar": "",
    "color": "#ab7761",
}
_V2_USER = {
    "id": 1,
    "active": True,
    "name": "John Smith",
    "firstName": "John",
    "lastName": "Smith",
    "workPosition": "Developer",
    "color": "#df532d",
    "avatar": "",
    "gender": "M",
    "birthday": "",
    "extranet": False,
    "bot": False,
    "connector": False,
    "externalAuthId": "default",
    "status": "online",
    "idle": False,
    "lastActivityDate": "2025-01-15T10:29:00+02:00",
    "absent": False,
    "departments": [1],
    "phones": False,
    "type": "employee",
}


def _v2_message(message_id: int, author_id: int, text: str, viewed: bool) -> dict[str, Any]:
    return {
        "id": message_id,
        "chatId": 5,
        "authorId": author_id,
        "date": "2025-01-15T10:30:00+02:00",
        "text": text,
        "isSystem": False,
        "uuid": "",
        "forward": None,
        "params": {},
        "viewedByOthers": viewed,
    }


_V2: dict[str, dict[str, Any]] = {
    "ONIMBOTV2MESSAGEADD": {
        "message": _v2_message(789, 1, "Hello bot!", False),
        "chat": _V2_CHAT,
        "user": _V2_USER,
        "language": "en",
    },
    "ONIMBOTV2MESSAGEUPDATE": {
        "message": _v2_message(789, 1, "Hello bot! (edited)", False),
        "chat": _V2_CHAT,
        "user": _V2_USER,
        "language": "en",
    },
    "ONIMBOTV2MESSAGEDELETE": {
        "messageId": 789,
        "chat": _V2_CHAT,
        "user": _V2_USER,
        "language": "en",
    },
    "ONIMBOTV2JOINCHAT": {
        "dialogId": "chat5",
        "chat": {**_V2_CHAT, "name": "Project Chat"},
        "user": _V2_USER,
        "language": "en",
    },
    "ONIMBOTV2COMMANDADD": {
        "command": {"id": 78, "command": "/help", "params": "topic", "context": "textarea"},
        "message": _v2_message(790, 1, "/help topic", False),
        "chat": _V2_CHAT,
        "user": _V2_USER,
        "language": "en",
    },
    "ONIMBOTV2CONTEXTGET": {
        "dialogId": "1",
        "context": {"entityId": 164, "entityType": "task", "source": "link"},
        "chat": {**_V2_CHAT, "dialogId": "1", "type": "private", "name": "", "owner": 456},
        "user": _V2_USER,
        "language": "en",
    },
    "ONIMBOTV2REACTIONCHANGE": {
        "reaction": "like",
        "action": "add",
        "message": _v2_message(789, 456, "Hello! How can I help?", True),
        "chat": _V2_CHAT,
        "user": _V2_USER,
        "language": "en",
    },
}

_MODELLED = ("ONIMBOTDELETE", "ONIMBOTV2DELETE", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL")

#: Every code ``sample_body`` has a specific sample for (others get a generic body).
SAMPLE_CODES: tuple[str, ...] = (*_MODELLED, *_V1, *_V2, "ONOFFLINEEVENT")


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
            567 if v1 else _V2_BOT_ID,
            "BOT" if v1 else _V2_BOT_CODE,
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
    if wanted in _V1:
        build, handler_id, user_id, refresh = _V1[wanted]
        auth = signer.auth(with_user_tokens, user_id, refresh_token=refresh, now=stamp)
        return event_body(wanted, build(signer, stamp), auth, ts=stamp, handler_id=handler_id)
    if wanted in _V2:
        bot = {
            "id": _V2_BOT_ID,
            "code": _V2_BOT_CODE,
            "auth": signer.bot_auth(_V2_BOT_ID, now=stamp),
        }
        data = {"bot": bot, **_V2[wanted]}
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
