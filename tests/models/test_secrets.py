"""Tokens never show: ``repr``, ``str``, ``to_dict(redact=True)`` mask them at any depth."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given

from b24botevents import BotV2DeleteEvent, Event, UnknownEvent, parse_event, to_dict
from b24botevents.models import Auth, Bot, BotV2DeleteData
from b24botevents.wire import encode_form
from model_support import (
    ACCESS_TOKEN,
    ALL_TOKENS,
    APPLICATION_TOKEN,
    BOT_ACCESS_TOKEN,
    BOT_APPLICATION_TOKEN,
    BOT_REFRESH_TOKEN,
    REFRESH_TOKEN,
    SECRET_FIELDS,
    example_json,
    example_text,
    leak_free,
    walk_models,
)
from models.required_fields import complete_events


def tokens_in(event: Event) -> set[str]:
    """Every token value the typed models of an event hold."""
    found = set()
    for model in walk_models(event):
        if isinstance(model, Auth):
            for name in SECRET_FIELDS:
                value = getattr(model, name)
                if value:
                    found.add(value)
    return found


def wire_secrets(tree: Any) -> set[str]:
    """Every non-empty value stored under a secret key, at any depth of a wire tree."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif isinstance(key, str) and key.lower() in SECRET_FIELDS and value:
                found.add(str(value))
    return found


def with_tokens(event: Event, make: Any) -> Event:
    """The event with every token in its models replaced by ``make(old)`` (None stays None)."""

    def swap(auth: Auth | None) -> Auth | None:
        if auth is None:
            return None
        changes = {
            name: make(getattr(auth, name))
            for name in SECRET_FIELDS
            if getattr(auth, name) is not None
        }
        return attrs.evolve(auth, **changes)

    result = attrs.evolve(event, auth=swap(event.auth))
    if isinstance(result, BotV2DeleteEvent):
        bot = attrs.evolve(result.data.bot, auth=swap(result.data.bot.auth))
        result = attrs.evolve(result, data=BotV2DeleteData(bot=bot))
    data: Any = result.data
    if attrs.has(type(data)):
        changes: dict[str, Any] = {}
        if isinstance(getattr(data, "bot", None), Bot):  # every v2 chat-bot event
            changes["bot"] = attrs.evolve(data.bot, auth=swap(data.bot.auth))
        for name in ("bots", "commands"):  # v1's id-keyed maps: each entry's own tokens
            if isinstance(getattr(data, name, None), dict):
                changes[name] = {
                    key: attrs.evolve(entry, auth=swap(entry.auth))
                    for key, entry in getattr(data, name).items()
                }
        if changes:
            result = attrs.evolve(result, data=attrs.evolve(data, **changes))
    return result


def _other(token: str) -> str:
    return "5ec12e7" + token[::-1] + "ff"


@given(complete_events())
def test_repr_and_str_do_not_depend_on_token_values(event: Event) -> None:
    """Masking, proven without string search: other token values give the same text."""
    other = with_tokens(event, _other)
    assert repr(other) == repr(event)
    assert str(other) == str(event)
    if tokens_in(event):
        assert tokens_in(other).isdisjoint(tokens_in(event))
        assert "'***'" in repr(event)


@given(complete_events())
def test_to_dict_redact_does_not_depend_on_token_values(event: Event) -> None:
    secrets = tokens_in(event)
    redacted = to_dict(event, redact=True)
    assert to_dict(with_tokens(event, _other), redact=True) == redacted
    assert wire_secrets(redacted) <= {"***"}
    assert wire_secrets(to_dict(event)) == secrets  # the unredacted dict is complete
    json.dumps(redacted)
    # Redaction changes nothing but the secrets: the redacted dict still parses.
    masked = parse_event(redacted)
    assert masked == with_tokens(event, lambda _: "***")


@given(complete_events())
def test_distinctive_tokens_never_show(event: Event) -> None:
    marked = with_tokens(event, lambda token: f"SeCrEt{token}")
    secrets = tuple(tokens_in(marked))
    for text in (repr(marked), str(marked), json.dumps(to_dict(marked, redact=True))):
        assert leak_free(text, secrets)
        assert "SeCrEt" not in text
    for model in walk_models(marked):
        assert "SeCrEt" not in repr(model)


def _full_auth(access: str, refresh: str, application: str) -> Auth:
    return Auth(
        access_token=access,
        refresh_token=refresh,
        application_token=application,
        domain="d.bitrix24.com",
        member_id="m" * 32,
    )


def test_bot_tokens_inside_bot_auth_are_masked() -> None:
    event = BotV2DeleteEvent(
        code="ONIMBOTV2DELETE",
        auth=_full_auth(ACCESS_TOKEN, REFRESH_TOKEN, APPLICATION_TOKEN),
        data=BotV2DeleteData(
            bot=Bot(
                id=1,
                code="b",
                auth=_full_auth(BOT_ACCESS_TOKEN, BOT_REFRESH_TOKEN, BOT_APPLICATION_TOKEN),
            )
        ),
    )
    for text in (repr(event), str(event), repr(event.data), repr(event.data.bot)):
        assert leak_free(text)
    redacted = to_dict(event, redact=True)
    assert redacted["data"]["bot"]["auth"]["access_token"] == "***"
    assert redacted["data"]["bot"]["auth"]["refresh_token"] == "***"
    assert redacted["data"]["bot"]["auth"]["application_token"] == "***"
    assert redacted["data"]["bot"]["auth"]["domain"] == "d.bitrix24.com"
    assert leak_free(json.dumps(redacted))
    assert leak_free(encode_form(redacted))
    # ... and the same when the event came off the wire, through either body.
    for body in (to_dict(event), encode_form(to_dict(event))):
        parsed = parse_event(body)
        assert leak_free(repr(parsed))
        assert leak_free(json.dumps(to_dict(parsed, redact=True)))
        assert not leak_free(json.dumps(to_dict(parsed)))


