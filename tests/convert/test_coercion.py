"""One coercion for form bodies (all strings) and JSON bodies (native types).

Every case is run three ways: as a decoded tree, as a JSON body and as a form body (the
tree through ``encode_form``, which is PHP's ``http_build_query``: ``True`` -> ``"1"``,
``None`` dropped).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b24botevents import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotDeleteEvent,
    BotV2DeleteEvent,
    Event,
    SchemaError,
    UnknownEvent,
    parse_event,
)
from b24botevents.models import AppStatus, Auth
from b24botevents.wire import encode_form
from model_support import scope_items

UTC = timezone.utc
MOMENT = datetime(2026, 2, 26, 7, 19, 23, tzinfo=UTC)
MOMENT_UNIX = 1772090363

Path = tuple[str, ...]


def v1_delete() -> dict[str, Any]:
    return {
        "event": "ONIMBOTDELETE",
        "data": {"BOT_ID": "567", "BOT_CODE": "BOT"},
        # a non-empty auth block even when a test removes one field (an empty block
        # has no form encoding at all)
        "auth": {"domain": "some-domain.bitrix24.com", "member_id": "m" * 32},
    }


def v2_delete() -> dict[str, Any]:
    return {"event": "ONIMBOTV2DELETE", "data": {"bot": {"id": 456, "code": "support_bot"}}}


def install() -> dict[str, Any]:
    return {"event": "ONAPPINSTALL", "data": {"VERSION": "1"}}


def update() -> dict[str, Any]:
    return {"event": "ONAPPUPDATE", "data": {"VERSION": "2"}}


def uninstall() -> dict[str, Any]:
    return {"event": "ONAPPUNINSTALL", "data": {"LANGUAGE_ID": "de"}}


def with_value(
    tree: dict[str, Any], path: Path, value: Any, *, drop: bool = False
) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    node = tree
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if drop:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return tree


def three_ways(tree: dict[str, Any]) -> list[Event]:
    """The tree parsed as a tree, as a JSON body and as a form body."""
    return [
        parse_event(tree),
        parse_event(json.dumps(tree).encode(), content_type="application/json"),
        parse_event(encode_form(tree)),
    ]


def read(event: Event, path: Path) -> Any:
    """The typed value at a wire path (wire names mapped to attribute names)."""
    obj: Any = event
    names = {
        "event": "code",
        "event_handler_id": "handler_id",
        "BOT_ID": "bot_id",
        "BOT_CODE": "bot_code",
        "VERSION": "version",
        "ACTIVE": "active",
        "INSTALLED": "installed",
        "LANGUAGE_ID": "language_id",
        "PREVIOUS_VERSION": "previous_version",
        "CLEAN": "clean",
        "isHidden": "is_hidden",
        "isSupportOpenline": "is_support_openline",
        "isReactionsEnabled": "is_reactions_enabled",
        "backgroundId": "background_id",
        "moduleId": "module_id",
        "eventMode": "event_mode",
        "countMessage": "count_message",
        "countCommand": "count_command",
        "countChat": "count_chat",
        "countUser": "count_user",
        "appId": "app_id",
    }
    for key in path:
        if obj is None:  # a block left with no values is normalised away (Auth() -> None)
            return None
        obj = getattr(obj, names.get(key, key))
    return obj


INT_FIELDS: list[tuple[Callable[[], dict[str, Any]], Path]] = [
    (v1_delete, ("event_handler_id",)),
    (v1_delete, ("data", "BOT_ID")),
    (v1_delete, ("auth", "expires_in")),
    (v1_delete, ("auth", "user_id")),
    (v2_delete, ("data", "bot", "id")),
    (v2_delete, ("data", "bot", "countMessage")),
    (v2_delete, ("data", "bot", "countCommand")),
    (v2_delete, ("data", "bot", "countChat")),
    (v2_delete, ("data", "bot", "countUser")),
    (v2_delete, ("data", "bot", "auth", "user_id")),
]


@pytest.mark.parametrize(
    ("make", "path"), INT_FIELDS, ids=lambda x: "/".join(x) if isinstance(x, tuple) else ""
)
@pytest.mark.parametrize(
    ("value", "expected"), [("12", 12), (12, 12), ("0", 0), ("-3", -3), (0, 0)]
)
def test_integers(
    make: Callable[[], dict[str, Any]], path: Path, value: Any, expected: int
) -> None:
    for event in three_ways(with_value(make(), path, value)):
        got = read(event, path)
        assert got == expected
        assert type(got) is int


def test_integers_are_bounded_alike_on_both_wires() -> None:
    too_big = 2**63
    form = f"event=ONIMBOTDELETE&data[BOT_ID]={too_big}&data[BOT_CODE]=b"
    tree = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": too_big, "BOT_CODE": "b"}}
    for body in (form, json.dumps(tree)):
        with pytest.raises(SchemaError, match=r"data\[BOT_ID\]: expected an integer"):
            parse_event(body)
    largest = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": 2**63 - 1, "BOT_CODE": "b"}}
    assert parse_event(json.dumps(largest)).data.bot_id == 2**63 - 1  # type: ignore[attr-defined]


BOOL_FIELDS: list[tuple[Callable[[], dict[str, Any]], Path]] = [
    (install, ("data", "ACTIVE")),
    (install, ("data", "INSTALLED")),
    (uninstall, ("data", "CLEAN")),
    (v2_delete, ("data", "bot", "isHidden")),
    (v2_delete, ("data", "bot", "isSupportOpenline")),
    (v2_delete, ("data", "bot", "isReactionsEnabled")),
]

BOOLS = [
    ("Y", True),
    ("N", False),
    ("y", True),
    ("n", False),
    ("1", True),
    ("0", False),
    (1, True),
    (0, False),
    ("true", True),
    ("false", False),
    ("TRUE", True),
    (True, True),
    (False, False),
]


@pytest.mark.parametrize(
    ("make", "path"), BOOL_FIELDS, ids=lambda x: "/".join(x) if isinstance(x, tuple) else ""
)
@pytest.mark.parametrize(("value", "expected"), BOOLS, ids=repr)
def test_booleans(
    make: Callable[[], dict[str, Any]], path: Path, value: Any, expected: bool
) -> None:
    for event in three_ways(with_value(make(), path, value)):
        assert read(event, path) is expected


OPTIONAL_FIELDS: list[tuple[Callable[[], dict[str, Any]], Path]] = [
    (v1_delete, ("event_handler_id",)),
    (v1_delete, ("ts",)),
    (v1_delete, ("auth",)),
    *(
        (v1_delete, ("auth", name))
        for name in (
            "access_token",
            "refresh_token",
            "expires",
            "expires_in",
            "domain",
            "server_endpoint",
            "client_endpoint",
            "member_id",
            "user_id",
            "status",
            "application_token",
            "client_id",
        )
    ),
    (install, ("data", "VERSION")),
    (install, ("data", "ACTIVE")),
    (install, ("data", "INSTALLED")),
    (install, ("data", "LANGUAGE_ID")),
    (update, ("data", "PREVIOUS_VERSION")),
    (uninstall, ("data", "CLEAN")),
    *(
        (v2_delete, ("data", "bot", name))
        for name in (
            "auth",
            "type",
            "isHidden",
            "isSupportOpenline",
            "isReactionsEnabled",
            "backgroundId",
            "language",
            "moduleId",
            "eventMode",
            "countMessage",
            "countCommand",
            "countChat",
            "countUser",
            "appId",
        )
    ),
]


@pytest.mark.parametrize(
    ("make", "path"), OPTIONAL_FIELDS, ids=lambda x: "/".join(x) if isinstance(x, tuple) else ""
)
@pytest.mark.parametrize("how", ["empty", "null", "missing"])
def test_empty_null_and_missing_are_none(
    make: Callable[[], dict[str, Any]], path: Path, how: str
) -> None:
    tree = with_value(make(), path, "" if how == "empty" else None, drop=how == "missing")
    for event in three_ways(tree):
        assert read(event, path) is None


@pytest.mark.parametrize(
    "path",
    [
        ("data", "bot", "backgroundId"),
        ("data", "bot", "language"),
        ("data", "bot", "type"),
        ("data", "bot", "moduleId"),
        ("data", "bot", "appId"),
        ("data", "bot", "auth", "domain"),
    ],
)
def test_v2_false_for_a_string_or_false_field_is_none(path: Path) -> None:
    tree = with_value(v2_delete(), path, False)
    assert read(parse_event(tree), path) is None
    assert read(parse_event(json.dumps(tree)), path) is None


def test_v2_false_is_still_false_for_a_boolean_field() -> None:
    event = parse_event(with_value(v2_delete(), ("data", "bot", "isHidden"), False))
    assert isinstance(event, BotV2DeleteEvent)
    assert event.data.bot.is_hidden is False


DATETIME_FIELDS: list[tuple[Callable[[], dict[str, Any]], Path]] = [
    (v1_delete, ("ts",)),
    (v1_delete, ("auth", "expires")),
    (v2_delete, ("data", "bot", "auth", "expires")),
]

DATETIMES = [
    (str(MOMENT_UNIX), MOMENT),
    (MOMENT_UNIX, MOMENT),
    ("2026-02-26T07:19:23Z", MOMENT),
    ("2026-02-26T07:19:23+00:00", MOMENT),
    ("2026-02-26T10:19:23+03:00", MOMENT),
    ("2026-02-26T02:19:23-05:00", MOMENT),
    ("2026-02-26T07:19:23", MOMENT),  # no offset: taken as UTC
    ("2026-02-26T07:19:23.250000Z", MOMENT + timedelta(microseconds=250000)),
]


@pytest.mark.parametrize(
    ("make", "path"), DATETIME_FIELDS, ids=lambda x: "/".join(x) if isinstance(x, tuple) else ""
)
@pytest.mark.parametrize(("value", "expected"), DATETIMES, ids=repr)
def test_datetimes_are_aware_utc(
    make: Callable[[], dict[str, Any]], path: Path, value: Any, expected: datetime
) -> None:
    for event in three_ways(with_value(make(), path, value)):
        got = read(event, path)
        assert got == expected
        assert got.tzinfo is not None
        assert got.utcoffset() == timedelta(0)


@given(st.integers(min_value=0, max_value=4102444800))
def test_unix_seconds_string_and_int_agree(seconds: int) -> None:
    expected = datetime.fromtimestamp(seconds, UTC) if seconds else None
    for value in (seconds, str(seconds)):
        for event in three_ways({"event": "ONX", "ts": value}):
            assert event.ts == expected


def test_an_iso_date_that_overflows_in_utc_gets_the_usual_reason() -> None:
    with pytest.raises(SchemaError) as info:
        parse_event({"event": "ONX", "ts": "9999-12-31T23:59:59-01:00"})
    assert info.value.path == "ts"
    assert info.value.reason.startswith("expected Unix seconds or an ISO-8601 date")


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("imbot", ("imbot",)),
        ("imbot,im", ("imbot", "im")),
        ("imbot, im", ("imbot", "im")),
        ("imbot im", ("imbot", "im")),
        ("crm,placement,user_brief", ("crm", "placement", "user_brief")),
        (" crm ,, task  ", ("crm", "task")),
        (["crm", "task"], ("crm", "task")),
    ],
)
def test_scope_splits_on_commas_and_spaces(wire: Any, expected: tuple[str, ...]) -> None:
    for event in three_ways({"event": "ONX", "auth": {"scope": wire}}):
        assert event.auth is not None
        assert event.auth.scope == expected


@given(st.lists(scope_items, min_size=1, max_size=6), st.sampled_from([",", " ", ", ", " ,"]))
def test_scope_separators_property(items: list[str], sep: str) -> None:
    for event in three_ways({"event": "ONX", "auth": {"scope": sep.join(items)}}):
        assert event.auth is not None
        assert event.auth.scope == tuple(items)


@pytest.mark.parametrize("status", list(AppStatus))
def test_known_status_codes(status: AppStatus) -> None:
    for event in three_ways({"event": "ONX", "auth": {"status": status.value}}):
        assert event.auth is not None
        assert event.auth.status is status


@pytest.mark.parametrize("code", ["X", "f", "Z9", "FREE", "ДЕМО"])
def test_unknown_status_codes_are_kept_as_text(code: str) -> None:
    for event in three_ways({"event": "ONX", "auth": {"status": code}}):
        assert event.auth is not None
        assert event.auth.status == code
        assert type(event.auth.status) is str


@pytest.mark.parametrize(
    ("wire", "cls"),
    [
        ("onimbotdelete", BotDeleteEvent),
        ("OnImBotDelete", BotDeleteEvent),
        ("onimbotv2delete", BotV2DeleteEvent),
        ("onAppInstall", AppInstallEvent),
        ("ONAPPUPDATE", AppUpdateEvent),
        ("OnAppUninstall", AppUninstallEvent),
    ],
)
def test_codes_match_case_insensitively(wire: str, cls: type[Event]) -> None:
    make = {
        BotDeleteEvent: v1_delete,
        BotV2DeleteEvent: v2_delete,
        AppInstallEvent: install,
        AppUpdateEvent: update,
        AppUninstallEvent: uninstall,
    }[cls]
    for event in three_ways(with_value(make(), ("event",), wire)):
        assert type(event) is cls
        assert event.code == wire.upper()


@pytest.mark.parametrize("code", ["ONIMBOTCONTEXTGET", "onCrmDealAdd", "ONIMV2FUTUREEVENT", "X"])
def test_other_codes_give_unknown_event(code: str) -> None:
    tree = {"event": code, "data": {"FIELDS": {"ID": "7405"}, "LIST": ["a", "b"]}}
    for event in three_ways(tree):
        assert type(event) is UnknownEvent
        assert event.code == code.upper()
        assert event.data == {"FIELDS": {"ID": "7405"}, "LIST": ["a", "b"]}


@pytest.mark.parametrize("data", [None, "", [], {}])
def test_unknown_event_with_empty_data(data: Any) -> None:
    event = parse_event({"event": "ONOFFLINEEVENT", "data": data})
    assert type(event) is UnknownEvent
    assert event.data == {}


def test_an_unknown_event_with_scalar_data_is_not_an_error() -> None:
    event = parse_event("event=ONX&data=abc")
    assert isinstance(event, UnknownEvent)
    assert event.data == {}
    assert event.raw["data"] == "abc"


def test_v2_envelope_with_only_domain_and_application_token() -> None:
    tree = {
        "event": "ONIMBOTV2DELETE",
        "data": {"bot": {"id": "456", "code": "support_bot"}},
        "auth": {"domain": "example.bitrix24.com", "application_token": "a" * 32},
    }
    for event in three_ways(tree):
        assert isinstance(event, BotV2DeleteEvent)
        assert event.auth == Auth(domain="example.bitrix24.com", application_token="a" * 32)
        assert event.handler_id is None
        assert event.ts is None
        assert not event.auth.has_user_tokens
        assert event.bot_id == 456


def test_bot_fetch_mode_fields() -> None:
    tree = {
        "event": "ONIMBOTV2DELETE",
        "data": {
            "bot": {
                "id": 456,
                "code": "support_bot",
                "type": "bot",
                "isHidden": False,
                "isSupportOpenline": "N",
                "isReactionsEnabled": True,
                "backgroundId": None,
                "language": "en",
                "moduleId": "rest",
                "eventMode": "fetch",
                "countMessage": 150,
                "countCommand": "3",
                "countChat": 12,
                "countUser": 45,
                "appId": "custom123abc",
            }
        },
    }
    for event in three_ways(tree):
        assert isinstance(event, BotV2DeleteEvent)
        bot = event.data.bot
        assert (bot.id, bot.code, bot.type) == (456, "support_bot", "bot")
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
        assert bot.app_id == "custom123abc"
        assert bot.auth is None


def test_bot_webhook_mode_auth() -> None:
    tree = {
        "event": "ONIMBOTV2DELETE",
        "data": {
            "bot": {
                "id": "456",
                "code": "support_bot",
                "auth": {
                    "access_token": "b" * 40,
                    "expires": "1772093963",
                    "expires_in": "3600",
                    "scope": "imbot",
                    "user_id": "27",
                    "status": "F",
                    "application_token": "c" * 32,
                },
            }
        },
        "auth": {"domain": "x.bitrix24.com", "application_token": "d" * 32},
    }
    for event in three_ways(tree):
        assert isinstance(event, BotV2DeleteEvent)
        bot_auth = event.data.bot.auth
        assert bot_auth is not None
        assert bot_auth.access_token == "b" * 40
        assert bot_auth.expires == datetime(2026, 2, 26, 8, 19, 23, tzinfo=UTC)
        assert (bot_auth.expires_in, bot_auth.user_id) == (3600, 27)
        assert bot_auth.status is AppStatus.FREE
        assert bot_auth.has_user_tokens
        # verification uses the envelope's auth, which is a different block
        assert event.auth is not None
        assert event.auth.application_token == "d" * 32


def test_app_lifecycle_fields() -> None:
    installed = parse_event(
        "event=ONAPPINSTALL&data[VERSION]=1.0.0&data[ACTIVE]=Y&data[INSTALLED]=N"
        "&data[LANGUAGE_ID]=de"
    )
    assert isinstance(installed, AppInstallEvent)
    assert installed.data.version == "1.0.0"
    assert (installed.data.active, installed.data.installed) == (True, False)
    assert installed.data.language_id == "de"

    updated = parse_event(
        {"event": "ONAPPUPDATE", "data": {"VERSION": 3, "PREVIOUS_VERSION": "2.0.3"}}
    )
    assert isinstance(updated, AppUpdateEvent)
    assert (updated.data.version, updated.data.previous_version) == ("3", "2.0.3")

    for clean, expected in (("1", True), ("0", False), (1, True), (0, False)):
        removed = parse_event({"event": "ONAPPUNINSTALL", "data": {"CLEAN": clean}})
        assert isinstance(removed, AppUninstallEvent)
        assert removed.data.clean is expected


def test_json_numbers_for_string_fields_become_text() -> None:
    event = parse_event({"event": "ONX", "auth": {"member_id": 12345, "domain": "d"}})
    assert event.auth is not None
    assert event.auth.member_id == "12345"
