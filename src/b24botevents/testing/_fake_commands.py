"""The fake's command registration: ``imbot.v2.Command.register``/``list`` and v1's
``imbot.command.register``, with the parameters, results and errors of the docs.

Docs: ``api-reference/chat-bots/chat-bots-v2/imbot.v2/commands/`` and
``api-reference/chat-bots/commands/`` of ``bitrix24/b24restdocs``. A bot's commands are
kept in the fake's state (``FakeBitrix24.commands``); the bot checks are those of every
other method of the same version (``owned_bot``), except that a command is never made
for a bot the fake does not know (``BOT_NOT_FOUND`` / ``BOT_ID_ERROR``, as on a portal):
a wrong ``bot_id`` must not pass. ``Command.register`` is idempotent per bot and command,
as documented; v1's docs do not say, and the fake hands the existing command back there
too. Names are compared case-insensitively, as ``on_command`` compares them: an
assumption, the docs do not say.
"""

from __future__ import annotations

import re
from typing import Any

from b24botevents.models.base import command_key

from . import _fake_imbot_v1 as v1
from . import _fake_imbot_v2 as v2
from ._fake_context import Ctx, Handler, flag, loose_json
from ._fake_records import FakeBot, FakeCommand
from ._fake_wire import ApiError

__all__ = ["METHODS"]

#: One word: no blanks, no slash. The v1 docs ask for "Latin letters and digits", but
#: portals take other letters too (Cyrillic commands are registered in the wild), and the
#: v2 docs only say "a string", so the fake is no stricter than that.
_NAME = re.compile(r"[^\s/]+")


def _existing(ctx: Ctx, bot: FakeBot, name: str) -> FakeCommand | None:
    for command in ctx.state.commands_of(ctx.caller.member_id, bot.bot_id):
        if command_key(command.command) == command_key(name):
            return command
    return None


def _texts(value: Any) -> dict[str, str]:
    """v2's ``{langCode: text}``, the empty texts left out."""
    found = loose_json(value)
    if not isinstance(found, dict):
        return {}
    return {str(lang): str(text) for lang, text in found.items() if str(text or "").strip()}


def _shown(texts: dict[str, str]) -> str:
    """A text in the portal's language: the fake's portals speak English."""
    return texts.get("en") or next(iter(texts.values()), "")


def _v2_object(command: FakeCommand) -> dict[str, Any]:
    return {
        "id": command.command_id,
        "botId": command.bot_id,
        "command": f"/{command.command}",
        "common": command.common,
        "hidden": command.hidden,
        "extranetSupport": command.extranet_support,
    }


def command_register(ctx: Ctx) -> dict[str, Any]:
    bot = v2.owned_bot(ctx, register=False)
    fields = loose_json(ctx.params.get("fields"))
    if not isinstance(fields, dict):
        fields = ctx.params  # the flat format, accepted until 2026-09-30
    name = str(fields.get("command") or "").strip()
    if not name:
        raise ApiError("COMMAND_REQUIRED", "Command is required")
    if not _NAME.fullmatch(name):  # "/help" too: the docs say the command without "/"
        raise ApiError("COMMAND_NAME_INVALID", "Command name is invalid")
    existing = _existing(ctx, bot, name)
    if existing is not None:
        return {"command": _v2_object(existing)}  # idempotent: as it is, not updated
    hidden = flag(fields.get("hidden"), False)
    title = _texts(fields.get("title"))
    if not hidden and not title:
        raise ApiError("COMMAND_TITLE_REQUIRED", "Command title is required")
    command = ctx.state.add_command(
        FakeCommand(
            command_id=0,
            member_id=ctx.caller.member_id,
            bot_id=bot.bot_id,
            command=name,
            version=2,
            title=title,
            params=_texts(fields.get("params")),
            common=flag(fields.get("common"), False),
            hidden=hidden,
            extranet_support=flag(fields.get("extranetSupport"), False),
        )
    )
    return {"command": _v2_object(command)}


def command_list(ctx: Ctx) -> dict[str, Any]:
    bot = v2.owned_bot(ctx, register=False)
    return {
        "commands": [
            {
                **_v2_object(command),
                "title": _shown(dict(command.title)),
                "params": _shown(dict(command.params)),
                "category": bot.name,
                "context": "",
            }
            for command in ctx.state.commands_of(ctx.caller.member_id, bot.bot_id)
        ]
    }


def _v1_lang(value: Any) -> tuple[dict[str, str], dict[str, str]]:
    """``LANG``'s titles and hints by ``LANGUAGE_ID``; ``LANG_ERROR`` without any title."""
    entries = loose_json(value)
    entries = list(entries.values()) if isinstance(entries, dict) else entries
    titles: dict[str, str] = {}
    hints: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not str(entry.get("LANGUAGE_ID") or "").strip():
            continue
        lang = str(entry["LANGUAGE_ID"]).strip()
        if str(entry.get("TITLE") or "").strip():
            titles[lang] = str(entry["TITLE"])
        if str(entry.get("PARAMS") or "").strip():
            hints[lang] = str(entry["PARAMS"])
    if not titles:
        raise ApiError("LANG_ERROR", "Lang set can't be empty")
    return titles, hints


def v1_command_register(ctx: Ctx) -> int:
    params = ctx.params
    if not params.get("BOT_ID"):  # required here: no "first bot of the caller"
        raise ApiError("BOT_ID_ERROR", "Bot not found")
    bot = v1.owned_bot(ctx, register=False)
    name = str(params.get("COMMAND") or "").strip()
    if not _NAME.fullmatch(name):
        raise ApiError("COMMAND_ERROR", "Command isn't specified")
    url = params.get("EVENT_COMMAND_ADD")
    if not v1.valid_url(url):
        raise ApiError(
            "EVENT_COMMAND_ADD_ERROR", 'Handler for "Command add" event isn\'t specified'
        )
    titles, hints = _v1_lang(params.get("LANG"))
    existing = _existing(ctx, bot, name)
    if existing is not None:
        return existing.command_id  # the docs do not say; see the module docstring
    command = ctx.state.add_command(
        FakeCommand(
            command_id=0,
            member_id=ctx.caller.member_id,
            bot_id=bot.bot_id,
            command=name,
            version=1,
            title=titles,
            params=hints,
            common=flag(params.get("COMMON"), False),
            hidden=flag(params.get("HIDDEN"), False),
            extranet_support=flag(params.get("EXTRANET_SUPPORT"), False),
            event_url=str(url),
        )
    )
    return command.command_id


METHODS: dict[str, Handler] = {
    "imbot.v2.Command.register": command_register,
    "imbot.v2.Command.list": command_list,
    "imbot.command.register": v1_command_register,
}
