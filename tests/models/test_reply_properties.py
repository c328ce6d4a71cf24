"""The cross-version properties a reply needs, on every chat-bot event class, v1 and v2.

``bots`` (``BotRef``: id, code, the bot's own tokens), ``bot_ids``, ``chat_id``,
``user_id``, ``dialog_id``, ``text``, ``message_id``, ``author_id``, ``language`` and, on
commands, ``command_name``, ``command_names``, ``command_params`` and ``command_id``: each
read from the doc examples as a form body (webhook mode, every value text) and as JSON
(fetch mode, native types), which must give the same values. Then the fields these
properties need are required: a body without one is a ``SchemaError`` at its wire path.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from b24botevents import (
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
    SchemaError,
    UnknownEvent,
    parse_event,
)
from b24botevents.models import BotRef
from b24botevents.testing import SAMPLE_CODES, Portal, sample_body
from b24botevents.wire import encode_form
from model_support import SECRET_FIELDS, error_texts, example_json, leak_free

V2_AUTH = {
    "domain": "example.bitrix24.com",
    "application_token": "51856fefc120afa4b628cc82d3935cce",
}
#: Every property a chat-bot event may have, in the order the table below lists them.
PROPERTIES = (
    "bot_ids",
    "chat_id",
    "user_id",
    "dialog_id",
    "text",
    "message_id",
    "author_id",
    "language",
    "command_name",
    "command_names",
    "command_params",
    "command_id",
)


def v2_tree(code: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": code, "data": data, "ts": 1772093963, "auth": V2_AUTH}


def v2_example(code: str, name: str | None = None) -> dict[str, Any]:
    """A data-only v2 doc example (fetch format) in the documented webhook envelope."""
    return v2_tree(code, example_json(name or f"{code}.json"))


def v2_deleted() -> dict[str, Any]:
    """ONIMBOTV2MESSAGEDELETE has no doc example: the add example's data, with a
    ``messageId`` in place of the ``message`` object (the docs' field table)."""
    data = example_json("ONIMBOTV2MESSAGEADD.json")
    del data["message"]
    return v2_tree("ONIMBOTV2MESSAGEDELETE", {**data, "messageId": 789})


def both_wires(tree: dict[str, Any]) -> tuple[Any, Any]:
    """The event from the PHP form encoding of ``tree`` and from its JSON text (as ``Any``:
    the tests read properties that only some event classes have)."""
    return parse_event(encode_form(tree)), parse_event(json.dumps(tree))


def parsed(body: Any) -> Any:
    return parse_event(body)


def values(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in PROPERTIES if hasattr(event, name)}


V1_MESSAGE = {"author_id": 27, "user_id": 27, "language": "en", "bot_ids": (567,)}
V2_CHAT = {"bot_ids": (456,), "chat_id": 5, "user_id": 1, "language": "en"}

#: name -> (tree, class, expected property values, bot code); unlisted properties are
#: absent from the class.
CASES: dict[str, tuple[dict[str, Any], type[Event], dict[str, Any], str]] = {
    "v1-message-add-private": (
        example_json("ONIMBOTMESSAGEADD.json"),
        BotMessageAddEvent,
        # A private chat sends TO_CHAT_ID only; FROM_USER_ID is who wrote.
        {**V1_MESSAGE, "chat_id": 1407, "dialog_id": "27", "text": "Hello", "message_id": 84331},
        "BOT1",
    ),
    "v1-message-add-group": (
        example_json("ONIMBOTMESSAGEADD.group.json"),
        BotMessageAddEvent,
        {
            **V1_MESSAGE,
            "chat_id": 1157,
            "dialog_id": "chat1157",
            "text": ", how to set up the left menu",
            "message_id": 84351,
        },
        "BOT1",
    ),
    "v1-message-update-private": (
        example_json("ONIMBOTMESSAGEUPDATE.json"),
        BotMessageUpdateEvent,
        {
            **V1_MESSAGE,
            "bot_ids": (571,),
            "chat_id": 1453,
            "dialog_id": "27",
            "text": "How to add an observer to the task?",
            "message_id": 84531,
        },
        "BOT",
    ),
    "v1-message-update-group": (
        # No USER and no FROM_USER_ID: user_id falls back to AUTHOR_ID.
        example_json("ONIMBOTMESSAGEUPDATE.group.json"),
        BotMessageUpdateEvent,
        {
            **V1_MESSAGE,
            "bot_ids": (571,),
            "chat_id": 1157,
            "dialog_id": "chat1157",
            "text": "create a task list",
            "message_id": 84537,
        },
        "BOT",
    ),
    "v1-message-delete-private": (
        example_json("ONIMBOTMESSAGEDELETE.json"),
        BotMessageDeleteEvent,
        {
            **V1_MESSAGE,
            "bot_ids": (571,),
            "language": "de",
            "chat_id": 1453,
            "dialog_id": "27",
            "text": "Message from 02/26/2026 09:27:30 has been deleted",
            "message_id": 84525,
        },
        "BOT",
    ),
    "v1-message-delete-group": (
        example_json("ONIMBOTMESSAGEDELETE.group.json"),
        BotMessageDeleteEvent,
        {
            **V1_MESSAGE,
            "bot_ids": (571,),
            "language": "de",
            "chat_id": 1157,
            "dialog_id": "chat1157",
            "text": "Message from 02/26/2026 11:14:02 has been deleted",
            "message_id": 84537,
        },
        "BOT",
    ),
    "v1-join-private": (
        # USER_ID is who added the bot; FROM_USER_ID (571) is the bot; no chat id at all.
        example_json("ONIMBOTJOINCHAT.json"),
        BotJoinChatEvent,
        {"bot_ids": (571,), "chat_id": None, "user_id": 27, "dialog_id": "27", "language": "de"},
        "BOT",
    ),
    "v1-join-group": (
        example_json("ONIMBOTJOINCHAT.group.json"),
        BotJoinChatEvent,
        {
            "bot_ids": (571,),
            "chat_id": 1157,
            "user_id": 27,
            "dialog_id": "chat1157",
            "language": "de",
        },
        "BOT",
    ),
    "v1-command-private": (
        example_json("ONIMCOMMANDADD.json"),
        BotCommandAddEvent,
        {
            "bot_ids": (1291,),
            "chat_id": 2737,
            "user_id": 1269,
            "dialog_id": "1269",
            "text": "/echo test",
            "message_id": 33899,
            "author_id": 1269,
            "language": "en",
            "command_name": "echo",
            "command_names": ("echo",),
            "command_params": "test",
            "command_id": 103,
        },
        "BOT_GM",
    ),
    "v1-command-group": (
        example_json("ONIMCOMMANDADD.group.json"),
        BotCommandAddEvent,
        {
            "bot_ids": (1291,),
            "chat_id": 2725,
            "user_id": 1269,
            "dialog_id": "chat2725",
            "text": "/echo test",
            "message_id": 33871,
            "author_id": 1269,
            "language": "en",
            "command_name": "echo",
            "command_names": ("echo",),
            "command_params": "test",
            "command_id": 99,
        },
        "BOT_GM",
    ),
    "v2-message-add": (
        v2_example("ONIMBOTV2MESSAGEADD"),
        BotV2MessageAddEvent,
        {**V2_CHAT, "dialog_id": "chat5", "text": "Hello bot!", "message_id": 789, "author_id": 1},
        "support_bot",
    ),
    "v2-message-update": (
        v2_example("ONIMBOTV2MESSAGEUPDATE", "ONIMBOTV2MESSAGEADD.json"),
        BotV2MessageUpdateEvent,
        {**V2_CHAT, "dialog_id": "chat5", "text": "Hello bot!", "message_id": 789, "author_id": 1},
        "support_bot",
    ),
    "v2-message-delete": (
        v2_deleted(),
        BotV2MessageDeleteEvent,
        {**V2_CHAT, "dialog_id": "chat5", "text": None, "message_id": 789, "author_id": None},
        "support_bot",
    ),
    "v2-join": (
        v2_example("ONIMBOTV2JOINCHAT"),
        BotV2JoinChatEvent,
        {**V2_CHAT, "dialog_id": "chat5"},
        "support_bot",
    ),
    "v2-command": (
        v2_example("ONIMBOTV2COMMANDADD"),
        BotV2CommandAddEvent,
        {
            **V2_CHAT,
            "dialog_id": "chat5",
            "text": "/help topic",
            "message_id": 790,
            "author_id": 1,
            "command_name": "help",
            "command_names": ("help",),
            "command_params": "topic",
            "command_id": 78,
        },
        "support_bot",
    ),
    "v2-reaction": (
        # user_id is who reacted; the message (and its author, the bot) is the one reacted to.
        v2_example("ONIMBOTV2REACTIONCHANGE"),
        BotV2ReactionChangeEvent,
        {
            **V2_CHAT,
            "dialog_id": "chat5",
            "text": "Hello! How can I help?",
            "message_id": 789,
            "author_id": 456,
        },
        "support_bot",
    ),
    "v2-context": (
        # dialogId is the top-level field (the user id in a private chat).
        v2_example("ONIMBOTV2CONTEXTGET"),
        BotV2ContextGetEvent,
        {**V2_CHAT, "dialog_id": "1"},
        "support_bot",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_every_property_from_form_and_json(name: str) -> None:
    tree, cls, expected, bot_code = CASES[name]
    form_event, json_event = both_wires(tree)
    assert {type(form_event), type(json_event)} == {cls}
    for event in (form_event, json_event):
        assert values(event) == expected
        assert [(bot.id, bot.code) for bot in event.bots] == [(expected["bot_ids"][0], bot_code)]
        assert event.bot_ids == tuple(bot.id for bot in event.bots)
    assert values(form_event) == values(json_event)
    assert form_event.bots == json_event.bots


def test_every_chat_bot_class_is_covered() -> None:
    covered = {cls for _, cls, _, _ in CASES.values()}
    assert len(covered) == 12


@pytest.mark.parametrize("name", [name for name in CASES if name.startswith("v1")])
def test_v1_bots_carry_the_entry_s_own_tokens(name: str) -> None:
    tree, *_ = CASES[name]
    key = "COMMAND" if "COMMAND" in tree["data"] else "BOT"
    (entry,) = tree["data"][key].values()
    for event in both_wires(tree):
        (bot,) = event.bots
        assert isinstance(bot, BotRef)
        assert bot.auth is not None
        assert bot.auth.access_token == entry["AUTH"]["access_token"]
        assert bot.auth.refresh_token == entry["AUTH"]["refresh_token"]
        assert bot.auth.application_token == entry["AUTH"]["application_token"]
        assert bot.auth.user_id == bot.id
        secrets = tuple(str(entry[field]) for field in SECRET_FIELDS)
        assert leak_free(repr(event.bots) + str(bot), secrets)
        assert "'***'" in repr(bot)


def test_v2_webhook_bots_carry_the_bot_s_tokens_fetch_mode_none() -> None:
    webhook_bot = example_json("ONIMBOTV2.webhook-bot-object.json")["bot"]
    data = {**example_json("ONIMBOTV2MESSAGEADD.json"), "bot": webhook_bot}
    for event in both_wires(v2_tree("ONIMBOTV2MESSAGEADD", data)):
        assert isinstance(event, BotV2MessageAddEvent)
        (bot,) = event.bots
        assert (bot.id, bot.code) == (456, "support_bot")
        assert bot.auth is not None
        assert bot.auth.access_token == webhook_bot["auth"]["access_token"]
        assert leak_free(repr(bot), (webhook_bot["auth"]["access_token"],))
    fetch = parse_event(json.dumps(v2_example("ONIMBOTV2MESSAGEADD")))
    assert isinstance(fetch, BotV2MessageAddEvent)
    assert fetch.bots == (BotRef(id=456, code="support_bot", auth=None),)


def test_v1_several_bots_in_wire_order_each_once() -> None:
    tree = example_json("ONIMBOTMESSAGEADD.json")
    entry = tree["data"]["BOT"]["567"]
    tree["data"]["BOT"] = {
        "901": {**entry, "BOT_ID": "901", "BOT_CODE": "second"},
        "567": entry,
    }
    for event in both_wires(tree):
        assert isinstance(event, BotMessageAddEvent)
        assert [(bot.id, bot.code) for bot in event.bots] == [(901, "second"), (567, "BOT1")]
        assert event.bot_ids == (901, 567)


def test_v1_commands_of_one_bot_give_one_bot_and_the_first_command() -> None:
    tree = example_json("ONIMCOMMANDADD.json")
    call = tree["data"]["COMMAND"]["103"]
    tree["data"]["COMMAND"]["104"] = {
        **call,
        "COMMAND": "Help",
        "COMMAND_ID": "104",
        "COMMAND_PARAMS": "",
    }
    for event in both_wires(tree):
        assert isinstance(event, BotCommandAddEvent)
        assert event.bot_ids == (1291,)
        assert [bot.id for bot in event.bots] == [1291]
        assert (event.command_name, event.command_id, event.command_params) == ("echo", 103, "test")
        assert event.command_names == ("echo", "help")


def test_command_params_and_names_are_normalised() -> None:
    tree = v2_example("ONIMBOTV2COMMANDADD")
    tree["data"]["command"].update(command=" /HeLP ", params="")
    for event in both_wires(tree):
        assert isinstance(event, BotV2CommandAddEvent)
        assert (event.command_name, event.command_params) == ("help", "")
        assert event.data.command.command == " /HeLP "  # the model keeps the wire value
    v1_tree = example_json("ONIMCOMMANDADD.json")
    del v1_tree["data"]["COMMAND"]["103"]["COMMAND_PARAMS"]
    for event in both_wires(v1_tree):
        assert isinstance(event, BotCommandAddEvent)
        assert event.command_params == ""


def test_v1_user_id_prefers_the_sender_then_the_user_block_then_the_author() -> None:
    tree = example_json("ONIMBOTMESSAGEADD.json")
    params = tree["data"]["PARAMS"]
    params.update(FROM_USER_ID="5", AUTHOR_ID="7")
    tree["data"]["USER"]["ID"] = "6"
    assert parsed(tree).user_id == 5
    del params["FROM_USER_ID"]
    assert parsed(tree).user_id == 6
    del tree["data"]["USER"]
    assert parsed(tree).user_id == 7
    del params["AUTHOR_ID"]
    assert parsed(tree).user_id is None


def test_v1_chat_id_prefers_chat_id_to_to_chat_id() -> None:
    tree = example_json("ONIMBOTMESSAGEADD.json")
    tree["data"]["PARAMS"]["CHAT_ID"] = "9"
    assert parsed(tree).chat_id == 9
    del tree["data"]["PARAMS"]["CHAT_ID"], tree["data"]["PARAMS"]["TO_CHAT_ID"]
    assert parsed(tree).chat_id is None


def test_v2_join_without_chat_or_dialog_id_still_parses() -> None:
    # Kept lenient (see the report): only the bot is sure to be there.
    bare = v2_tree("ONIMBOTV2JOINCHAT", {"bot": {"id": "1", "code": "x"}})
    for event in both_wires(bare):
        assert isinstance(event, BotV2JoinChatEvent)
        assert (event.dialog_id, event.chat_id, event.user_id, event.bot_ids) == (
            None,
            None,
            None,
            (1,),
        )
    only_chat = v2_example("ONIMBOTV2JOINCHAT")
    del only_chat["data"]["dialogId"]
    assert parsed(only_chat).dialog_id == "chat5"


def test_an_empty_text_is_text() -> None:
    # A message of files only has an empty text: "" is a value, not a missing field.
    v1_tree = example_json("ONIMBOTMESSAGEADD.json")
    v1_tree["data"]["PARAMS"]["MESSAGE"] = ""
    v2 = v2_example("ONIMBOTV2MESSAGEADD")
    v2["data"]["message"]["text"] = ""
    for tree in (v1_tree, v2):
        for event in both_wires(tree):
            assert isinstance(event, (BotMessageAddEvent, BotV2MessageAddEvent))
            assert event.text == ""


# ---- the fields these properties need are required ----------------------------------------


def _without(tree: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    node = tree
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return tree


MISSING = [
    ("ONIMBOTMESSAGEADD.json", ("data", "PARAMS", "MESSAGE"), "data[PARAMS][MESSAGE]"),
    ("ONIMBOTMESSAGEADD.json", ("data", "PARAMS", "DIALOG_ID"), "data[PARAMS][DIALOG_ID]"),
    ("ONIMBOTMESSAGEADD.json", ("data", "PARAMS", "MESSAGE_ID"), "data[PARAMS][MESSAGE_ID]"),
    ("ONIMBOTMESSAGEADD.json", ("data", "PARAMS"), "data[PARAMS]"),
    ("ONIMBOTMESSAGEUPDATE.group.json", ("data", "PARAMS", "MESSAGE"), "data[PARAMS][MESSAGE]"),
    (
        "ONIMBOTMESSAGEDELETE.group.json",
        ("data", "PARAMS", "DIALOG_ID"),
        "data[PARAMS][DIALOG_ID]",
    ),
    ("ONIMBOTJOINCHAT.json", ("data", "PARAMS", "DIALOG_ID"), "data[PARAMS][DIALOG_ID]"),
    ("ONIMCOMMANDADD.json", ("data", "PARAMS", "DIALOG_ID"), "data[PARAMS][DIALOG_ID]"),
    ("ONIMCOMMANDADD.json", ("data", "COMMAND", "103", "COMMAND"), "data[COMMAND][103][COMMAND]"),
    (
        "ONIMCOMMANDADD.json",
        ("data", "COMMAND", "103", "COMMAND_ID"),
        "data[COMMAND][103][COMMAND_ID]",
    ),
    ("ONIMCOMMANDADD.json", ("data", "COMMAND"), "data[COMMAND]"),
    ("ONIMBOTV2MESSAGEADD", ("data", "message"), "data[message]"),
    ("ONIMBOTV2MESSAGEADD", ("data", "message", "text"), "data[message][text]"),
    ("ONIMBOTV2MESSAGEADD", ("data", "chat"), "data[chat]"),
    ("ONIMBOTV2MESSAGEADD", ("data", "chat", "dialogId"), "data[chat][dialogId]"),
    ("ONIMBOTV2MESSAGEDELETE", ("data", "messageId"), "data[messageId]"),
    ("ONIMBOTV2MESSAGEDELETE", ("data", "chat"), "data[chat]"),
    ("ONIMBOTV2COMMANDADD", ("data", "command"), "data[command]"),
    ("ONIMBOTV2COMMANDADD", ("data", "command", "command"), "data[command][command]"),
    ("ONIMBOTV2COMMANDADD", ("data", "message"), "data[message]"),
    ("ONIMBOTV2COMMANDADD", ("data", "chat"), "data[chat]"),
    ("ONIMBOTV2REACTIONCHANGE", ("data", "message"), "data[message]"),
    ("ONIMBOTV2REACTIONCHANGE", ("data", "chat"), "data[chat]"),
    ("ONIMBOTV2CONTEXTGET", ("data", "dialogId"), "data[dialogId]"),
    ("ONIMBOTV2JOINCHAT", ("data", "chat", "dialogId"), "data[chat][dialogId]"),
]


def _source(name: str) -> dict[str, Any]:
    if name.endswith(".json"):
        return example_json(name)  # type: ignore[no-any-return]
    return v2_deleted() if name == "ONIMBOTV2MESSAGEDELETE" else v2_example(name)


@pytest.mark.parametrize(("name", "path", "wire_path"), MISSING, ids=[m[2] for m in MISSING])
def test_a_missing_required_field_is_a_schema_error_at_its_wire_path(
    name: str, path: tuple[str, ...], wire_path: str
) -> None:
    tree = _without(_source(name), path)
    for body in (encode_form(tree), json.dumps(tree), tree):
        with pytest.raises(SchemaError) as info:
            parse_event(body)
        assert (info.value.path, info.value.reason) == (wire_path, "required field is missing")
        assert leak_free(error_texts(info.value), tuple(_secrets(tree)))


@pytest.mark.parametrize("empty", ["", None, {}, []], ids=repr)
def test_a_command_event_without_commands_is_refused(empty: Any) -> None:
    tree = example_json("ONIMCOMMANDADD.json")
    tree["data"]["COMMAND"] = empty
    with pytest.raises(SchemaError) as info:
        parse_event(tree)
    assert info.value.path == "data[COMMAND]"
    assert "at least one" in info.value.reason


def _secrets(tree: Any) -> set[str]:
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif key in SECRET_FIELDS and value:
                found.add(str(value))
    return found


# ---- what the testing kit sends still parses, with every property set -----------------------


@pytest.mark.parametrize("code", [c for c in SAMPLE_CODES if c.startswith("ONIM")])
@pytest.mark.parametrize("with_user_tokens", [True, False])
def test_the_testing_kit_bodies_parse_with_their_reply_fields(
    code: str, with_user_tokens: bool
) -> None:
    body = sample_body(code, portal=Portal.example(), with_user_tokens=with_user_tokens)
    event = parsed(body)
    assert not isinstance(event, UnknownEvent)
    if code in ("ONIMBOTDELETE", "ONIMBOTV2DELETE"):
        return
    if code.startswith("ONIMV2"):  # a user event: no bot
        assert not hasattr(event, "bots")
    else:
        assert all(bot.auth is not None for bot in event.bots)  # webhook mode: its tokens
    assert event.dialog_id is not None
    assert event.user_id is not None
    if code != "ONIMBOTJOINCHAT":  # a private v1 join has no chat id
        assert event.chat_id is not None
    if hasattr(event, "command_name"):
        assert event.command_name
        assert event.command_id
