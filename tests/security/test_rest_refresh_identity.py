"""Refreshed credentials belong to one portal, and an old install cannot put back dead ones.

Two attacks on what the store keeps, on every store:

* the OAuth server (or whatever answers at its address) answers a portal's refresh with
  tokens *of another portal* (``member_id`` of someone else): the client must refuse
  them (``RestError`` ``REFRESH_FAILED``) and write nothing, or portal A's calls would
  go out with portal B's tokens;
* a replayed ONAPPINSTALL / ONAPPUPDATE, whose tokens are older than the ones a refresh
  stored since, must not overwrite them: the old pair is dead (a refresh rotates it), so
  putting it back would cut the app off the portal.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from b24botevents import Dispatcher, PortalStore, RestError
from b24botevents.rest.client import RestClient
from b24botevents.testing import app_install_body, app_update_body
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from rest.support import FORM, RecordingTransport, chat_event, install, open_bench

HOW = ["sync", "async"]
OTHER_MEMBER = "99999999999999999999999999999999"


def for_another_portal(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The OAuth server's answer, rewritten to name another portal."""
    if not request.url.path.startswith("/oauth/token"):
        return response
    response.read()
    answer = json.loads(response.content)
    answer["member_id"] = OTHER_MEMBER
    return httpx.Response(200, json=answer, request=request)


def run(how: str, client: RestClient, name: str, *args: object, **kwargs: object) -> object:
    if how == "sync":
        return getattr(client, name)(*args, **kwargs)

    async def go() -> object:
        try:
            return await getattr(client, f"a{name}")(*args, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("how", HOW)
def test_a_refresh_answered_for_another_portal_is_refused_and_not_stored(
    portal_store: PortalStore, how: str
) -> None:
    with open_bench("in-process") as bench:
        lying = RecordingTransport(bench.fake.transport(), rewrite=for_another_portal)
        client = bench.client(portal_store, transport=lying, async_transport=lying)
        install(Dispatcher(portal_store=portal_store), bench.portal)
        before = portal_store.get(bench.portal.member_id)
        with pytest.raises(RestError) as caught:
            run(how, client, "refresh", bench.portal.member_id)
        assert caught.value.code == "REFRESH_FAILED"
        assert "another portal" in str(caught.value)
        assert portal_store.get(bench.portal.member_id) == before
        assert portal_store.get(OTHER_MEMBER) is None
        assert len(bench.fake.refreshes) == 1


@pytest.mark.parametrize("how", HOW)
def test_a_refresh_on_expired_token_answered_for_another_portal_sends_nothing_with_it(
    portal_store: PortalStore, how: str
) -> None:
    with open_bench("in-process") as bench:
        lying = RecordingTransport(bench.fake.transport(), rewrite=for_another_portal)
        client = bench.client(
            portal_store, transport=lying, async_transport=lying, prefer_event_tokens=False
        )
        install(Dispatcher(portal_store=portal_store), bench.portal)
        before = portal_store.get(bench.portal.member_id)
        bench.fake.expire_tokens(bench.portal)
        event = chat_event("ONIMBOTV2MESSAGEADD", bench.portal)
        with pytest.raises(RestError) as caught:
            run(how, client, "reply", event, "hi")
        assert caught.value.code == "REFRESH_FAILED"
        assert portal_store.get(bench.portal.member_id) == before
        methods = [call.method for call in bench.fake.calls]
        assert methods == ["imbot.v2.Chat.Message.send", "oauth/token"]  # no call after it
        assert bench.fake.messages == []


@pytest.mark.parametrize("how", ["handle", "ahandle"])
@pytest.mark.parametrize("code", ["ONAPPINSTALL", "ONAPPUPDATE"])
def test_a_replayed_old_install_does_not_overwrite_fresher_credentials(
    portal_store: PortalStore, how: str, code: str
) -> None:
    with open_bench("in-process") as bench:
        portal = bench.portal
        dp = Dispatcher(portal_store=portal_store)
        client = bench.client(portal_store, prefer_event_tokens=False)
        ten_minutes_ago = int(time.time()) - 600
        install(dp, portal, ts=ten_minutes_ago)
        old = (app_install_body if code == "ONAPPINSTALL" else app_update_body)(
            portal=portal, ts=ten_minutes_ago
        )
        fresh = client.refresh(portal.member_id)
        assert fresh.access_token != portal.access_token
        stored = portal_store.get(portal.member_id)
        assert stored is not None
        if how == "handle":
            status = dp.handle(old, content_type=FORM).status
        else:
            status = asyncio.run(dp.ahandle(old, content_type=FORM)).status
        assert status == 200  # a genuine (if old) event of the portal: accepted...
        after = portal_store.get(portal.member_id)
        assert after is not None
        assert after.credentials == fresh  # ...but its dead tokens are not put back
        assert after.revision == stored.revision
        client.reply(chat_event("ONIMBOTMESSAGEADD", portal), "still connected")
        [call] = bench.fake.calls_to("imbot.message.add")
        assert (call.status, call.token) == (200, fresh.access_token)
        assert bench.fake.user_tokens(portal)[0] == fresh.access_token
