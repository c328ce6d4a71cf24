"""Every field ``entities.md`` lists for ``Chat``, ``User`` and ``Message`` is typed.

The field tables of the docs' ``chat-bots-v2/entities.md`` (events carry no ``role`` or
``muteList``), their types as the docs give them, read the same from a fetch-mode JSON
body and a webhook form body: ``textFieldEnabled`` ``"Y"`` is True, ``false`` (``"0"`` in a
form) is None for the "ISO 8601 or false" dates and ``phones``, ``forward`` is a ``Forward``,
and the free-form objects (``params``, ``entityLink``, ``permissions``, ``phones``, a
context) hold text leaves, as a form body gives them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from b24botevents import UserMessageUpdateEvent, parse_event, to_dict
from b24botevents.convert import event_from_tree
from b24botevents.convert.names import wire_names
from b24botevents.models import (
    BotV2ContextGetEvent,
    BotV2MessageAddEvent,
    Chat,
    Forward,
    Message,
    User,
    UserJoinChatEvent,
)
from b24botevents.models._freeform import form_text_tree, optional_form_text_tree
from b24botevents.testing.samples import fetch_sample_data
from b24botevents.wire import encode_form, parse_form

#: ``entities.md``'s Chat table, less ``role`` and ``muteList`` ("absent in events").
DOC_CHAT = {
    "id", "dialogId", "name", "type", "messageType", "owner", "color", "avatar",
    "description", "extranet", "containsCollaber", "entityType", "entityId", "entityData1",
    "entityData2", "entityData3", "entityLink", "diskFolderId", "permissions", "parentChatId",
    "parentMessageId", "isNew", "textFieldEnabled", "backgroundId",
}  # fmt: skip
DOC_USER = {
    "id", "active", "name", "firstName", "lastName", "workPosition", "color", "avatar",
    "gender", "birthday", "extranet", "bot", "connector", "externalAuthId", "status", "idle",
    "lastActivityDate", "mobileLastDate", "desktopLastDate", "absent", "departments",
    "phones", "type", "website", "email",
}  # fmt: skip
DOC_MESSAGE = {
    "id", "chatId", "authorId", "date", "text", "isSystem", "uuid", "forward", "params",
    "viewedByOthers",
}  # fmt: skip
#: ``forward``: "``{id, userId, chatId, date}`` or ``null``".
DOC_FORWARD = {"id", "userId", "chatId", "date"}

UTC2 = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("model", "fields"),
    [(Chat, DOC_CHAT), (User, DOC_USER), (Message, DOC_MESSAGE), (Forward, DOC_FORWARD)],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_every_documented_field_is_typed(model: type, fields: set[str]) -> None:
    assert set(wire_names(model).values()) == fields


def both_modes(code: str, data: dict[str, Any]) -> tuple[Any, Any]:
    """The event from fetch-mode JSON data and from the webhook body of the same tree."""
    tree = {"event": code, "data": data, "auth": {"application_token": "t0ken"}}
    from_json = parse_event(json.dumps(tree))
    from_form = parse_event(encode_form(tree))
    assert type(from_json) is type(from_form)
    assert from_json.data == from_form.data
    return from_json, from_form


def test_the_full_chat_and_user_read_the_same_in_both_modes() -> None:
    for event in both_modes("ONIMBOTV2MESSAGEADD", fetch_sample_data("ONIMBOTV2MESSAGEADD")):
        assert isinstance(event, BotV2MessageAddEvent)
        chat, user = event.data.chat, event.data.user
        assert (chat.message_type, chat.owner, chat.disk_folder_id) == ("C", 1, 42)
        assert chat.text_field_enabled is True  # "Y", in JSON too
        assert (chat.extranet, chat.contains_collaber, chat.is_new) == (False, False, False)
        assert (chat.parent_chat_id, chat.parent_message_id) == (0, 0)  # no thread: 0
        assert (chat.entity_id, chat.entity_data1, chat.description) == (None, None, None)
        assert chat.entity_link == {}
        assert chat.permissions == {}
        assert chat.background_id is None
        assert user is not None
        assert user.email == "john@example.com"
        assert user.website is None  # ""
        assert user.birthday is None  # "" ("an empty string if not specified")
        assert (user.idle, user.mobile_last_date, user.desktop_last_date) == (None, None, None)
        assert user.last_activity_date == datetime(2025, 1, 15, 10, 29, tzinfo=UTC2)
        assert user.phones is None  # false, "0" in the form body


def test_text_field_enabled_is_y_or_n_both_ways() -> None:
    data = fetch_sample_data("ONIMBOTV2MESSAGEADD")
    data["chat"]["textFieldEnabled"] = "N"
    json_event, form_event = both_modes("ONIMBOTV2MESSAGEADD", data)
    assert json_event.data.chat.text_field_enabled is False
    assert to_dict(json_event)["data"]["chat"]["textFieldEnabled"] == "N"  # the wire shape
    assert parse_event(to_dict(form_event)) == form_event
    assert to_dict(parse_event(encode_form(to_dict(json_event))))["data"]["chat"][
        "textFieldEnabled"
    ] == ("N")


def test_forward_and_params_of_a_forwarded_message() -> None:
    json_event, form_event = both_modes(
        "ONIMV2MESSAGEUPDATE", fetch_sample_data("ONIMV2MESSAGEUPDATE")
    )
    assert isinstance(json_event, UserMessageUpdateEvent)
    forward = json_event.data.message.forward
    # The docs give id no type: kept as text (4870 in JSON, "4870" in a form body).
    assert forward == Forward(
        id="4870", user_id=3, chat_id=7, date=datetime(2025, 1, 14, 9, tzinfo=UTC2)
    )
    assert json_event.data.message.params == {"IS_EDITED": "Y"}
    assert parse_event(to_dict(json_event)) == json_event
    assert parse_event(encode_form(to_dict(form_event))) == form_event


@pytest.mark.parametrize("nothing", [None, False, {}, [], "", {"date": None}])
def test_no_forward_is_none_in_both_modes(nothing: Any) -> None:
    data = fetch_sample_data("ONIMBOTV2MESSAGEADD")
    data["message"]["forward"] = nothing
    for event in both_modes("ONIMBOTV2MESSAGEADD", data):
        assert event.data.message.forward is None


def test_phones_is_an_object_of_numbers_or_none() -> None:
    json_event, _ = both_modes("ONIMV2JOINCHAT", fetch_sample_data("ONIMV2JOINCHAT"))
    assert isinstance(json_event, UserJoinChatEvent)
    assert json_event.data.user is not None
    assert json_event.data.user.phones == {"workPhone": "+49 30 1234567"}
    data = fetch_sample_data("ONIMV2JOINCHAT")
    data["user"]["phones"] = {"personalMobile": 4915112345678, "workPhone": None}
    for event in both_modes("ONIMV2JOINCHAT", data):
        assert event.data.user.phones == {"personalMobile": "4915112345678"}
    data["user"]["phones"] = {"workPhone": None}  # nothing left: no phones
    for event in both_modes("ONIMV2JOINCHAT", data):
        assert event.data.user.phones is None


@pytest.mark.parametrize("field", ["idle", "mobileLastDate", "desktopLastDate", "absent"])
def test_iso_or_false_dates(field: str) -> None:
    data = fetch_sample_data("ONIMBOTV2MESSAGEADD")
    data["user"][field] = "2025-01-15T10:00:00+02:00"
    for event in both_modes("ONIMBOTV2MESSAGEADD", data):
        attr = {"mobileLastDate": "mobile_last_date", "desktopLastDate": "desktop_last_date"}
        value = getattr(event.data.user, attr.get(field, field))
        assert value == datetime(2025, 1, 15, 10, tzinfo=UTC2)


def test_text_fields_keep_a_zero() -> None:
    # "0" is text for a string field (a chat may be called "0"); only dates and objects
    # read a webhook's "0" (false) as nothing.
    data = fetch_sample_data("ONIMBOTV2MESSAGEADD")
    data["chat"].update({"name": "0", "description": "0", "entityId": "0"})
    data["user"]["birthday"] = "0"
    for event in both_modes("ONIMBOTV2MESSAGEADD", data):
        assert (event.data.chat.name, event.data.chat.description) == ("0", "0")
        assert event.data.chat.entity_id == "0"
        assert event.data.user.birthday == "0"


def test_the_docs_context_reads_the_same_in_both_modes() -> None:
    # bot-context.md: context is "arbitrary JSON"; entityId is 164 in JSON, "164" in a form.
    json_event, form_event = both_modes(
        "ONIMBOTV2CONTEXTGET", fetch_sample_data("ONIMBOTV2CONTEXTGET")
    )
    assert isinstance(json_event, BotV2ContextGetEvent)
    assert json_event.data.context == {"entityId": "164", "entityType": "task", "source": "link"}
    assert json_event.raw["data"]["context"]["entityId"] == 164  # raw keeps what came
    assert json_event == form_event


def test_a_context_with_every_json_type() -> None:
    data = fetch_sample_data("ONIMBOTV2CONTEXTGET")
    data["context"] = {
        "action": "openTask",
        "taskId": 456,
        "ok": True,
        "no": False,
        "none": None,
        "empty": {},
        "ratio": 0.1,
        "ids": [1, None, 3],
        "0": "a",
        "nested": {"0": "x", "1": "y"},
    }
    json_event, form_event = both_modes("ONIMBOTV2CONTEXTGET", data)
    assert json_event.data.context == {
        "action": "openTask",
        "taskId": "456",
        "ok": "1",
        "no": "0",
        "ratio": "0.1",
        "ids": {"0": "1", "2": "3"},  # PHP keeps the indices that are left
        "0": "a",
        "nested": ["x", "y"],  # a PHP array keyed 0..n-1 is a list
    }
    assert parse_event(to_dict(json_event)) == json_event
    assert parse_event(encode_form(to_dict(json_event))) == form_event


def test_free_form_values_are_read_as_form_text_on_construction() -> None:
    message = Message(id=1, text="x", params={"FILE_ID": [12, 13], "IS_EDITED": True})
    assert message.params == {"FILE_ID": ["12", "13"], "IS_EDITED": "1"}
    assert Chat(id=1, dialog_id="chat1", permissions={"canPost": None}).permissions == {}
    assert User(id=1, phones={}).phones is None
    assert User(id=1, phones={"workPhone": "1"}).phones == {"workPhone": "1"}


@pytest.mark.parametrize(
    "value",
    [
        {"a[b]": 1},  # brackets in a key: a form body cannot carry it as it is
        {"a": {"b]": True, "c": None}},
    ],
)
def test_keys_no_form_body_can_carry_still_read_as_text(value: dict[str, Any]) -> None:
    tree = form_text_tree(value)
    assert all(isinstance(leaf, str) for leaf in _leaves(tree))
    assert form_text_tree(tree) == tree


def test_form_text_of_what_is_no_tree() -> None:
    assert form_text_tree(None) == {}
    assert form_text_tree("text") == {}
    assert form_text_tree(["a", 1]) == {"0": "a", "1": "1"}
    assert optional_form_text_tree(None) is None
    assert optional_form_text_tree("0") is None
    assert optional_form_text_tree({"a": {}}) is None


def test_the_form_round_trip_is_the_reference() -> None:
    value = {" lead": 1, "x": {"0": True, "1": 2.5}, "y": [None, {"z": []}]}
    expected = parse_form(encode_form({"v": value}))["v"]
    assert form_text_tree(value) == expected == {" lead": "1", "x": ["1", "2.5"]}


def test_a_message_event_with_every_field_round_trips() -> None:
    for code in ("ONIMBOTV2MESSAGEADD", "ONIMV2MESSAGEUPDATE", "ONIMV2JOINCHAT"):
        tree = {"event": code, "data": fetch_sample_data(code)}
        event = event_from_tree(tree)
        assert parse_event(to_dict(event)) == event
        assert parse_event(json.dumps(to_dict(event))) == event
        assert parse_event(encode_form(to_dict(event))) == event


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in _leaves(value)]
    if isinstance(tree, list):
        return [leaf for value in tree for leaf in _leaves(value)]
    return [tree]


def test_a_token_in_a_free_form_object_is_masked_in_repr() -> None:
    secret = "5ec4e7c0ffee5ec4e7c0ffee5ec4e7c0ffee"
    data = fetch_sample_data("ONIMBOTV2CONTEXTGET")
    data["context"] = {"pair": {"access_token": secret}, "n": 1}
    data["user"]["phones"] = {"refresh_token": secret}
    for event in both_modes("ONIMBOTV2CONTEXTGET", data):
        assert event.data.context["pair"]["access_token"] == secret  # kept, only masked
        assert secret not in repr(event) + str(event) + repr(event.data.context)
        assert secret not in repr(event.data.user)
