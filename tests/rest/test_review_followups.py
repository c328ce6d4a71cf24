"""Review follow-ups: a send answered 2xx without JSON may have run; bot lists are paged.

* A portal (or a proxy) that answers a send with 200 and no JSON has still taken the
  request: the ``RestError`` says ``may_have_run``, so the caller does not blindly
  send again.
* A batch whose later request fails says what the earlier ones did (``partial``).
* ``register_bot`` finds an existing v2 bot on a later page of ``imbot.v2.Bot.list``
  (50 a page), instead of registering it again and reporting ``created=True``.
"""

from __future__ import annotations

import httpx
import pytest

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.errors import RestError
from b24botevents.rest import BatchResult, RetryPolicy
from b24botevents.rest.bots import register_bot
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal
from rest.support import CLIENT_ID, CLIENT_SECRET, Answer, Hit, app_for, install, local_server


def _html_ok(_hit: Hit) -> Answer:
    return 200, [("Content-Type", "text/html")], [b"<html>ok</html>"]


def test_a_send_answered_2xx_without_json_may_have_run() -> None:
    store = MemoryPortalStore()
    portal = Portal.random()
    install(Dispatcher(portal_store=store), portal)
    with local_server(_html_ok) as server:
        client = RestClient(
            portal_store=store,
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01),
        )
        with client:
            try:
                client.call(
                    "imbot.message.add",
                    {"BOT_ID": 1, "DIALOG_ID": "1", "MESSAGE": "hi"},
                    portal=portal.member_id,
                )
            except RestError as error:
                caught = error
            else:  # pragma: no cover - the assertion below reports it
                raise AssertionError("a 200 without JSON was taken as a result")
        assert len(server.hits) == 1  # not sent again
    assert caught.code == "HTTP_ERROR"
    assert caught.may_have_run


def test_register_bot_finds_a_bot_on_a_later_page() -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    for number in range(60):
        fake.add_bot(portal, 1000 + number, code=f"bot{number}", v=2)
    store = MemoryPortalStore()
    install(Dispatcher(portal_store=store), portal)
    client = RestClient(
        portal_store=store,
        app=fake.oauth_app(),
        portal_url=fake.base_url,
        transport=fake.transport(),
        rate=None,
    )
    with client:
        found = register_bot(
            client, portal.member_id, code="bot55", name="Late", event_mode="fetch"
        )
    assert found.bot_id == 1055
    assert not found.created
    assert fake.calls_to("imbot.v2.Bot.register") == []
    assert len(fake.calls_to("imbot.v2.Bot.list")) == 2


def test_a_batch_failing_in_a_later_request_keeps_what_the_earlier_ones_did() -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    store = MemoryPortalStore()
    install(Dispatcher(portal_store=store), portal)
    inner = fake.transport()
    batches: list[int] = []

    def second_batch_refused(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batch.json"):
            batches.append(1)
            if len(batches) == 2:
                return httpx.Response(403, json={"error": "ACCESS_DENIED"}, request=request)
        return inner.handle_request(request)

    client = RestClient(
        portal_store=store,
        app=fake.oauth_app(),
        portal_url=fake.base_url,
        transport=httpx.MockTransport(second_batch_refused),
        rate=None,
    )
    commands = {
        f"m{n}": ("imbot.message.add", {"BOT_ID": 5, "DIALOG_ID": "chat1", "MESSAGE": f"{n}"})
        for n in range(60)
    }
    with client, pytest.raises(RestError) as caught:
        client.batch(commands, portal=portal.member_id)
    assert caught.value.code == "ACCESS_DENIED"
    partial = caught.value.partial
    assert isinstance(partial, BatchResult)
    assert set(partial.results) == {f"m{n}" for n in range(50)}  # the first request's
    assert len(fake.messages) == 50
