"""The chat-bot events (v1 ``imbot`` and ``imbot.v2``): doc examples, wire paths, secrets.

Every doc example parses to its typed class from JSON and from its PHP form encoding, with
the documented values; v1's id-keyed ``BOT``/``COMMAND`` maps take text keys, int keys and
PHP lists; the cross-version properties agree for the same message sent by either API.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from b24botevents import (
    AnyMessageAddEvent,
    BotCommandAddEvent,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    BotV2CommandAddEvent,
    BotV2ContextGetEvent,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    BotV2ReactionChangeEvent,
    Event,
    Router,
    SchemaError,
    parse_event,
    to_dict,
)
from b24botevents.models import AppStatus, BotCredentials, ChatUser, Command, CommandCall
from b24botevents.wire import encode_form
from model_support import SECRET_FIELDS, error_texts, example_json, leak_free

UTC = timezone.utc
V2_AUTH = {
    "domain": "example.bitrix24.com",
    "application_token": "51856fefc120afa4b628cc82d3935cce",
}


def both_wires(tree: dict[str, Any]) -> list[Event]:
    """The event parsed from the JSON text and from the PHP form encoding of ``tree``."""
    return [parse_event(json.dumps(tree)), parse_event(encode_form(tree))]


def v2_tree(code: str, name: str | None = None) -> dict[str, Any]:
    """A data-only v2 example inside the documented webhook envelope."""
    return {
        "event": code,
        "data": example_json(name or f"{code}.json"),
        "ts": 1772093963,
        "auth": V2_AUTH,
    }


def secrets_in(tree: Any) -> tuple[str, ...]:
    """Every non-empty value under a token key, at any depth."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif isinstance(key, str) and key.lower() in SECRET_FIELDS and value:
                found.add(str(value))
    return tuple(found)


# ---- v1 doc examples -------------------------------------------------------------------


def test_message_add_private_example() -> None:
    for event in both_wires(example_json("ONIMBOTMESSAGEADD.json")):
        assert isinstance(event, BotMessageAddEvent)
        assert event.handler_id == 403
        assert list(event.data.bots) == [567]
        bot = event.data.bots[567]
        assert (bot.bot_id, bot.bot_code) == (567, "BOT1")
        assert bot.auth is not None
        assert bot.auth.application_token == "831c76b092f9f135d9b6b36c3a720757"
        assert bot.auth.access_token == "a98b9d690000071b0000084400000237f0f107589d1e"
        assert bot.auth.refresh_token == "990ac5690000071b0000084400000237"
        assert bot.auth.user_id == 567
        assert bot.auth.client_id == "a7eff906dd1d950269258a599214f69e"
        assert bot.auth.status is AppStatus.FREE
        assert bot.auth.expires == datetime(2026, 2, 24, 11, 29, 45, tzinfo=UTC)
        params = event.data.params
        assert params.message == "Hello"
        assert params.dialog_id == "27"
        assert params.message_id == 84331
        assert (params.from_user_id, params.to_user_id, params.to_chat_id) == (27, 567, 1407)
        assert (params.message_type, params.chat_type) == ("P", "P")
        assert params.system is False
        assert params.chat_user_count == 2
        assert params.template_id == "796c45aa-70e5-45aa-930c-c7fb32710c62"
        assert (params.command_context, params.platform_context) == ("TEXTAREA", "web")
        assert params.mentioned == ()
        assert params.chat_id is None
        assert event.data.user == ChatUser(
            id=27,
            name="Svetlana Ivanova",
            first_name="Svetlana",
            last_name="Ivanova",
            work_position=None,
            gender="F",
            is_bot=False,
            is_connector=False,
            is_network=False,
            is_extranet=False,
        )
        assert (event.text, event.dialog_id, event.message_id) == ("Hello", "27", 84331)
        assert (event.author_id, event.bot_ids, event.language) == (27, (567,), "en")
        assert event.auth is not None
        assert event.auth.application_token == "831c76b092f9f135d9b66c3a720757"  # doc typo kept


