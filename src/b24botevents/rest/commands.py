"""Registering a bot's chat commands at install: ``register_command`` / ``aregister_command``.

``@dp.on_command("help")`` only ever runs once the portal knows the bot's ``/help``:
until then a typed ``/help`` is a plain message. v2 commands go through
``imbot.v2.Command.register``, which the docs make idempotent (the same command of the
same bot from the same app answers the existing one, unchanged); the helper lists the
bot's commands first (``imbot.v2.Command.list``) so that ``created`` says whether this
call made it. v1 commands go through ``imbot.command.register``: v1 has no list method
and its docs do not say what a second registration does, so the helper registers and
leaves ``created`` unknown (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs

from b24botevents.errors import RestError
from b24botevents.models.base import command_key

from ._calls import Call, Calls, arun_calls, run_calls

if TYPE_CHECKING:
    from .client import PortalRef, RestClient

__all__ = ["CommandRegistration", "aregister_command", "register_command"]

#: A command's title or parameter hint: one text (English), or ``{language: text}``.
Texts: TypeAlias = "str | Mapping[str, str]"
#: A refusal after which the command may exist all the same. The docs only say "an error
#: occurred during registration"; listing again costs one call and finds a command that
#: another install handler registered meanwhile.
_LOOK_AGAIN = frozenset({"COMMAND_REGISTER_FAILED"})


@attrs.frozen
class CommandRegistration:
    """A bot's command: its ``command_id``, its name (``help``, without the slash), and
    whether this call created it: ``True`` or ``False`` for v2, ``None`` for v1, whose
    answer does not tell a new command from an existing one. Two v2 registrations racing
    may both say ``True``: Bitrix24 answers the second with the first one's command."""

    command_id: int
    command: str
    created: bool | None


def _name(command: object) -> str:
    """The command's name without its one leading slash; a ``ValueError`` if it has none."""
    if not isinstance(command, str):
        raise ValueError("command must be a str like 'help'")
    name = command.removeprefix("/")
    if not name or not name.isprintable() or "/" in name or any(c.isspace() for c in name):
        raise ValueError(f"command must be one word like 'help' or '/help', not {command!r}")
    return name


def _texts(value: Texts | None, what: str) -> dict[str, str]:
    """``{language: text}`` of a title or hint: a str is the English text."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"{what} must be a non-empty str or {{language: text}}")
    texts: dict[str, str] = {}
    for language, text in value.items():
        if not isinstance(language, str) or not language.strip():
            raise ValueError(f"{what}'s languages must be codes like 'en'")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{what} must be non-empty text in every language")
        texts[language.strip()] = text
    return texts


def _check(
    bot_id: object, version: object, flags: Mapping[str, object], webhook_url: object
) -> None:
    if type(bot_id) is not int or bot_id <= 0:
        raise ValueError("bot_id must be a positive int")
    if version not in (1, 2):
        raise ValueError("version must be 1 or 2")
    for flag, value in flags.items():
        if type(value) is not bool:
            raise ValueError(f"{flag} must be True or False")
    if version == 1 and not (isinstance(webhook_url, str) and webhook_url.strip()):
        raise ValueError("a v1 command needs webhook_url (its EVENT_COMMAND_ADD handler)")
    if version == 2 and webhook_url is not None:
        raise ValueError("webhook_url is v1's: a v2 command's events go to its bot's handler")


def _int(value: object) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _look_up(bot_id: int, name: str) -> Calls[int | None]:
    """The id of the bot's command ``name`` (``/help`` and ``help`` alike), if it has one."""
    answer = yield "imbot.v2.Command.list", {"botId": bot_id}
    commands = answer.get("commands") if isinstance(answer, Mapping) else None
    for entry in commands if isinstance(commands, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("command"), str):
            continue
        if command_key(entry["command"]) == command_key(name):
            return _int(entry.get("id"))
    return None


def _v2_register(
    bot_id: int, name: str, title: dict[str, str], hint: dict[str, str], flags: dict[str, bool]
) -> Call:
    fields: dict[str, Any] = {
        "command": name,
        "common": flags["common"],
        "hidden": flags["hidden"],
        "extranetSupport": flags["extranet_support"],
    }
    if title:
        fields["title"] = title
    if hint:
        fields["params"] = hint
    return "imbot.v2.Command.register", {"botId": bot_id, "fields": fields}


