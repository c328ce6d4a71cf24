"""The fake's ``imbot.v2.*`` methods, with the parameters, results and errors of the docs.

Docs: ``api-reference/chat-bots/chat-bots-v2/imbot.v2/`` of ``bitrix24/b24restdocs``.
Over OAuth a ``botId`` the fake has never seen is registered to the application on first
use; over a webhook every call needs the bot's ``botToken`` (``BOT_TOKEN_NOT_SPECIFIED``
without it, ``BOT_OWNERSHIP_ERROR`` for another one). ``Bot.register`` is idempotent per
application, as documented.
"""

from __future__ import annotations

from typing import Any

from ._fake_context import (
    Ctx,
    Handler,
    flag,
    int_param,
    loose_json,
    message_text,
    replace_message,
    store_message,
)
from ._fake_records import FakeBot
from ._fake_wire import ApiError

__all__ = ["METHODS", "owned_bot"]

_TYPES = ("bot", "network", "openline", "supervisor", "personal")
_MAX_BOT_TOKEN = 40


def _owned(ctx: Ctx, bot: FakeBot) -> bool:
    if ctx.caller.is_webhook:
        return bot.secret is not None and bot.secret == ctx.bot_secret
    return bot.registered_by == "app"


def _need_token(ctx: Ctx) -> None:
    if ctx.caller.is_webhook and not ctx.bot_secret:
        raise ApiError("BOT_TOKEN_NOT_SPECIFIED", "Bot token is not specified")


def owned_bot(ctx: Ctx, *, register: bool = True) -> FakeBot:
    """The bot ``botId`` names, if the caller may act as it (the controller's checks).

    ``BOT_TOKEN_NOT_SPECIFIED``, ``BOT_ID_REQUIRED``, ``BOT_NOT_FOUND`` and
    ``BOT_OWNERSHIP_ERROR``, in that order. Over OAuth an unknown bot is registered to
    the application on first use, unless ``register=False``.
    """
    _need_token(ctx)
    bot_id = int_param(ctx.params.get("botId"))
    if bot_id is None or bot_id <= 0:
        raise ApiError("BOT_ID_REQUIRED", "Bot ID is required")
    found = ctx.state.bot(ctx.caller.member_id, bot_id)
    if found is None:
        if ctx.caller.is_webhook or not register:
            raise ApiError("BOT_NOT_FOUND", "Bot not found")
        found = ctx.new_bot(bot_id, version=2)
    if not _owned(ctx, found):
        raise ApiError("BOT_OWNERSHIP_ERROR", "Bot is registered by another application")
    return found


def _bot(ctx: Ctx) -> FakeBot:
    return owned_bot(ctx)


def _required(ctx: Ctx, name: str) -> Any:
    value = ctx.params.get(name)
    if value in (None, ""):
        # Not in the docs: Bitrix24's controllers refuse a missing argument like this.
        raise ApiError("INVALID_ARG_VALUE", f"Could not find value for parameter {{{name}}}")
    return value


def _fields(ctx: Ctx) -> dict[str, Any]:
    fields = loose_json(ctx.params.get("fields"))
    return fields if isinstance(fields, dict) else {}


def _content(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": message_text(fields.get("message")),
        "attach": loose_json(fields.get("attach")),
        "keyboard": loose_json(fields.get("keyboard")),
        "system": flag(fields.get("system"), False),
        "url_preview": flag(fields.get("urlPreview"), True),
    }