def test_message_add_group_example() -> None:
    json_event, form_event = both_wires(example_json("ONIMBOTMESSAGEADD.group.json"))
    assert json_event == form_event
    assert isinstance(json_event, BotMessageAddEvent)
    params = json_event.data.params
    assert params.mentioned == (567,)
    assert params.dialog_id == "chat1157"
    assert (params.chat_id, params.to_chat_id, params.chat_author_id) == (1157, 1157, 27)
    assert params.chat_title == "Brown Chat #18"
    assert params.chat_entity_type == "THREAD"
    assert params.chat_entity_id is None
    assert params.message == ", how to set up the left menu"
    assert params.message_original == "[USER=567]NewBot[/USER] , how to set up the left menu"
    assert json_event.bot_ids == (567,)
    # MENTIONED_LIST is written back in its wire shape, {id: id}.
    assert to_dict(json_event)["data"]["PARAMS"]["MENTIONED_LIST"] == {"567": 567}


@pytest.mark.parametrize(
    ("name", "cls", "message_id", "text", "language", "has_user"),
    [
        (
            "ONIMBOTMESSAGEUPDATE.json",
            BotMessageUpdateEvent,
            84531,
            "How to add an observer to the task?",
            "en",
            True,
        ),
        ("ONIMBOTMESSAGEUPDATE.group.json", BotMessageUpdateEvent, 84537, None, "en", False),
        (
            "ONIMBOTMESSAGEDELETE.json",
            BotMessageDeleteEvent,
            84525,
            "Message from 02/26/2026 09:27:30 has been deleted",
            "de",
            True,
        ),
        (
            "ONIMBOTMESSAGEDELETE.group.json",
            BotMessageDeleteEvent,
            84537,
            "Message from 02/26/2026 11:14:02 has been deleted",
            "de",
            False,
        ),
    ],
)
def test_message_update_and_delete_examples(
    name: str, cls: type[Event], message_id: int, text: str | None, language: str, has_user: bool
) -> None:
    tree = example_json(name)
    for event in both_wires(tree):
        assert type(event) is cls
        assert isinstance(event, (BotMessageUpdateEvent, BotMessageDeleteEvent))
        assert event.message_id == message_id
        assert event.bot_ids == (571,)
        assert event.data.bots[571].bot_code == "BOT"
        assert event.language == language
        assert event.author_id == 27
        if text is not None:
            assert event.text == text
        else:
            assert event.text == tree["data"]["PARAMS"]["MESSAGE"]
        # The group examples omit USER altogether.
        assert (event.data.user is not None) is has_user
        if has_user:
            assert event.data.user is not None
            assert event.data.user.name == "Svetlana Ivanova"


def test_join_chat_examples() -> None:
    for event in both_wires(example_json("ONIMBOTJOINCHAT.json")):
        assert isinstance(event, BotJoinChatEvent)
        params = event.data.params
        assert (params.bot_id, params.user_id, params.to_user_id, params.from_user_id) == (
            571,
            27,
            27,
            571,
        )
        assert (event.dialog_id, event.language, event.bot_ids) == ("27", "de", (571,))
        assert params.access_history is None
        assert event.data.user is not None
        assert event.data.user.name == "Svetlana Ivanova"
        assert event.data.user.is_bot is None  # join events send no IS_* flags
    for event in both_wires(example_json("ONIMBOTJOINCHAT.group.json")):
        assert isinstance(event, BotJoinChatEvent)
        params = event.data.params
        assert (params.chat_id, params.chat_author_id, params.chat_entity_type) == (
            1157,
            27,
            "THREAD",
        )
        assert params.access_history is True
        assert event.dialog_id == "chat1157"


