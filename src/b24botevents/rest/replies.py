"""Replies to events in one line: which method, which bot, which dialog, which credentials.

``client.reply(event, "text")`` (``await client.areply(...)`` in async code) answers
the event it is given, the same line for v1 and v2:

==========================  ===========================  ===============================
event                       v1 (``imbot``)               v2 (``imbot.v2``)
==========================  ===========================  ===============================
a message, a join, ...      ``imbot.message.add``        ``imbot.v2.Chat.Message.send``
a command                   ``imbot.command.answer``     ``imbot.v2.Command.answer``
``typing``                  ``imbot.chat.sendTyping``    ``imbot.v2.Chat.InputAction.notify``
``edit``                    ``imbot.message.update``     ``imbot.v2.Chat.Message.update``
``delete``                  ``imbot.message.delete``     ``imbot.v2.Chat.Message.delete``
==========================  ===========================  ===============================

It goes to the event's dialog, from the event's bot (``bot_id=`` picks one when a v1
event addresses several), with the event's own bot tokens while they are fresh, else
the portal's stored credentials, else the webhook (``RestClient.credentials_for``). The
im.v2 user events (``UserMessageAddEvent``, ...) address no bot: ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from b24botevents._redact import MASK
from b24botevents.models import Auth, Event
from b24botevents.models.user_events import UserChatData
from b24botevents.models.v1 import BotCommandData, BotJoinChatData, BotMessageData
from b24botevents.models.v2 import (
    BotV2ChatData,
    BotV2CommandData,
    BotV2ContextGetData,
    BotV2JoinChatData,
)
from b24botevents.stores import OAuthTokens

__all__ = [
    "ReplyTarget",
    "delete_call",
    "edit_call",
    "message_call",
    "message_id_of",
    "reply_target",
    "typing_call",
]


@attrs.frozen(repr=False)
class ReplyTarget:
    """Where and as whom an answer to an event goes."""

    version: int
    bot_id: int
    dialog_id: str | None
    member_id: str | None
    domain: str | None
    tokens: OAuthTokens | None = None
    #: For commands: v1 ``(COMMAND_ID, COMMAND, MESSAGE_ID)``, v2 ``(commandId, None, messageId)``.
    command: tuple[int, str | None, int] | None = None

    def __repr__(self) -> str:
        return (
            f"ReplyTarget(v{self.version}, bot_id={self.bot_id}, dialog_id={self.dialog_id!r}, "
            f"member_id={self.member_id!r}, event_tokens={self.tokens is not None})"
        )


def event_tokens(auth: Auth | None, sent: datetime | None) -> OAuthTokens | None:
    """A bot's own tokens from an event (``data[bot][auth]``, v1 ``data[BOT][<id>]``).

    A masked token (an event rebuilt from ``to_dict(event, redact=True)``, as a task queue
    carries it) is no token: the stored credentials are used, and ``***`` is never sent.
    """
    if auth is None or not auth.access_token or auth.access_token == MASK:
        return None
    expires = auth.expires
    if expires is None and auth.expires_in is not None:
        expires = (sent or datetime.now(timezone.utc)) + timedelta(seconds=auth.expires_in)
    if expires is None:
        return None  # no way to tell when it dies: use the stored credentials instead
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    try:
        return OAuthTokens(auth.access_token, auth.refresh_token, expires, (), auth.user_id)
    except ValueError:
        return None  # not a usable token: never sent anywhere


def reply_target(event: Event, bot_id: int | None = None) -> ReplyTarget:
    """The bot, dialog and credentials to answer ``event`` with; ``ValueError`` if none."""
    data = event.data
    member_id, domain = event.member_id, event.domain
    if isinstance(data, BotV2ChatData):
        bot = data.bot
        if bot_id is not None and bot_id != bot.id:
            raise ValueError(f"the event is for bot {bot.id}, not {bot_id}")
        dialog: str | None
        if isinstance(data, (BotV2JoinChatData, BotV2ContextGetData)) and data.dialog_id:
            dialog = data.dialog_id
        else:
            dialog = data.chat.dialog_id if data.chat is not None else None
        command: tuple[int, str | None, int] | None = None
        if isinstance(data, BotV2CommandData) and data.command is not None:
            message_id = data.message.id if data.message is not None else 0
            command = (data.command.id, None, message_id)
        tokens = event_tokens(bot.auth, event.ts)
        return ReplyTarget(2, bot.id, dialog, member_id, domain, tokens, command)
    if isinstance(data, BotCommandData):
        calls = [c for c in data.commands.values() if bot_id is None or c.bot_id == bot_id]
        if not calls:
            raise ValueError("the event has no command for that bot")
        first = calls[0]
        if bot_id is None and len({c.bot_id for c in calls}) > 1:
            raise ValueError("the event is for several bots: pass bot_id=")
        message_id = first.message_id or data.params.message_id or 0
        command = (first.command_id or 0, first.command, message_id)
        tokens = event_tokens(first.auth, event.ts)
        dialog = data.params.dialog_id
        return ReplyTarget(1, first.bot_id, dialog, member_id, domain, tokens, command)
    if isinstance(data, (BotMessageData, BotJoinChatData)):
        bots = [b for b in data.bots.values() if bot_id is None or b.bot_id == bot_id]
        if not bots:
            raise ValueError("the event is not for that bot" if bot_id else "the event has no bot")
        if bot_id is None and len({b.bot_id for b in bots}) > 1:
            raise ValueError("the event is for several bots: pass bot_id=")
        chosen = bots[0]
        tokens = event_tokens(chosen.auth, event.ts)
        dialog = data.params.dialog_id
        return ReplyTarget(1, chosen.bot_id, dialog, member_id, domain, tokens)
    if isinstance(data, UserChatData):
        # im.v2 user events are what a subscribed user sees in all their chats: no bot was
        # addressed, and answering each would write into every chat of that user.
        raise ValueError(
            f"{event.code} is a user event, not a message to a bot: there is no bot to answer "
            "as (call imbot.v2.Chat.Message.send with a bot of yours to write anyway)"
        )
    raise TypeError(f"{event.code} is not a chat event: there is nothing to answer")


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def _dialog(target: ReplyTarget) -> str:
    if not target.dialog_id:
        raise ValueError("the event names no dialog to answer in")
    return target.dialog_id


def message_call(
    target: ReplyTarget,
    text: str | None,
    *,
    attach: Any = None,
    keyboard: Any = None,
    menu: Any = None,
    system: bool | None = None,
    url_preview: bool | None = None,
    reply_to: int | None = None,
    answer_command: bool = True,
) -> tuple[str, dict[str, Any]]:
    """The method and parameters of an answer (a command's answer for a command event)."""
    if text is None and attach is None:
        raise ValueError("an answer needs text or an attachment")
    dialog = _dialog(target)
    command = target.command if answer_command else None
    if target.version == 2:
        if menu is not None:
            raise ValueError("menu is a v1 option; v2 messages have keyboard only")
        fields: dict[str, Any] = {}
        if text is not None:
            fields["message"] = text
        for key, value in (
            ("attach", attach),
            ("keyboard", keyboard),
            ("system", system),
            ("urlPreview", url_preview),
        ):
            if value is not None:
                fields[key] = value
        if command is not None:
            if reply_to is not None:
                raise ValueError("a command's answer cannot reply to another message")
            command_id, _code, message_id = command
            answer = {
                "botId": target.bot_id,
                "commandId": command_id,
                "messageId": message_id,
                "dialogId": dialog,
                "fields": fields,
            }
            return "imbot.v2.Command.answer", answer
        if reply_to is not None:
            fields["replyId"] = reply_to
        return "imbot.v2.Chat.Message.send", {
            "botId": target.bot_id,
            "dialogId": dialog,
            "fields": fields,
        }
    if reply_to is not None:
        raise ValueError("reply_to is a v2 option; imbot.message.add has no reply")
    params: dict[str, Any] = {}
    if text is not None:
        params["MESSAGE"] = text
    for key, value in (("ATTACH", attach), ("KEYBOARD", keyboard), ("MENU", menu)):
        if value is not None:
            params[key] = value
    if system is not None:
        params["SYSTEM"] = _yes_no(system)
    if url_preview is not None:
        params["URL_PREVIEW"] = _yes_no(url_preview)
    if command is not None:
        command_id, code, message_id = command
        params.update({"COMMAND_ID": command_id, "COMMAND": code, "MESSAGE_ID": message_id})
        return "imbot.command.answer", {"BOT_ID": target.bot_id, **params}
    return "imbot.message.add", {"BOT_ID": target.bot_id, "DIALOG_ID": dialog, **params}


def typing_call(target: ReplyTarget) -> tuple[str, dict[str, Any]]:
    """ "The bot is typing…" in the event's dialog."""
    dialog = _dialog(target)
    if target.version == 2:
        return "imbot.v2.Chat.InputAction.notify", {"botId": target.bot_id, "dialogId": dialog}
    return "imbot.chat.sendTyping", {"BOT_ID": target.bot_id, "DIALOG_ID": dialog}


def edit_call(
    target: ReplyTarget,
    message_id: int,
    text: str | None,
    *,
    attach: Any = None,
    keyboard: Any = None,
    url_preview: bool | None = None,
) -> tuple[str, dict[str, Any]]:
    """Change one of the bot's own messages."""
    if type(message_id) is not int or message_id <= 0:
        raise ValueError("message_id must be a positive int")
    if target.version == 2:
        fields: dict[str, Any] = {}
        if text is not None:
            fields["message"] = text
        if attach is not None:
            fields["attach"] = attach
        if keyboard is not None:
            fields["keyboard"] = keyboard
        if url_preview is not None:
            fields["urlPreview"] = _yes_no(url_preview)  # "Y"/"N" in the docs for update
        return "imbot.v2.Chat.Message.update", {
            "botId": target.bot_id,
            "messageId": message_id,
            "fields": fields,
        }
    params: dict[str, Any] = {"BOT_ID": target.bot_id, "MESSAGE_ID": message_id}
    if text is not None:
        params["MESSAGE"] = text
    if attach is not None:
        params["ATTACH"] = attach
    if keyboard is not None:
        params["KEYBOARD"] = keyboard
    if url_preview is not None:
        params["URL_PREVIEW"] = _yes_no(url_preview)
    return "imbot.message.update", params


def delete_call(target: ReplyTarget, message_id: int) -> tuple[str, dict[str, Any]]:
    """Delete one of the bot's own messages."""
    if type(message_id) is not int or message_id <= 0:
        raise ValueError("message_id must be a positive int")
    if target.version == 2:
        return "imbot.v2.Chat.Message.delete", {"botId": target.bot_id, "messageId": message_id}
    params = {"BOT_ID": target.bot_id, "MESSAGE_ID": message_id, "COMPLETE": "Y"}
    return "imbot.message.delete", params


def message_id_of(result: Any) -> int | None:
    """The new message's id from an answer's ``result`` (an int in v1, ``{id}`` in v2)."""
    if isinstance(result, Mapping):
        result = result.get("id")
    if isinstance(result, str) and result.isdigit():
        result = int(result)
    return result if type(result) is int else None