def message_send(ctx: Ctx) -> dict[str, Any]:
    bot = _bot(ctx)
    dialog_id = str(_required(ctx, "dialogId"))
    fields = _fields(ctx)
    content = _content(fields)
    forwards = fields.get("forwardIds")
    forwards = forwards if isinstance(forwards, dict) else {}
    if not content["text"] and not content["attach"] and not forwards:
        raise ApiError("EMPTY_MESSAGE", "Message is empty")
    uuid_map: dict[str, int] = {}
    for uuid, original_id in forwards.items():
        original = ctx.state.message(ctx.caller.member_id, int_param(original_id) or 0)
        copy = store_message(
            ctx,
            bot_id=bot.bot_id,
            dialog_id=dialog_id,
            text=original[1].text if original else "",
        )
        uuid_map[str(uuid)] = copy.message_id
    message_id: int | None = None
    if content["text"] or content["attach"]:
        message = store_message(
            ctx,
            bot_id=bot.bot_id,
            dialog_id=dialog_id,
            reply_to=int_param(fields.get("replyId")),
            **content,
        )
        message_id = message.message_id
    return {"id": message_id, "uuidMap": uuid_map}


def _own_message(ctx: Ctx, bot: FakeBot) -> int:
    message_id = int_param(_required(ctx, "messageId")) or 0
    found = ctx.state.message(ctx.caller.member_id, message_id)
    if found is None or found[1].deleted or found[1].system or found[1].bot_id != bot.bot_id:
        raise ApiError("ACCESS_DENIED", "Access denied")
    return found[0]


def message_update(ctx: Ctx) -> dict[str, bool]:
    index = _own_message(ctx, _bot(ctx))
    fields = _fields(ctx)
    changes: dict[str, Any] = {"edited": True}
    if "message" in fields:
        changes["text"] = message_text(fields["message"])
    if "attach" in fields:
        changes["attach"] = loose_json(fields["attach"])
    if "keyboard" in fields:
        keyboard = fields["keyboard"]
        changes["keyboard"] = None if keyboard in ("N", "", None) else loose_json(keyboard)
    if "urlPreview" in fields:
        changes["url_preview"] = flag(fields["urlPreview"], True)
    replace_message(ctx, index, **changes)
    return {"result": True}


def message_delete(ctx: Ctx) -> dict[str, bool]:
    index = _own_message(ctx, _bot(ctx))
    replace_message(ctx, index, deleted=True, complete=flag(ctx.params.get("complete"), False))
    return {"result": True}


def command_answer(ctx: Ctx) -> dict[str, bool]:
    bot = _bot(ctx)
    command_id = int_param(_required(ctx, "commandId"))
    message_id = int_param(_required(ctx, "messageId"))
    dialog_id = str(_required(ctx, "dialogId"))
    content = _content(_fields(ctx))
    if not content["text"] and not content["attach"]:
        raise ApiError("EMPTY_MESSAGE", "Message is empty")
    store_message(
        ctx,
        bot_id=bot.bot_id,
        dialog_id=dialog_id,
        reply_to=message_id,
        command_id=command_id,
        **content,
    )
    return {"result": True}


def input_action_notify(ctx: Ctx) -> dict[str, bool]:
    _bot(ctx)
    _required(ctx, "dialogId")
    return {"result": True}


def bot_object(bot: FakeBot, app_id: str) -> dict[str, Any]:
    """A ``Bot`` in the extended format (``entities.md#bot``)."""
    return {
        "id": bot.bot_id,
        "code": bot.code,
        "type": bot.type,
        "isHidden": False,
        "isSupportOpenline": bot.openline,
        "isReactionsEnabled": True,
        "backgroundId": None,
        "language": "en",
        "moduleId": "rest",
        "appId": app_id,
        "eventMode": bot.event_mode,
        "countMessage": 0,
        "countCommand": 0,
        "countChat": 0,
        "countUser": 0,
    }


def user_object(bot: FakeBot) -> dict[str, Any]:
    first, _, last = bot.name.partition(" ")
    return {
        "id": bot.bot_id,
        "active": True,
        "name": bot.name,
        "firstName": first,
        "lastName": last,
        "bot": True,
        "type": "bot",
    }


def _app_id(ctx: Ctx) -> str:
    return "" if ctx.caller.is_webhook else ctx.state.client_id


