"""``examples/fastapi_bot`` runs for real: its one command, and its app over real HTTP.

Every test uses a real ``redis-server`` (``redis_server.py``), a ``FakeBitrix24`` served
on 127.0.0.1 and the app from ``create_app`` served by a real uvicorn in a thread
(``tests/contrib/servers.py``). The app answers in background mode, so each test checks
the 200 first and then waits, bounded, for the replies the fake portal records. The one
command (``run_with_fake.py``) runs the app in processes of its own, restarted on the
same Redis, and must end with "The FastAPI bot works.".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from b24botevents import RedisPortalStore
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    SentMessage,
    app_install_body,
    app_uninstall_body,
    sample_body,
)
from contrib.servers import Served, stop_server, uvicorn_server
from redis_server import running_redis_server

from .one_command import run_example

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "fastapi_bot"
sys.path.insert(0, str(EXAMPLES))

from fastapi_bot.app import (  # noqa: E402
    BOT_CODE,
    EVENTS_PATH,
    HELP,
    Settings,
    SettingsError,
    create_app,
)
from fastapi_bot.run_with_fake import forged, v1_help_command, v2_message  # noqa: E402

CLIENT_ID = "local.fastapi.test"
CLIENT_SECRET = "fastapi-test-secret"  # the fake app's, made up
FORBIDDEN = "forbidden: the event could not be verified"
FORM = {"content-type": FORM_CONTENT_TYPE}
#: Replies go out after the answer, rate-limited (2 calls a second per portal).
REPLY_TIMEOUT = 10.0


def test_the_one_command_runs_the_bot_against_the_fake_portal_and_redis() -> None:
    done = run_example(EXAMPLE / "run_with_fake.py", timeout=120)
    out = done.stdout.decode()
    everything = out + done.stderr.decode()
    assert done.returncode == 0, everything
    assert out.rstrip().endswith("The FastAPI bot works.")
    for line in (
        "the app is installed: 200 accepted",
        "the bot and its /help are registered: True",
        "imbot.v2.Command.register -> 200",
        "You said: Hello",
        "You said: Hello bot!",
        HELP,
        "the bot answered before it stopped: You said: Bye for now",
        "Redis holds the portal's record and tokens: True",
        "a new app process on the same Redis:",
        "You said: Still there?",
        "a forged event (wrong application_token): 403 forbidden",
        "a user writes after the uninstall: 403 forbidden",
        "the app stopped: after a clean shutdown",
    ):
        assert line in out
    assert out.count("stopped; the REST client and the Redis store are closed") == 2
    assert "fastapi-example-secret" not in everything


@dataclass
class Rig:
    """A served fake portal, a Redis, and the settings that point the app at both."""

    fake: FakeBitrix24
    portal: Portal
    redis_url: str
    settings: Settings
    stack: ExitStack

    def serve(self) -> Served:
        """One more app instance on the same Redis, under uvicorn; stopped at the end."""
        return self.stack.enter_context(uvicorn_server(create_app(self.settings)))

    def replies(self, count: int, *, after: int = 0) -> list[SentMessage]:
        """The ``count`` messages the bot sent after the first ``after``, waited for."""
        _wait(lambda: len(self.fake.messages) >= after + count)
        return self.fake.messages[after:]

    def stored(self) -> RedisPortalStore:
        store = RedisPortalStore(self.redis_url)  # a fresh client: what Redis holds
        self.stack.callback(store.close)
        return store


@pytest.fixture
def rig() -> Iterator[Rig]:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    with ExitStack() as stack:
        redis_url = stack.enter_context(running_redis_server()).url
        fake_url = stack.enter_context(fake.serve())
        settings = Settings(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            public_url="https://bot.example.com" + EVENTS_PATH,
            redis_url=redis_url,
            token_url=f"{fake_url}/oauth/token/",
            server_url=f"{fake_url}/oauth/rest/",
            portal_url=fake_url,
            shutdown_timeout=10.0,
        )
        # Entered last, so the app servers stop before the fake and Redis do.
        yield Rig(fake, portal, redis_url, settings, stack.enter_context(ExitStack()))


def _post(served: Served, body: str) -> httpx.Response:
    return httpx.post(served.url + EVENTS_PATH, content=body, headers=FORM, timeout=30)


def _install(rig: Rig, served: Served) -> None:
    answer = _post(served, app_install_body(portal=rig.portal))
    assert (answer.status_code, answer.text) == (200, "accepted")
    _wait(lambda: bool(rig.fake.commands))  # the last thing the install handler does


def _wait(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + REPLY_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.02)


def test_each_event_is_answered_200_at_once_and_replied_to_after(rig: Rig) -> None:
    served = rig.serve()
    fake, portal = rig.fake, rig.portal
    _install(rig, served)
    assert [call.method for call in fake.calls] == [
        "oauth/app.info",  # the online install check
        "imbot.v2.Bot.list",
        "imbot.v2.Bot.register",
        "imbot.v2.Command.list",
        "imbot.v2.Command.register",
    ]
    assert [(bot.code, bot.event_mode) for bot in fake.bots] == [(BOT_CODE, "webhook")]
    [command] = fake.commands
    assert (command.bot_id, command.command) == (fake.bots[0].bot_id, "help")

    # The fake holds the v1 reply 2 s (ample on a loaded machine): the answer came first.
    fake.delay_next(2.0, method="imbot.message.add")
    answer = _post(served, sample_body("ONIMBOTMESSAGEADD", portal=portal))
    assert (answer.status_code, answer.text) == (200, "accepted")
    assert fake.messages == []
    [v1] = rig.replies(1)
    assert (v1.method, v1.text) == ("imbot.message.add", "You said: Hello")

    cases = [
        (v2_message(portal, "Hi there"), "imbot.v2.Chat.Message.send", "You said: Hi there"),
        (sample_body("ONIMBOTV2COMMANDADD", portal=portal), "imbot.v2.Command.answer", HELP),
        (v1_help_command(portal), "imbot.command.answer", HELP),
    ]
    for body, method, text in cases:
        before = len(fake.messages)
        answer = _post(served, body)
        assert (answer.status_code, answer.text) == (200, "accepted")
        [reply] = rig.replies(1, after=before)
        assert (reply.method, reply.text, reply.member_id) == (method, text, portal.member_id)
    # One call per reply, all answered: nothing retried, no "typing…" spent.
    assert [call.method for call in fake.calls[5:]] == [
        "imbot.message.add",
        *(method for _, method, _ in cases),
    ]
    assert all(call.status == 200 for call in fake.calls)


def test_the_portal_lives_in_redis_and_any_instance_verifies_its_events(rig: Rig) -> None:
    first, second = rig.serve(), rig.serve()  # two workers, one Redis
    fake, portal = rig.fake, rig.portal
    _install(rig, first)

    record = rig.stored().get(portal.member_id)
    assert record is not None
    assert (record.domain, record.installed) == (portal.domain, True)
    assert record.application_token == portal.application_token
    assert record.credentials is not None
    assert record.credentials.access_token == portal.access_token
    raw = redis.Redis.from_url(rig.redis_url)
    rig.stack.callback(raw.close)
    assert raw.exists(f"b24botevents:portal:v1:m:{portal.member_id}") == 1

    answer = _post(second, v2_message(portal, "Are you the same bot?"))
    assert (answer.status_code, answer.text) == (200, "accepted")
    [reply] = rig.replies(1)
    assert reply.text == "You said: Are you the same bot?"

    # A restarted instance has nothing but Redis to go on.
    stop_server(first)
    third = rig.serve()
    answer = _post(third, sample_body("ONIMBOTMESSAGEADD", portal=portal))
    assert answer.status_code == 200
    assert rig.replies(1, after=1)[0].text == "You said: Hello"

    # An uninstall through one instance is seen by the others at once.
    assert _post(third, app_uninstall_body(portal=portal)).status_code == 200
    record = rig.stored().get(portal.member_id)
    assert record is not None
    assert not record.installed
    assert _post(second, v2_message(portal, "Anyone?")).status_code == 403
    assert len(fake.messages) == 2


def test_forged_events_get_403_and_no_reply(rig: Rig) -> None:
    served = rig.serve()
    fake, portal = rig.fake, rig.portal
    stranger = Portal.random()  # a portal that never installed the app
    assert _post(served, v2_message(stranger, "before any install")).status_code == 403
    _install(rig, served)

    refused = [
        v2_message(forged(portal), "forged 1"),  # the portal's ids, not its token
        v2_message(stranger, "forged 2"),
        # A reinstall with a new token and tokens nobody issued: the online check refuses.
        app_install_body(portal=portal.evolve(application_token="e" * 32, access_token="x" * 50)),
    ]
    for body in refused:
        answer = _post(served, body)
        assert (answer.status_code, answer.text) == (403, FORBIDDEN)
    # A genuine event afterwards is answered; none of the forged ones ever was.
    assert _post(served, v2_message(portal, "genuine")).status_code == 200
    assert [m.text for m in rig.replies(1)] == ["You said: genuine"]
    stop_server(served)  # drains the handlers: nothing else can come now
    assert [m.text for m in fake.messages] == ["You said: genuine"]
    assert len(fake.calls_to("imbot.v2.Bot.register")) == 1
    assert len(fake.calls_to("imbot.v2.Command.register")) == 1
    record = rig.stored().get(portal.member_id)
    assert record is not None
    assert record.application_token == portal.application_token


def test_shutdown_sends_the_replies_still_running(rig: Rig) -> None:
    served = rig.serve()
    _install(rig, served)
    rig.fake.delay_next(2.0, method="imbot.v2.Chat.Message.send")
    answer = _post(served, v2_message(rig.portal, "Bye"))
    assert (answer.status_code, answer.text) == (200, "accepted")
    assert rig.fake.messages == []
    stop_server(served)  # the lifespan waits for the handler, then closes the client
    assert [m.text for m in rig.fake.messages] == ["You said: Bye"]


def test_settings_come_from_the_environment_and_keep_secrets_out_of_repr() -> None:
    env = {
        "FASTAPI_BOT_CLIENT_ID": "local.abc.def",
        "FASTAPI_BOT_CLIENT_SECRET": "very-secret-value",
        "FASTAPI_BOT_PUBLIC_URL": "https://bot.example.com/bitrix24/events",
        "FASTAPI_BOT_REDIS_URL": "redis://:redis-password@redis.internal:6379/2",
    }
    settings = Settings.from_env(env)
    assert (settings.client_id, settings.client_secret) == ("local.abc.def", "very-secret-value")
    assert settings.redis_url.endswith("redis.internal:6379/2")
    assert settings.token_url == "https://oauth.bitrix.info/oauth/token/"
    assert settings.server_url == "https://oauth.bitrix.info/rest/"
    assert settings.portal_url is None  # calls go to each portal's own domain
    assert "very-secret-value" not in repr(settings)
    assert "redis-password" not in repr(settings)

    with pytest.raises(SettingsError) as missing:
        Settings.from_env({"FASTAPI_BOT_CLIENT_SECRET": "very-secret-value"})
    assert "FASTAPI_BOT_CLIENT_ID" in str(missing.value)
    assert "FASTAPI_BOT_PUBLIC_URL" in str(missing.value)
    assert "very-secret-value" not in str(missing.value)