def test_command_add_examples_are_keyed_by_command_id() -> None:
    for event in both_wires(example_json("ONIMCOMMANDADD.json")):
        assert isinstance(event, BotCommandAddEvent)
        assert list(event.data.commands) == [103]
        call = event.data.commands[103]
        assert attrs.evolve(call, auth=None) == CommandCall(
            bot_id=1291,
            bot_code="BOT_GM",
            command="echo",
            command_id=103,
            command_params="test",
            command_context="TEXTAREA",
            message_id=33899,
        )
        assert call.auth is not None
        assert call.auth.application_token == "8e3ab48a764a9b02700e759d59e91125"
        assert call.auth.user_id == 1291
        assert event.data.params.message == "/echo test"
        assert (event.text, event.dialog_id, event.message_id) == ("/echo test", "1269", 33899)
        assert (event.author_id, event.bot_ids, event.language) == (1269, (1291,), "en")
        assert event.data.user is not None
        assert (event.data.user.name, event.data.user.gender) == ("John Smith", "M")
    for event in both_wires(example_json("ONIMCOMMANDADD.group.json")):
        assert isinstance(event, BotCommandAddEvent)
        assert list(event.data.commands) == [99]
        assert event.data.commands[99].command_id == 99
        assert event.data.commands[99].message_id == 33871
        assert event.dialog_id == "chat2725"
        assert event.data.params.chat_title == "New chat name"


# ---- v2 doc examples -------------------------------------------------------------------


def test_v2_message_add_example() -> None:
    for event in both_wires(v2_tree("ONIMBOTV2MESSAGEADD")):
        assert isinstance(event, BotV2MessageAddEvent)
        message = event.data.message
        assert message is not None
        assert message.text == "Hello bot!"
        assert (message.id, message.chat_id, message.author_id) == (789, 5, 1)
        assert message.date == datetime(2025, 1, 15, 8, 30, tzinfo=UTC)
        assert message.date is not None
        assert message.date.utcoffset() is not None
        assert (message.is_system, message.viewed_by_others) == (False, False)
        assert (message.uuid, message.forward, message.params) == (None, None, {})
        chat = event.data.chat
        assert chat is not None
        assert (chat.id, chat.dialog_id, chat.type, chat.name) == (
            5,
            "chat5",
            "chat",
            "Support Chat",
        )
        assert (chat.owner, chat.color, chat.entity_type, chat.avatar) == (1, "#ab7761", None, None)
        user = event.data.user
        assert user is not None
        assert (user.id, user.name, user.work_position) == (1, "John Smith", "Developer")
        assert user.departments == (1,)
        assert user.last_activity_date == datetime(2025, 1, 15, 8, 29, tzinfo=UTC)
        assert (user.active, user.extranet, user.bot, user.connector) == (True, False, False, False)
        assert (user.external_auth_id, user.status, user.type) == ("default", "online", "employee")
        assert user.absent is None  # false: not absent
        assert (event.data.bot.id, event.data.bot.code) == (456, "support_bot")
        assert (event.text, event.dialog_id, event.message_id) == ("Hello bot!", "chat5", 789)
        assert (event.author_id, event.bot_ids, event.language) == (1, (456,), "en")


