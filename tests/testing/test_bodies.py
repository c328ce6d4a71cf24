"""Bodies and portals: byte-exact PHP encodings, realistic auth blocks, typed parses.

``data/`` holds copies of doc examples from the spec (``ONIMBOTDELETE.json`` and the
others are the official docs' JSON renderings; ``*.derived-http_build_query.txt`` are
PHP 8 ``http_build_query`` run on them), so these tests need nothing outside the repo.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote_plus

import pytest

from b24botevents import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotDeleteEvent,
    BotV2DeleteEvent,
    Event,
    UnknownEvent,
    parse_event,
)
from b24botevents.models import EVENT_TYPES, AppStatus
from b24botevents.testing import (
    SAMPLE_CODES,
    Portal,
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
    sample_body,
    unix_ts,
    versioned_code,
)
from b24botevents.wire import parse_form
from spec_examples import EXAMPLES

DATA = EXAMPLES

DOC_PORTAL = Portal(
    member_id="bac1cd5c8940947a75e0d71b1a84e348",
    domain="some-domain.bitrix24.com",
    application_token="831c76b092f9f135d9b6b36c3a720757",
    access_token="0b02a0690000071b0008440001b0007a16b39202c2490f015",
)


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def php_body(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8").rstrip("\n")


def keys_in_order(body: str) -> list[str]:
    return [unquote_plus(field.partition("=")[0]) for field in body.split("&")]


def top_level_order(body: str) -> list[str]:
    seen: list[str] = []
    for key in keys_in_order(body):
        name = key.partition("[")[0]
        if name not in seen:
            seen.append(name)
    return seen


# ---- byte equality with PHP ----------------------------------------------------------


@pytest.mark.parametrize("example", ["ONIMBOTDELETE", "ONIMBOTMESSAGEADD.group"])
def test_event_body_of_a_doc_tree_is_phps_body(example: str) -> None:
    tree = load(f"{example}.json")
    body = event_body(
        tree["event"],
        tree["data"],
        tree["auth"],
        ts=tree["ts"],
        handler_id=tree["event_handler_id"],
    )
    assert body == php_body(f"{example}.derived-http_build_query.txt")


def test_bot_delete_body_with_the_docs_values_is_the_docs_body() -> None:
    body = bot_delete_body(
        567, "BOT", version=1, portal=DOC_PORTAL, user_id=27, ts=1772090363, handler_id=439
    )
    assert body == php_body("ONIMBOTDELETE.derived-http_build_query.txt")


def test_bot_delete_body_with_explicit_fields_differs_from_the_doc_only_in_random_tokens() -> None:
    body = bot_delete_body(
        567,
        "BOT",
        version=1,
        application_token=DOC_PORTAL.application_token,
        member_id=DOC_PORTAL.member_id,
        domain=DOC_PORTAL.domain,
        user_id=27,
        ts="1772090363",
        handler_id=439,
    )
    ours = parse_form(body)
    theirs = parse_form(php_body("ONIMBOTDELETE.derived-http_build_query.txt"))
    assert keys_in_order(body) == keys_in_order(
        php_body("ONIMBOTDELETE.derived-http_build_query.txt")
    )
    assert ours["auth"].pop("access_token") != theirs["auth"].pop("access_token")
    assert ours == theirs


# ---- the envelope --------------------------------------------------------------------


def test_envelope_keys_come_in_the_docs_order() -> None:
    body = event_body("ONFOO", {"A": "1"}, {"domain": "x"}, ts=5, handler_id=7)
    assert top_level_order(body) == ["event", "event_handler_id", "data", "ts", "auth"]
    assert body == "event=ONFOO&event_handler_id=7&data%5BA%5D=1&ts=5&auth%5Bdomain%5D=x"


def test_optional_envelope_parts_are_left_out() -> None:
    assert event_body("ONFOO", None, ts=1) == "event=ONFOO&ts=1"
    assert event_body("ONFOO", {}, ts=1) == "event=ONFOO&ts=1"  # PHP drops empty arrays


def test_ts_defaults_to_now_in_unix_seconds() -> None:
    before = int(time.time())
    stamp = parse_form(event_body("ONFOO", {"A": "1"}))["ts"]
    after = int(time.time())
    assert stamp.isdigit()
    assert before <= int(stamp) <= after


def test_ts_accepts_ints_strings_and_datetimes() -> None:
    aware = datetime(2026, 2, 26, 7, 19, 23, tzinfo=timezone.utc)
    assert unix_ts(1772090363) == "1772090363"
    assert unix_ts("1772090363") == "1772090363"
    assert unix_ts(aware) == "1772090363"
    assert unix_ts(aware.replace(tzinfo=None)) == "1772090363"  # naive is UTC
    with pytest.raises(TypeError):
        unix_ts(True)


def test_scalars_are_sent_as_php_sends_them() -> None:
    data = {"yes": True, "no": False, "none": None, "int": 7, "float": 1.5, "list": ["a", "b"]}
    assert event_body("ONFOO", data, ts=1) == (
        "event=ONFOO&data%5Byes%5D=1&data%5Bno%5D=0&data%5Bint%5D=7&data%5Bfloat%5D=1.5"
        "&data%5Blist%5D%5B0%5D=a&data%5Blist%5D%5B1%5D=b&ts=1"
    )


# ---- Portal --------------------------------------------------------------------------


def test_portal_repr_masks_every_token() -> None:
    portal = Portal.random()
    shown = repr(portal) + str(portal)
    for token in portal.tokens():
        assert token not in shown
    assert "'***'" in shown
    assert portal.member_id in shown  # an id, not a secret


def test_random_portals_are_distinct_hex_and_example_is_fixed() -> None:
    one, two = Portal.random(), Portal.random()
    assert one.member_id != two.member_id
    assert one.application_token != two.application_token
    assert len(one.application_token) == 32
    int(one.application_token, 16)
    int(one.member_id, 16)
    assert one.client_endpoint == f"https://{one.domain}/rest/"
    assert Portal.example() == Portal.example()


def test_evolving_the_domain_moves_the_default_client_endpoint() -> None:
    moved = Portal.random().evolve(domain="other.bitrix24.com")
    assert moved.client_endpoint == "https://other.bitrix24.com/rest/"
    custom = Portal.random(domain="a.bitrix24.com").evolve(client_endpoint="https://x/rest/")
    assert custom.evolve(domain="b.bitrix24.com").client_endpoint == "https://x/rest/"


def test_with_application_token_changes_only_the_token() -> None:
    portal = Portal.random()
    rotated = portal.with_application_token()
    assert rotated.application_token != portal.application_token
    assert rotated.member_id == portal.member_id
    assert portal.with_application_token("t2").application_token == "t2"


def test_auth_with_user_tokens_is_the_full_block_in_wire_order() -> None:
    auth = DOC_PORTAL.auth(user_id=27, now=1772090363)
    assert list(auth) == [
        "access_token",
        "expires",
        "expires_in",
        "scope",
        "domain",
        "server_endpoint",
        "status",
        "client_endpoint",
        "member_id",
        "user_id",
        "refresh_token",
        "application_token",
    ]
    assert auth["expires"] == "1772093963"
    assert auth["user_id"] == "27"
    assert all(isinstance(value, str) for value in auth.values())


def test_auth_without_user_tokens_has_no_tokens_and_no_user() -> None:
    auth = DOC_PORTAL.auth(with_user_tokens=False)
    assert "access_token" not in auth
    assert "refresh_token" not in auth
    assert "user_id" not in auth
    assert "expires" not in auth
    assert auth["application_token"] == DOC_PORTAL.application_token


def test_bot_auth_tokens_are_stable_per_bot_and_not_the_users() -> None:
    portal = Portal.random()
    first = portal.bot_auth(567, now=1)
    assert first == portal.bot_auth(567, now=1)
    assert first["access_token"] != portal.bot_auth(571, now=1)["access_token"]
    assert first["access_token"] != portal.access_token
    assert first["user_id"] == "567"
    assert set(portal.bot_tokens(567)) >= {first["access_token"]}


def test_uninstall_auth_is_exactly_the_docs_five_fields() -> None:
    doc = load("ONAPPUNINSTALL.json")["auth"]
    assert list(DOC_PORTAL.uninstall_auth()) == list(doc)


def test_builders_need_a_portal_or_its_token_and_member_id() -> None:
    with pytest.raises(TypeError, match="portal="):
        bot_delete_body(1, "x", application_token="t")
    with pytest.raises(ValueError, match="version"):
        bot_delete_body(1, "x", version=3, portal=DOC_PORTAL)


def test_explicit_fields_override_the_portal() -> None:
    event = parse_event(bot_delete_body(1, "x", portal=DOC_PORTAL, application_token="forged"))
    assert event.auth is not None
    assert event.auth.application_token == "forged"
    assert event.member_id == DOC_PORTAL.member_id


# ---- every builder parses to its typed event -----------------------------------------


def test_bot_delete_v1_parses() -> None:
    event = parse_event(bot_delete_body(567, "BOT", portal=DOC_PORTAL, ts=1772090363))
    assert isinstance(event, BotDeleteEvent)
    assert (event.bot_id, event.bot_code) == (567, "BOT")
    assert event.ts == datetime(2026, 2, 26, 7, 19, 23, tzinfo=timezone.utc)
    assert event.auth is not None
    assert event.auth.application_token == DOC_PORTAL.application_token
    assert event.auth.refresh_token is None  # as in the docs
    assert event.auth.status is AppStatus.FREE


def test_bot_delete_v1_without_user_tokens() -> None:
    event = parse_event(bot_delete_body(5, "B", portal=DOC_PORTAL, with_user_tokens=False))
    assert isinstance(event, BotDeleteEvent)
    assert event.auth is not None
    assert not event.auth.has_user_tokens
    assert event.auth.user_id is None


def test_bot_delete_v2_parses_with_the_bots_own_auth() -> None:
    body = bot_delete_body(456, "support_bot", version=2, portal=DOC_PORTAL)
    event = parse_event(body)
    assert isinstance(event, BotV2DeleteEvent)
    assert (event.bot_id, event.bot_code) == (456, "support_bot")
    bot_auth = event.data.bot.auth
    assert bot_auth is not None
    assert bot_auth.user_id == 456
    assert bot_auth.application_token == DOC_PORTAL.application_token
    assert event.auth is not None
    assert event.auth.has_user_tokens
    assert "data[bot][auth][access_token]" in keys_in_order(body)


def test_bot_delete_v2_without_user_tokens_is_the_docs_envelope() -> None:
    body = bot_delete_body(456, "support_bot", version=2, portal=DOC_PORTAL, with_user_tokens=False)
    tree = parse_form(body)
    assert tree["auth"] == {
        "domain": DOC_PORTAL.domain,
        "application_token": DOC_PORTAL.application_token,
    }
    assert tree["data"]["bot"]["auth"]["access_token"]  # the bot's tokens stay
    assert top_level_order(body) == ["event", "data", "ts", "auth"]
    event = parse_event(body)
    assert isinstance(event, BotV2DeleteEvent)
    assert event.member_id is None
    assert event.domain == DOC_PORTAL.domain


def test_app_install_parses() -> None:
    body = app_install_body(portal=DOC_PORTAL, version="1.0.0", language_id="de")
    event = parse_event(body)
    assert isinstance(event, AppInstallEvent)
    assert event.data.version == "1.0.0"
    assert event.data.active is True
    assert event.data.installed is True
    assert event.data.language_id == "de"
    assert event.auth is not None
    assert event.auth.refresh_token == DOC_PORTAL.refresh_token
    assert event.auth.application_token == DOC_PORTAL.application_token
    inactive = parse_event(app_install_body(portal=DOC_PORTAL, active=False, installed=False))
    assert isinstance(inactive, AppInstallEvent)
    assert (inactive.data.active, inactive.data.installed) == (False, False)


def test_app_update_parses() -> None:
    rotated = DOC_PORTAL.with_application_token("new-token")
    event = parse_event(app_update_body(portal=rotated, version=3, previous_version=2))
    assert isinstance(event, AppUpdateEvent)
    assert (event.data.version, event.data.previous_version) == ("3", "2")
    assert event.auth is not None
    assert event.auth.application_token == "new-token"


@pytest.mark.parametrize("clean", [True, False])
def test_app_uninstall_parses_with_only_the_bare_auth(clean: bool) -> None:
    body = app_uninstall_body(portal=DOC_PORTAL, clean=clean)
    tree = parse_form(body)
    assert list(tree["auth"]) == [
        "domain",
        "server_endpoint",
        "client_endpoint",
        "member_id",
        "application_token",
    ]
    assert tree["data"]["CLEAN"] == ("1" if clean else "0")
    event = parse_event(body)
    assert isinstance(event, AppUninstallEvent)
    assert event.data.clean is clean
    assert event.auth is not None
    assert not event.auth.has_user_tokens


# ---- samples -------------------------------------------------------------------------


def expected_class(code: str) -> type[Event]:
    return EVENT_TYPES.get(code, UnknownEvent)


@pytest.mark.parametrize("code", SAMPLE_CODES)
def test_every_sample_parses_to_its_model_and_is_signed_by_the_portal(code: str) -> None:
    portal = Portal.random()
    body = sample_body(code, portal=portal)
    event = parse_event(body)
    assert type(event) is expected_class(code)
    assert event.code == code
    assert event.auth is not None
    assert event.auth.application_token == portal.application_token
    assert event.domain == portal.domain
    # JSON carrying the same tree types to the same event.
    assert parse_event(json.dumps(parse_form(body))) == event


def test_every_modelled_code_has_a_sample() -> None:
    assert set(EVENT_TYPES) <= set(SAMPLE_CODES)


def test_samples_follow_the_doc_examples() -> None:
    tree = parse_form(sample_body("ONIMBOTMESSAGEADD", portal=DOC_PORTAL, ts=1771928985))
    doc = load("ONIMBOTMESSAGEADD.group.json")
    assert tree["event_handler_id"] == "403"
    assert list(tree["data"]) == list(doc["data"])
    assert tree["data"]["BOT"]["567"]["BOT_CODE"] == "BOT1"
    assert list(tree["data"]["BOT"]["567"]) == list(doc["data"]["BOT"]["567"])
    assert tree["data"]["BOT"]["567"]["AUTH"]["application_token"] == DOC_PORTAL.application_token
    assert tree["data"]["PARAMS"]["MESSAGE"] == "Hello"
    assert list(tree["auth"]) == list(doc["auth"])


def test_v2_samples_are_webhook_bodies_with_php_scalars() -> None:
    tree = parse_form(sample_body("ONIMBOTV2MESSAGEADD", portal=DOC_PORTAL))
    assert tree["data"]["bot"]["id"] == "456"
    assert tree["data"]["bot"]["auth"]["application_token"] == DOC_PORTAL.application_token
    assert tree["data"]["message"]["isSystem"] == "0"  # false
    assert tree["data"]["user"]["active"] == "1"  # true
    assert "forward" not in tree["data"]["message"]  # null: dropped by http_build_query
    assert "params" not in tree["data"]["message"]  # empty array: dropped too
    assert tree["data"]["user"]["departments"] == ["1"]
    minimal = parse_form(
        sample_body("ONIMBOTV2JOINCHAT", portal=DOC_PORTAL, with_user_tokens=False)
    )
    assert set(minimal["auth"]) == {"domain", "application_token"}


def test_sample_versions_map_v1_and_v2_codes() -> None:
    assert parse_event(sample_body("ONIMBOTDELETE", version=2)).code == "ONIMBOTV2DELETE"
    assert parse_event(sample_body("onimbotv2delete", version=1)).code == "ONIMBOTDELETE"
    assert versioned_code("ONIMCOMMANDADD", 2) == "ONIMBOTV2COMMANDADD"
    assert versioned_code("ONIMBOTV2JOINCHAT", 1) == "ONIMBOTJOINCHAT"
    assert versioned_code("ONIMBOTDELETE", None) == "ONIMBOTDELETE"
    with pytest.raises(ValueError, match="no version 2"):
        versioned_code("ONAPPINSTALL", 2)
    with pytest.raises(ValueError, match="no version 1"):
        versioned_code("ONIMBOTV2REACTIONCHANGE", 1)
    with pytest.raises(ValueError, match="1 or 2"):
        versioned_code("ONIMBOTDELETE", 3)


def test_unknown_codes_get_a_generic_body() -> None:
    event = parse_event(sample_body("oncrmdealadd"))
    assert isinstance(event, UnknownEvent)
    assert event.code == "ONCRMDEALADD"
    assert event.data == {"FIELDS": {"ID": "1"}}
    assert event.member_id == Portal.example().member_id


def test_offline_event_has_no_data() -> None:
    tree = parse_form(sample_body("ONOFFLINEEVENT"))
    assert "data" not in tree
    assert tree["auth"]["refresh_token"] == Portal.example().refresh_token
