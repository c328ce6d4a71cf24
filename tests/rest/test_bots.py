"""``register_bot`` / ``aregister_bot`` against the fake Bitrix24: once, then idempotently.

v1 (``imbot.register``) and v2 (``imbot.v2.Bot.register``) bots, in webhook and fetch
event modes, as the app (stored OAuth credentials) and through an inbound webhook: the
first call creates the bot, a second one finds it by its code and hands it back
(``created=False``, the same id, still one register call). A registration that loses a
race to a concurrent one hands back the winner's bot. Bad arguments are a ``ValueError``
before anything is sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b24botevents import MemoryPortalStore
from b24botevents.errors import RestError
from b24botevents.rest import BotRegistration, aregister_bot, register_bot
from b24botevents.rest.client import RestClient

from .support import MODES, Bench, RecordingTransport, open_bench

HOW = ["sync", "async"]
HANDLER = "https://bot.example.com/b24/events"


def register(client: RestClient, how: str, portal: str | None, **options: Any) -> BotRegistration:
    if how == "sync":
        return register_bot(client, portal, **options)

    async def go() -> BotRegistration:
        try:
            return await aregister_bot(client, portal, **options)
        finally:
            await client.aclose()

    return asyncio.run(go())


def register_method(version: int) -> str:
    return "imbot.v2.Bot.register" if version == 2 else "imbot.register"


def list_method(version: int) -> str:
    return "imbot.v2.Bot.list" if version == 2 else "imbot.bot.list"


@pytest.fixture(params=MODES)
def bench(request: pytest.FixtureRequest) -> Iterator[Bench]:
    with open_bench(request.param) as opened:
        yield opened


def app_client(bench: Bench) -> RestClient:
    store = MemoryPortalStore()
    bench.installed(store)
    return bench.client(store)


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    ("version", "event_mode", "webhook_url"),
    [(2, "webhook", HANDLER), (2, "fetch", None), (1, "webhook", HANDLER)],
)
def test_a_bot_is_registered_once_and_found_the_second_time(
    bench: Bench, how: str, version: int, event_mode: Any, webhook_url: str | None
) -> None:
    client = app_client(bench)
    member_id = bench.portal.member_id
    options: dict[str, Any] = {
        "code": "helper",
        "name": "Helper",
        "version": version,
        "event_mode": event_mode,
        "webhook_url": webhook_url,
    }
    first = register(client, how, member_id, **options)
    assert first.created is True
    assert first.code == "helper"
    [bot] = bench.fake.bots
    assert (bot.bot_id, bot.code, bot.version, bot.name) == (
        first.bot_id,
        "helper",
        version,
        "Helper",
    )
    assert (bot.event_mode, bot.webhook_url, bot.registered_by) == (event_mode, webhook_url, "app")
    second = register(client, how, member_id, **options)
    assert second == BotRegistration(first.bot_id, "helper", created=False)
    assert len(bench.fake.calls_to(register_method(version))) == 1
    assert len(bench.fake.calls_to(list_method(version))) == 2
    assert len(bench.fake.bots) == 1
    assert all(call.token_kind == "user" for call in bench.fake.calls)


@pytest.mark.parametrize("how", HOW)
def test_a_v2_registration_sends_the_documented_fields(bench: Bench, how: str) -> None:
    client = app_client(bench)
    register(
        client,
        how,
        bench.portal.member_id,
        code="support",
        name="Support",
        webhook_url=HANDLER,
        bot_type="supervisor",
        properties={"lastName": "Bot", "workPosition": "Helpdesk"},
    )
    [call] = bench.fake.calls_to("imbot.v2.Bot.register")
    assert dict(call.params) == {
        "fields": {
            "code": "support",
            "type": "supervisor",
            "eventMode": "webhook",
            "webhookUrl": HANDLER,
            "properties": {"name": "Support", "lastName": "Bot", "workPosition": "Helpdesk"},
        }
    }
    [bot] = bench.fake.bots
    assert (bot.name, bot.type) == ("Support Bot", "supervisor")


@pytest.mark.parametrize("how", HOW)
def test_a_v1_registration_sends_the_documented_fields(bench: Bench, how: str) -> None:
    client = app_client(bench)
    register(
        client,
        how,
        bench.portal.member_id,
        code="legacy",
        name="Legacy",
        version=1,
        webhook_url=HANDLER,
        bot_type="openline",
        properties={"LAST_NAME": "Bot"},
    )
    [call] = bench.fake.calls_to("imbot.register")
    assert dict(call.params) == {
        "CODE": "legacy",
        "TYPE": "O",
        "EVENT_HANDLER": HANDLER,
        "PROPERTIES": {"NAME": "Legacy", "LAST_NAME": "Bot"},
    }
    [bot] = bench.fake.bots
    assert (bot.name, bot.type, bot.openline, bot.webhook_url) == (
        "Legacy Bot",
        "O",
        True,
        HANDLER,
    )


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("version", [1, 2])
def test_other_bots_of_the_portal_are_left_alone(bench: Bench, how: str, version: int) -> None:
    client = app_client(bench)
    other = bench.fake.add_bot(bench.portal, code="someone_else", v=version)
    options: dict[str, Any] = {"code": "mine", "name": "Mine", "version": version}
    made = register(client, how, bench.portal.member_id, webhook_url=HANDLER, **options)
    assert made.created is True
    assert made.bot_id != other
    assert sorted(bot.code for bot in bench.fake.bots) == ["mine", "someone_else"]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("version", [1, 2])
def test_a_webhook_registers_once_and_finds_its_bot_again(
    bench: Bench, how: str, version: int
) -> None:
    token = "webhookbotCANARY0123456789abcdef"
    client = bench.client(webhook=bench.webhook(token))
    options: dict[str, Any] = {
        "code": "hooked",
        "name": "Hooked",
        "version": version,
        "webhook_url": HANDLER,
    }
    first = register(client, how, None, **options)
    second = register(client, how, None, **options)
    assert first.created is True
    assert second == BotRegistration(first.bot_id, "hooked", created=False)
    [bot] = bench.fake.bots
    assert (bot.registered_by, bot.secret, bot.version) == ("webhook", token, version)
    assert len(bench.fake.calls_to(register_method(version))) == 1
    assert {(call.auth_kind, call.bot_token) for call in bench.fake.calls} == {("webhook", token)}


@pytest.mark.parametrize("how", HOW)
def test_a_registration_that_loses_a_race_hands_back_the_winner(how: str) -> None:
    with open_bench("in-process") as bench:
        winner: list[int] = []

        def concurrent_install(request: httpx.Request) -> None:
            # Another install handler registers the same code between our list and register.
            if request.url.path.endswith("imbot.v2.Bot.register.json") and not winner:
                winner.append(bench.fake.add_bot(bench.portal, code="racer"))
                bench.fake.fail_next(400, "BOT_CODE_ALREADY_TAKEN", method="imbot.v2.Bot.register")

        recording = RecordingTransport(bench.fake.transport(), before=concurrent_install)
        store = MemoryPortalStore()
        bench.installed(store)
        client = bench.client(store, transport=recording, async_transport=recording)
        made = register(
            client, how, bench.portal.member_id, code="racer", name="Racer", webhook_url=HANDLER
        )
        assert made == BotRegistration(winner[0], "racer", created=False)
        assert [call.method for call in bench.fake.calls] == [
            "imbot.v2.Bot.list",
            "imbot.v2.Bot.register",
            "imbot.v2.Bot.list",
        ]
        assert len(bench.fake.bots) == 1


@pytest.mark.parametrize("how", HOW)
def test_another_registration_error_is_raised(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        bench.fake.fail_next(400, "ACCESS_DENIED", method="imbot.v2.Bot.register")
        with pytest.raises(RestError) as caught:
            register(client, how, bench.portal.member_id, code="x", name="X", webhook_url=HANDLER)
        assert caught.value.code == "ACCESS_DENIED"
        assert bench.fake.bots == []


def test_the_v2_list_is_read_from_the_answer_not_trusted_blindly() -> None:
    with open_bench("in-process") as bench:

        def lying_list(request: httpx.Request, response: httpx.Response) -> httpx.Response:
            if request.url.path.endswith("imbot.v2.Bot.list.json"):
                junk = {"bots": [{"code": "helper", "id": "not-a-number"}, "junk", None]}
                return httpx.Response(200, json={"result": junk}, request=request)
            return response

        recording = RecordingTransport(bench.fake.transport(), rewrite=lying_list)
        store = MemoryPortalStore()
        bench.installed(store)
        client = bench.client(store, transport=recording)
        made = register_bot(
            client, bench.portal.member_id, code="helper", name="Helper", webhook_url=HANDLER
        )
        assert made.created is True
        [bot] = bench.fake.bots
        assert bot.bot_id == made.bot_id
        assert json.loads(recording.sent[-1].body)["fields"]["code"] == "helper"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"code": "", "name": "N", "webhook_url": HANDLER}, "code"),
        ({"code": "   ", "name": "N", "webhook_url": HANDLER}, "code"),
        ({"code": "c", "name": "", "webhook_url": HANDLER}, "name"),
        ({"code": "c", "name": " ", "webhook_url": HANDLER}, "name"),
        ({"code": "c", "name": "N", "version": 3, "webhook_url": HANDLER}, "version"),
        ({"code": "c", "name": "N", "event_mode": "push", "webhook_url": HANDLER}, "event_mode"),
        ({"code": "c", "name": "N"}, "webhook_url"),
        ({"code": "c", "name": "N", "event_mode": "webhook", "webhook_url": ""}, "webhook_url"),
        ({"code": "c", "name": "N", "version": 1}, "webhook_url"),
        ({"code": "c", "name": "N", "version": 1, "event_mode": "fetch"}, "v1"),
    ],
)
@pytest.mark.parametrize("how", HOW)
def test_bad_arguments_are_value_errors_and_nothing_is_sent(
    how: str, options: dict[str, Any], message: str
) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        with pytest.raises(ValueError, match=message):
            register(client, how, bench.portal.member_id, **options)
        assert bench.fake.calls == []
        assert bench.fake.bots == []