def test_v2_command_join_reaction_and_context_examples() -> None:
    for event in both_wires(v2_tree("ONIMBOTV2COMMANDADD")):
        assert isinstance(event, BotV2CommandAddEvent)
        assert event.data.command == Command(
            id=78, command="/help", params="topic", context="textarea"
        )
        assert (event.text, event.message_id, event.dialog_id) == ("/help topic", 790, "chat5")
    for event in both_wires(v2_tree("ONIMBOTV2JOINCHAT")):
        assert isinstance(event, BotV2JoinChatEvent)
        assert event.data.dialog_id == event.dialog_id == "chat5"
        assert event.data.chat is not None
        assert event.data.chat.name == "Project Chat"
        assert event.bot_ids == (456,)
    for event in both_wires(v2_tree("ONIMBOTV2REACTIONCHANGE")):
        assert isinstance(event, BotV2ReactionChangeEvent)
        assert (event.data.reaction, event.data.action) == ("like", "add")
        assert event.data.message is not None
        assert event.data.message.viewed_by_others is True
        assert event.data.message.author_id == 456
    json_event, form_event = both_wires(v2_tree("ONIMBOTV2CONTEXTGET"))
    assert isinstance(json_event, BotV2ContextGetEvent)
    assert isinstance(form_event, BotV2ContextGetEvent)
    # context is free-form: both read as the form body carries it, PHP strings; raw keeps
    # the JSON types.
    assert json_event.data.context == {"entityId": "164", "entityType": "task", "source": "link"}
    assert form_event.data.context == json_event.data.context
    assert json_event.raw["data"]["context"]["entityId"] == 164
    assert json_event.data == form_event.data
    assert json_event.data.dialog_id == "1"
    assert json_event.data.chat is not None
    assert (json_event.data.chat.type, json_event.data.chat.owner) == ("private", 456)


@pytest.mark.parametrize(
    "name",
    ["ONIMBOTV2MESSAGEADD.tutorial-envelope.json", "ONIMBOTV2JOINCHAT.tutorial-envelope.json"],
)
def test_v2_tutorial_envelopes(name: str) -> None:
    for event in both_wires(example_json(name)):
        assert isinstance(event, (BotV2MessageAddEvent, BotV2JoinChatEvent))
        assert event.data.bot.code == "overdue_tasks_bot"
        assert event.data.user is not None
        assert event.data.user.name == "Klaus Weber"
        assert event.dialog_id == "chat5"


def test_v2_update_and_delete_have_no_doc_example_but_parse() -> None:
    update = v2_tree("ONIMBOTV2MESSAGEUPDATE", "ONIMBOTV2MESSAGEADD.json")
    for event in both_wires(update):
        assert isinstance(event, BotV2MessageUpdateEvent)
        assert event.text == "Hello bot!"
    data = {k: v for k, v in example_json("ONIMBOTV2MESSAGEADD.json").items() if k != "message"}
    deleted = {"event": "ONIMBOTV2MESSAGEDELETE", "data": {**data, "messageId": 789}}
    for event in both_wires(deleted):
        assert isinstance(event, BotV2MessageDeleteEvent)
        assert (event.message_id, event.dialog_id, event.bot_ids) == (789, "chat5", (456,))
        assert (event.text, event.author_id) == (None, None)  # there is no message object


# ---- one handler for both versions -------------------------------------------------------


def _same_message_in_v2(v1: dict[str, Any], code: str) -> dict[str, Any]:
    """The v2 body of the message a v1 doc example describes."""
    params = v1["data"]["PARAMS"]
    return {
        "event": code,
        "data": {
            "bot": {"id": 567, "code": "BOT1"},
            "message": {
                "id": int(params["MESSAGE_ID"]),
                "chatId": int(params["TO_CHAT_ID"]),
                "authorId": int(params["AUTHOR_ID"]),
                "text": params["MESSAGE"],
            },
            "chat": {"id": int(params["TO_CHAT_ID"]), "dialogId": params["DIALOG_ID"]},
            "user": {"id": int(params["AUTHOR_ID"]), "name": "Svetlana Ivanova"},
            "language": params["LANGUAGE"],
        },
        "auth": V2_AUTH,
    }


def _view(event: Any) -> tuple[Any, ...]:
    return (
        event.text,
        event.dialog_id,
        event.message_id,
        event.author_id,
        event.bot_ids,
        event.language,
        event.chat_id,
        event.user_id,
        tuple((bot.id, bot.code) for bot in event.bots),
    )


