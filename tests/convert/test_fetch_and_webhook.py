"""Fetch mode and webhook mode give equal ``data`` for every v2 bot event and user event.

Fetch mode (``imbot.v2.Event.get``) hands out native JSON: ints, real booleans, ``null``,
``false`` for "string or false". A webhook body is PHP's ``http_build_query`` of the same
tree: every scalar text, ``true``/``false`` as ``"1"``/``"0"``, ``null`` and empty arrays
dropped (``entities.md``, ``imbot.v2/events/events.md`` "Data Types in Webhook Mode").
One handler must serve both, so the event built from either is the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24botevents import Event, parse_event, to_dict
from b24botevents.convert import event_from_tree
from b24botevents.models import EVENT_TYPES
from b24botevents.testing import sample_body
from b24botevents.testing.samples import FETCH_CODES, fetch_sample_data
from b24botevents.wire import encode_form, parse_form
from models.entity_strategies import event_data

V2_CODES = [code for code in EVENT_TYPES if code.startswith(("ONIMBOTV2", "ONIMV2"))]


def test_every_v2_and_user_event_has_fetch_data() -> None:
    assert sorted(FETCH_CODES) == sorted(V2_CODES)
    with pytest.raises(ValueError, match="no fetch-mode sample"):
        fetch_sample_data("ONIMBOTDELETE")  # v1 is never fetched
    with pytest.raises(ValueError, match="no fetch-mode sample"):
        fetch_sample_data("ONAPPINSTALL")
    # A v2 code without a sample of its own still has its bot; a user code nothing.
    assert fetch_sample_data("ONIMBOTV2FUTURE", bot_id=7) == {
        "bot": fetch_sample_data("ONIMBOTV2DELETE", bot_id=7)["bot"]
    }
    assert fetch_sample_data("ONIMV2FUTURE") == {}


def _both(code: str, data: dict[str, Any]) -> tuple[Event, Event]:
    tree = {"event": code, "data": data}
    return event_from_tree(tree), parse_event(encode_form(tree))


@pytest.mark.parametrize("code", V2_CODES)
def test_the_fetch_sample_and_its_webhook_body_give_equal_data(code: str) -> None:
    from_json, from_form = _both(code, fetch_sample_data(code))
    assert type(from_json) is type(from_form) is EVENT_TYPES[code]
    assert from_json.data == from_form.data
    assert from_json == from_form
    # ... and the JSON text of the same tree, as a poller reads it.
    assert parse_event(json.dumps({"event": code, "data": fetch_sample_data(code)})) == from_json


@pytest.mark.parametrize("code", V2_CODES)
def test_the_fetch_sample_round_trips(code: str) -> None:
    event = event_from_tree({"event": code, "data": fetch_sample_data(code)})
    assert parse_event(to_dict(event)) == event
    assert parse_event(json.dumps(to_dict(event))) == event
    assert parse_event(encode_form(to_dict(event))) == event


@pytest.mark.parametrize("code", V2_CODES)
def test_the_webhook_sample_is_the_fetch_sample_with_the_bots_tokens(code: str) -> None:
    webhook = parse_event(sample_body(code))
    fetched = event_from_tree({"event": code, "data": fetch_sample_data(code)})
    assert type(webhook) is type(fetched)
    data = parse_form(sample_body(code))["data"]
    if code.startswith("ONIMBOTV2"):
        assert set(data["bot"]) == {"id", "code", "auth"}  # webhook: the simplified bot
        assert fetched.data.bot.event_mode == "fetch"  # type: ignore[attr-defined]
        assert webhook.data.bot.auth is not None  # type: ignore[attr-defined]
    else:
        assert "bot" not in data
    without_bot = {key: value for key, value in fetch_sample_data(code).items() if key != "bot"}
    form_data = {key: value for key, value in data.items() if key != "bot"}
    assert form_data == parse_form(encode_form(without_bot))


@pytest.mark.parametrize("code", ["onimv2messageadd", " ONIMBOTV2DELETE "])
def test_fetch_sample_data_takes_any_case_and_fresh_trees(code: str) -> None:
    first = fetch_sample_data(code, bot_id=9, bot_code="nine")
    first.clear()
    again = fetch_sample_data(code, bot_id=9, bot_code="nine")
    assert again
    if "bot" in again:
        assert (again["bot"]["id"], again["bot"]["code"]) == (9, "nine")


def test_changing_a_fetch_sample_leaves_the_next_one_alone() -> None:
    data = fetch_sample_data("ONIMBOTV2MESSAGEADD")
    data["chat"]["name"] = "changed"
    data["user"]["departments"].append(99)
    fresh = fetch_sample_data("ONIMBOTV2MESSAGEADD")
    assert fresh["chat"]["name"] == "Support Chat"
    assert fresh["user"]["departments"] == [1]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_data_is_equal_from_json_and_from_its_form_body(draw: st.DataObject) -> None:
    code = draw.draw(st.sampled_from(V2_CODES))
    data = draw.draw(event_data(code))
    from_json, from_form = _both(code, data)
    assert type(from_json) is type(from_form) is EVENT_TYPES[code]
    assert from_json.data == from_form.data
    assert parse_event(to_dict(from_json)) == from_json
    assert parse_event(encode_form(to_dict(from_form))) == from_form