def _v1_register(
    bot_id: int,
    name: str,
    title: dict[str, str],
    hint: dict[str, str],
    flags: dict[str, bool],
    webhook_url: str,
) -> Call:
    yes_no = {flag: "Y" if value else "N" for flag, value in flags.items()}
    languages = dict.fromkeys([*title, *hint])
    return "imbot.command.register", {
        "BOT_ID": bot_id,
        "COMMAND": name,
        "COMMON": yes_no["common"],
        "HIDDEN": yes_no["hidden"],
        "EXTRANET_SUPPORT": yes_no["extranet_support"],
        "EVENT_COMMAND_ADD": webhook_url,
        "LANG": [
            {"LANGUAGE_ID": lang, "TITLE": title.get(lang, ""), "PARAMS": hint.get(lang, "")}
            for lang in languages
        ],
    }


def _steps(
    bot_id: int,
    command: str,
    title: Texts | None,
    params: Texts | None,
    version: int,
    flags: dict[str, bool],
    webhook_url: str | None,
) -> Calls[CommandRegistration]:
    name = _name(command)
    titles, hints = _texts(title, "title"), _texts(params, "params")
    # A hidden v2 command may go without a title (the docs); v1's LANG needs one always.
    if not titles and (version == 1 or flags.get("hidden") is not True):
        raise ValueError("title must be a non-empty str or {language: text}")
    _check(bot_id, version, flags, webhook_url)
    if version == 1:
        assert webhook_url is not None  # checked above
        if set(hints) - set(titles):  # each LANG entry needs its TITLE
            raise ValueError("params names a language that title has no text for")
        call = _v1_register(bot_id, name, titles, hints, flags, webhook_url)
        command_id = _int((yield call))
        if command_id is None:
            raise RestError("INVALID_RESPONSE", "the answer names no command id", method=call[0])
        return CommandRegistration(command_id, name, created=None)
    existing = yield from _look_up(bot_id, name)
    if existing is not None:
        return CommandRegistration(existing, name, created=False)
    method, call_params = _v2_register(bot_id, name, titles, hints, flags)
    try:
        answer = yield method, call_params
    except RestError as exc:
        if exc.code not in _LOOK_AGAIN and not exc.may_have_run:
            raise
        existing = yield from _look_up(bot_id, name)
        if existing is not None:
            # A lost answer to our own register most likely made it; a refusal, someone else.
            return CommandRegistration(existing, name, created=exc.code not in _LOOK_AGAIN)
        if exc.code in _LOOK_AGAIN:
            raise
        # Lost before it ran: the documented idempotent register is safe to send again.
        answer = yield method, call_params
    made = answer.get("command") if isinstance(answer, Mapping) else None
    command_id = _int(made.get("id")) if isinstance(made, Mapping) else None
    if command_id is None:
        raise RestError("INVALID_RESPONSE", "the answer names no command id", method=method)
    return CommandRegistration(command_id, name, created=True)


def register_command(
    client: RestClient,
    portal: PortalRef | None,
    *,
    bot_id: int,
    command: str,
    title: Texts | None = None,
    params: Texts | None = None,
    version: int = 2,
    common: bool = False,
    hidden: bool = False,
    extranet_support: bool = False,
    webhook_url: str | None = None,
) -> CommandRegistration:
    """Register bot ``bot_id``'s command ``command`` (``help`` or ``/help``) on ``portal``.

    ``portal`` is a ``member_id`` or record (``None``: through the client's webhook, which
    adds the bot's token when its ``WebhookAuth`` has one). ``title`` (shown in the command
    list; only a hidden v2 command may go without) and ``params`` (a hint for the
    command's arguments) are one text, sent as English, or ``{language: text}``.
    ``common``: usable in every chat, not only the bot's dialogs and chats. v2 (default):
    an existing command of the bot is handed back as it is (``created=False``), not
    updated. v1 needs ``webhook_url``, the ONIMCOMMANDADD handler, and is sent every time
    (``created=None``). Bad arguments are a ``ValueError`` before any call.
    """
    flags = {"common": common, "hidden": hidden, "extranet_support": extranet_support}
    steps = _steps(bot_id, command, title, params, version, flags, webhook_url)
    return run_calls(client, portal, steps)


async def aregister_command(
    client: RestClient,
    portal: PortalRef | None,
    *,
    bot_id: int,
    command: str,
    title: Texts | None = None,
    params: Texts | None = None,
    version: int = 2,
    common: bool = False,
    hidden: bool = False,
    extranet_support: bool = False,
    webhook_url: str | None = None,
) -> CommandRegistration:
    """``register_command`` for async code."""
    flags = {"common": common, "hidden": hidden, "extranet_support": extranet_support}
    steps = _steps(bot_id, command, title, params, version, flags, webhook_url)
    return await arun_calls(client, portal, steps)
