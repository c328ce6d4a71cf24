"""Tokens never print: everything under a secret key is masked, whatever its shape, and
``event.raw`` (and ``UnknownEvent.data``) mask their own ``repr``/``str`` at any depth.

``raw`` stays the body as received for every other use: ``json.dumps(event.raw)`` is the
whole unmasked tree, and ``to_dict`` still round-trips.
"""

from __future__ import annotations

import json
import pprint
from typing import Any

from b24botevents import BotV2MessageAddEvent, Event, UnknownEvent, parse_event, to_dict
from b24botevents.testing import Portal, sample_body
from b24botevents.wire import parse_form

RUN = 8


def token_runs(tokens: tuple[str, ...]) -> set[str]:
    """Every 8-character run of every token."""
    return {token[i : i + RUN] for token in tokens for i in range(len(token) - RUN + 1)}


def assert_no_token(texts: list[str], tokens: tuple[str, ...]) -> None:
    runs = token_runs(tokens)
    for text in texts:
        shown = sorted(run for run in runs if run in text)
        assert not shown, f"{text[:200]!r} shows {shown[:3]}"


def printed(value: Any) -> list[str]:
    """Every way a value gets printed: ``repr``, ``str``, a format, ``pprint``."""
    return [repr(value), str(value), f"{value}", f"{value!r}", pprint.pformat(value)]


def test_a_list_of_tokens_under_a_secret_key_is_masked_in_an_unknown_events_repr() -> None:
    portal = Portal.random()
    body = (
        f"event=ONSOMETHINGNEW&data[auth][access_token][]={portal.access_token}"
        f"&data[auth][access_token][]={portal.refresh_token}"
    )
    event = parse_event(body)
    assert isinstance(event, UnknownEvent)
    assert_no_token([repr(event), str(event)], portal.tokens())
    assert "'access_token': '***'" in repr(event)


def test_a_mapping_under_a_secret_key_is_masked_in_an_unknown_events_repr() -> None:
    portal = Portal.random()
    body = f"event=ONSOMETHINGNEW&data[refresh_token][x][y]={portal.refresh_token}&data[a]=b"
    event = parse_event(body)
    assert_no_token([repr(event), str(event)], portal.tokens())
    assert "'a': 'b'" in repr(event)  # the rest is shown as it came


def test_to_dict_redact_masks_a_list_under_a_secret_key() -> None:
    portal = Portal.random()
    body = (
        f"event=ONSOMETHINGNEW&data[auth][ACCESS_TOKEN][]={portal.access_token}"
        f"&data[auth][application_token][k]={portal.application_token}&data[kept]=1"
    )
    event = parse_event(body)
    redacted = to_dict(event, redact=True)
    assert_no_token([json.dumps(redacted)], portal.tokens())
    assert redacted["data"]["auth"] == {"ACCESS_TOKEN": "***", "application_token": "***"}
    assert redacted["data"]["kept"] == "1"


def test_printing_event_raw_masks_every_token() -> None:
    portal = Portal.random()
    body = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)  # tokens at depth: data[bot][auth]
    tree = parse_form(body)
    event = parse_event(body)
    assert isinstance(event, BotV2MessageAddEvent)
    tokens = (*portal.tokens(), *portal.bot_tokens(*event.bot_ids))
    assert_no_token(printed(event.raw), tokens)
    # Only printing masks: raw is the body as received, for JSON and for to_dict.
    assert isinstance(event.raw, dict)
    assert event.raw == tree
    assert json.loads(json.dumps(event.raw)) == tree
    assert portal.application_token in json.dumps(event.raw)
    assert parse_event(to_dict(event)) == event
    assert portal.application_token in json.dumps(to_dict(event))


def test_printing_an_unknown_events_data_masks_every_token() -> None:
    portal = Portal.random()
    body = (
        f"event=ONSOMETHINGNEW&data[auth][access_token]={portal.access_token}"
        f"&data[bot][auth][application_token]={portal.application_token}&data[x]=1"
    )
    event = parse_event(body)
    assert isinstance(event, UnknownEvent)
    assert_no_token(printed(event.data), portal.tokens())
    assert json.loads(json.dumps(event.data)) == parse_form(body)["data"]
    assert event.data["bot"]["auth"]["application_token"] == portal.application_token


def test_printing_a_hand_built_events_raw_masks_every_token() -> None:
    portal = Portal.random()
    raw = {"event": "ONX", "auth": portal.auth(), "data": {"AUTH": [{"access_token": "x" * 8}]}}
    event = Event(code="ONX", raw=raw)
    unknown = UnknownEvent(code="ONX", data={"auth": portal.auth()})
    assert_no_token(printed(event.raw) + printed(unknown.data), (*portal.tokens(), "x" * 8))
    assert event.raw == raw
    assert json.loads(json.dumps(event.raw)) == raw
