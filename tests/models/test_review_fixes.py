"""Regressions for the contract gaps the model tests found in review."""

from __future__ import annotations

import json

import pytest

from b24botevents import (
    SchemaError,
    UnknownEvent,
    UnsupportedContentType,
    parse_event,
)

SECRET = "5ec2e75ec2e75ec2e75ec2e75ec2e7aa"


@pytest.mark.parametrize(
    "body",
    [
        f"event=ONIMBOTDELETE&data[BOT_ID]=1&data[BOT_CODE]=b&auth={SECRET}",
        f"event=ONIMBOTV2DELETE&data[bot][id]=1&data[bot][code]=b&data[bot][auth]={SECRET}",
    ],
)
def test_a_token_where_a_mapping_belongs_is_not_echoed(body: str) -> None:
    with pytest.raises(SchemaError) as info:
        parse_event(body)
    assert "expected a mapping, got a str" in str(info.value)
    assert SECRET not in str(info.value)


def test_integers_are_bounded_alike_on_both_wires() -> None:
    too_big = 2**63
    form = f"event=ONIMBOTDELETE&data[BOT_ID]={too_big}&data[BOT_CODE]=b"
    tree = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": too_big, "BOT_CODE": "b"}}
    for body in (form, json.dumps(tree)):
        with pytest.raises(SchemaError, match=r"data\[BOT_ID\]: expected an integer"):
            parse_event(body)
    largest = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": 2**63 - 1, "BOT_CODE": "b"}}
    assert parse_event(json.dumps(largest)).data.bot_id == 2**63 - 1  # type: ignore[attr-defined]


def test_a_content_type_that_is_not_text_is_unsupported() -> None:
    with pytest.raises(UnsupportedContentType):
        parse_event(b"event=ONX", content_type=5)  # type: ignore[arg-type]


def test_an_unknown_event_with_scalar_data_is_not_an_error() -> None:
    event = parse_event("event=ONX&data=abc")
    assert isinstance(event, UnknownEvent)
    assert event.data == {}
    assert event.raw["data"] == "abc"


def test_an_iso_date_that_overflows_in_utc_gets_the_usual_reason() -> None:
    with pytest.raises(SchemaError) as info:
        parse_event({"event": "ONX", "ts": "9999-12-31T23:59:59-01:00"})
    assert info.value.path == "ts"
    assert info.value.reason.startswith("expected Unix seconds or an ISO-8601 date")