@pytest.mark.parametrize("name", ["ONIMBOTMESSAGEADD.json", "ONIMBOTMESSAGEADD.group.json"])
def test_cross_version_properties_agree(name: str) -> None:
    v1_tree = example_json(name)
    v1 = parse_event(v1_tree)
    v2 = parse_event(_same_message_in_v2(v1_tree, "ONIMBOTV2MESSAGEADD"))
    assert isinstance(v1, BotMessageAddEvent)
    assert isinstance(v2, BotV2MessageAddEvent)
    assert _view(v1) == _view(v2)
    assert _view(v1)[:2] == (
        v1_tree["data"]["PARAMS"]["MESSAGE"],
        v1_tree["data"]["PARAMS"]["DIALOG_ID"],
    )

    router = Router()
    seen: list[tuple[Any, ...]] = []

    @router.on_message
    def reply(event: AnyMessageAddEvent) -> None:
        seen.append(_view(event))

    assert router.dispatch(v1).handled
    assert router.dispatch(v2).handled
    assert seen == [_view(v1), _view(v1)]


def test_cross_version_properties_of_updates_and_deletes() -> None:
    v1_tree = example_json("ONIMBOTMESSAGEUPDATE.group.json")
    v1_tree["data"]["PARAMS"]["TO_CHAT_ID"] = v1_tree["data"]["PARAMS"]["CHAT_ID"]
    v1 = parse_event(v1_tree)
    v2_tree_ = _same_message_in_v2(v1_tree, "ONIMBOTV2MESSAGEUPDATE")
    v2_tree_["data"]["bot"] = {"id": 571, "code": "BOT"}
    v2 = parse_event(v2_tree_)
    assert isinstance(v1, BotMessageUpdateEvent)
    assert isinstance(v2, BotV2MessageUpdateEvent)
    assert _view(v1) == _view(v2)
    assert _view(v1) == (
        "create a task list",
        "chat1157",
        84537,
        27,
        (571,),
        "en",
        1157,
        27,
        ((571, "BOT"),),
    )

    deleted_v1 = parse_event(example_json("ONIMBOTMESSAGEDELETE.group.json"))
    deleted_v2 = parse_event(
        {
            "event": "ONIMBOTV2MESSAGEDELETE",
            "data": {
                "bot": {"id": 571, "code": "BOT"},
                "messageId": 84537,
                "chat": {"id": 1157, "dialogId": "chat1157"},
                "language": "de",
            },
        }
    )
    assert isinstance(deleted_v1, BotMessageDeleteEvent)
    assert isinstance(deleted_v2, BotV2MessageDeleteEvent)
    shared = ("dialog_id", "message_id", "bot_ids", "language", "chat_id")
    assert [getattr(deleted_v1, name) for name in shared] == [
        getattr(deleted_v2, name) for name in shared
    ]
    assert deleted_v1.message_id == 84537


# ---- id-keyed maps ---------------------------------------------------------------------


def test_bot_entry_without_auth_takes_the_flat_token_fields() -> None:
    tree = example_json("ONIMBOTMESSAGEADD.json")
    nested = parse_event(tree)
    del tree["data"]["BOT"]["567"]["AUTH"]
    for event in both_wires(tree):
        assert isinstance(event, BotMessageAddEvent)
        assert isinstance(nested, BotMessageAddEvent)
        assert event.data.bots[567].auth == nested.data.bots[567].auth
        assert event.data.bots[567].auth is not None
        # And the event still round-trips, though its AUTH block is now written out.
        assert parse_event(to_dict(event)) == event


#: The PARAMS every v1 message event must carry (the converter requires them).
PARAMS = {"MESSAGE": "hi", "DIALOG_ID": "27", "MESSAGE_ID": "1"}


def test_bot_entry_with_no_tokens_at_all_has_no_auth() -> None:
    bots = {"5": {"BOT_ID": "5", "BOT_CODE": "b"}}
    tree = {"event": "ONIMBOTJOINCHAT", "data": {"BOT": bots, "PARAMS": {"DIALOG_ID": "5"}}}
    for event in both_wires(tree):
        assert isinstance(event, BotJoinChatEvent)
        assert event.data.bots == {5: BotCredentials(bot_id=5, bot_code="b")}


