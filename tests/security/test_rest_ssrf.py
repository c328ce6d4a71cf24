"""SSRF through an event's endpoints: ``client_endpoint``/``server_endpoint`` are never called.

The attack: an install (and every later event, and even the OAuth server's refresh
answer) names ``client_endpoint=http://127.0.0.1:<trap>/rest/`` and
``server_endpoint=http://127.0.0.1:<trap>/oauth/``, hoping the app sends its calls, a
token or its ``client_secret`` there. The trap is a second real HTTP server that records
every hit; the fake Bitrix24 is served for real too. Through the install check, replies,
an explicit refresh and a refresh on ``expired_token``, on every store, no request may
ever reach the trap. And the app's secret (and the refresh token) only ever go to the
configured ``OAuthApp.token_url``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from b24botevents import Dispatcher, PortalStore
from b24botevents.rest import OAuthApp, OnlineInstallCheck
from b24botevents.rest.client import RestClient
from b24botevents.stores.credentials import record_document
from b24botevents.testing import Portal, sample_body
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from rest.support import (
    CLIENT_ID,
    CLIENT_SECRET,
    LocalServer,
    RecordingTransport,
    chat_event,
    install,
    local_server,
    open_bench,
)

HOW = ["sync", "async"]


@pytest.fixture
def trap() -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


def trapped(trap: LocalServer) -> Portal:
    """A portal whose events name the trap as both endpoints."""
    return Portal.random().evolve(
        client_endpoint=f"{trap.url}/rest/", server_endpoint=f"{trap.url}/oauth/"
    )


def reply(client: RestClient, how: str, portal: Portal, code: str) -> None:
    event = chat_event(code, portal)
    if how == "sync":
        client.reply(event, "hi")
        return

    async def go() -> None:
        try:
            await client.areply(event, "hi")
        finally:
            await client.aclose()

    asyncio.run(go())


def refresh(client: RestClient, how: str, member_id: str) -> None:
    if how == "sync":
        client.refresh(member_id)
        return

    async def go() -> None:
        try:
            await client.arefresh(member_id)
        finally:
            await client.aclose()

    asyncio.run(go())


@pytest.mark.parametrize("how", HOW)
def test_endpoints_in_events_never_receive_a_request(
    portal_store: PortalStore, trap: LocalServer, how: str
) -> None:
    portal = trapped(trap)
    with open_bench("served", portal=portal) as bench:
        client = bench.client(portal_store)
        dp = Dispatcher(portal_store=portal_store, approve_install=OnlineInstallCheck(client))
        install(dp, portal)  # asks app.info: at the fake, never the client_endpoint
        record = portal_store.get(portal.member_id)
        assert record is not None
        assert trap.url not in record_document(record.credentials)
        reply(client, how, portal, "ONIMBOTV2MESSAGEADD")
        reply(client, how, portal, "ONIMBOTMESSAGEADD")
        refresh(client, how, portal.member_id)  # the answer names the trap again
        bench.fake.expire_tokens(portal)
        reply(client, how, portal, "ONIMCOMMANDADD")  # expired: refreshes, then answers
        stored_only = bench.client(portal_store, prefer_event_tokens=False)
        reply(stored_only, how, portal, "ONIMBOTV2COMMANDADD")
        assert trap.hits == []
        methods = [call.method for call in bench.fake.calls]
        assert methods.count("oauth/app.info") == 1
        assert methods.count("oauth/token") == 2
        assert len(bench.fake.messages) == 4
        assert [refresh.error for refresh in bench.fake.refreshes] == [None, None]


def test_an_event_naming_the_trap_is_answered_at_the_bound_domain_only(
    portal_store: PortalStore, trap: LocalServer
) -> None:
    portal = trapped(trap)
    asked: list[str] = []
    with open_bench("served", portal=portal) as bench:

        def portal_url(domain: str) -> str:
            asked.append(domain)
            return f"{bench.base_url}/rest/"

        client = bench.client(portal_store, portal_url=portal_url)
        install(Dispatcher(portal_store=portal_store), portal)
        for code in ("ONIMBOTV2JOINCHAT", "ONIMBOTJOINCHAT"):
            client.reply(chat_event(code, portal), "hello")
        assert set(asked) == {portal.domain}
        assert trap.hits == []
        assert len(bench.fake.messages) == 2


def _secret_bearing(body: bytes, url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    return CLIENT_SECRET in url or CLIENT_SECRET.encode() in body or "client_secret" in query


@pytest.mark.parametrize("how", HOW)
def test_the_client_secret_only_goes_to_the_configured_token_url(
    portal_store: PortalStore, trap: LocalServer, how: str
) -> None:
    portal = trapped(trap)
    token_url = "http://oauth.configured.example/oauth/token/"
    with open_bench("in-process", portal=portal) as bench:
        recording = RecordingTransport(bench.fake.transport())
        client = bench.client(
            portal_store,
            app=OAuthApp(CLIENT_ID, CLIENT_SECRET, token_url=token_url),
            transport=recording,
            async_transport=recording,
        )
        install(Dispatcher(portal_store=portal_store), portal)
        refresh(client, how, portal.member_id)
        bench.fake.expire_tokens(portal)
        reply(client, how, portal, "ONIMBOTV2MESSAGEADD")
        refreshes = [sent for sent in recording.sent if _secret_bearing(sent.body, sent.url)]
        assert len(refreshes) == 2
        assert all(sent.url.startswith(token_url) for sent in refreshes)
        assert [each.error for each in bench.fake.refreshes] == [None, None]  # the right secret
        others = [sent for sent in recording.sent if sent not in refreshes]
        assert others  # the reply's calls
        for sent in others:
            assert urlsplit(sent.url).hostname == "fake.bitrix24.test"
            assert CLIENT_SECRET not in sent.url
            assert CLIENT_SECRET.encode() not in sent.body
            assert "client_secret" not in json.loads(sent.body)
        # Neither the refresh token: it too goes to the token URL alone.
        assert all(portal.refresh_token.encode() not in sent.body for sent in others)
        assert all(portal.refresh_token not in sent.url for sent in others)
        assert trap.hits == []


def test_the_client_secret_never_reaches_the_server_endpoint_over_http(
    portal_store: PortalStore, trap: LocalServer
) -> None:
    portal = trapped(trap)
    with open_bench("served", portal=portal) as bench:
        client = bench.client(portal_store)
        install(Dispatcher(portal_store=portal_store), portal)
        body = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
        assert "oauth" in body  # the event does name the trap's server_endpoint
        for _ in range(2):
            client.refresh(portal.member_id)
        assert [each.error for each in bench.fake.refreshes] == [None, None]
        assert trap.hits == []
