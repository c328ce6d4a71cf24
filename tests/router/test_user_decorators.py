"""The user-event decorators and ``on_reaction``, and what the bot decorators leave out.

``on_user_message`` (ONIMV2MESSAGEADD), ``on_user_message_update``,
``on_user_message_delete``, ``on_user_reaction`` and ``on_user_join_chat`` register one
im.v2 user event each; ``on_reaction`` the bot's ONIMBOTV2REACTIONCHANGE. The bot
decorators (``on_message`` and the rest) deliberately do not take the user events: those
are every message a subscribed user sees, and an echo bot would write into all their chats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from b24botevents import Dispatcher, Event, Router, parse_event
from b24botevents.testing import sample_body

#: decorator -> the one code it registers.
USER_DECORATORS = {
    "on_user_message": "ONIMV2MESSAGEADD",
    "on_user_message_update": "ONIMV2MESSAGEUPDATE",
    "on_user_message_delete": "ONIMV2MESSAGEDELETE",
    "on_user_reaction": "ONIMV2REACTIONCHANGE",
    "on_user_join_chat": "ONIMV2JOINCHAT",
    "on_reaction": "ONIMBOTV2REACTIONCHANGE",
}
#: The bot decorators and the user event they must not take.
BOT_DECORATORS = {
    "on_message": "ONIMV2MESSAGEADD",
    "on_message_update": "ONIMV2MESSAGEUPDATE",
    "on_message_delete": "ONIMV2MESSAGEDELETE",
    "on_join_chat": "ONIMV2JOINCHAT",
    "on_reaction": "ONIMV2REACTIONCHANGE",
    "on_command": "ONIMV2MESSAGEADD",
}


def _event(code: str) -> Event:
    return parse_event(sample_body(code))


@pytest.mark.parametrize(("decorator", "code"), USER_DECORATORS.items())
def test_each_decorator_registers_its_one_code(decorator: str, code: str) -> None:
    router = Router()
    seen: list[Event] = []

    def handler(event: Any) -> None:
        seen.append(event)

    register: Callable[[Any], Any] = getattr(router, decorator)
    assert register(handler) is handler
    registered = {key for key, entries in router._handlers.items() if entries}
    assert registered == {code}
    event = _event(code)
    result = router.dispatch(event)
    assert result.handled
    assert seen == [event]


@pytest.mark.parametrize(("decorator", "code"), BOT_DECORATORS.items())
def test_the_bot_decorators_leave_the_user_events_out(decorator: str, code: str) -> None:
    dp = Dispatcher(verify=False)
    seen: list[Event] = []
    fallback: list[Event] = []
    getattr(dp, decorator)(seen.append)
    dp.on_unknown(fallback.append)
    response = dp.handle(sample_body(code), content_type="application/x-www-form-urlencoded")
    assert response.status == 200
    assert seen == []
    assert [event.code for event in fallback] == [code]


def test_a_user_message_and_a_bot_message_go_to_their_own_handlers() -> None:
    dp = Dispatcher(verify=False)
    bot_messages: list[str] = []
    user_messages: list[str] = []

    @dp.on_message
    def to_the_bot(event: Any) -> None:
        bot_messages.append(event.text)

    @dp.on_user_message
    def seen_by_the_user(event: Any) -> None:
        user_messages.append(event.text)

    dp.dispatch(_event("ONIMBOTV2MESSAGEADD"))
    dp.dispatch(_event("ONIMV2MESSAGEADD"))
    assert bot_messages == ["Hello bot!"]
    assert user_messages == ["Hello everyone!"]


@pytest.mark.parametrize("decorator", [*USER_DECORATORS, "on_message"])
def test_the_docstrings_say_which_events_are_whose(decorator: str) -> None:
    doc = getattr(Router, decorator).__doc__
    assert doc
    if decorator.startswith("on_user_"):
        assert "subscribed user" in doc
    if decorator == "on_message":
        assert "on_user_message" in doc  # says where the user's messages go
