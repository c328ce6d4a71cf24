"""``examples/echo_bot`` runs for real: its one command, and its bot driven event by event.

The one command (``run_with_fake.py``) starts a fake Bitrix24 and the bot on 127.0.0.1
and must end with "The echo bot works."; the second test drives ``make_bot`` through a
real WSGI server and checks each answer, the online install check and idempotent bot
registration on a reinstall.
"""

from __future__ import annotations

import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    sample_body,
)

from .one_command import run_example

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "echo_bot"
sys.path.insert(0, str(EXAMPLE))

from bot import HELP, Bot, Settings, make_bot  # noqa: E402


def test_the_one_command_runs_the_bot_against_the_fake_portal() -> None:
    done = run_example(EXAMPLE / "run_with_fake.py", timeout=120)
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert out.rstrip().endswith("The echo bot works.")
    for line in (
        "You said: Hello",
        "You said: Hello bot!",
        HELP,
        "imbot.v2.Bot.register -> 200",
        "imbot.v2.Command.register -> 200",
    ):
        assert line in out
    assert "echo-example-secret" not in out + done.stderr.decode()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[FakeBitrix24, Portal, str, Bot]]:
    fake = FakeBitrix24(client_id="local.echo.test", client_secret="echo-test-secret")
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve() as portal_url:
        bot = make_bot(
            Settings(
                client_id="local.echo.test",
                client_secret="echo-test-secret",
                public_url="https://bot.example.com/events",
                database=str(tmp_path / "echo.db"),
                token_url=f"{portal_url}/oauth/token/",
                server_url=f"{portal_url}/oauth/rest/",
                portal_url=portal_url,
            )
        )
        server = make_server("127.0.0.1", 0, WSGIApp(bot.dispatcher), handler_class=_Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield fake, portal, f"http://127.0.0.1:{server.server_port}/events", bot
        finally:
            server.shutdown()
            server.server_close()
            bot.close()


def _post(url: str, body: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - a 127.0.0.1 test server
        url, data=body.encode(), headers={"Content-Type": FORM_CONTENT_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_each_event_gets_its_answer(running: tuple[FakeBitrix24, Portal, str, Bot]) -> None:
    fake, portal, url, _bot = running
    assert _post(url, app_install_body(portal=portal)) == 200
    assert [call.method for call in fake.calls[:5]] == [
        "oauth/app.info",
        "imbot.v2.Bot.list",
        "imbot.v2.Bot.register",
        "imbot.v2.Command.list",
        "imbot.v2.Command.register",
    ]
    [bot] = fake.bots
    [command] = fake.commands
    assert (command.bot_id, command.command, dict(command.title)) == (
        bot.bot_id,
        "help",
        {"en": "Show help"},
    )
    assert _post(url, sample_body("ONIMBOTMESSAGEADD", portal=portal)) == 200
    assert fake.messages[-1].text == "You said: Hello"
    assert fake.calls_to("imbot.chat.sendTyping")  # "typing…" first
    assert _post(url, sample_body("ONIMBOTV2MESSAGEADD", portal=portal)) == 200
    assert fake.messages[-1].text == "You said: Hello bot!"
    assert fake.messages[-1].method == "imbot.v2.Chat.Message.send"
    help_v1 = sample_body("ONIMCOMMANDADD", portal=portal).replace("=echo", "=help")
    assert _post(url, help_v1) == 200
    assert fake.messages[-1].text == HELP
    assert fake.messages[-1].method == "imbot.command.answer"


def test_a_reinstall_keeps_the_bot(running: tuple[FakeBitrix24, Portal, str, Bot]) -> None:
    fake, portal, url, _bot = running
    assert _post(url, app_install_body(portal=portal)) == 200
    assert _post(url, app_install_body(portal=portal, version="2")) == 200
    assert len(fake.calls_to("imbot.v2.Bot.register")) == 1
    assert len([bot for bot in fake.bots if bot.code == "echo_bot"]) == 1
    assert len(fake.calls_to("imbot.v2.Command.register")) == 1
    assert [command.command for command in fake.commands] == ["help"]


def test_a_stranger_cannot_install_as_the_portal(
    running: tuple[FakeBitrix24, Portal, str, Bot],
) -> None:
    """The online check asks the portal: a token the fake never issued is refused."""
    fake, portal, url, bot = running
    stranger = portal.evolve(access_token="a-token-nobody-issued", refresh_token="x")
    assert _post(url, app_install_body(portal=stranger)) == 403
    assert bot.store.get(portal.member_id) is None
    assert fake.calls_to("imbot.v2.Bot.register") == []
    assert fake.commands == []
