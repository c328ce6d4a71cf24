"""Redirects are never followed: a 3xx answer is an error, and its target gets nothing.

The attack: the portal's address (or a proxy in front of it, or the OAuth server's)
answers ``302 Location: http://127.0.0.1:<target>/...``, hoping the client follows with
the same body (the ``auth`` token, the ``client_secret`` and refresh token) to a host of
the attacker's choosing. Both servers are real, on 127.0.0.1; the target records every
hit. A call, a webhook call, a refresh and the install check each fail with a
``RestError`` (or a refusal), sync and async, and the target sees nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from b24botevents import Dispatcher, MemoryPortalStore, PortalRecord, PortalStore, RestError
from b24botevents.rest import OnlineInstallCheck, WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from b24botevents.testing import Portal, app_install_body
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from rest.support import (
    FAST,
    FORM,
    Answer,
    Hit,
    LocalServer,
    app_for,
    json_answer,
    local_server,
)

HOW = ["sync", "async"]
MEMBER = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"
DOMAIN = "redirected.bitrix24.com"
ACCESS = "access-redirect-CANARY-01"
REFRESH = "refresh-redirect-CANARY-01"


@pytest.fixture
def target() -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


def redirecting(target: LocalServer, status: int, with_json: bool) -> Callable[[Hit], Answer]:
    def answer(hit: Hit) -> Answer:
        location = f"{target.url}{hit.path}"
        if with_json:  # a body that would pass for an answer, if redirects were taken
            _status, headers, body = json_answer({"result": {"ID": "1"}, "access_token": "x"})
            return status, [("Location", location), *headers], body
        return status, [("Location", location), ("Content-Length", "0")], []

    return answer


def run(how: str, client: RestClient, name: str, *args: Any, **kwargs: Any) -> Any:
    if how == "sync":
        return getattr(client, name)(*args, **kwargs)

    async def go() -> Any:
        try:
            return await getattr(client, f"a{name}")(*args, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def store() -> MemoryPortalStore:
    tokens = OAuthTokens(ACCESS, REFRESH)
    return MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, "apptok-redirect", credentials=tokens)])


STATUSES = [301, 302, 303, 307, 308]


@pytest.mark.parametrize("with_json", [False, True], ids=["empty", "json-body"])
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("how", HOW)
def test_a_redirected_call_is_an_error_and_the_target_gets_nothing(
    target: LocalServer, how: str, status: int, with_json: bool
) -> None:
    portals = store()
    with local_server(redirecting(target, status, with_json)) as redirector:
        client = RestClient(
            portal_store=portals,
            app=app_for(redirector.url),
            portal_url=redirector.url,
            rate=None,
            retry=FAST,
        )
        with client, pytest.raises(RestError) as caught:
            run(how, client, "call", "imbot.message.add", {"MESSAGE": "hi"}, portal=MEMBER)
        assert caught.value.status == status
        assert len(redirector.hits) == 1
    assert target.hits == []
    assert portals.get(MEMBER) == store().get(MEMBER)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("how", HOW)
def test_a_redirected_webhook_call_is_an_error_and_the_target_gets_nothing(
    target: LocalServer, how: str, status: int
) -> None:
    with local_server(redirecting(target, status, True)) as redirector:
        hook = WebhookAuth(f"{redirector.url}/rest/1/whsecretredirect/", bot_token="t" * 32)
        with RestClient(webhook=hook, rate=None, retry=FAST) as client, pytest.raises(RestError):
            run(how, client, "call", "imbot.v2.Chat.Message.send", {"botId": 1})
        [hit] = redirector.hits
        assert hit.path.startswith("/rest/1/whsecretredirect/")
    assert target.hits == []


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("how", HOW)
def test_a_redirected_refresh_fails_and_the_target_gets_no_secret(
    portal_store: PortalStore, target: LocalServer, how: str, status: int
) -> None:
    portals = portal_store
    seeded = store().get(MEMBER)
    assert seeded is not None
    assert portals.save(seeded, expected=None) is not None
    with local_server(redirecting(target, status, False)) as redirector:
        client = RestClient(
            portal_store=portals,
            app=app_for(redirector.url),
            portal_url=redirector.url,
            rate=None,
            retry=FAST,
        )
        with client, pytest.raises(RestError) as caught:
            run(how, client, "refresh", MEMBER)
        assert caught.value.code == "REFRESH_FAILED"
        [hit] = redirector.hits
        assert hit.path.startswith("/oauth/token/")
    assert target.hits == []
    written = portals.get(MEMBER)
    assert written is not None
    assert (written.revision, written.credentials) == (1, seeded.credentials)  # nothing written


@pytest.mark.parametrize("how", ["handle", "ahandle"])
def test_a_redirected_install_check_refuses_and_the_target_gets_no_token(
    target: LocalServer, how: str
) -> None:
    portals = MemoryPortalStore()
    portal = Portal.random()
    with local_server(redirecting(target, 302, True)) as redirector:
        client = RestClient(
            portal_store=portals,
            app=app_for(redirector.url),
            portal_url=redirector.url,
            rate=None,
            retry=FAST,
        )
        dp = Dispatcher(portal_store=portals, approve_install=OnlineInstallCheck(client))
        body = app_install_body(portal=portal)
        with client:
            if how == "handle":
                status = dp.handle(body, content_type=FORM).status
            else:
                status = asyncio.run(dp.ahandle(body, content_type=FORM)).status
        assert status == 403
        assert len(redirector.hits) == 1
    assert target.hits == []
    assert portals.get(portal.member_id) is None