@pytest.mark.parametrize(
    "bots",
    [
        [{"BOT_ID": "0", "BOT_CODE": "zero"}, {"BOT_ID": "1", "BOT_CODE": "one"}],
        {"0": {"BOT_ID": "0", "BOT_CODE": "zero"}, "1": {"BOT_ID": "1", "BOT_CODE": "one"}},
        {0: {"BOT_ID": 0, "BOT_CODE": "zero"}, 1: {"BOT_ID": 1, "BOT_CODE": "one"}},
    ],
    ids=["php-list", "text-keys", "int-keys"],
)
def test_bot_map_accepts_lists_and_any_key_type(bots: Any) -> None:
    tree = {"event": "ONIMBOTMESSAGEADD", "data": {"BOT": bots, "PARAMS": PARAMS}}
    expected = {
        0: BotCredentials(bot_id=0, bot_code="zero"),
        1: BotCredentials(bot_id=1, bot_code="one"),
    }
    for event in (parse_event(tree), parse_event(encode_form(tree))):
        assert isinstance(event, BotMessageAddEvent)
        assert event.data.bots == expected
        assert event.bot_ids == (0, 1)
        assert to_dict(event)["data"]["BOT"].keys() == {"0", "1"}  # text keys: the wire's


@pytest.mark.parametrize("empty", ["", None, {}, []])
def test_empty_bot_map_and_user(empty: Any) -> None:
    data = {"BOT": empty, "USER": empty, "PARAMS": PARAMS}
    event = parse_event({"event": "ONIMBOTMESSAGEADD", "data": data})
    assert isinstance(event, BotMessageAddEvent)
    assert event.data.bots == {}
    assert event.data.user is None
    assert event.bot_ids == ()


def test_to_dict_keeps_what_bot_entries_carry_beyond_the_model() -> None:
    tree = example_json("ONIMBOTMESSAGEADD.json")
    event = parse_event(encode_form(tree))
    entry = to_dict(event)["data"]["BOT"]["567"]
    assert entry["access_token"] == tree["data"]["BOT"]["567"]["access_token"]  # flat copy
    assert entry["BOT_ID"] == 567
    assert entry["AUTH"]["user_id"] == 567
    # A bot dropped from the typed map is dropped from the wire dict too.
    assert isinstance(event, BotMessageAddEvent)
    without = attrs.evolve(event, data=attrs.evolve(event.data, bots={}))
    assert "BOT" not in to_dict(without)["data"]
    assert parse_event(to_dict(without)) == without


# ---- schema errors name the wire path --------------------------------------------------


