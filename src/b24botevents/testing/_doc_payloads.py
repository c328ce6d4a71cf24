"""Internal: the ``data`` of the docs' chat-bot examples, signed by a given portal.

v1 payloads follow the private-chat examples (``data[BOT][<id>]`` with the bot's tokens,
``PARAMS``, ``USER``). v2 payloads (``V2_PAYLOADS``, the ``imbot.v2`` events without their
``bot``; ``USER_PAYLOADS``, the ``im.v2`` user events) follow the docs' examples, with
every field ``entities.md`` lists, in fetch mode's native JSON types. ``samples`` turns
them into whole request bodies (webhook mode) and fetch-format ``data``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .portal import Portal

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
V1_PAYLOADS: dict[str, tuple[Callable[[Portal, str], dict[str, Any]], int, int, bool]] = {
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


# ---- v2 payloads (the docs' examples, every entity field, native JSON types) ---------

V2_BOT_ID = 456
V2_BOT_CODE = "support_bot"


def v2_fetch_bot(bot_id: int, bot_code: str) -> dict[str, Any]:
    """The full bot object of fetch mode (``imbot.v2.Bot.get``'s extended format)."""
    return {
        "id": bot_id,
        "code": bot_code,
        "type": "bot",
        "isHidden": False,
        "isSupportOpenline": False,
        "isReactionsEnabled": True,
        "backgroundId": None,
        "language": "en",
        "moduleId": "rest",
        "eventMode": "fetch",
        "countMessage": 150,
        "countCommand": 3,
        "countChat": 12,
        "countUser": 45,
    }


#: A group chat as events send it: ``entities.md``'s fields less ``role``/``muteList``
#: (the im.v2 events' example).
_V2_CHAT: dict[str, Any] = {
    "id": 5,
    "dialogId": "chat5",
    "name": "Support Chat",
    "type": "chat",
    "messageType": "C",
    "owner": 1,
    "color": "#ab7761",
    "avatar": "",
    "description": "",
    "extranet": False,
    "containsCollaber": False,
    "entityType": "",
    "entityId": "",
    "entityData1": "",
    "entityData2": "",
    "entityData3": "",
    "entityLink": {},
    "diskFolderId": 42,
    "permissions": {},
    "parentChatId": 0,
    "parentMessageId": 0,
    "isNew": False,
    "textFieldEnabled": "Y",
    "backgroundId": None,
}
_V2_USER: dict[str, Any] = {
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
    "mobileLastDate": False,
    "desktopLastDate": False,
    "absent": False,
    "departments": [1],
    "phones": False,
    "website": "",
    "email": "john@example.com",
    "type": "employee",
}
#: The user events' user: its online dates are always ``false`` there.
_IM_USER = {**_V2_USER, "lastActivityDate": False}


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


_PRIVATE_CHAT = {**_V2_CHAT, "dialogId": "1", "type": "private", "messageType": "P"}

#: The ``imbot.v2`` events' data without ``bot``: the docs' examples, where they have one.
V2_PAYLOADS: dict[str, dict[str, Any]] = {
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
        "chat": {**_V2_CHAT, "name": "Project Chat", "isNew": True},
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
        "chat": {**_PRIVATE_CHAT, "name": "", "owner": 456},
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

#: The ``im.v2`` user events' data (the docs' ONIMV2MESSAGEADD example and field
#: tables). The update is of a forwarded message, and the joined user has a phone, so
#: that ``forward``, ``params`` and ``phones`` appear with values somewhere.
USER_PAYLOADS: dict[str, dict[str, Any]] = {
    "ONIMV2MESSAGEADD": {
        "message": _v2_message(5012, 1, "Hello everyone!", False),
        "chat": {**_V2_CHAT, "name": "Project Chat"},
        "user": _IM_USER,
        "language": "en",
    },
    "ONIMV2MESSAGEUPDATE": {
        "message": {
            **_v2_message(5012, 1, "Hello everyone! (edited)", True),
            "forward": {"id": 4870, "userId": 3, "chatId": 7, "date": "2025-01-14T09:00:00+02:00"},
            "params": {"IS_EDITED": "Y"},
        },
        "chat": {**_V2_CHAT, "name": "Project Chat"},
        "user": _IM_USER,
        "language": "en",
    },
    "ONIMV2MESSAGEDELETE": {
        "messageId": 5012,
        "chat": {**_V2_CHAT, "name": "Project Chat"},
        "user": _IM_USER,
        "language": "en",
    },
    "ONIMV2REACTIONCHANGE": {
        "reaction": "like",
        "action": "add",
        "message": _v2_message(5012, 1, "Hello everyone!", True),
        "chat": {**_V2_CHAT, "name": "Project Chat"},
        "user": {**_IM_USER, "id": 3, "name": "Anna Lee", "firstName": "Anna", "lastName": "Lee"},
        "language": "en",
    },
    "ONIMV2JOINCHAT": {
        "dialogId": "chat5",
        "chat": {**_V2_CHAT, "name": "Project Chat"},
        "user": {
            **_IM_USER,
            "id": 7,
            "name": "Klaus Weber",
            "firstName": "Klaus",
            "lastName": "Weber",
            "phones": {"workPhone": "+49 30 1234567"},
        },
        "language": "en",
    },
}
