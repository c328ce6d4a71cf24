"""Internal: each model's wire names, from a style per model and a few renames.

v1 and app models shout (``BOT_ID``), v2 is camelCase (``isHidden``), ``auth`` is
snake_case like the models, and every event's envelope says ``event`` and
``event_handler_id``. Names are worked out per class on first use, so nothing here runs
at import time and no table order matters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from b24botevents.models import (
    EVENT_TYPES,
    AppInstallData,
    AppUninstallData,
    AppUpdateData,
    Auth,
    Bot,
    BotCommandData,
    BotCredentials,
    BotDeleteData,
    BotJoinChatData,
    BotMessageData,
    BotV2CommandData,
    BotV2ContextGetData,
    BotV2DeleteData,
    BotV2JoinChatData,
    BotV2MessageData,
    BotV2MessageDeleteData,
    BotV2ReactionChangeData,
    Chat,
    ChatUser,
    Command,
    CommandCall,
    Event,
    Forward,
    JoinChatParams,
    Message,
    MessageParams,
    UnknownEvent,
    User,
    UserJoinChatData,
    UserMessageData,
    UserMessageDeleteData,
    UserReactionChangeData,
)


def _same(name: str) -> str:
    return name


def _upper(name: str) -> str:
    return name.upper()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


#: Wire-name style of each model that is not an event.
STYLES: dict[type, Callable[[str], str]] = {
    Auth: _same,
    Bot: _camel,
    BotV2DeleteData: _camel,
    BotDeleteData: _upper,
    AppInstallData: _upper,
    AppUpdateData: _upper,
    AppUninstallData: _upper,
    BotCredentials: _upper,
    CommandCall: _upper,
    MessageParams: _upper,
    ChatUser: _upper,
    JoinChatParams: _upper,
    BotMessageData: _upper,
    BotJoinChatData: _upper,
    BotCommandData: _upper,
    Message: _camel,
    Forward: _camel,
    Chat: _camel,
    User: _camel,
    Command: _camel,
    BotV2MessageData: _camel,
    BotV2MessageDeleteData: _camel,
    BotV2JoinChatData: _camel,
    BotV2CommandData: _camel,
    BotV2ReactionChangeData: _camel,
    BotV2ContextGetData: _camel,
    UserMessageData: _camel,
    UserMessageDeleteData: _camel,
    UserJoinChatData: _camel,
    UserReactionChangeData: _camel,
}

#: Wire names the style does not give: v1 names its id-keyed maps in the singular, and the
#: mention set by what it is.
RENAMES: dict[type, dict[str, str]] = {
    BotMessageData: {"bots": "BOT"},
    BotJoinChatData: {"bots": "BOT"},
    BotCommandData: {"commands": "COMMAND"},
    MessageParams: {"mentioned": "MENTIONED_LIST"},
}

#: The envelope's wire names, for every event class (``raw`` is not on the wire).
ENVELOPE = {"code": "event", "handler_id": "event_handler_id"}

#: v1 entries that carry their bot's tokens flat as well as under ``AUTH``.
FLAT_AUTH_MODELS = (BotCredentials, CommandCall)


def is_model(type_: Any) -> bool:
    """True for the classes this converter owns: the models above and every event."""
    return isinstance(type_, type) and (type_ in STYLES or issubclass(type_, Event))


_NAMES: dict[type, dict[str, str]] = {}


def wire_names(cls: type) -> dict[str, str]:
    """``{attribute: wire key}`` of a model (do not modify the result)."""
    names = _NAMES.get(cls)
    if names is None:
        fields: Any = attrs.fields(cls)
        if issubclass(cls, Event):
            names = {a.name: ENVELOPE.get(a.name, a.name) for a in fields if a.name != "raw"}
        else:
            style = STYLES[cls]
            renamed = RENAMES.get(cls, {})
            names = {a.name: renamed.get(a.name, style(a.name)) for a in fields}
        _NAMES[cls] = names
    return names


def named_models() -> tuple[type, ...]:
    """Every model with wire names: the non-event models, then the events (for the docs)."""
    return (*STYLES, *dict.fromkeys(EVENT_TYPES.values()), UnknownEvent, Event)