def bot_register(ctx: Ctx) -> dict[str, Any]:
    fields = _fields(ctx)
    _need_token(ctx)
    if ctx.bot_secret is not None and len(ctx.bot_secret) > _MAX_BOT_TOKEN:
        raise ApiError("BOT_TOKEN_INVALID_LENGTH", "Bot token is longer than 40 characters")
    code = str(fields.get("code") or "").strip()
    if not code:
        raise ApiError("BOT_CODE_REQUIRED", "Bot code is required")
    properties = fields.get("properties")
    name = str(properties.get("name") or "").strip() if isinstance(properties, dict) else ""
    if not name:
        raise ApiError("BOT_PROPERTIES_REQUIRED", "Bot properties are required")
    bot_type = str(fields.get("type") or "bot")
    if bot_type not in _TYPES:
        raise ApiError("BOT_INVALID_TYPE", "Invalid bot type")
    event_mode = str(fields.get("eventMode") or "fetch")
    if event_mode not in ("fetch", "webhook"):
        raise ApiError("BOT_INVALID_EVENT_MODE", "Invalid event mode")
    webhook_url = fields.get("webhookUrl") or None
    if event_mode == "webhook" and not webhook_url:
        raise ApiError("BOT_WEBHOOK_URL_REQUIRED", "Webhook URL is required")
    registered_by = "webhook" if ctx.caller.is_webhook else "app"
    for bot in ctx.state.bots_of(ctx.caller.member_id):
        if bot.code == code:
            if bot.registered_by != registered_by or not _owned(ctx, bot):
                raise ApiError("BOT_CODE_ALREADY_TAKEN", "Bot code is already taken")
            break  # idempotent: the existing bot, unchanged
    else:
        last = str(properties.get("lastName") or "").strip() if isinstance(properties, dict) else ""
        bot = ctx.state.put_bot(
            FakeBot(
                bot_id=ctx.state.new_bot_id(),
                member_id=ctx.caller.member_id,
                code=code,
                version=2,
                name=f"{name} {last}".strip(),
                type=bot_type,
                event_mode=event_mode,
                webhook_url=str(webhook_url) if webhook_url else None,
                openline=bot_type == "openline" or flag(fields.get("isSupportOpenline"), False),
                registered_by=registered_by,
                secret=ctx.bot_secret if ctx.caller.is_webhook else None,
            )
        )
    return {"bot": bot_object(bot, _app_id(ctx)), "users": [user_object(bot)]}


def bot_list(ctx: Ctx) -> dict[str, Any]:
    _need_token(ctx)
    wanted = _fields_filter(ctx)
    bots = [
        bot
        for bot in ctx.state.bots_of(ctx.caller.member_id)
        if _owned(ctx, bot) and (wanted is None or bot.type == wanted)
    ]
    limit = int_param(ctx.params.get("limit")) or 50
    offset = max(int_param(ctx.params.get("offset")) or 0, 0)
    page = bots[offset : offset + limit]
    listed = []
    for bot in page:
        item = bot_object(bot, _app_id(ctx))
        del item["appId"]  # the list's extended format has no appId
        listed.append(item)
    return {
        "bots": listed,
        "users": [user_object(bot) for bot in page],
        "hasNextPage": offset + limit < len(bots),
    }


def _fields_filter(ctx: Ctx) -> str | None:
    found = loose_json(ctx.params.get("filter"))
    if isinstance(found, dict) and found.get("type"):
        return str(found["type"])
    return None


METHODS: dict[str, Handler] = {
    "imbot.v2.Chat.Message.send": message_send,
    "imbot.v2.Chat.Message.update": message_update,
    "imbot.v2.Chat.Message.delete": message_delete,
    "imbot.v2.Command.answer": command_answer,
    "imbot.v2.Chat.InputAction.notify": input_action_notify,
    "imbot.v2.Bot.register": bot_register,
    "imbot.v2.Bot.list": bot_list,
}
