"""Review 2: the sync deadline only holds for the default transport, not a caller's own.

``_sync_http`` wraps httpx's network backend only when ``transport`` is not given
(``self._transport or deadline_transport()``). But ``transport=`` is the only way to
configure the sync client's TLS (a private CA, ``httpx.HTTPTransport(verify=...)``, as
docs/b24pysdk.md's rig does), a proxy or retries, so exactly those deployments get the
per-read timeout back: a server that drips its headers holds a sync call far past
``timeout`` (the async driver bounds the exchange whatever the transport).
"""

from __future__ import annotations

import time
from contextlib import suppress

import httpx
import pytest

from b24botevents import MemoryPortalStore, PortalRecord, RestError
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from rest.support import app_for
from security.test_review_header_drip import MEMBER, TIMEOUT, header_dripper, run


@pytest.mark.parametrize("how", ["sync", "async"])
def test_dripping_headers_are_bounded_with_a_configured_transport(how: str) -> None:
    store = MemoryPortalStore(
        [PortalRecord(MEMBER, "drip.bitrix24.com", "apptok", credentials=OAuthTokens("acc-1"))]
    )
    with header_dripper() as url:
        client = RestClient(
            portal_store=store,
            app=app_for(url),
            portal_url=url,
            rate=None,
            retry=RetryPolicy(attempts=1),
            timeout=TIMEOUT,
            transport=httpx.HTTPTransport(retries=0),  # say, verify=<a private CA>
        )
        started = time.monotonic()
        with client, suppress(RestError):
            run(how, client, "imbot.message.add", {"MESSAGE": "hi"}, portal=MEMBER)
        elapsed = time.monotonic() - started
    assert elapsed < 4 * TIMEOUT, (
        f"{how}: the call took {elapsed:.2f}s with timeout={TIMEOUT}s and a caller's transport"
    )
