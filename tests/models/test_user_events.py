"""The im.v2 user events: typed like the v2 bot events, without a bot, never replied to.

``ONIMV2MESSAGEADD/UPDATE/DELETE``, ``ONIMV2REACTIONCHANGE`` and ``ONIMV2JOINCHAT``
(``chat-bots-v2/im.v2/events/events.md``): the bot events' shapes without ``bot``, with
the same properties where they mean the same (``dialog_id``, ``chat_id``, ``user_id``,
``text``, ``message_id``, ``author_id``, ``language``), the docs' fields required as for
the bot events, and ``client.reply`` refusing them: no bot was addressed.
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from b24botevents import (
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    BotV2ReactionChangeEvent,
    Event,
    SchemaError,
    UserJoinChatEvent,
    UserMessageAddEvent,
    UserMessageDeleteEvent,
    UserMessageUpdateEvent,
    UserReactionChangeEvent,
    parse_event,
)
from b24botevents.convert import event_from_tree
from b24botevents.rest.replies import reply_target
from b24botevents.testing import Portal, sample_body
from b24botevents.testing.samples import fetch_sample_data
from b24botevents.wire import encode_form

USER_EVENTS: dict[str, type[Event]] = {
    "ONIMV2MESSAGEADD": UserMessageAddEvent,
    "ONIMV2MESSAGEUPDATE": UserMessageUpdateEvent,
    "ONIMV2MESSAGEDELETE": UserMessageDeleteEvent,
    "ONIMV2REACTIONCHANGE": UserReactionChangeEvent,
    "ONIMV2JOINCHAT": UserJoinChatEvent,
}
#: The bot event of the same shape (with a ``bot``).
BOT_TWIN = {
    "ONIMV2MESSAGEADD": "ONIMBOTV2MESSAGEADD",
    "ONIMV2MESSAGEUPDATE": "ONIMBOTV2MESSAGEUPDATE",
    "ONIMV2MESSAGEDELETE": "ONIMBOTV2MESSAGEDELETE",
    "ONIMV2REACTIONCHANGE": "ONIMBOTV2REACTIONCHANGE",
    "ONIMV2JOINCHAT": "ONIMBOTV2JOINCHAT",
}
PROPERTIES = ("dialog_id", "chat_id", "user_id", "text", "message_id", "author_id", "language")
#: The docs' ONIMV2MESSAGEADD example data (``im.v2/events/events.md``), verbatim.
DOC_MESSAGE_ADD = {
    "message": {
        "id": 5012,
        "chatId": 5,
        "authorId": 1,
        "date": "2025-01-15T10:30:00+02:00",
        "text": "Hello everyone!",
        "isSystem": False,
        "uuid": "",
        "forward": None,
        "params": {},
        "viewedByOthers": False,
    },
    "chat": {
        "id": 5,
        "dialogId": "chat5",
        "name": "Project Chat",
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
    },
    "user": {
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
        "lastActivityDate": False,
        "mobileLastDate": False,
        "desktopLastDate": False,
        "absent": False,
        "departments": [1],
        "phones": False,
        "website": "",
        "email": "john@example.com",
        "type": "employee",
    },
    "language": "en",
}


def both(code: str, data: dict[str, Any]) -> tuple[Event, Event]:
    tree = {"event": code, "data": data}
    return event_from_tree(tree), parse_event(encode_form(tree))


def test_the_docs_example_is_a_user_message() -> None:
    for event in both("ONIMV2MESSAGEADD", DOC_MESSAGE_ADD):
        assert isinstance(event, UserMessageAddEvent)
        assert (event.text, event.message_id, event.dialog_id) == ("Hello everyone!", 5012, "chat5")
        assert (event.chat_id, event.user_id, event.author_id) == (5, 1, 1)
        assert event.language == "en"
        assert event.data.chat.text_field_enabled is True
        assert event.data.user is not None
        assert event.data.user.last_activity_date is None  # always false in these events
        assert not hasattr(event, "bots")
        assert not hasattr(event, "bot_ids")
        assert not hasattr(event.data, "bot")


@pytest.mark.parametrize("code", list(USER_EVENTS))
def test_each_user_event_reads_like_its_bot_twin(code: str) -> None:
    data = fetch_sample_data(code)
    user_json, user_form = both(code, data)
    bot_event, _ = both(BOT_TWIN[code], {"bot": {"id": 456, "code": "b"}, **copy.deepcopy(data)})
    assert type(user_json) is USER_EVENTS[code]
    assert user_json.data == user_form.data
    twin_class = {
        "ONIMV2MESSAGEADD": BotV2MessageAddEvent,
        "ONIMV2MESSAGEUPDATE": BotV2MessageUpdateEvent,
        "ONIMV2MESSAGEDELETE": BotV2MessageDeleteEvent,
        "ONIMV2REACTIONCHANGE": BotV2ReactionChangeEvent,
        "ONIMV2JOINCHAT": BotV2JoinChatEvent,
    }[code]
    assert isinstance(bot_event, twin_class)
    for name in PROPERTIES:
        if hasattr(bot_event, name):
            assert getattr(user_json, name) == getattr(bot_event, name), name
        else:
            assert not hasattr(user_json, name), name
    read: Any = user_json  # the five classes share no base with these properties
    assert read.dialog_id is not None
    assert read.user_id is not None


def test_the_properties_of_each_user_event() -> None:
    add = event_from_tree(
        {"event": "ONIMV2MESSAGEADD", "data": fetch_sample_data("ONIMV2MESSAGEADD")}
    )
    assert isinstance(add, UserMessageAddEvent)
    assert (add.text, add.message_id, add.author_id) == ("Hello everyone!", 5012, 1)
    deleted = parse_event(sample_body("ONIMV2MESSAGEDELETE"))
    assert isinstance(deleted, UserMessageDeleteEvent)
    assert (deleted.message_id, deleted.text, deleted.author_id) == (5012, None, None)
    assert (deleted.dialog_id, deleted.chat_id, deleted.user_id) == ("chat5", 5, 1)
    reaction = parse_event(sample_body("ONIMV2REACTIONCHANGE"))
    assert isinstance(reaction, UserReactionChangeEvent)
    assert (reaction.data.reaction, reaction.data.action) == ("like", "add")
    assert (reaction.user_id, reaction.author_id, reaction.message_id) == (3, 1, 5012)
    joined = parse_event(sample_body("ONIMV2JOINCHAT"))
    assert isinstance(joined, UserJoinChatEvent)
    assert (joined.dialog_id, joined.user_id, joined.chat_id) == ("chat5", 7, 5)
    updated = parse_event(sample_body("ONIMV2MESSAGEUPDATE"))
    assert isinstance(updated, UserMessageUpdateEvent)
    assert updated.text == "Hello everyone! (edited)"


def test_a_join_without_dialog_id_falls_back_to_the_chat() -> None:
    data = fetch_sample_data("ONIMV2JOINCHAT")
    del data["dialogId"]
    for event in both("ONIMV2JOINCHAT", data):
        assert isinstance(event, UserJoinChatEvent)
        assert event.dialog_id == "chat5"
    for event in both("ONIMV2JOINCHAT", {}):
        assert isinstance(event, UserJoinChatEvent)
        assert (event.dialog_id, event.chat_id, event.user_id) == (None, None, None)


@pytest.mark.parametrize(
    ("code", "missing", "path"),
    [
        ("ONIMV2MESSAGEADD", ("chat",), "data[chat]"),
        ("ONIMV2MESSAGEADD", ("message",), "data[message]"),
        ("ONIMV2MESSAGEUPDATE", ("message", "text"), "data[message][text]"),
        ("ONIMV2MESSAGEDELETE", ("messageId",), "data[messageId]"),
        ("ONIMV2MESSAGEDELETE", ("chat", "dialogId"), "data[chat][dialogId]"),
        ("ONIMV2REACTIONCHANGE", ("message",), "data[message]"),
        ("ONIMV2JOINCHAT", ("chat", "dialogId"), "data[chat][dialogId]"),
    ],
)
def test_what_the_docs_always_list_is_required(
    code: str, missing: tuple[str, ...], path: str
) -> None:
    data = fetch_sample_data(code)
    node = data
    for key in missing[:-1]:
        node = node[key]
    del node[missing[-1]]
    for body in (
        json.dumps({"event": code, "data": data}),
        encode_form({"event": code, "data": data}),
    ):
        with pytest.raises(SchemaError) as caught:
            parse_event(body)
        assert caught.value.path == path


@pytest.mark.parametrize("code", list(USER_EVENTS))
def test_a_user_event_has_no_bot_to_answer_as(code: str) -> None:
    event = parse_event(sample_body(code, portal=Portal.example()))
    with pytest.raises(ValueError, match="user event, not a message to a bot"):
        reply_target(event)


@pytest.mark.parametrize("how", ["sync", "async"])
def test_client_reply_refuses_a_user_event_and_sends_nothing(how: str) -> None:
    from b24botevents import MemoryPortalStore
    from rest.support import open_bench

    with open_bench("in-process") as bench:
        store = MemoryPortalStore()
        bench.installed(store)
        client = bench.client(store)
        event = parse_event(sample_body("ONIMV2MESSAGEADD", portal=bench.portal))

        def act(name: str, *args: Any) -> Any:
            if how == "sync":
                return getattr(client, name)(event, *args)
            return asyncio.run(getattr(client, f"a{name}")(event, *args))

        for name, args in (("reply", ("hi",)), ("send", ("hi",)), ("typing", ())):
            with pytest.raises(ValueError, match="no bot to answer as"):
                act(name, *args)
        assert bench.fake.calls == []
        # The same message as a bot's event is answered.
        bot_event = parse_event(sample_body("ONIMBOTV2MESSAGEADD", portal=bench.portal))
        client.reply(bot_event, "hi")
        assert [call.method for call in bench.fake.calls] == ["imbot.v2.Chat.Message.send"]


def test_user_events_have_samples_in_version_2_only() -> None:
    from b24botevents.testing import SAMPLE_CODES, versioned_code

    for code in USER_EVENTS:
        assert code in SAMPLE_CODES
        assert versioned_code(code.lower(), 2) == code
        with pytest.raises(ValueError, match="no version 1 form"):
            versioned_code(code, 1)


def test_the_command_line_shows_a_user_event_by_its_ids() -> None:
    from b24botevents.cli.display import describe_event

    line = describe_event(parse_event(sample_body("ONIMV2MESSAGEUPDATE")))
    assert "UserMessageUpdateEvent" in line
    assert "dialog=chat5  message_id=5012" in line
    assert "edited" not in line  # ids only: the text is the users' content
    joined = describe_event(parse_event(sample_body("ONIMV2JOINCHAT")))
    assert "dialog=chat5  joined=7" in joined
