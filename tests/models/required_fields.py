"""Generated events with every field the models require set, for round-trip properties.

``model_support``'s strategies draw ``None`` for fields that are now required (a v1
message's ``MESSAGE``/``DIALOG_ID``/``MESSAGE_ID``, a v2 event's ``chat`` and ``message``,
``Message.text``, ...) and may draw an ONIMCOMMANDADD without a command. Such an event can
be built, but no body of it parses any more: ``completed`` fills those fields with
placeholders, so the properties over generated events keep their meaning.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from b24botevents import Event
from b24botevents.models import BotCommandData, CommandCall, Forward, Message
from model_support import chat_bot_events, events

#: What a missing required value of each type becomes (form- and JSON-safe).
PLACEHOLDERS: dict[Any, Any] = {str: "x", int: 1}
_PLACEHOLDER_CALL = CommandCall(bot_id=1, bot_code="b", command="echo", command_id=1)


def placeholder(type_: Any) -> Any:
    """A value of ``type_`` with only its required fields set, to placeholders."""
    if type_ in PLACEHOLDERS:
        return PLACEHOLDERS[type_]
    if isinstance(type_, type) and attrs.has(type_):
        fields = attrs.fields(attrs.resolve_types(type_))
        return type_(
            **{field.name: placeholder(field.type) for field in fields if _required(field)}
        )
    raise AssertionError(f"no placeholder for {type_!r}")


def _required(field: attrs.Attribute[Any]) -> bool:
    return field.default is attrs.NOTHING


def completed(value: Any) -> Any:
    """``value`` (an event or a model in it) with every required ``None`` filled in."""
    if isinstance(value, dict):
        if any(attrs.has(type(item)) for item in value.values()):
            return {key: completed(item) for key, item in value.items()}
        return value
    if not attrs.has(type(value)):
        return value
    changes: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(type(value))):
        if field.name == "raw":
            continue
        current = getattr(value, field.name)
        if current is None and _required(field):
            changes[field.name] = placeholder(field.type)
        elif (new := completed(current)) is not current:
            changes[field.name] = new
    if isinstance(value, BotCommandData) and not value.commands:
        changes["commands"] = {1: _PLACEHOLDER_CALL}
    forward: Any = value.forward if isinstance(value, Message) else None
    if forward is not None and not isinstance(forward, Forward):
        # model_support draws ``forward`` as the free-form mapping it used to be; it is a
        # ``Forward`` now (tests/models/entity_strategies.py draws those).
        changes["forward"] = None
    return attrs.evolve(value, **changes) if changes else value


def complete_events(*, form_safe: bool = False) -> st.SearchStrategy[Event]:
    """``model_support.events``, completed."""
    return events(form_safe=form_safe).map(completed)


def complete_chat_bot_events(
    *, envelope: dict[str, Any], form_safe: bool = False
) -> st.SearchStrategy[Event]:
    """``model_support.chat_bot_events``, completed."""
    return chat_bot_events(envelope=envelope, form_safe=form_safe).map(completed)
