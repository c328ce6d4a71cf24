"""``register_command`` / ``aregister_command`` against the fake Bitrix24.

v2 (``imbot.v2.Command.list`` then ``imbot.v2.Command.register``) as the app and through
an inbound webhook with the bot's token: the first call creates the command, a second
one (``help`` or ``/help`` alike) finds it and hands it back (``created=False``, the same
id, still one register call). A registration that loses a race, or whose answer is lost,
lists again. v1 (``imbot.command.register``, no list method) is sent every time and
says ``created=None``. Bad arguments are a ``ValueError`` before anything is sent. Last,
the whole loop: a command registered on the fake reaches ``@router.on_command("help")``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b24botevents import MemoryPortalStore, Router
from b24botevents.errors import RestError
from b24botevents.models import AnyCommandEvent
from b24botevents.poller import Poller
from b24botevents.rest import (
    CommandRegistration,
    aregister_command,
    register_bot,
    register_command,
)
from b24botevents.rest.client import RestClient
from b24botevents.testing.samples import fetch_sample_data

from .support import (
    MODES,
    Bench,
    RecordingTransport,
    all_log_records,
    leaked,
    open_bench,
    record_text,
)

HOW = ["sync", "async"]
HANDLER = "https://bot.example.com/b24/commands"
BOT = 456
TOKEN = "cmdbotCANARY0123456789abcdef"


def register(
    client: RestClient, how: str, portal: str | None, **options: Any
) -> CommandRegistration:
    if how == "sync":
        return register_command(client, portal, **options)

    async def go() -> CommandRegistration:
        try:
            return await aregister_command(client, portal, **options)
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.fixture(params=MODES)
def bench(request: pytest.FixtureRequest) -> Iterator[Bench]:
    with open_bench(request.param) as opened:
        yield opened


def app_client(bench: Bench, **options: Any) -> RestClient:
    """A client of the installed app, whose bot ``BOT`` exists (the fake makes no bot for a
    command call: an unknown ``botId`` is ``BOT_NOT_FOUND``, as on a portal)."""
    store = MemoryPortalStore()
    bench.installed(store)
    bench.fake.add_bot(bench.portal, BOT, code="helper")
    return bench.client(store, **options)


@pytest.mark.parametrize("how", HOW)
def test_a_v2_command_is_registered_once_and_found_the_second_time(bench: Bench, how: str) -> None:
    client = app_client(bench)
    member_id = bench.portal.member_id
    first = register(client, how, member_id, bot_id=BOT, command="help", title="Show help")
    assert first.created is True
    assert first.command == "help"
    [made] = bench.fake.commands
    assert (made.command_id, made.bot_id, made.command, made.version) == (
        first.command_id,
        BOT,
        "help",
        2,
    )
    assert dict(made.title) == {"en": "Show help"}
    # The same command again, written with its slash: found, not registered again.
    second = register(client, how, member_id, bot_id=BOT, command="/help", title="Other")
    assert second == CommandRegistration(first.command_id, "help", created=False)
    assert len(bench.fake.calls_to("imbot.v2.Command.register")) == 1
    assert len(bench.fake.calls_to("imbot.v2.Command.list")) == 2
    assert len(bench.fake.commands) == 1
    assert dict(bench.fake.commands[0].title) == {"en": "Show help"}  # not updated
    assert all(call.token_kind == "user" for call in bench.fake.calls)


@pytest.mark.parametrize("how", HOW)
def test_a_v2_registration_sends_the_documented_fields(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        register(
            client,
            how,
            bench.portal.member_id,
            bot_id=BOT,
            command="/search",
            title={"en": "Search", "de": "Suchen"},
            params="query text",
            common=True,
            extranet_support=True,
        )
        [call] = bench.fake.calls_to("imbot.v2.Command.register")
        assert dict(call.params) == {
            "botId": BOT,
            "fields": {
                "command": "search",
                "title": {"en": "Search", "de": "Suchen"},
                "params": {"en": "query text"},
                "common": True,
                "hidden": False,
                "extranetSupport": True,
            },
        }
        [made] = bench.fake.commands
        assert (made.common, made.hidden, made.extranet_support) == (True, False, True)
        assert (dict(made.title), dict(made.params)) == (
            {"en": "Search", "de": "Suchen"},
            {"en": "query text"},
        )


@pytest.mark.parametrize("how", HOW)
def test_a_v1_command_is_sent_every_time_and_its_creation_is_not_claimed(
    bench: Bench, how: str
) -> None:
    client = app_client(bench)
    bench.fake.add_bot(bench.portal, BOT, v=1, webhook_url=HANDLER)
    options: dict[str, Any] = {
        "bot_id": BOT,
        "command": "echo",
        "title": {"en": "Echo", "ru": "Эхо"},
        "params": {"en": "text"},
        "version": 1,
        "hidden": True,
        "webhook_url": HANDLER,
    }
    first = register(client, how, bench.portal.member_id, **options)
    second = register(client, how, bench.portal.member_id, **options)
    assert first.created is None
    assert second.created is None
    assert first.command == "echo"
    calls = bench.fake.calls_to("imbot.command.register")
    assert len(calls) == 2  # no list method in v1: nothing to look up first
    assert dict(calls[0].params) == {
        "BOT_ID": BOT,
        "COMMAND": "echo",
        "COMMON": "N",
        "HIDDEN": "Y",
        "EXTRANET_SUPPORT": "N",
        "EVENT_COMMAND_ADD": HANDLER,
        "LANG": [
            {"LANGUAGE_ID": "en", "TITLE": "Echo", "PARAMS": "text"},
            {"LANGUAGE_ID": "ru", "TITLE": "Эхо", "PARAMS": ""},
        ],
    }
    # The fake hands its existing command back (the docs do not say what Bitrix24 does).
    [made] = bench.fake.commands
    assert first.command_id == second.command_id == made.command_id
    assert (made.version, made.event_url, made.hidden) == (1, HANDLER, True)
    assert dict(made.title) == {"en": "Echo", "ru": "Эхо"}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("version", [1, 2])
def test_a_webhook_client_sends_the_bot_token_and_never_logs_it(
    bench: Bench, how: str, version: int
) -> None:
    bench.fake.add_bot(bench.portal, BOT, v=version, bot_token=TOKEN)
    client = bench.client(webhook=bench.webhook(TOKEN))
    options: dict[str, Any] = {"bot_id": BOT, "command": "help", "title": "Help"}
    if version == 1:
        options.update(version=1, webhook_url=HANDLER)
    with all_log_records() as records:
        made = register(client, how, None, **options)
    assert made.created is (True if version == 2 else None)
    [command] = bench.fake.commands
    assert (command.bot_id, command.version) == (BOT, version)
    assert {(call.auth_kind, call.bot_token) for call in bench.fake.calls} == {("webhook", TOKEN)}
    assert TOKEN not in repr(made)
    assert leaked(map(record_text, records), [TOKEN, *bench.secrets()]) == []


@pytest.mark.parametrize("how", HOW)
def test_a_webhook_client_without_the_bot_token_is_refused(how: str) -> None:
    with open_bench("in-process") as bench:
        bench.fake.add_bot(bench.portal, BOT, bot_token=TOKEN)
        client = bench.client(webhook=bench.webhook())
        with pytest.raises(RestError) as caught:
            register(client, how, None, bot_id=BOT, command="help", title="Help")
        assert caught.value.code == "BOT_TOKEN_NOT_SPECIFIED"
        assert TOKEN not in f"{caught.value} {caught.value!r}"
        assert bench.fake.commands == []


@pytest.mark.parametrize("how", HOW)
def test_another_apps_bot_is_an_error_and_nothing_is_registered(how: str) -> None:
    with open_bench("in-process") as bench:
        theirs = bench.fake.add_bot(bench.portal, BOT + 1, bot_token=TOKEN)  # a webhook's bot
        client = app_client(bench)
        with pytest.raises(RestError) as caught:
            register(
                client, how, bench.portal.member_id, bot_id=theirs, command="help", title="Help"
            )
        assert caught.value.code == "BOT_OWNERSHIP_ERROR"
        assert bench.fake.calls_to("imbot.v2.Command.register") == []
        assert bench.fake.commands == []


def racing_client(bench: Bench, before: Any) -> RestClient:
    recording = RecordingTransport(bench.fake.transport(), before=before)
    return app_client(bench, transport=recording, async_transport=recording)


def concurrent_register(bench: Bench) -> int:
    """Another install handler's registration of ``help``, through the fake's own API."""
    with httpx.Client(transport=bench.fake.transport(), base_url=bench.base_url) as http:
        token = bench.fake.user_tokens(bench.portal)[0]
        body = {"auth": token, "botId": BOT, "fields": {"command": "help", "title": {"en": "H"}}}
        answer = http.post("/rest/imbot.v2.Command.register.json", json=body).json()
    command_id: int = answer["result"]["command"]["id"]
    return command_id


@pytest.mark.parametrize("how", HOW)
def test_a_registration_refused_by_a_race_lists_again_and_hands_back_the_winner(
    how: str,
) -> None:
    with open_bench("in-process") as bench:
        winner: list[int] = []

        def concurrent_install(request: httpx.Request) -> None:
            if request.url.path.endswith("imbot.v2.Command.register.json") and not winner:
                winner.append(concurrent_register(bench))
                bench.fake.fail_next(
                    400, "COMMAND_REGISTER_FAILED", method="imbot.v2.Command.register"
                )

        client = racing_client(bench, concurrent_install)
        made = register(
            client, how, bench.portal.member_id, bot_id=BOT, command="help", title="Help"
        )
        assert made == CommandRegistration(winner[0], "help", created=False)
        ours = [call.method for call in bench.fake.calls if "Command" in call.method]
        assert ours == [
            "imbot.v2.Command.list",
            "imbot.v2.Command.register",  # the concurrent one
            "imbot.v2.Command.register",  # ours, refused
            "imbot.v2.Command.list",
        ]
        assert len(bench.fake.commands) == 1


@pytest.mark.parametrize("how", HOW)
def test_a_race_the_idempotent_register_absorbs_answers_the_existing_command(how: str) -> None:
    with open_bench("in-process") as bench:
        winner: list[int] = []

        def concurrent_install(request: httpx.Request) -> None:
            if request.url.path.endswith("imbot.v2.Command.register.json") and not winner:
                winner.append(concurrent_register(bench))

        client = racing_client(bench, concurrent_install)
        made = register(
            client, how, bench.portal.member_id, bot_id=BOT, command="help", title="Help"
        )
        # Bitrix24 answers the existing command; the list before it had none, so this
        # call cannot tell and says it created it: one command either way.
        assert made == CommandRegistration(winner[0], "help", created=True)
        assert len(bench.fake.commands) == 1


@pytest.mark.parametrize("how", HOW)
def test_a_lost_answer_to_the_register_lists_again(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        bench.fake.drop_next(method="imbot.v2.Command.register", before_processing=False)
        made = register(
            client, how, bench.portal.member_id, bot_id=BOT, command="help", title="Help"
        )
        [command] = bench.fake.commands
        assert made == CommandRegistration(command.command_id, "help", created=True)
        assert [call.method for call in bench.fake.calls] == [
            "imbot.v2.Command.list",
            "imbot.v2.Command.register",
            "imbot.v2.Command.list",
        ]


@pytest.mark.parametrize("how", HOW)
def test_each_command_of_a_bot_is_found_by_its_own_name(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        member_id = bench.portal.member_id
        help_ = register(client, how, member_id, bot_id=BOT, command="help", title="Help")
        echo = register(client, how, member_id, bot_id=BOT, command="echo", title="Echo")
        assert help_.command_id != echo.command_id
        again = register(client, how, member_id, bot_id=BOT, command="Echo", title="Echo")
        assert again == CommandRegistration(echo.command_id, "Echo", created=False)
        assert len(bench.fake.commands) == 2


@pytest.mark.parametrize("how", HOW)
def test_a_register_lost_before_it_ran_is_sent_once_more(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        bench.fake.drop_next(method="imbot.v2.Command.register", before_processing=True)
        made = register(
            client, how, bench.portal.member_id, bot_id=BOT, command="help", title="Help"
        )
        [command] = bench.fake.commands
        assert made == CommandRegistration(command.command_id, "help", created=True)
        assert [call.method for call in bench.fake.calls] == [
            "imbot.v2.Command.list",
            "imbot.v2.Command.register",  # dropped before it ran
            "imbot.v2.Command.list",  # nothing: the idempotent register is sent again
            "imbot.v2.Command.register",
        ]


@pytest.mark.parametrize("how", HOW)
def test_a_refused_register_with_nothing_listed_is_raised(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        bench.fake.fail_next(400, "COMMAND_REGISTER_FAILED", method="imbot.v2.Command.register")
        with pytest.raises(RestError) as caught:
            register(client, how, bench.portal.member_id, bot_id=BOT, command="x", title="X")
        assert caught.value.code == "COMMAND_REGISTER_FAILED"
        assert len(bench.fake.calls_to("imbot.v2.Command.register")) == 1
        assert bench.fake.commands == []


@pytest.mark.parametrize("how", HOW)
def test_a_hidden_v2_command_needs_no_title(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        made = register(
            client, how, bench.portal.member_id, bot_id=BOT, command="debug", hidden=True
        )
        [command] = bench.fake.commands
        assert (made.created, command.hidden, dict(command.title)) == (True, True, {})
        [call] = bench.fake.calls_to("imbot.v2.Command.register")
        assert "title" not in call.params["fields"]


@pytest.mark.parametrize("how", HOW)
def test_another_registration_error_is_raised(how: str) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        bench.fake.fail_next(400, "COMMAND_NAME_INVALID", method="imbot.v2.Command.register")
        with pytest.raises(RestError) as caught:
            register(client, how, bench.portal.member_id, bot_id=BOT, command="x", title="X")
        assert caught.value.code == "COMMAND_NAME_INVALID"
        assert len(bench.fake.calls_to("imbot.v2.Command.list")) == 1  # not listed again
        assert bench.fake.commands == []


def test_answers_are_read_not_trusted_blindly() -> None:
    with open_bench("in-process") as bench:

        def lying(request: httpx.Request, response: httpx.Response) -> httpx.Response:
            if request.url.path.endswith("imbot.v2.Command.list.json"):
                junk = {"commands": [{"command": 7}, "junk", {"command": "/help", "id": "x"}]}
                return httpx.Response(200, json={"result": junk}, request=request)
            if request.url.path.endswith("imbot.v2.Command.register.json"):
                return httpx.Response(200, json={"result": {"command": []}}, request=request)
            return response

        recording = RecordingTransport(bench.fake.transport(), rewrite=lying)
        client = app_client(bench, transport=recording)
        with pytest.raises(RestError) as caught:
            register_command(
                client, bench.portal.member_id, bot_id=BOT, command="help", title="Help"
            )
        assert caught.value.code == "INVALID_RESPONSE"
        assert caught.value.method == "imbot.v2.Command.register"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"command": ""}, "command"),
        ({"command": "/"}, "command"),
        ({"command": "//help"}, "command"),
        ({"command": "he lp"}, "command"),
        ({"command": " help"}, "command"),
        ({"command": "help\n"}, "command"),
        ({"command": 5}, "command"),
        ({"title": ""}, "title"),
        ({"title": {}}, "title"),
        ({"title": {"en": " "}}, "title"),
        ({"title": {"": "Help"}}, "languages"),
        ({"title": None}, "title"),
        ({"params": ""}, "params"),
        ({"bot_id": 0}, "bot_id"),
        ({"bot_id": True}, "bot_id"),
        ({"bot_id": "456"}, "bot_id"),
        ({"version": 3}, "version"),
        ({"common": "Y"}, "common"),
        ({"hidden": 1}, "hidden"),
        ({"version": 1}, "webhook_url"),
        ({"version": 1, "webhook_url": " "}, "webhook_url"),
        ({"webhook_url": HANDLER}, "webhook_url"),
        ({"title": None, "hidden": True, "version": 1, "webhook_url": HANDLER}, "title"),
        ({"params": {"de": "Text"}, "version": 1, "webhook_url": HANDLER}, "language"),
    ],
)
@pytest.mark.parametrize("how", HOW)
def test_bad_arguments_are_value_errors_and_nothing_is_sent(
    how: str, options: dict[str, Any], message: str
) -> None:
    with open_bench("in-process") as bench:
        client = app_client(bench)
        arguments: dict[str, Any] = {"bot_id": BOT, "command": "help", "title": "Help"}
        with pytest.raises(ValueError, match=message):
            register(client, how, bench.portal.member_id, **{**arguments, **options})
        assert bench.fake.calls == []
        assert bench.fake.commands == []


def test_a_registered_command_reaches_its_on_command_handler() -> None:
    """The whole loop: register the bot and its /help, the user types it, the bot answers."""
    with open_bench("in-process") as bench:
        client = bench.client(webhook=bench.webhook(TOKEN))
        bot = register_bot(client, None, code="helper", name="Helper", event_mode="fetch")
        command = register_command(client, None, bot_id=bot.bot_id, command="help", title="Help")
        [stored] = bench.fake.commands  # the portal knows the bot's /help now
        assert (stored.command_id, stored.bot_id, stored.command) == (
            command.command_id,
            bot.bot_id,
            "help",
        )
        router = Router()
        seen: list[tuple[str, int | None]] = []

        @router.on_command("help")
        def help_(event: AnyCommandEvent) -> None:
            seen.append((event.command_name, event.command_id))
            client.reply(event, "Commands: /help")

        # What Bitrix24 queues when a user types the registered command to the bot.
        data = fetch_sample_data("ONIMBOTV2COMMANDADD", bot_id=bot.bot_id, bot_code="helper")
        data["command"].update(id=command.command_id, command="/help")
        bench.fake.push_event(bench.portal, bot.bot_id, "ONIMBOTV2COMMANDADD", data)
        poller = Poller(router, client, bot_id=bot.bot_id, app_limiter=None)
        try:
            poller.poll_once()
        finally:
            poller.close()
        assert seen == [("help", command.command_id)]
        [answer] = bench.fake.messages
        assert (answer.text, answer.command_id, answer.method) == (
            "Commands: /help",
            command.command_id,
            "imbot.v2.Command.answer",
        )
