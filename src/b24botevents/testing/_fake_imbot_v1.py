"""The fake's ``imbot.*`` v1 methods, with the parameters and errors the docs give them.

Docs: ``api-reference/chat-bots/outdated/`` of ``bitrix24/b24restdocs``. A bot named by
``BOT_ID`` that the fake has never seen is registered to the OAuth application on first
use, so a test need not register its bot first; over a webhook the bot must exist and the
call must carry the ``CLIENT_ID`` it was registered with. Without ``BOT_ID`` the first bot
of the caller is used, as Bitrix24 does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ._fake_context import (
    Ctx,
    Handler,
    flag,
    int_param,
    loose_json,
    message_text,
    replace_message,
    require_int,
    store_message,
)
from ._fake_records import FakeBot
from ._fake_wire import ApiError

__all__ = ["METHODS", "owned_bot", "valid_url"]

_NOT_FOUND = "Bot not found"
_OTHER_APP = "Bot was installed by another REST application"
_CANT_EDIT = "Time has expired for modification or you don't have access"
_EVENTS = ("EVENT_MESSAGE_ADD", "EVENT_WELCOME_MESSAGE", "EVENT_BOT_DELETE")
_OPTIONAL_EVENTS = ("EVENT_MESSAGE_UPDATE", "EVENT_MESSAGE_DELETE")


def _owned(ctx: Ctx, bot: FakeBot) -> bool:
    if ctx.caller.is_webhook:
        return bot.secret is not None and bot.secret == ctx.bot_secret
    return bot.registered_by == "app"


def owned_bot(ctx: Ctx, *, register: bool = True) -> FakeBot:
    """The bot of a v1 call: ``BOT_ID``, or the caller's first bot. Over OAuth an unknown
    bot is registered to the application on first use, unless ``register=False``."""
    if ctx.caller.is_webhook and not ctx.bot_secret:
        raise ApiError("ACCESS_DENIED", "Access denied! Client ID not specified")
    raw = ctx.params.get("BOT_ID")
    if raw in (None, "", 0, "0"):
        for bot in ctx.state.bots_of(ctx.caller.member_id):
            if _owned(ctx, bot):
                return bot
        raise ApiError("BOT_ID_ERROR", _NOT_FOUND)
    bot_id = int_param(raw)
    if bot_id is None or bot_id <= 0:
        raise ApiError("BOT_ID_ERROR", _NOT_FOUND)
    found = ctx.state.bot(ctx.caller.member_id, bot_id)
    if found is None:
        if ctx.caller.is_webhook or not register:
            raise ApiError("BOT_ID_ERROR", _NOT_FOUND)
        found = ctx.new_bot(bot_id, version=1)
    if not _owned(ctx, found):
        raise ApiError("APP_ID_ERROR", _OTHER_APP)
    return found


def _content(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "attach": loose_json(params.get("ATTACH")),
        "keyboard": loose_json(params.get("KEYBOARD")),
        "menu": loose_json(params.get("MENU")),
        "url_preview": flag(params.get("URL_PREVIEW"), True),
    }


def message_add(ctx: Ctx) -> int:
    params = ctx.params
    bot = owned_bot(ctx)
    system = flag(params.get("SYSTEM"), False)
    from_user = int_param(params.get("FROM_USER_ID")) or 0
    to_user = int_param(params.get("TO_USER_ID")) or 0
    if from_user > 0 and to_user > 0:
        dialog_id, system = str(to_user), True
    else:
        dialog_id = str(params.get("DIALOG_ID") or "").strip()
        if not dialog_id:
            raise ApiError("DIALOG_ID_EMPTY", "Dialog ID can't be empty")
    text = message_text(params.get("MESSAGE"))
    content = _content(params)
    if not text and not content["attach"]:
        raise ApiError("MESSAGE_EMPTY", "Message can't be empty")
    message = store_message(
        ctx, bot_id=bot.bot_id, dialog_id=dialog_id, text=text, system=system, **content
    )
    return message.message_id


def _own_message(ctx: Ctx, bot: FakeBot) -> int:
    message_id = require_int(
        ctx.params, "MESSAGE_ID", "MESSAGE_ID_ERROR", "Message ID can't be empty"
    )
    found = ctx.state.message(ctx.caller.member_id, message_id)
    if found is None or found[1].deleted or found[1].bot_id != bot.bot_id:
        raise ApiError("CANT_EDIT_MESSAGE", _CANT_EDIT)
    return found[0]


def message_update(ctx: Ctx) -> bool:
    params = ctx.params
    index = _own_message(ctx, owned_bot(ctx))
    changes: dict[str, Any] = {"edited": True}
    if "MESSAGE" in params:
        text = message_text(params.get("MESSAGE"))
        if not text:  # "If an empty value is provided, the message will be deleted."
            replace_message(ctx, index, deleted=True)
            return True
        changes["text"] = text
    for name, key in (("ATTACH", "attach"), ("KEYBOARD", "keyboard"), ("MENU", "menu")):
        if name in params:
            value = params[name]
            changes[key] = None if value in ("", "N", None) else loose_json(value)
    if "URL_PREVIEW" in params:
        changes["url_preview"] = flag(params["URL_PREVIEW"], True)
    replace_message(ctx, index, **changes)
    return True


def message_delete(ctx: Ctx) -> bool:
    index = _own_message(ctx, owned_bot(ctx))
    replace_message(ctx, index, deleted=True, complete=flag(ctx.params.get("COMPLETE"), False))
    return True


def command_answer(ctx: Ctx) -> int:
    params = ctx.params
    command_id = int_param(params.get("COMMAND_ID"))
    if (command_id is None or command_id <= 0) and not params.get("COMMAND"):
        raise ApiError("COMMAND_ID_ERROR", "Command not found")
    message_id = require_int(params, "MESSAGE_ID", "MESSAGE_ID_EMPTY", "Message ID can't be empty")
    text = message_text(params.get("MESSAGE"))
    content = _content(params)
    if not text and not content["attach"]:
        raise ApiError("MESSAGE_EMPTY", "Message can't be empty")
    bot_id = int_param(params.get("BOT_ID"))
    original = ctx.state.message(ctx.caller.member_id, message_id)
    dialog_id = str(params.get("DIALOG_ID") or (original[1].dialog_id if original else ""))
    answer = store_message(
        ctx,
        bot_id=bot_id,
        dialog_id=dialog_id,
        text=text,
        system=flag(params.get("SYSTEM"), False),
        reply_to=message_id,
        command_id=command_id,
        **content,
    )
    return answer.message_id


def send_typing(ctx: Ctx) -> bool:
    owned_bot(ctx)
    if not str(ctx.params.get("DIALOG_ID") or "").strip():
        raise ApiError("DIALOG_ID_EMPTY", "Dialog ID can't be empty")
    return True


def valid_url(value: Any) -> bool:
    """An absolute http(s) URL, as a handler must be."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def register(ctx: Ctx) -> int:
    params = ctx.params
    code = str(params.get("CODE") or "").strip()
    if not code:
        raise ApiError("CODE_ERROR", "Bot code isn't specified")
    if ctx.caller.is_webhook and not ctx.bot_secret:
        raise ApiError("ACCESS_DENIED", "Access denied! Client ID not specified")
    handlers = {name: params.get(name) for name in (*_EVENTS, *_OPTIONAL_EVENTS)}
    if params.get("EVENT_HANDLER"):
        handlers = dict.fromkeys(handlers, params["EVENT_HANDLER"])
    for name in _EVENTS:
        if not handlers[name]:
            raise ApiError(f"{name}_ERROR", "Event handler isn't specified")
    for name, url in handlers.items():
        if url and not valid_url(url):
            raise ApiError(f"{name}_ERROR", "Wrong handler URL")
    properties = params.get("PROPERTIES")
    properties = properties if isinstance(properties, dict) else {}
    name = " ".join(
        str(properties.get(part) or "").strip() for part in ("NAME", "LAST_NAME")
    ).strip()
    if not name:
        raise ApiError("NAME_ERROR", "Bot name isn't specified")
    registered_by = "webhook" if ctx.caller.is_webhook else "app"
    for bot in ctx.state.bots_of(ctx.caller.member_id):
        if bot.code == code:
            # The docs do not say; Bitrix24 hands the application its existing bot back.
            if bot.registered_by == registered_by and _owned(ctx, bot):
                return bot.bot_id
            raise ApiError("WRONG_REQUEST", "Bot can't be created")
    bot_type = str(params.get("TYPE") or "B").upper()
    bot = FakeBot(
        bot_id=ctx.state.new_bot_id(),
        member_id=ctx.caller.member_id,
        code=code,
        version=1,
        name=name,
        type=bot_type,
        event_mode="webhook",
        webhook_url=str(handlers["EVENT_MESSAGE_ADD"]),
        openline=bot_type == "O" or flag(params.get("OPENLINE"), False),
        registered_by=registered_by,
        secret=ctx.bot_secret if ctx.caller.is_webhook else None,
    )
    return ctx.state.put_bot(bot).bot_id


def bot_list(ctx: Ctx) -> dict[str, Any] | list[Any]:
    bots = {
        str(bot.bot_id): {
            "ID": bot.bot_id,
            "NAME": bot.name,
            "CODE": bot.code,
            "OPENLINE": "Y" if bot.openline else "N",
        }
        for bot in ctx.state.bots_of(ctx.caller.member_id)
    }
    return bots or []  # PHP's json_encode writes an empty array as []


METHODS: dict[str, Handler] = {
    "imbot.message.add": message_add,
    "imbot.message.update": message_update,
    "imbot.message.delete": message_delete,
    "imbot.command.answer": command_answer,
    "imbot.chat.sendTyping": send_typing,
    "imbot.register": register,
    "imbot.bot.list": bot_list,
}
