"""``parse_fetch_response``: ``imbot.v2.Event.get`` results to typed events."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b24botevents import parse_event, to_dict
from b24botevents.errors import LimitExceeded, SchemaError
from b24botevents.fetch import FetchPage, RejectedEvent, parse_fetch_response
from b24botevents.limits import Limits
from b24botevents.models import BotV2DeleteEvent, BotV2MessageAddEvent, UnknownEvent
from b24botevents.wire import encode_form, parse_form
from spec_examples import example_json as _example

MESSAGE_ADD = _example("ONIMBOTV2MESSAGEADD.json")
DELETE = _example("ONIMBOTV2DELETE.json")


def _item(event_id: int, code: str = "ONIMBOTV2MESSAGEADD", data: Any = None) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "type": code,
        "date": "2025-01-15T10:30:00+02:00",
        "data": MESSAGE_ADD if data is None else data,
    }


def test_the_docs_example_reads_and_its_empty_data_is_rejected_not_raised() -> None:
    page = parse_fetch_response(_example("imbot.v2.Event.get.response.json"))
    assert page.next_offset == 1002
    assert page.has_more is False
    assert page.events == ()
    # The docs' example has "data": {}: it cannot be a message event, and says which field.
    (rejected,) = page.rejected
    assert (rejected.event_id, rejected.code) == (1001, "ONIMBOTV2MESSAGEADD")
    assert isinstance(rejected.error, SchemaError)
    assert "data[bot]" in str(rejected.error)


def test_items_become_the_typed_events_with_id_and_date() -> None:
    page = parse_fetch_response(
        {
            "events": [_item(7), _item(8, "ONIMBOTV2DELETE", DELETE)],
            "nextOffset": 9,
            "hasMore": True,
        }
    )
    first, second = page.events
    assert isinstance(first, BotV2MessageAddEvent)
    assert isinstance(second, BotV2DeleteEvent)
    assert (first.event_id, second.event_id) == (7, 8)
    assert first.ts == datetime(2025, 1, 15, 8, 30, tzinfo=timezone.utc)
    assert first.auth is None  # fetch mode brings no tokens
    assert first.text == MESSAGE_ADD["message"]["text"]
    assert page.next_offset == 9
    assert page.has_more is True
    assert page.last_event_id == 8


def test_a_fetched_event_equals_the_webhook_event_with_the_same_data() -> None:
    fetched = parse_fetch_response({"events": [_item(7)], "nextOffset": 8}).events[0]
    webhook = parse_event({"event": "ONIMBOTV2MESSAGEADD", "data": MESSAGE_ADD})
    assert type(fetched) is type(webhook)
    assert fetched.data == webhook.data
    # PHP's form encoding of the same data (booleans as 1/0, nulls dropped) too.
    form = parse_event(
        parse_form(encode_form({"event": "ONIMBOTV2MESSAGEADD", "data": MESSAGE_ADD}))
    )
    assert fetched.data == form.data


def test_to_dict_and_parse_event_round_trip_keeps_event_id_and_date() -> None:
    fetched = parse_fetch_response({"events": [_item(41)], "nextOffset": 42}).events[0]
    again = parse_event(json.loads(json.dumps(to_dict(fetched))))
    assert again == fetched
    assert again.event_id == 41
    assert again.ts == fetched.ts


def test_the_legacy_last_event_id_form_gives_the_next_offset() -> None:
    page = parse_fetch_response({"events": [_item(5)], "lastEventId": 5, "hasMore": False})
    assert page.next_offset == 6
    assert parse_fetch_response({"events": [], "lastEventId": None}).next_offset is None


def test_a_whole_answer_with_result_is_accepted() -> None:
    answer = {"result": {"events": [_item(3)], "nextOffset": 4, "hasMore": False}, "time": {}}
    assert parse_fetch_response(answer).next_offset == 4


@pytest.mark.parametrize("empty", [[], {"events": []}, {"events": {}}, {"events": None}])
def test_empty_pages(empty: Any) -> None:
    page = parse_fetch_response(empty)
    assert page.events == ()
    assert page.rejected == ()
    assert page.items == ()
    assert page.last_event_id is None


def test_items_are_ordered_by_event_id_and_merged_with_the_rejected() -> None:
    page = parse_fetch_response(
        {"events": [_item(9), _item(3, data={}), _item(5)], "nextOffset": 10, "hasMore": False}
    )
    assert [event.event_id for event in page.events] == [5, 9]
    assert [item.event_id for item in page.items] == [3, 5, 9]
    assert isinstance(page.items[0], RejectedEvent)


def test_a_php_array_with_gaps_reads_as_its_values() -> None:
    page = parse_fetch_response({"events": {"0": _item(1), "2": _item(2)}, "nextOffset": 3})
    assert [event.event_id for event in page.events] == [1, 2]


def test_unknown_codes_are_unknown_events() -> None:
    page = parse_fetch_response({"events": [_item(1, "ONFUTUREEVENT", {"a": 1})], "nextOffset": 2})
    assert isinstance(page.events[0], UnknownEvent)
    assert page.events[0].event_id == 1


@pytest.mark.parametrize(
    ("result", "path"),
    [
        ("nope", ""),
        ({"events": "x"}, "events"),
        ({"events": [1]}, "events[0]"),
        ({"events": [{"type": "X"}]}, "events[0][eventId]"),
        ({"events": [{"eventId": "abc", "type": "X"}]}, "events[0][eventId]"),
        ({"events": [{"eventId": -1, "type": "X"}]}, "events[0][eventId]"),
        ({"events": [], "nextOffset": "x"}, "nextOffset"),
        ({"events": [], "nextOffset": -5}, "nextOffset"),
        ({"events": [], "lastEventId": [1]}, "lastEventId"),
        ({"events": [], "hasMore": "perhaps"}, "hasMore"),
    ],
)
def test_a_malformed_page_raises_naming_the_path(result: Any, path: str) -> None:
    with pytest.raises(SchemaError) as caught:
        parse_fetch_response(result)
    assert caught.value.path == path


def test_an_item_over_the_limits_is_rejected_alone() -> None:
    big = {
        **MESSAGE_ADD,
        "message": {**MESSAGE_ADD["message"], "params": {str(i): i for i in range(50)}},
    }
    page = parse_fetch_response(
        {"events": [_item(1, data=big), _item(2)], "nextOffset": 3}, limits=Limits(max_fields=40)
    )
    assert [event.event_id for event in page.events] == []  # the sample itself has > 40 fields
    page = parse_fetch_response(
        {"events": [_item(1, data=big), _item(2)], "nextOffset": 3}, limits=Limits(max_fields=100)
    )
    assert [event.event_id for event in page.events] == [2]
    assert isinstance(page.rejected[0].error, LimitExceeded)


@given(st.lists(st.integers(min_value=1, max_value=10**12), unique=True, max_size=30))
def test_any_ids_come_back_sorted_and_complete(ids: list[int]) -> None:
    items = [_item(event_id, "ONIMBOTV2DELETE", DELETE) for event_id in ids]
    page = parse_fetch_response({"events": items, "nextOffset": max(ids, default=0) + 1})
    assert [event.event_id for event in page.events] == sorted(ids)
    assert isinstance(page, FetchPage)


def test_the_callers_portal_is_each_events_auth_and_no_item_can_set_it() -> None:
    forged = {**_item(1), "auth": {"member_id": "someone-else", "access_token": "x"}}
    page = parse_fetch_response(
        {"events": [forged], "nextOffset": 2}, auth={"member_id": "the-polled-portal"}
    )
    (event,) = page.events
    assert event.member_id == "the-polled-portal"
    assert event.auth is not None
    assert event.auth.access_token is None
    assert parse_fetch_response({"events": [forged], "nextOffset": 2}).events[0].auth is None


def test_a_page_with_events_but_no_offset_moves_past_them() -> None:
    page = parse_fetch_response({"events": [_item(4), _item(7)], "hasMore": False})
    assert page.next_offset == 8


def test_a_legacy_last_event_id_too_large_to_acknowledge_is_a_schema_error() -> None:
    with pytest.raises(SchemaError) as caught:
        parse_fetch_response({"events": [], "lastEventId": 2**63 - 1})
    assert caught.value.path == "lastEventId"
