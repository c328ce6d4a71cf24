"""Method-name injection: a "method" that would change the URL it is appended to.

The attack: a method name taken from request text (a command's parameter, a chat
message) such as ``../oauth/token``, ``a/b``, ``x?y=1`` or ``profile#`` turns
``https://<portal>/rest/<method>.json`` into another path, a query or a fragment, on the
portal or on the webhook URL with its secret. Every such name is a ``ValueError`` before
anything is sent: ``call``, ``acall``, batch commands, with stored credentials and
through a webhook.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from b24botevents import MemoryPortalStore, PortalRecord, RestError
from b24botevents.rest import WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from rest.support import FAST, RecordingTransport, app_for, nothing_transport

INJECTED: list[Any] = [
    "../oauth/token",
    "../../oauth/token",
    "app.info/../../oauth/token",
    "a/b",
    "a\\b",
    "x?y=1",
    "profile?auth=stolen",
    "profile#",
    "profile#fragment",
    "profile%2F..",
    "profile.json/x",
    "http://evil.example/rest/profile",
    "//evil.example/x",
    "",
    ".",
    ".profile",
    "profile.",
    "a..b",
    "pro file",
    "profile\n",
    "profile\r\nHost: evil.example",
    "profile\x00",
    "профиль",
    "a" * 65,
    None,
    5,
    b"profile",
]
PORTAL = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def clients(transport: RecordingTransport) -> list[RestClient]:
    store = MemoryPortalStore(
        [
            PortalRecord(
                PORTAL,
                "portal.bitrix24.com",
                "apptok-injection-1",
                credentials=OAuthTokens("access-injection-1"),
            )
        ]
    )
    common: dict[str, Any] = {
        "transport": transport,
        "async_transport": transport,
        "rate": None,
        "retry": FAST,
    }
    by_app = RestClient(portal_store=store, app=app_for("https://oauth.bitrix.info"), **common)
    hook = WebhookAuth("https://portal.bitrix24.com/rest/1/whsecretinjection/", bot_token="b" * 32)
    by_webhook = RestClient(webhook=hook, **common)
    return [by_app, by_webhook]


@pytest.mark.parametrize("method", INJECTED, ids=repr)
def test_an_injected_method_name_is_a_value_error_and_nothing_is_sent(method: Any) -> None:
    transport = nothing_transport()
    for client in clients(transport):
        portal = PORTAL if client.portal_store is not None else None
        with pytest.raises(ValueError, match="method"):
            client.call(method, portal=portal)
        with pytest.raises(ValueError, match="method"):
            client.batch({"first": ("profile", {}), "second": (method, {})}, portal=portal)

        async def go(client: RestClient = client, portal: str | None = portal) -> None:
            try:
                with pytest.raises(ValueError, match="method"):
                    await client.acall(method, portal=portal)
                with pytest.raises(ValueError, match="method"):
                    await client.abatch([(method, {})], portal=portal)
            finally:
                await client.aclose()

        asyncio.run(go())
        client.close()
    assert transport.sent == []


@pytest.mark.parametrize("name", ["a&b", "x=1", "cmd[0]", "../x", "", "a b", "n" * 65])
def test_an_injected_batch_command_name_is_a_value_error_and_nothing_is_sent(name: str) -> None:
    transport = nothing_transport()
    for client in clients(transport):
        portal = PORTAL if client.portal_store is not None else None
        with pytest.raises(ValueError, match="names"):
            client.batch({name: ("profile", {})}, portal=portal)
        client.close()
    assert transport.sent == []


def test_a_dotted_method_name_still_goes_where_it_should() -> None:
    transport = nothing_transport()
    by_app, by_webhook = clients(transport)
    for client in (by_app, by_webhook):
        portal = PORTAL if client.portal_store is not None else None
        with pytest.raises(RestError, match="SHOULD_NOT_BE_SENT"):  # the stand-in's answer
            client.call("imbot.v2.Chat.Message.send", portal=portal)
        client.close()
    urls = [sent.url for sent in transport.sent]
    assert urls == [
        "https://portal.bitrix24.com/rest/imbot.v2.Chat.Message.send.json",
        "https://portal.bitrix24.com/rest/1/whsecretinjection/imbot.v2.Chat.Message.send.json",
    ]
