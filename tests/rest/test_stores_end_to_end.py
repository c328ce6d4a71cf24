"""A bot's whole life on every store, over real HTTP, with ``handle`` and with ``ahandle``.

Memory, SQLite and a real Redis; the fake Bitrix24 served on 127.0.0.1; a dispatcher with
the online install check; sync handlers in ``handle``, async ones in ``ahandle``. An
install is checked and stored with its credentials, v1 and v2 messages and a command are
answered, expired tokens are refreshed and written back, a 429 is waited out, and the
uninstall leaves the portal unable to be answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from b24botevents import Dispatcher, PortalStore
from b24botevents.errors import RestError
from b24botevents.models import AnyCommandEvent, AnyMessageAddEvent
from b24botevents.rest import OAuthApp, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.rest.install_check import AsyncOnlineInstallCheck, OnlineInstallCheck
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    app_uninstall_body,
    sample_body,
)
from dispatch_fixtures import make_portal_store as make_portal_store

KINDS = ["memory", "sqlite", "redis"]
SECRET = "e2e-client-SECRET-77ab"


class Life:
    """One bot on one store, driven sync (``handle``) or async (``ahandle``)."""

    def __init__(self, store: PortalStore, url: str, runner: str) -> None:
        self.store = store
        self.runner = runner
        self.client = RestClient(
            portal_store=store,
            app=OAuthApp(
                "local.e2e",
                SECRET,
                token_url=f"{url}/oauth/token/",
                server_url=f"{url}/oauth/rest/",
            ),
            portal_url=url,
            rate=None,
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        )
        if runner == "handle":
            self.dp = Dispatcher(
                portal_store=store, approve_install=OnlineInstallCheck(self.client)
            )
            self._sync_handlers()
        else:
            hook = AsyncOnlineInstallCheck(self.client)
            self.dp = Dispatcher(portal_store=store, approve_install=hook)
            self._async_handlers()

    def _sync_handlers(self) -> None:
        client = self.client

        @self.dp.on_message
        def echo(event: AnyMessageAddEvent) -> None:
            client.reply(event, f"echo {event.text}")

        @self.dp.on_command
        def command(event: AnyCommandEvent) -> None:
            client.reply(event, f"command {event.command_name}")

    def _async_handlers(self) -> None:
        client = self.client

        @self.dp.on_message
        async def echo(event: AnyMessageAddEvent) -> None:
            await client.areply(event, f"echo {event.text}")

        @self.dp.on_command
        async def command(event: AnyCommandEvent) -> None:
            await client.areply(event, f"command {event.command_name}")

    def post(self, body: str) -> int:
        if self.runner == "handle":
            return self.dp.handle(body, content_type=FORM_CONTENT_TYPE).status
        return asyncio.run(self._apost(body))

    async def _apost(self, body: str) -> int:
        return (await self.dp.ahandle(body, content_type=FORM_CONTENT_TYPE)).status


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, make_portal_store: Callable[[str], Any]) -> PortalStore:
    made: PortalStore = make_portal_store(request.param)
    return made


@pytest.fixture
def lives() -> Iterator[Callable[[Life], Life]]:
    """Keeps every ``Life`` made in a test and closes its client, pass or fail."""
    made: list[Life] = []

    def keep(life: Life) -> Life:
        made.append(life)
        return life

    yield keep
    for life in made:
        life.client.close()


@pytest.fixture
def served() -> Iterator[tuple[FakeBitrix24, str]]:
    fake = FakeBitrix24(client_id="local.e2e", client_secret=SECRET)
    with fake.serve() as url:
        yield fake, url


@pytest.mark.parametrize("runner", ["handle", "ahandle"])
def test_a_bots_whole_life(
    store: PortalStore,
    served: tuple[FakeBitrix24, str],
    runner: str,
    lives: Callable[[Life], Life],
) -> None:
    fake, url = served
    portal = Portal.random()
    fake.add_portal(portal)
    life = lives(Life(store, url, runner))

    assert life.post(app_install_body(portal=portal)) == 200
    record = store.get(portal.member_id)
    assert record is not None
    assert record.credentials is not None
    assert [call.method for call in fake.calls] == ["oauth/app.info"]

    assert life.post(sample_body("ONIMBOTMESSAGEADD", portal=portal)) == 200
    assert life.post(sample_body("ONIMBOTV2MESSAGEADD", portal=portal)) == 200
    assert life.post(sample_body("ONIMBOTV2COMMANDADD", portal=portal)) == 200
    assert [(m.method, m.text) for m in fake.messages] == [
        ("imbot.message.add", "echo Hello"),
        ("imbot.v2.Chat.Message.send", "echo Hello bot!"),
        ("imbot.v2.Command.answer", "command help"),
    ]

    fake.expire_tokens(portal)
    fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", method="imbot.v2.Chat.Message.send")
    assert life.post(sample_body("ONIMBOTV2MESSAGEADD", portal=portal)) == 200
    assert fake.messages[-1].text == "echo Hello bot!"
    assert len([r for r in fake.refreshes if r.error is None]) == 1
    renewed = store.get(portal.member_id)
    assert renewed is not None
    assert renewed.credentials is not None
    assert renewed.credentials.access_token == fake.user_tokens(portal)[0]
    assert renewed.revision > record.revision

    assert life.post(app_uninstall_body(portal=portal)) == 200
    gone = store.get(portal.member_id)
    assert gone is not None
    assert not gone.installed
    assert gone.credentials is None
    with pytest.raises(RestError) as caught:
        life.client.call("profile", portal=portal.member_id)
    assert caught.value.code == "PORTAL_NOT_INSTALLED"


@pytest.mark.parametrize("runner", ["handle", "ahandle"])
def test_a_stranger_cannot_install_as_a_real_portal(
    store: PortalStore,
    served: tuple[FakeBitrix24, str],
    runner: str,
    lives: Callable[[Life], Life],
) -> None:
    fake, url = served
    portal = Portal.random()
    fake.add_portal(portal)
    life = lives(Life(store, url, runner))
    stranger = portal.evolve(access_token="never-issued-by-the-portal")
    assert life.post(app_install_body(portal=stranger)) == 403
    assert store.get(portal.member_id) is None
    assert life.post(app_install_body(portal=portal)) == 200
