"""The spec's payload examples parse, as JSON and as PHP form bodies."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from b24botevents import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotCommandAddEvent,
    BotDeleteEvent,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    BotV2CommandAddEvent,
    BotV2ContextGetEvent,
    BotV2DeleteEvent,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2ReactionChangeEvent,
    Event,
    SchemaError,
    UnknownEvent,
    parse_event,
    to_dict,
)
from b24botevents.models import AppStatus
from b24botevents.wire import encode_form, parse_form
from model_support import (
    envelope_example_names,
    example_json,
    example_text,
    form_example_names,
    json_example_names,
)

UTC = timezone.utc
EXPECTED_CLASS: dict[str, type[Event]] = {
    "ONIMBOTDELETE": BotDeleteEvent,
    "ONIMBOTV2DELETE": BotV2DeleteEvent,
    "ONAPPINSTALL": AppInstallEvent,
    "ONAPPUPDATE": AppUpdateEvent,
    "ONAPPUNINSTALL": AppUninstallEvent,
    "ONIMBOTMESSAGEADD": BotMessageAddEvent,
    "ONIMBOTMESSAGEUPDATE": BotMessageUpdateEvent,
    "ONIMBOTMESSAGEDELETE": BotMessageDeleteEvent,
    "ONIMBOTJOINCHAT": BotJoinChatEvent,
    "ONIMCOMMANDADD": BotCommandAddEvent,
    "ONIMBOTV2MESSAGEADD": BotV2MessageAddEvent,
    "ONIMBOTV2JOINCHAT": BotV2JoinChatEvent,
    "ONIMBOTV2COMMANDADD": BotV2CommandAddEvent,
    "ONIMBOTV2REACTIONCHANGE": BotV2ReactionChangeEvent,
    "ONIMBOTV2CONTEXTGET": BotV2ContextGetEvent,
}

#: v2 examples that are a fetch-mode ``data`` block only: they need an envelope.
V2_DATA_ONLY = {
    "ONIMBOTV2DELETE.json": "ONIMBOTV2DELETE",
    "ONIMBOTV2COMMANDADD.json": "ONIMBOTV2COMMANDADD",
    "ONIMBOTV2CONTEXTGET.json": "ONIMBOTV2CONTEXTGET",
    "ONIMBOTV2JOINCHAT.json": "ONIMBOTV2JOINCHAT",
    "ONIMBOTV2MESSAGEADD.json": "ONIMBOTV2MESSAGEADD",
    "ONIMBOTV2REACTIONCHANGE.json": "ONIMBOTV2REACTIONCHANGE",
    "ONIMBOTV2.webhook-bot-object.json": "ONIMBOTV2DELETE",
}
V2_AUTH = {
    "domain": "example.bitrix24.com",
    "application_token": "51856fefc120afa4b628cc82d3935cce",
}


def test_the_example_set_is_what_the_spec_lists() -> None:
    names = set(json_example_names())
    envelopes = set(envelope_example_names())
    assert set(V2_DATA_ONLY) <= names - envelopes
    assert {
        "ONIMBOTDELETE.json",
        "ONAPPINSTALL.json",
        "ONIMBOTV2.webhook-envelope.json",
    } <= envelopes
    assert len(envelopes) >= 15
    assert len(form_example_names()) == 3


def wrapped(name: str) -> dict[str, Any]:
    """A data-only v2 example inside the documented webhook envelope."""
    return {
        "event": V2_DATA_ONLY[name],
        "data": example_json(name),
        "ts": 1772093963,
        "auth": V2_AUTH,
    }


def as_form_tree(value: Any) -> Any:
    """What a value looks like after a trip through a form body."""
    return parse_form(encode_form({"v": value})).get("v", {})


def form_view(value: Any) -> Any:
    """A parsed model as its form-body twin parses: free-form mappings (v2 ``context``,
    ``message.params``) hold PHP strings there, typed fields are the same either way."""
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            if field.name == "raw":
                continue
            current = getattr(value, field.name)
            viewed = form_view(current)
            if viewed is not current:
                changes[field.name] = viewed
        return attrs.evolve(value, **changes) if changes else value
    if isinstance(value, dict):
        if value and all(attrs.has(type(item)) for item in value.values()):
            return {key: form_view(item) for key, item in value.items()}  # id-keyed models
        return as_form_tree(value)
    return value


def check_json_and_form(tree: dict[str, Any], text: str | None = None) -> tuple[Event, Event]:
    from_json = parse_event(text if text is not None else json.dumps(tree))
    from_tree = parse_event(tree)
    from_form = parse_event(encode_form(tree))
    assert from_json == from_tree
    assert type(from_form) is type(from_json)
    expected = EXPECTED_CLASS.get(tree["event"].upper(), UnknownEvent)
    assert type(from_json) is expected
    # The envelope is typed, so it must not depend on the body's encoding.
    assert from_form.code == from_json.code
    assert from_form.handler_id == from_json.handler_id
    assert from_form.ts == from_json.ts
    assert from_form.auth == from_json.auth
    if isinstance(from_json, UnknownEvent):
        # Free-form data is kept as decoded: JSON types on one side, PHP strings on the other.
        assert from_form.data == as_form_tree(from_json.data)
    else:
        assert from_form == form_view(from_json)
    for event in (from_json, from_form):
        assert parse_event(to_dict(event)) == event
        json.dumps(to_dict(event))
    return from_json, from_form


#: Envelope examples that are schematics, not deliveries: the docs' webhook payload shows
#: ``"message": {}, "chat": {}`` as placeholders, and a MESSAGEADD needs both (see below).
SCHEMATICS = {"ONIMBOTV2.webhook-envelope.json"}


@pytest.mark.parametrize("name", [n for n in envelope_example_names() if n not in SCHEMATICS])
def test_envelope_examples_parse_as_json_and_as_form(name: str) -> None:
    check_json_and_form(example_json(name), example_text(name))


def test_the_schematic_webhook_envelope_is_refused_where_it_leaves_out_the_message() -> None:
    # Its placeholders hold no message and no chat: no dialog to answer, no text. A form body
    # could not even carry them (PHP drops empty arrays), so nothing real looks like this.
    tree = example_json("ONIMBOTV2.webhook-envelope.json")
    for body in (tree, encode_form(tree)):
        with pytest.raises(SchemaError) as info:
            parse_event(body)
        paths = [path for path, _ in info.value.errors]
        assert "data[chat][id]" in paths or "data[chat]" in paths
        assert "data[message][id]" in paths or "data[message]" in paths


@pytest.mark.parametrize("name", sorted(V2_DATA_ONLY))
def test_v2_data_only_examples_parse_inside_an_envelope(name: str) -> None:
    from_json, _ = check_json_and_form(wrapped(name))
    assert from_json.auth is not None
    assert from_json.auth.application_token == V2_AUTH["application_token"]


def test_onimbotdelete_php_body() -> None:
    event = parse_event(example_text("ONIMBOTDELETE.derived-http_build_query.txt"))
    assert isinstance(event, BotDeleteEvent)
    assert event.code == "ONIMBOTDELETE"
    assert (event.bot_id, event.bot_code) == (567, "BOT")
    assert event.data.bot_id == 567
    assert event.handler_id == 439
    assert event.ts == datetime(2026, 2, 26, 7, 19, 23, tzinfo=UTC)
    auth = event.auth
    assert auth is not None
    assert auth.member_id == "bac1cd5c8940947a75e0d71b1a84e348"
    assert event.member_id == auth.member_id
    assert auth.domain == event.domain == "some-domain.bitrix24.com"
    assert auth.access_token == "0b02a0690000071b0008440001b0007a16b39202c2490f015"
    assert auth.refresh_token is None
    assert auth.application_token == "831c76b092f9f135d9b6b36c3a720757"
    assert auth.expires == datetime(2026, 2, 26, 8, 19, 23, tzinfo=UTC)
    assert auth.expires_in == 3600
    assert auth.scope == ("imbot",)
    assert auth.server_endpoint == "https://oauth.bitrix.info/rest/"
    assert auth.client_endpoint == "https://some-domain.bitrix24.com/rest/"
    assert auth.user_id == 27
    assert auth.status is AppStatus.FREE
    assert auth.client_id is None
    assert auth.has_user_tokens
    # The PHP body and the doc JSON are the same event.
    assert event == parse_event(example_json("ONIMBOTDELETE.json"))


def test_php_body_encoding_is_reproduced_by_encode_form() -> None:
    body = example_text("ONIMBOTDELETE.derived-http_build_query.txt")
    assert encode_form(example_json("ONIMBOTDELETE.json")) == body
    group = example_text("ONIMBOTMESSAGEADD.group.derived-http_build_query.txt")
    assert encode_form(example_json("ONIMBOTMESSAGEADD.group.json")) == group


def test_onimbotmessageadd_group_php_body_is_a_typed_event() -> None:
    event = parse_event(example_text("ONIMBOTMESSAGEADD.group.derived-http_build_query.txt"))
    assert isinstance(event, BotMessageAddEvent)
    assert event.code == "ONIMBOTMESSAGEADD"
    assert event.data.bots[567].bot_code == "BOT1"
    assert event.data.params.mentioned == (567,)
    assert event.raw["data"] == as_form_tree(example_json("ONIMBOTMESSAGEADD.group.json")["data"])
    assert event.auth is not None
    assert event.auth.refresh_token
    assert event == parse_event(example_json("ONIMBOTMESSAGEADD.group.json"))


def test_phpsdk_raw_body() -> None:
    event = parse_event(example_text("ONCRMCONTACTADD.raw-body.b24phpsdk-test.txt"))
    assert isinstance(event, UnknownEvent)
    assert event.code == "ONCRMCONTACTADD"
    assert event.handler_id == 58
    assert event.data == {"FIELDS": {"ID": "134806"}}
    assert event.auth is not None
    assert event.auth.scope == ("crm", "placement", "user_brief")
    assert event.auth.status is AppStatus.LOCAL
    assert event.auth.user_id == 1


def test_onimbotv2delete_fetch_example() -> None:
    event = parse_event(wrapped("ONIMBOTV2DELETE.json"))
    assert isinstance(event, BotV2DeleteEvent)
    bot = event.data.bot
    assert (event.bot_id, event.bot_code) == (456, "support_bot")
    assert bot.type == "bot"
    assert (bot.is_hidden, bot.is_support_openline, bot.is_reactions_enabled) == (
        False,
        False,
        True,
    )
    assert bot.background_id is None
    assert (bot.language, bot.module_id, bot.event_mode) == ("en", "rest", "fetch")
    assert (bot.count_message, bot.count_command, bot.count_chat, bot.count_user) == (
        150,
        3,
        12,
        45,
    )
    assert bot.auth is None
    assert bot.app_id is None


def test_onimbotv2delete_webhook_bot_object() -> None:
    event = parse_event(wrapped("ONIMBOTV2.webhook-bot-object.json"))
    assert isinstance(event, BotV2DeleteEvent)
    bot_auth = event.data.bot.auth
    assert bot_auth is not None
    assert bot_auth.access_token == "0b02a0690000071b0008440001b0007a16b39202c2490f015"
    assert bot_auth.user_id == 27
    assert bot_auth.expires == datetime(2026, 2, 26, 8, 19, 23, tzinfo=UTC)
    assert event.raw["data"]["message"] == {}  # extra v2 keys stay in raw


def test_v2_webhook_envelope_is_minimal_auth() -> None:
    # The schematic's envelope, with the message and chat of the fetch-mode example filled in.
    tree = example_json("ONIMBOTV2.webhook-envelope.json")
    fetch = example_json("ONIMBOTV2MESSAGEADD.json")
    tree["data"].update(message=fetch["message"], chat=fetch["chat"], user={})
    event = parse_event(tree)
    assert isinstance(event, BotV2MessageAddEvent)
    assert event.code == "ONIMBOTV2MESSAGEADD"
    assert event.ts == datetime(2026, 2, 26, 8, 19, 23, tzinfo=UTC)
    assert event.auth is not None
    assert event.auth.domain == "your-account.bitrix24.com"
    assert event.auth.application_token == "..."
    assert event.auth.member_id is None
    assert not event.auth.has_user_tokens
    assert event.data.user is None  # an empty object where an optional model may be is none
    assert (event.text, event.dialog_id, event.user_id) == ("Hello bot!", "chat5", None)
    assert event.bot_ids == (456,)
    assert event.data.bot.auth is not None
    assert event.data.bot.auth.refresh_token == "..."


def test_app_lifecycle_examples() -> None:
    installed = parse_event(example_json("ONAPPINSTALL.json"))
    assert isinstance(installed, AppInstallEvent)
    assert (installed.data.version, installed.data.active, installed.data.installed) == (
        "1.0.0",
        True,
        True,
    )
    assert installed.data.language_id == "de"
    assert installed.auth is not None
    assert installed.auth.expires_in == 3600
    assert installed.auth.expires is None
    assert installed.handler_id is None

    updated = parse_event(example_json("ONAPPUPDATE.json"))
    assert isinstance(updated, AppUpdateEvent)
    assert (updated.data.version, updated.data.previous_version) == ("2.1.0", "2.0.3")

    removed = parse_event(example_json("ONAPPUNINSTALL.json"))
    assert isinstance(removed, AppUninstallEvent)
    assert removed.data.clean is True
    assert removed.auth is not None
    assert removed.auth.access_token is None
    assert removed.auth.application_token == "51856fefc120afa4b628cc82d3935cce"


def test_offline_event_with_empty_data_list() -> None:
    event = parse_event(example_json("ONOFFLINEEVENT.json"))
    assert isinstance(event, UnknownEvent)
    assert event.data == {}
    assert event.raw["data"] == []


@pytest.mark.parametrize(
    "name", ["event.offline.get.response.json", "imbot.v2.Event.get.response.json"]
)
def test_rest_responses_are_not_events(name: str) -> None:
    """REST call results are not event envelopes; they fail cleanly, naming ``event``."""
    from b24botevents import SchemaError

    with pytest.raises(SchemaError) as info:
        parse_event(example_json(name))
    assert info.value.path == "event"