def test_none_and_empty_tokens_stay_as_they_are() -> None:
    event = parse_event({"event": "ONX", "auth": {"access_token": "", "domain": "d"}})
    assert event.auth is not None
    assert event.auth.access_token is None
    assert "access_token=None" in repr(event)
    wire = to_dict(event, redact=True)
    # An empty token is no token: written as absent (the typed value), never as "***".
    assert "access_token" not in wire["auth"]
    assert wire["auth"]["domain"] == "d"


@pytest.mark.parametrize(
    "name",
    [
        "ONIMBOTDELETE.json",
        "ONIMBOTMESSAGEADD.json",
        "ONIMBOTMESSAGEADD.group.json",
        "ONIMCOMMANDADD.group.json",
        "ONAPPINSTALL.json",
        "ONOFFLINEEVENT.json",
    ],
)
def test_redacted_to_dict_of_real_examples_masks_raw_tokens_at_any_depth(name: str) -> None:
    tree = example_json(name)
    secrets = tuple(wire_secrets(tree))
    assert secrets
    for body in (tree, encode_form(tree)):
        event = parse_event(body)
        redacted = to_dict(event, redact=True)
        assert leak_free(json.dumps(redacted), secrets)
        assert leak_free(encode_form(redacted), secrets)
        assert wire_secrets(redacted) == {"***"}


def test_redaction_matches_key_names_case_insensitively() -> None:
    event = parse_event(
        {
            "event": "ONX",
            "data": {"APPLICATION_TOKEN": APPLICATION_TOKEN, "x": {"Access_Token": ACCESS_TOKEN}},
        }
    )
    assert leak_free(json.dumps(to_dict(event, redact=True)))


def test_repr_of_envelope_tokens_from_the_php_body() -> None:
    body = example_text("ONIMBOTDELETE.derived-http_build_query.txt")
    event = parse_event(body)
    assert event.auth is not None
    secrets = (event.auth.access_token or "", event.auth.application_token or "")
    assert all(secrets)
    assert leak_free(repr(event), secrets)
    assert leak_free(str(event), secrets)
    assert "raw=" not in repr(event)


@pytest.mark.parametrize("name", ["ONIMBOTMESSAGEADD.group.json", "ONIMCOMMANDADD.json"])
def test_repr_of_unknown_event_masks_tokens_in_data(name: str) -> None:
    # These codes have models now; the same data under a code without one stays free-form.
    tree = {**example_json(name), "event": "ONIMBOTCONTEXTGET"}
    event = parse_event(tree)
    assert isinstance(event, UnknownEvent)
    secrets = tuple(wire_secrets(tree["data"]))
    assert secrets
    assert leak_free(repr(event), secrets)
    assert leak_free(str(event), secrets)
    assert event.data == tree["data"]  # masked in repr only, not in the data itself


def test_repr_of_a_built_unknown_event_masks_nested_tokens() -> None:
    event = UnknownEvent(
        code="ONX",
        data={
            "BOT": {"1": {"access_token": ACCESS_TOKEN, "AUTH": {"refresh_token": REFRESH_TOKEN}}},
            "list": [{"application_token": APPLICATION_TOKEN}],
            "plain": "visible-value",
        },
    )
    assert leak_free(repr(event))
    assert "visible-value" in repr(event)


#: The portal's and the bot's tokens of the unknown v2 event below.
UNKNOWN_APP_TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
UNKNOWN_BOT_TOKEN = "b07b07b07b07b07b07b07b07b07b07b0"


def test_unknown_event_repr_masks_tokens_inside_data() -> None:
    body = encode_form(
        {
            # A code without a model: data stays free-form.
            "event": "ONIMV2FUTUREEVENT",
            "data": {
                "bot": {
                    "id": 1,
                    "code": "b",
                    "auth": {
                        "access_token": UNKNOWN_BOT_TOKEN,
                        "application_token": UNKNOWN_APP_TOKEN,
                    },
                }
            },
            "auth": {"domain": "p.bitrix24.com", "application_token": UNKNOWN_APP_TOKEN},
        }
    )
    event = parse_event(body)
    assert isinstance(event, UnknownEvent)
    shown = repr(event) + str(event)
    assert UNKNOWN_BOT_TOKEN not in shown
    assert UNKNOWN_APP_TOKEN not in shown
    assert "'***'" in shown
    assert (
        event.data["bot"]["auth"]["access_token"] == UNKNOWN_BOT_TOKEN
    )  # the value itself is kept


def test_secret_fields_are_declared_masked_in_repr() -> None:
    masked = {f.name for f in attrs.fields(Auth) if f.repr is not True}
    assert masked == set(SECRET_FIELDS)
    assert leak_free(repr(_full_auth(*ALL_TOKENS[:3])))
