"""Review 2: the sync client no longer honours HTTP(S)_PROXY; the async one still does.

``_sync_http`` now always passes ``transport=deadline_transport()`` to ``httpx.Client``.
httpx only reads proxy settings from the environment when no transport is given
(``allow_env_proxies = trust_env and transport is None``), so a deployment whose egress
goes through ``HTTPS_PROXY`` loses every sync call (a connect error, or a direct
connection the network forbids), while ``acall`` keeps going through the proxy.
"""

from __future__ import annotations

import asyncio

import pytest

from b24botevents.rest import RetryPolicy, WebhookAuth
from b24botevents.rest.client import RestClient
from rest.support import json_answer, local_server

#: Resolves nowhere: only a proxy can answer for it.
WEBHOOK = "http://portal-behind-proxy.invalid/rest/1/whsecretReview2/"


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def use(url: str) -> None:
        for name in (
            "NO_PROXY",
            "no_proxy",
            "ALL_PROXY",
            "all_proxy",
            "HTTPS_PROXY",
            "https_proxy",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", url)
        monkeypatch.setenv("http_proxy", url)

    return use


@pytest.mark.parametrize("how", ["async", "sync"])
def test_calls_go_through_the_environment_proxy(how: str, proxy_env) -> None:  # type: ignore[no-untyped-def]
    with local_server(lambda hit: json_answer({"result": {"via": "proxy"}})) as proxy:
        proxy_env(proxy.url)
        client = RestClient(
            webhook=WebhookAuth(WEBHOOK), rate=None, retry=RetryPolicy(attempts=1), timeout=3.0
        )
        try:
            if how == "sync":
                result = client.call("profile")
            else:

                async def go() -> object:
                    try:
                        return await client.acall("profile")
                    finally:
                        await client.aclose()

                result = asyncio.run(go())
        finally:
            client.close()
    assert result == {"via": "proxy"}
    assert any("portal-behind-proxy.invalid" in hit.path for hit in proxy.hits)
