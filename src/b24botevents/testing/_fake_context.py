"""What a REST method handler of the fake is given: who calls, with what, and value coercion.

A ``Caller`` is the authenticated side of a call (an OAuth token or an inbound webhook),
a ``Ctx`` one call of one method with its decoded parameters. Bitrix24 accepts loose
values (``"Y"``/``"N"``, ``"1"``, JSON strings for nested parameters); the helpers here
read them the same way for every method. Handlers answer with a result or raise
``ApiError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._fake_records import FakeBot, SentMessage, mask_repr
from ._fake_state import State
from ._fake_wire import ApiError

__all__ = [
    "MAX_TEXT",
    "Caller",
    "Ctx",
    "Handler",
    "flag",
    "int_param",
    "loose_json",
    "message_text",
    "require_int",
    "store_message",
]

#: Longest message text; longer ones are cut and end with `` (...)``.
MAX_TEXT = 20_000


@attrs.frozen(kw_only=True)
class Caller:
    """Who a call is made as: ``auth_kind`` ``"oauth"`` or ``"webhook"``, on one portal."""

    auth_kind: str
    member_id: str
    user_id: int
    kind: str  # the credential's: "user" or "bot"
    credential: str = attrs.field(repr=mask_repr)

    @property
    def is_webhook(self) -> bool:
        return self.auth_kind == "webhook"


@attrs.define(kw_only=True)
class Ctx:
    """One method call: the state, the caller, the method's name and its parameters.

    ``bot_secret`` is the bot credential taken out of the parameters (v2 ``botToken``,
    v1 ``CLIENT_ID``). ``call`` runs another method as the same caller (for ``batch``).
    """

    state: State
    caller: Caller
    method: str
    params: dict[str, Any]
    bot_secret: str | None
    call: Callable[[str, dict[str, Any]], Any]

    def new_bot(self, bot_id: int | None, *, version: int) -> FakeBot:
        """A bot first seen in an OAuth call: registered to the application on the spot."""
        number = self.state.new_bot_id() if bot_id is None else bot_id
        bot = FakeBot(
            bot_id=number,
            member_id=self.caller.member_id,
            code=f"bot{number}",
            version=version,
            name=f"Bot {number}",
        )
        return self.state.put_bot(bot)


Handler = Callable[[Ctx], Any]


def int_param(value: Any) -> int | None:
    """An integer parameter (``5`` or ``"5"``), ``None`` when absent or not an integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


_INTEGER = re.compile(r"\s*-?[0-9]{1,19}\s*")


def require_int(params: Mapping[str, Any], name: str, code: str, description: str) -> int:
    """A positive integer parameter, else ``ApiError(code)``."""
    number = int_param(params.get(name))
    if number is None or number <= 0:
        raise ApiError(code, description)
    return number


def flag(value: Any, default: bool) -> bool:
    """A boolean as Bitrix24 reads one: ``true``/``"Y"``/``"1"``/``"true"`` and their opposites."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in {"y", "1", "true", "yes"}
    return default


def loose_json(value: Any) -> Any:
    """A nested parameter sent as a JSON string (``ATTACH='[...]'``) decoded; else as is."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def message_text(value: Any) -> str:
    """Message text: trimmed, cut at ``MAX_TEXT`` characters with `` (...)``."""
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + " (...)"
    return text


def store_message(ctx: Ctx, **fields: Any) -> SentMessage:
    """Keep a new message of the caller's portal under a new id."""
    message = SentMessage(
        message_id=ctx.state.new_message_id(),
        member_id=ctx.caller.member_id,
        method=ctx.method,
        **fields,
    )
    ctx.state.messages.append(message)
    return message


def replace_message(ctx: Ctx, index: int, **changes: Any) -> SentMessage:
    """Change a kept message (records are frozen: the list gets an evolved copy)."""
    updated = attrs.evolve(ctx.state.messages[index], **changes)
    ctx.state.messages[index] = updated
    return updated