def _broken(tree: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


@pytest.mark.parametrize(
    ("name", "path", "wire_path"),
    [
        ("ONIMBOTMESSAGEADD.json", ("data", "PARAMS", "MESSAGE_ID"), "data[PARAMS][MESSAGE_ID]"),
        ("ONIMBOTMESSAGEADD.json", ("data", "BOT", "567", "BOT_ID"), "data[BOT][567][BOT_ID]"),
        ("ONIMBOTMESSAGEADD.json", ("data", "USER", "ID"), "data[USER][ID]"),
        ("ONIMBOTJOINCHAT.json", ("data", "PARAMS", "BOT_ID"), "data[PARAMS][BOT_ID]"),
        (
            "ONIMCOMMANDADD.json",
            ("data", "COMMAND", "103", "COMMAND_ID"),
            "data[COMMAND][103][COMMAND_ID]",
        ),
    ],
)
def test_v1_schema_errors_name_the_wire_path(
    name: str, path: tuple[str, ...], wire_path: str
) -> None:
    tree = _broken(example_json(name), path, "not-a-number")
    for body in (json.dumps(tree), encode_form(tree)):
        with pytest.raises(SchemaError) as info:
            parse_event(body)
        assert info.value.path == wire_path
        assert "expected an integer" in info.value.reason
        assert leak_free(error_texts(info.value), secrets_in(tree))


def test_v2_schema_error_names_the_wire_path() -> None:
    tree = _broken(v2_tree("ONIMBOTV2MESSAGEADD"), ("data", "message", "id"), "x")
    for body in (json.dumps(tree), encode_form(tree)):
        with pytest.raises(SchemaError) as info:
            parse_event(body)
        assert info.value.path == "data[message][id]"
    missing = v2_tree("ONIMBOTV2MESSAGEADD")
    del missing["data"]["user"]["id"]
    with pytest.raises(SchemaError) as info:
        parse_event(missing)
    assert (info.value.path, info.value.reason) == ("data[user][id]", "required field is missing")


def test_a_non_integer_bot_key_is_an_error_at_its_path() -> None:
    tree = {
        "event": "ONIMBOTMESSAGEADD",
        "data": {"BOT": {"abc": {"BOT_ID": "1", "BOT_CODE": "b"}}},
    }
    with pytest.raises(SchemaError) as info:
        parse_event(tree)
    assert info.value.path == "data[BOT][abc]"
    assert "integer id" in info.value.reason


def test_every_broken_bot_entry_is_reported() -> None:
    bots = {"1": {"BOT_ID": "x", "BOT_CODE": "a"}, "2": {"BOT_CODE": "b"}, "3": "flat"}
    with pytest.raises(SchemaError) as info:
        parse_event({"event": "ONIMBOTMESSAGEADD", "data": {"BOT": bots, "PARAMS": PARAMS}})
    assert [path for path, _ in info.value.errors] == [
        "data[BOT][1][BOT_ID]",
        "data[BOT][2][BOT_ID]",
        "data[BOT][3]",
    ]


# ---- secrets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ONIMBOTMESSAGEADD.json",
        "ONIMBOTMESSAGEADD.group.json",
        "ONIMBOTMESSAGEUPDATE.json",
        "ONIMBOTMESSAGEDELETE.group.json",
        "ONIMBOTJOINCHAT.json",
        "ONIMCOMMANDADD.json",
        "ONIMCOMMANDADD.group.json",
    ],
)
def test_bot_tokens_never_show_in_repr_or_str(name: str) -> None:
    tree = example_json(name)
    secrets = secrets_in(tree["data"])
    assert secrets
    for event in both_wires(tree):
        assert leak_free(repr(event) + str(event), secrets)
        assert leak_free(repr(event.data) + str(event.data), secrets)
        assert "'***'" in repr(event.data)  # masked, not dropped
        assert leak_free(json.dumps(to_dict(event, redact=True)), secrets)


def test_bot_tokens_never_show_in_errors() -> None:
    tree = example_json("ONIMBOTMESSAGEADD.json")
    entry = tree["data"]["BOT"]["567"]
    secrets = secrets_in(tree)
    # Tokens of the wrong shape, next to a broken id: every error is reported, no token.
    entry["AUTH"]["access_token"] = [entry["access_token"]]
    entry["AUTH"]["refresh_token"] = {"value": entry["refresh_token"]}
    entry["BOT_ID"] = "x"
    with pytest.raises(SchemaError) as info:
        parse_event(tree)
    assert [path for path, _ in info.value.errors] == [
        "data[BOT][567][BOT_ID]",
        "data[BOT][567][AUTH][access_token]",
        "data[BOT][567][AUTH][refresh_token]",
    ]
    assert leak_free(error_texts(info.value), secrets)
    # Without AUTH the flat fields are read, and fail as quietly.
    del entry["AUTH"]
    entry["BOT_ID"] = "567"
    entry["application_token"] = [entry["application_token"]]
    with pytest.raises(SchemaError) as flat:
        parse_event(tree)
    assert flat.value.reason == "expected a string, got a list"
    assert leak_free(error_texts(flat.value), secrets)
