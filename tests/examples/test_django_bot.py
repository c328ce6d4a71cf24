"""``examples/django_bot`` runs for real: its one command, and the project under waitress.

The one command (``run_with_fake.py``) must end with "The Django bot works.". The other
test serves the project the way it is deployed, ``waitress-serve
django_bot.wsgi:application`` in a process of its own with its ``DJANGO_*`` settings in the
environment (so this process never configures Django, and the Django settings of
``tests/contrib`` stay as they are), against a ``FakeBitrix24`` served here: a stranger's
install, the install, v1 and v2 messages and commands, a forged event, the record in the
SQLite file, and a second process on that file that verifies with it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from b24botevents import PortalRecord, SQLitePortalStore
from b24botevents.testing import FakeBitrix24, Portal, app_install_body, sample_body

from .one_command import run_example
from .wsgi_example_support import EXAMPLES, post, wait_until, waitress_process

CLIENT_ID = "local.django.test"
CLIENT_SECRET = "django-test-secret"
PUBLIC_URL = "https://bot.example.com/bitrix24/events"
#: What the bot says, as a user reads it (importing the bot would configure Django here).
HELP = "I am the Django bot. Commands: /echo <text> (I say it back), /help (this text)."
TARGET = "django_bot.wsgi:application"


def test_the_one_command_runs_the_bot_against_the_fake_portal() -> None:
    done = run_example(EXAMPLES / "django_bot" / "run_with_fake.py", timeout=60)
    out = done.stdout.decode()
    everything = out + done.stderr.decode()
    assert done.returncode == 0, everything
    assert out.rstrip().endswith("The Django bot works.")
    for line in (
        "a user sends /echo test (v1): 200",
        "its bot and its /echo and /help are registered: True",
        "imbot.v2.Command.register -> 200",
        "a forged event (another token): 403",
        "imbot.command.answer -> 200",
        'Got it: "Hello bot!". Try /help.',
        HELP,
    ):
        assert line in out
    assert "django-example-secret" not in everything


def _environ(fake_url: str, database: Path) -> dict[str, str]:
    """The environment a deployment gives the project, pointed at the fake."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "django_bot.settings",
        "DJANGO_SECRET_KEY": secrets.token_hex(32),
        "DJANGO_BOT_CLIENT_ID": CLIENT_ID,
        "DJANGO_BOT_CLIENT_SECRET": CLIENT_SECRET,
        "DJANGO_BOT_PUBLIC_URL": PUBLIC_URL,
        "DJANGO_BOT_DATABASE": str(database),
        "DJANGO_BOT_OAUTH_TOKEN_URL": f"{fake_url}/oauth/token/",
        "DJANGO_BOT_OAUTH_SERVER_URL": f"{fake_url}/oauth/rest/",
        "DJANGO_BOT_PORTAL_URL": fake_url,
    }


def _answered(fake: FakeBitrix24, url: str, body: str, count: int) -> tuple[str, str, str]:
    """Post ``body``: 200 at once, then (background handlers) the ``count``-th message."""
    assert post(url, body) == 200
    wait_until(lambda: len(fake.messages) >= count, f"reply {count}")
    assert len(fake.messages) == count  # one event, one reply
    last = fake.messages[-1]
    return last.method, last.text, last.dialog_id


def _stored(database: Path, portal: Portal) -> PortalRecord | None:
    """The portal's record as the SQLite file holds it."""
    store = SQLitePortalStore(database)
    try:
        return store.get(portal.member_id)
    finally:
        store.close()


def test_the_project_verifies_answers_and_remembers_across_a_restart(tmp_path: Path) -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    database = tmp_path / "portals.sqlite3"
    forged = sample_body("ONIMBOTMESSAGEADD", portal=portal.with_application_token())
    stranger = portal.evolve(access_token="a-token-nobody-issued", refresh_token="x")
    with fake.serve() as fake_url:
        environ = _environ(fake_url, database)
        with waitress_process(TARGET, cwd=EXAMPLES, env=environ) as first:
            url = f"{first.url}/bitrix24/events"
            # The online check asks the fake's OAuth server, which never issued that token.
            assert post(url, app_install_body(portal=stranger)) == 403
            assert _stored(database, portal) is None
            assert post(url, app_install_body(portal=portal)) == 200
            wait_until(lambda: len(fake.commands) == 2, "the registration of the commands")
            [bot] = fake.bots
            assert (bot.code, bot.webhook_url) == ("django_bot", PUBLIC_URL)
            commands = [(c.bot_id, c.command, dict(c.params)) for c in fake.commands]
            assert commands == [(bot.bot_id, "echo", {"en": "text"}), (bot.bot_id, "help", {})]
            v1 = sample_body("ONIMBOTMESSAGEADD", portal=portal)
            assert _answered(fake, url, v1, 1) == (
                "imbot.message.add",
                'Got it: "Hello". Try /help.',
                "27",
            )
            v2 = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
            assert _answered(fake, url, v2, 2) == (
                "imbot.v2.Chat.Message.send",
                'Got it: "Hello bot!". Try /help.',
                "chat5",
            )
            echo_v1 = sample_body("ONIMCOMMANDADD", portal=portal)  # "/echo test"
            assert _answered(fake, url, echo_v1, 3)[:2] == ("imbot.command.answer", "test")
            help_v2 = sample_body("ONIMBOTV2COMMANDADD", portal=portal)  # "/help topic"
            assert _answered(fake, url, help_v2, 4) == ("imbot.v2.Command.answer", HELP, "chat5")
            # Refused before any handler runs: the next event's reply is the only new one.
            assert post(url, forged) == 403
            assert _answered(fake, url, v1, 5)[1] == 'Got it: "Hello". Try /help.'
        assert first.returncode == 0, first.output  # SIGINT: a clean stop

        record = _stored(database, portal)
        assert record is not None
        assert (record.domain, record.application_token, record.installed) == (
            portal.domain,
            portal.application_token,
            True,
        )
        assert record.credentials is not None  # the OAuth tokens the replies use

        # A second process (a restart, another worker) verifies with what the file holds.
        with waitress_process(TARGET, cwd=EXAMPLES, env=environ) as second:
            url = f"{second.url}/bitrix24/events"
            assert post(url, forged) == 403
            v2 = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
            assert _answered(fake, url, v2, 6)[1] == 'Got it: "Hello bot!". Try /help.'
        assert second.returncode == 0, second.output
    assert len(fake.calls_to("imbot.v2.Bot.register")) == 1
    assert len(fake.calls_to("imbot.v2.Command.register")) == 2
    assert f"django_bot: bot {bot.bot_id} registered" in first.output
    output = first.output + second.output
    assert "application_token does not match" in output  # the forged events, logged
    for secret in (CLIENT_SECRET, portal.application_token, portal.access_token):
        assert secret not in output
