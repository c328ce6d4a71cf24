"""``examples/flask_bot`` runs for real: its one command, and its app on a real server.

The one command (``run_with_fake.py``) must end with "The Flask bot works."; the other
tests build the app with ``create_app`` from ``FLASK_BOT_*`` settings pointed at a
``FakeBitrix24`` served on 127.0.0.1, serve it with waitress and post Bitrix24's bodies
to it over HTTP: each answer, the record in the SQLite file (read again by a fresh app),
forged events and a stranger's install refused with nothing answered.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from b24botevents import SQLitePortalStore
from b24botevents.testing import FakeBitrix24, Portal, app_install_body, sample_body
from contrib.servers import waitress_server

from .wsgi_example_support import EXAMPLES, post, wait_until

sys.path.insert(0, str(EXAMPLES))

from flask_bot.app import BOT_CODE, EVENTS_PATH, HELP, Bot, Settings, create_app

from .one_command import run_example

CLIENT_ID = "local.flask.test"
CLIENT_SECRET = "flask-test-secret"
PUBLIC_URL = f"https://bot.example.com{EVENTS_PATH}"


def test_the_one_command_runs_the_bot_against_the_fake_portal() -> None:
    done = run_example(EXAMPLES / "flask_bot" / "run_with_fake.py", timeout=60)
    out = done.stdout.decode()
    everything = out + done.stderr.decode()
    assert done.returncode == 0, everything
    assert out.rstrip().endswith("The Flask bot works.")
    for line in (
        "a forged event (another token): 403",
        'after a restart, "Hello" again (v1): 200',
        "imbot.v2.Command.answer -> 200",
        "its bot and its /help are registered: True",
        "imbot.v2.Command.register -> 200",
        "You wrote: Hello bot!",
        HELP,
    ):
        assert line in out
    assert "flask-example-secret" not in everything


@pytest.fixture
def fake() -> Iterator[tuple[FakeBitrix24, Portal, str]]:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve() as fake_url:
        yield fake, portal, fake_url


def _settings(fake_url: str, database: Path) -> Settings:
    """The settings a deployment gives in its environment, pointed at the fake."""
    return Settings.from_env(
        {
            "FLASK_BOT_CLIENT_ID": CLIENT_ID,
            "FLASK_BOT_CLIENT_SECRET": CLIENT_SECRET,
            "FLASK_BOT_PUBLIC_URL": PUBLIC_URL,
            "FLASK_BOT_DATABASE": str(database),
            "FLASK_BOT_OAUTH_TOKEN_URL": f"{fake_url}/oauth/token/",
            "FLASK_BOT_OAUTH_SERVER_URL": f"{fake_url}/oauth/rest/",
            "FLASK_BOT_PORTAL_URL": fake_url,
        }
    )


@contextmanager
def _served(settings: Settings) -> Iterator[str]:
    """A fresh app from ``create_app`` under waitress; its events URL."""
    app = create_app(settings)
    bot: Bot = app.extensions["flask_bot"]
    try:
        with waitress_server(app) as base_url:
            yield base_url + EVENTS_PATH
    finally:
        bot.close()


def _answered(fake: FakeBitrix24, url: str, body: str, count: int) -> tuple[str, str, str]:
    """Post ``body``: 200 at once, then (background handlers) the ``count``-th message."""
    assert post(url, body) == 200
    wait_until(lambda: len(fake.messages) >= count, f"reply {count}")
    assert len(fake.messages) == count  # one event, one reply
    last = fake.messages[-1]
    return last.method, last.text, last.dialog_id


def test_events_are_verified_answered_and_remembered_across_a_restart(
    fake: tuple[FakeBitrix24, Portal, str], tmp_path: Path
) -> None:
    fake_portal, portal, fake_url = fake
    database = tmp_path / "portals.sqlite3"
    settings = _settings(fake_url, database)
    forged = sample_body("ONIMBOTV2MESSAGEADD", portal=portal.with_application_token())
    with _served(settings) as url:
        assert post(url, app_install_body(portal=portal)) == 200
        wait_until(lambda: bool(fake_portal.commands), "the registration of the bot's /help")
        [bot] = fake_portal.bots
        assert (bot.code, bot.webhook_url, bot.member_id) == (
            BOT_CODE,
            PUBLIC_URL,
            portal.member_id,
        )
        [command] = fake_portal.commands
        assert (command.bot_id, command.command, dict(command.title)) == (
            bot.bot_id,
            "help",
            {"en": "Show help"},
        )
        assert _answered(fake_portal, url, sample_body("ONIMBOTMESSAGEADD", portal=portal), 1) == (
            "imbot.message.add",
            "You wrote: Hello",
            "27",
        )
        v2 = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
        assert _answered(fake_portal, url, v2, 2) == (
            "imbot.v2.Chat.Message.send",
            "You wrote: Hello bot!",
            "chat5",
        )
        help_v2 = sample_body("ONIMBOTV2COMMANDADD", portal=portal)  # "/help topic"
        assert _answered(fake_portal, url, help_v2, 3) == (
            "imbot.v2.Command.answer",
            HELP,
            "chat5",
        )
        help_v1 = sample_body("ONIMCOMMANDADD", portal=portal).replace("=echo", "=help")
        assert _answered(fake_portal, url, help_v1, 4)[:2] == ("imbot.command.answer", HELP)
        # Refused before any handler runs: the next event's reply is the only new one.
        assert post(url, forged) == 403
        assert _answered(fake_portal, url, v2, 5)[1] == "You wrote: Hello bot!"

    store = SQLitePortalStore(database)  # the record as the file keeps it
    try:
        record = store.get(portal.member_id)
    finally:
        store.close()
    assert record is not None
    assert (record.domain, record.application_token, record.installed) == (
        portal.domain,
        portal.application_token,
        True,
    )
    assert record.credentials is not None  # the OAuth tokens the replies use

    # A fresh app (a restart, another worker) verifies with what the file holds.
    with _served(settings) as url:
        assert post(url, forged) == 403
        v1 = sample_body("ONIMBOTMESSAGEADD", portal=portal)
        assert _answered(fake_portal, url, v1, 6)[:2] == ("imbot.message.add", "You wrote: Hello")
    assert len(fake_portal.calls_to("imbot.v2.Bot.register")) == 1
    assert len(fake_portal.calls_to("imbot.v2.Command.register")) == 1


def test_a_stranger_cannot_install_and_nothing_unverified_is_answered(
    fake: tuple[FakeBitrix24, Portal, str], tmp_path: Path
) -> None:
    fake_portal, portal, fake_url = fake
    database = tmp_path / "portals.sqlite3"
    stranger = portal.evolve(access_token="a-token-nobody-issued", refresh_token="x")
    with _served(_settings(fake_url, database)) as url:
        # The online check asks the fake's OAuth server, which never issued that token.
        assert post(url, app_install_body(portal=stranger)) == 403
        # Not installed: the portal's own application_token verifies nothing yet.
        assert post(url, sample_body("ONIMBOTMESSAGEADD", portal=portal)) == 403
    assert [call.method for call in fake_portal.calls] == ["oauth/app.info"]
    assert fake_portal.messages == []
    store = SQLitePortalStore(database)
    try:
        assert store.get(portal.member_id) is None
    finally:
        store.close()


def test_the_settings_come_from_the_environment() -> None:
    with pytest.raises(RuntimeError, match="set FLASK_BOT_CLIENT_SECRET"):
        Settings.from_env({"FLASK_BOT_CLIENT_ID": CLIENT_ID, "FLASK_BOT_PUBLIC_URL": PUBLIC_URL})
    settings = Settings.from_env(
        {
            "FLASK_BOT_CLIENT_ID": CLIENT_ID,
            "FLASK_BOT_CLIENT_SECRET": CLIENT_SECRET,
            "FLASK_BOT_PUBLIC_URL": PUBLIC_URL,
        }
    )
    # Bitrix24's own OAuth server and each portal's domain unless told otherwise.
    assert settings.token_url == "https://oauth.bitrix.info/oauth/token/"
    assert settings.server_url == "https://oauth.bitrix.info/rest/"
    assert settings.portal_url is None
    assert CLIENT_SECRET not in repr(settings)
