"""FakeBitrix24's command registration: ``imbot.v2.Command.register``/``list`` and v1's
``imbot.command.register``, with the docs' answers and errors, and a property test of
v2's idempotency against a model.

The ``site`` tests run in-process and served, over plain ``httpx``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24botevents.testing import FakeBitrix24, Portal
from b24botevents.testing.fake_bitrix24 import IN_PROCESS_URL

from .fake_support import CLIENT_ID, CLIENT_SECRET, MODES, Site, error, open_site, rest, result

REGISTER = "imbot.v2.Command.register"
LIST = "imbot.v2.Command.list"
V1_REGISTER = "imbot.command.register"
BOT = 456
HANDLER = "https://bot.example.com/commands"
HELP = {"command": "help", "title": {"en": "Show help"}, "params": {"en": "topic"}}


@pytest.fixture(params=MODES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with open_site(request.param) as opened:
        opened.fake.add_bot(opened.portal, BOT, name="My Bot")
        yield opened


def v1_lang(title: str = "Echo", params: str = "text") -> list[dict[str, str]]:
    return [{"LANGUAGE_ID": "en", "TITLE": title, "PARAMS": params}]


def test_v2_register_answers_the_documented_command_and_is_idempotent(site: Site) -> None:
    with site.client() as client:
        made = result(rest(client, REGISTER, site.token, botId=BOT, fields=HELP))
        command = made["command"]
        assert command == {
            "id": command["id"],
            "botId": BOT,
            "command": "/help",
            "common": False,
            "hidden": False,
            "extranetSupport": False,
        }
        again = {**HELP, "command": "HELP", "title": {"en": "Changed"}, "common": True}
        assert result(rest(client, REGISTER, site.token, botId=BOT, fields=again)) == made
        listed = result(rest(client, LIST, site.token, botId=BOT))
    assert listed == {
        "commands": [
            {
                **command,
                "title": "Show help",
                "params": "topic",
                "category": "My Bot",
                "context": "",
            }
        ]
    }
    [kept] = site.fake.commands
    assert (kept.command_id, kept.command, dict(kept.title), kept.common) == (
        command["id"],
        "help",
        {"en": "Show help"},
        False,  # not updated by the second call
    )


def test_v2_commands_are_per_bot_and_a_hidden_one_needs_no_title(site: Site) -> None:
    other = site.fake.add_bot(site.portal, code="other")
    hidden = {"command": "secret", "hidden": "Y"}
    with site.client() as client:
        first = result(rest(client, REGISTER, site.token, botId=BOT, fields=HELP))
        second = result(rest(client, REGISTER, site.token, botId=other, fields=HELP))
        result(rest(client, REGISTER, site.token, botId=other, fields=hidden))
        assert (
            result(rest(client, LIST, site.token, botId=BOT))["commands"][0]["id"]
            == (first["command"]["id"])
        )
        listed = result(rest(client, LIST, site.token, botId=other))["commands"]
    assert first["command"]["id"] != second["command"]["id"]
    assert [(entry["command"], entry["hidden"], entry["title"]) for entry in listed] == [
        ("/help", False, "Show help"),
        ("/secret", True, ""),
    ]
    assert [(c.bot_id, c.command) for c in site.fake.commands] == [
        (BOT, "help"),
        (other, "help"),
        (other, "secret"),
    ]


def test_v2_register_accepts_the_flat_format(site: Site) -> None:
    with site.client() as client:
        made = result(rest(client, REGISTER, site.token, botId=BOT, **HELP))
    assert made["command"]["command"] == "/help"
    assert dict(site.fake.commands[0].params) == {"en": "topic"}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": {"en": "T"}}, "COMMAND_REQUIRED"),
        ({"command": " ", "title": {"en": "T"}}, "COMMAND_REQUIRED"),
        ({"command": "he lp", "title": {"en": "T"}}, "COMMAND_NAME_INVALID"),
        ({"command": "/", "title": {"en": "T"}}, "COMMAND_NAME_INVALID"),
        # The docs: the command without "/"; the fake refuses one, so a client sending it fails.
        ({"command": "/help", "title": {"en": "T"}}, "COMMAND_NAME_INVALID"),
        ({"command": "help"}, "COMMAND_TITLE_REQUIRED"),
        ({"command": "help", "title": {"en": " "}}, "COMMAND_TITLE_REQUIRED"),
    ],
)
def test_v2_register_refuses_a_bad_command(site: Site, fields: dict[str, Any], code: str) -> None:
    with site.client() as client:
        error(rest(client, REGISTER, site.token, botId=BOT, fields=fields), 400, code)
    assert site.fake.commands == []


def test_v2_commands_check_the_bot_as_every_v2_method(site: Site) -> None:
    token = site.fake.bot_token(site.portal, 789)  # a webhook's bot
    hook = site.webhook_path()
    with site.client() as client:
        error(rest(client, REGISTER, site.token, fields=HELP), 400, "BOT_ID_REQUIRED")
        error(
            rest(client, REGISTER, site.token, botId=789, fields=HELP), 403, "BOT_OWNERSHIP_ERROR"
        )
        error(rest(client, LIST, site.token, botId=789), 403, "BOT_OWNERSHIP_ERROR")
        body: dict[str, Any] = {"botId": 789, "fields": HELP}
        error(client.post(f"{hook}{REGISTER}", json=body), 400, "BOT_TOKEN_NOT_SPECIFIED")
        unknown = {"botId": 999, "botToken": token, "fields": HELP}
        error(client.post(f"{hook}{REGISTER}", json=unknown), 400, "BOT_NOT_FOUND")
        error(
            client.post(f"{hook}{LIST}", json={"botId": 999, "botToken": token}),
            400,
            "BOT_NOT_FOUND",
        )
        made = result(client.post(f"{hook}{REGISTER}", json={**body, "botToken": token}))
        listed = result(client.post(f"{hook}{LIST}", json={"botId": 789, "botToken": token}))
    assert [entry["id"] for entry in listed["commands"]] == [made["command"]["id"]]
    [recorded] = [call for call in site.fake.calls_to(REGISTER) if call.status == 200]
    assert "botToken" not in recorded.params
    assert recorded.bot_token == token


def test_v1_register_answers_the_command_id_and_keeps_it(site: Site) -> None:
    v1_bot = site.fake.add_bot(site.portal, v=1, webhook_url=HANDLER)
    params: dict[str, Any] = {
        "BOT_ID": v1_bot,
        "COMMAND": "echo",
        "COMMON": "Y",
        "EVENT_COMMAND_ADD": HANDLER,
        "LANG": v1_lang(),
    }
    with site.client() as client:
        command_id = result(rest(client, V1_REGISTER, site.token, **params))
        again = result(rest(client, V1_REGISTER, site.token, **params))
    assert type(command_id) is int
    assert again == command_id  # the docs do not say: the fake hands the same one back
    [kept] = site.fake.commands
    assert (kept.command_id, kept.bot_id, kept.command, kept.version) == (
        command_id,
        v1_bot,
        "echo",
        1,
    )
    assert (kept.common, kept.event_url, dict(kept.title), dict(kept.params)) == (
        True,
        HANDLER,
        {"en": "Echo"},
        {"en": "text"},
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"BOT_ID": None}, "BOT_ID_ERROR"),
        ({"COMMAND": ""}, "COMMAND_ERROR"),
        ({"COMMAND": "two words"}, "COMMAND_ERROR"),
        ({"EVENT_COMMAND_ADD": None}, "EVENT_COMMAND_ADD_ERROR"),
        ({"EVENT_COMMAND_ADD": "not a url"}, "EVENT_COMMAND_ADD_ERROR"),
        ({"LANG": None}, "LANG_ERROR"),
        ({"LANG": [{"LANGUAGE_ID": "en", "TITLE": ""}]}, "LANG_ERROR"),
    ],
)
def test_v1_register_refuses_what_the_docs_refuse(
    site: Site, changes: dict[str, Any], code: str
) -> None:
    v1_bot = site.fake.add_bot(site.portal, v=1, webhook_url=HANDLER)
    params: dict[str, Any] = {
        "BOT_ID": v1_bot,
        "COMMAND": "echo",
        "EVENT_COMMAND_ADD": HANDLER,
        "LANG": v1_lang(),
    }
    params.update(changes)
    sent = {name: value for name, value in params.items() if value is not None}
    with site.client() as client:
        error(rest(client, V1_REGISTER, site.token, **sent), 400, code)
    assert site.fake.commands == []


def test_commands_of_an_unknown_bot_are_refused_and_make_no_bot(site: Site) -> None:
    """Other methods make an unknown bot on first use over OAuth; a command call must not,
    or a wrong ``bot_id`` in a client would pass against the fake."""
    bots_before = list(site.fake.bots)
    with site.client() as client:
        error(rest(client, REGISTER, site.token, botId=987654, fields=HELP), 400, "BOT_NOT_FOUND")
        error(rest(client, LIST, site.token, botId=987654), 400, "BOT_NOT_FOUND")
        v1 = {"BOT_ID": 987654, "COMMAND": "echo", "EVENT_COMMAND_ADD": HANDLER}
        error(rest(client, V1_REGISTER, site.token, LANG=v1_lang(), **v1), 400, "BOT_ID_ERROR")
    assert site.fake.bots == bots_before
    assert site.fake.commands == []


def test_v1_register_refuses_another_apps_bot(site: Site) -> None:
    theirs = site.fake.add_bot(site.portal, v=1, bot_token="their-client-id")
    params = {"BOT_ID": theirs, "COMMAND": "echo", "EVENT_COMMAND_ADD": HANDLER}
    with site.client() as client:
        error(rest(client, V1_REGISTER, site.token, LANG=v1_lang(), **params), 400, "APP_ID_ERROR")
    assert site.fake.commands == []


_NAMES = st.sampled_from(["help", "HELP", "Help", "echo", "Echo", "start", "справка"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([BOT, BOT + 1]), _NAMES), max_size=12))
def test_v2_register_keeps_one_command_per_bot_and_name(calls: list[tuple[int, str]]) -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    for bot_id in (BOT, BOT + 1):
        fake.add_bot(portal, bot_id)
    model: dict[tuple[int, str], int] = {}
    token = fake.user_tokens(portal)[0]
    with httpx.Client(transport=fake.transport(), base_url=IN_PROCESS_URL) as client:
        for bot_id, name in calls:
            fields = {"command": name, "title": {"en": name}}
            made = result(rest(client, REGISTER, token, botId=bot_id, fields=fields))["command"]
            key = (bot_id, name.lower())
            assert made["id"] == model.setdefault(key, made["id"])
            assert made["command"].lower() == f"/{key[1]}"
        for bot_id in (BOT, BOT + 1):
            listed = result(rest(client, LIST, token, botId=bot_id))["commands"]
            expected = sorted(made_id for (bot, _), made_id in model.items() if bot == bot_id)
            assert sorted(entry["id"] for entry in listed) == expected
    assert len(fake.commands) == len(model)
    assert len(set(model.values())) == len(model)
