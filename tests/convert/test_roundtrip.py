"""``to_dict`` is wire-shaped and JSON-serialisable, and ``parse_event`` inverts it.

Properties over generated events of every typed class and ``UnknownEvent``: the dict path,
the JSON text path and the form path (``encode_form``), plus fields the models do not
cover surviving in ``raw`` and ``to_dict``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24botevents import (
    AppUninstallEvent,
    BotDeleteEvent,
    BotV2DeleteEvent,
    Event,
    UnknownEvent,
    parse_event,
    to_dict,
)
from b24botevents.models import AppUninstallData, Auth, Bot, BotDeleteData, BotV2DeleteData
from b24botevents.wire import encode_form
from model_support import (
    auths,
    data_keys,
    datetimes,
    example_text,
    form_scalars,
    ids,
)
from models.required_fields import complete_chat_bot_events, complete_events


@given(complete_events())
def test_to_dict_is_json_serialisable_and_parses_back(event: Event) -> None:
    wire = to_dict(event)
    text = json.dumps(wire)
    assert parse_event(wire) == event
    assert parse_event(text) == event
    assert parse_event(text.encode(), content_type="application/json") == event


@given(complete_events(form_safe=True))
def test_form_round_trip(event: Event) -> None:
    body = encode_form(to_dict(event))
    parsed = parse_event(body)
    assert parsed == event
    assert type(parsed) is type(event)
    # And the form-decoded event reproduces the same wire dict once more.
    assert parse_event(encode_form(to_dict(parsed))) == event


@given(complete_events())
def test_to_dict_is_wire_shaped(event: Event) -> None:
    wire = to_dict(event)
    assert wire["event"] == event.code
    assert ("event_handler_id" in wire) == (event.handler_id is not None)
    assert "handler_id" not in wire
    assert "code" not in wire
    assert "raw" not in wire
    if event.ts is not None:
        assert wire["ts"] == int(event.ts.timestamp())
    if isinstance(event, BotDeleteEvent):
        assert wire["data"]["BOT_ID"] == event.bot_id
        assert wire["data"]["BOT_CODE"] == event.bot_code
    if isinstance(event, BotV2DeleteEvent):
        assert wire["data"]["bot"]["id"] == event.bot_id
        assert wire["data"]["bot"]["code"] == event.bot_code
        assert set(wire["data"]) == {"bot"}
        for key in wire["data"]["bot"]:
            assert "_" not in key, key  # v2 keys are camelCase
    if not isinstance(event, UnknownEvent) and event.code.startswith("ONIM"):
        data = wire.get("data", {})
        v1 = "V2" not in event.code
        for key in data:
            # v1 shouts, v2 is camelCase, and nothing is the snake_case attribute name.
            assert key.isupper() if v1 else ("_" not in key and key[:1].islower()), key
        for key in ("BOT", "COMMAND"):
            assert all(type(entry_key) is str for entry_key in data.get(key, {}))
    if event.auth is not None and event.auth.status is not None:
        assert isinstance(wire["auth"]["status"], str)
        assert wire["auth"]["status"] == event.auth.status


@given(complete_events(form_safe=True), data_keys, form_scalars, form_scalars, form_scalars)
def test_fields_the_models_do_not_cover_survive(
    event: Event, name: str, top: str, in_data: str, in_auth: str
) -> None:
    extra_top = f"x_{name}"
    extra_data = f"EXTRA_{name}"
    extra_auth = f"extra_{name}"
    wire = to_dict(event)
    wire[extra_top] = top
    if isinstance(wire.get("data"), dict) or "data" not in wire:
        wire.setdefault("data", {})[extra_data] = in_data
    if isinstance(wire.get("auth"), dict):
        wire["auth"][extra_auth] = in_auth
    for parsed in (parse_event(wire), parse_event(encode_form(wire))):
        if not isinstance(event, UnknownEvent):
            assert parsed == event
        assert parsed.raw[extra_top] == top
        again = to_dict(parsed)
        assert again[extra_top] == top
        assert again["data"][extra_data] == in_data
        if "auth" in wire:
            assert parsed.raw["auth"][extra_auth] == in_auth
            assert again["auth"][extra_auth] == in_auth
        # ... and the extras survive a second round trip, through either wire.
        assert parse_event(again).raw[extra_top] == top
        assert to_dict(parse_event(encode_form(again)))["data"][extra_data] == in_data


def test_extra_data_field_survives_in_raw_and_to_dict() -> None:
    body = example_text("ONIMBOTDELETE.derived-http_build_query.txt") + "&data%5BEXTRA%5D=kept"
    event = parse_event(body)
    assert isinstance(event, BotDeleteEvent)
    assert event.raw["data"]["EXTRA"] == "kept"
    assert to_dict(event)["data"] == {"BOT_ID": 567, "BOT_CODE": "BOT", "EXTRA": "kept"}
    assert parse_event(to_dict(event)) == event
    assert parse_event(encode_form(to_dict(event))).raw["data"]["EXTRA"] == "kept"


def test_to_dict_writes_typed_values_over_raw() -> None:
    event = parse_event("event=onimbotdelete&data[BOT_ID]=0567&data[BOT_CODE]=c&auth[scope]=a%2C+b")
    wire = to_dict(event)
    assert wire["event"] == "ONIMBOTDELETE"
    assert wire["data"]["BOT_ID"] == 567
    assert wire["auth"]["scope"] == "a,b"
    assert event.raw["data"]["BOT_ID"] == "0567"  # raw stays as received


def test_to_dict_does_not_alias_raw() -> None:
    event = parse_event({"event": "X", "data": {"a": {"b": "c"}}})
    wire = to_dict(event)
    wire["data"]["a"]["b"] = "changed"
    assert event.raw["data"]["a"]["b"] == "c"
    assert event.data == {"a": {"b": "c"}}


def test_datetimes_with_microseconds_round_trip() -> None:
    moment = datetime(2026, 2, 26, 7, 19, 23, 123456, tzinfo=timezone.utc)
    event = UnknownEvent(code="ONX", ts=moment, auth=Auth(expires=moment))
    wire = to_dict(event)
    assert parse_event(wire) == event
    assert parse_event(json.dumps(wire)) == event
    assert parse_event(encode_form(wire)) == event


def test_unknown_event_list_data_round_trips() -> None:
    event = parse_event("event=ONX&data[]=a&data[]=b")
    assert isinstance(event, UnknownEvent)
    assert event.data == {"0": "a", "1": "b"}
    assert parse_event(to_dict(event)) == event
    assert parse_event(encode_form(to_dict(event))) == event


# ---- contract gaps found while writing the properties above (see the report) -------------


@pytest.mark.parametrize(
    "event",
    [
        BotDeleteEvent(
            code="ONIMBOTDELETE", auth=Auth(), data=BotDeleteData(bot_id=1, bot_code="b")
        ),
        BotV2DeleteEvent(
            code="ONIMBOTV2DELETE", data=BotV2DeleteData(bot=Bot(id=1, code="b", auth=Auth()))
        ),
    ],
    ids=["envelope-auth", "bot-auth"],
)
def test_empty_auth_survives_the_form_path(event: Event) -> None:
    # An empty Auth() is normalised to None: a form body cannot carry an empty block.
    assert parse_event(to_dict(event)) == event
    assert parse_event(encode_form(to_dict(event))) == event


def test_evolved_event_round_trips() -> None:
    event = parse_event(example_text("ONIMBOTDELETE.derived-http_build_query.txt"))
    changed = attrs.evolve(event, handler_id=None, auth=None)
    assert parse_event(to_dict(changed)) == changed


def test_unknown_event_keeps_native_json_types_in_data() -> None:
    tree = {"event": "ONX", "data": {"n": 1, "b": True, "none": None, "f": 1.5, "l": [], "d": {}}}
    event = parse_event(tree)
    assert event.data == tree["data"]
    assert parse_event(to_dict(event)) == event
    assert parse_event(json.dumps(to_dict(event))) == event


@given(st.integers(min_value=0, max_value=2**31), st.booleans())
def test_uninstall_clean_round_trips_through_both_wires(number: int, clean: bool) -> None:
    event = AppUninstallEvent(
        code="ONAPPUNINSTALL", handler_id=number, data=AppUninstallData(clean=clean)
    )
    assert to_dict(event)["data"]["CLEAN"] is clean
    assert parse_event(encode_form(to_dict(event))) == event


def test_base_event_to_dict_is_wire_shaped() -> None:
    event = Event(code="ONX", handler_id=5)
    wire = to_dict(event)
    assert wire == {"event": "ONX", "event_handler_id": 5}
    assert parse_event(wire).handler_id == 5


# ---- the chat-bot events, with more examples than their share of ``events()`` ---------------

envelopes = st.fixed_dictionaries(
    {
        "handler_id": st.none() | ids,
        "ts": st.none() | datetimes,
        "auth": st.none() | auths(allow_empty=False),
    }
)


@settings(max_examples=300)
@given(st.data())
def test_chat_bot_events_round_trip_as_json(data: st.DataObject) -> None:
    event = data.draw(complete_chat_bot_events(envelope=data.draw(envelopes)))
    wire = to_dict(event)
    assert parse_event(wire) == event
    assert parse_event(json.dumps(wire)) == event


@settings(max_examples=300)
@given(st.data())
def test_chat_bot_events_round_trip_as_form(data: st.DataObject) -> None:
    event = data.draw(complete_chat_bot_events(envelope=data.draw(envelopes), form_safe=True))
    parsed = parse_event(encode_form(to_dict(event)))
    assert type(parsed) is type(event)
    assert parsed == event
    assert parse_event(encode_form(to_dict(parsed))) == event
