"""A portal that drips its answer cannot hold a call past the client's ``timeout``.

The attack: a hostile portal (an on-premise installation is any public host) answers at
once, then sends its body one byte at a time, each byte just inside the read timeout.
Every read is quick, so a per-read timeout never fires, and the handler thread (or task)
waiting on the reply is held for as long as the portal likes: a few such events tie up
every worker. ``RestClient(timeout=...)`` is "seconds for every request": the call must
end, with a ``RestError``, within a small multiple of it. The method is not idempotent,
so no retry multiplies the wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from b24botevents import MemoryPortalStore, PortalRecord, RestError
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from rest.support import Answer, Hit, app_for, local_server

TIMEOUT = 0.25
DRIP = 0.05  # seconds between bytes: far inside the timeout
BODY = b'{"result": ' + b" " * 28 + b"1}"  # 42 bytes: 2 s at DRIP a byte
MEMBER = "3b4c5d6e7f8091a23b4c5d6e7f8091a2"
HOW = ["sync", "async"]


def dripping(_hit: Hit) -> Answer:
    def chunks() -> Iterator[bytes]:
        for index in range(len(BODY)):
            time.sleep(DRIP)
            yield BODY[index : index + 1]

    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    return 200, headers, chunks()


def run(how: str, client: RestClient, *args: Any, **kwargs: Any) -> Any:
    if how == "sync":
        return client.call(*args, **kwargs)

    async def go() -> Any:
        try:
            return await client.acall(*args, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("how", HOW)
def test_a_dripping_answer_cannot_hold_a_call_past_its_timeout(how: str) -> None:
    tokens = OAuthTokens("access-drip-CANARY-1")
    portals = MemoryPortalStore(
        [PortalRecord(MEMBER, "drip.bitrix24.com", "apptok", credentials=tokens)]
    )
    with local_server(dripping) as server:
        client = RestClient(
            portal_store=portals,
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=RetryPolicy(attempts=1),
            timeout=TIMEOUT,
        )
        started = time.monotonic()
        with client, pytest.raises(RestError) as caught:
            run(how, client, "imbot.message.add", {"MESSAGE": "hi"}, portal=MEMBER)
        elapsed = time.monotonic() - started
        assert caught.value.code == "TIMEOUT"
        assert elapsed < 4 * TIMEOUT, f"the call took {elapsed:.2f}s with timeout={TIMEOUT}s"
        assert len(server.hits) == 1
