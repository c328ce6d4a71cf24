"""``examples/fetch_bot`` runs for real: its one command, and its bot driven page by page.

The one command (``run_with_fake.py``) serves a fake Bitrix24 on 127.0.0.1, runs the bot
in its own process three times, stopped each time with SIGTERM, and must end with "The
fetch bot works."; the other tests drive ``make_bot`` against a served fake, one page at a
time: the answers, a restart on the same offsets file, and a failing reply.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b24botevents.errors import RestError
from b24botevents.testing import FakeBitrix24, Portal

from .one_command import run_example

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "fetch_bot"
sys.path.insert(0, str(EXAMPLES))

from fetch_bot.bot import HELP, Bot, Settings, make_bot, make_client, register  # noqa: E402

BOT_TOKEN = "fetch-test-bot-token"


def test_the_one_command_runs_the_bot_against_the_fake_portal() -> None:
    done = run_example(EXAMPLE / "run_with_fake.py", timeout=180)
    out = done.stdout.decode()
    everything = out + done.stderr.decode()
    assert done.returncode == 0, everything
    assert out.rstrip().endswith("The fetch bot works.")
    for line in (
        "You said: Hello",
        "You said: Did it go well?",
        HELP,
        "SIGTERM while it answers: status 0",
        "all answered and acknowledged; SIGTERM: status 0",
    ):
        assert line in out
    assert "again!" not in out  # nothing answered twice
    assert "fetchexamplewebhooksecret7" not in everything
    assert "fetch-example-bot-token" not in everything


@pytest.fixture
def served() -> Iterator[tuple[FakeBitrix24, Portal, Settings]]:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve():
        yield fake, portal, Settings(webhook=fake.add_webhook(portal), bot_token=BOT_TOKEN)


def _registered(served: tuple[FakeBitrix24, Portal, Settings], tmp_path: Path) -> Settings:
    fake, _portal, settings = served
    client = make_client(settings)
    try:
        registration = register(client)
        assert register(client).bot_id == registration.bot_id  # idempotent
    finally:
        client.close()
    assert [bot.event_mode for bot in fake.bots] == ["fetch"]
    [command] = fake.commands  # registered once, found the second time
    assert (command.bot_id, command.command) == (registration.bot_id, "help")
    return Settings(
        webhook=settings.webhook,
        bot_token=settings.bot_token,
        bot_id=registration.bot_id,
        offsets=str(tmp_path / "offsets.db"),
    )


def _data(bot_id: int, text: str, command: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bot": {"id": bot_id, "code": "fetch_echo"},
        "message": {"id": 77, "chatId": 5, "authorId": 1, "text": text},
        "chat": {"id": 5, "dialogId": "chat5", "type": "chat"},
        "user": {"id": 1, "name": "John Smith"},
        "language": "en",
    }
    if command is not None:
        data["command"] = {"id": 3, "command": command, "params": "", "context": "textarea"}
    return data


def _poll(bot: Bot) -> None:
    try:
        bot.poller.poll_once()
    finally:
        bot.close()


def test_each_event_gets_its_answer_once_across_a_restart(
    served: tuple[FakeBitrix24, Portal, Settings], tmp_path: Path
) -> None:
    fake, portal, _ = served
    settings = _registered(served, tmp_path)
    bot_id = settings.bot_id
    assert bot_id is not None
    fake.push_event(portal, bot_id, "ONIMBOTV2MESSAGEADD", _data(bot_id, "Hi"))
    fake.push_event(portal, bot_id, "ONIMBOTV2MESSAGEADD", _data(bot_id, "/help"))
    fake.push_event(portal, bot_id, "ONIMBOTV2COMMANDADD", _data(bot_id, "/help", "/help"))
    _poll(make_bot(settings))
    assert [(m.method, m.text, m.dialog_id) for m in fake.messages] == [
        ("imbot.v2.Chat.Message.send", "You said: Hi", "chat5"),
        ("imbot.v2.Chat.Message.send", HELP, "chat5"),
        ("imbot.v2.Command.answer", HELP, "chat5"),
    ]
    assert all(call.bot_token == BOT_TOKEN for call in fake.calls_to("imbot.v2.Event.get"))
    # A new process on the same file: the page is acknowledged, nothing is answered again.
    later = fake.push_event(portal, bot_id, "ONIMBOTV2MESSAGEADD", _data(bot_id, "Later"))
    _poll(make_bot(settings))
    assert [m.text for m in fake.messages][3:] == ["You said: Later"]
    assert fake.event_offsets[-1].offset == later  # the saved offset went with the call
    _poll(make_bot(settings))
    assert fake.pending_events(portal, bot_id) == []
    assert len(fake.messages) == 4


def test_an_event_that_does_not_fit_is_skipped_and_a_failed_reply_stops_the_bot(
    served: tuple[FakeBitrix24, Portal, Settings], tmp_path: Path
) -> None:
    fake, portal, _ = served
    settings = _registered(served, tmp_path)
    bot_id = settings.bot_id
    assert bot_id is not None
    fake.push_event(portal, bot_id, "ONIMBOTV2MESSAGEADD", {"bot": {"id": bot_id}})  # no chat
    fake.push_event(portal, bot_id, "ONIMBOTV2MESSAGEADD", _data(bot_id, "One"))
    fake.fail_next(400, error="ACCESS_DENIED", method="imbot.v2.Chat.Message.send")
    with pytest.raises(RestError, match="ACCESS_DENIED"):
        _poll(make_bot(settings))  # the reply failed: stopped before that event
    assert fake.messages == []
    _poll(make_bot(settings))  # the next start answers it first; the bad one stays skipped
    assert [m.text for m in fake.messages] == ["You said: One"]
