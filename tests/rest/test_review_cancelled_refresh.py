"""Review: cancelling the task that leads a refresh loses the new single-use refresh token.

A Bitrix24 refresh token is good for one refresh: the OAuth server answers a new pair
and the old refresh token dies. ``RefreshFlows.refresh`` runs the refresh inside the
caller's own flow, so when the caller is an asyncio task that gets cancelled while the
OAuth request is in flight (``asyncio.wait_for(client.areply(...), 5)``, an ASGI server
cancelling a request whose client went away, a shutdown), the driver throws
``CancelledError`` into the flow: the OAuth server has already spent the stored refresh
token, its answer with the new pair is never read, and nothing is written back. The
store keeps the dead refresh token; every later refresh answers ``invalid_grant`` and
the portal's credentials are gone until the app is reinstalled. Unlike a lost answer,
this is avoidable: the refresh could run shielded from its caller (its own task or
thread, which the flight's future already lets others wait on) and finish its write.

The OAuth server below spends the refresh token on receipt and answers 0.4 s later;
the calling task is cancelled after 0.15 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from datetime import datetime, timedelta, timezone

from b24botevents import MemoryPortalStore, PortalRecord
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from rest.support import Answer, Hit, app_for, json_answer, local_server

MEMBER = "6e7f8091a23b4c5d6e7f8091a23b4c5d"
OLD_REFRESH = "refresh-old-0001"
NEW_REFRESH = "refresh-new-0002"


def test_a_cancelled_caller_does_not_lose_the_refreshed_tokens() -> None:
    spent: list[str] = []
    lock = threading.Lock()

    def oauth_and_portal(hit: Hit) -> Answer:
        if hit.path.startswith("/oauth/token/"):
            with lock:
                spent.append(OLD_REFRESH if OLD_REFRESH in hit.path else hit.path)
            time.sleep(0.4)  # the refresh took effect; the answer is on its way
            return json_answer(
                {
                    "access_token": "access-new-0002",
                    "refresh_token": NEW_REFRESH,
                    "expires": int(time.time()) + 3600,
                    "expires_in": 3600,
                    "member_id": MEMBER,
                    "scope": "imbot",
                }
            )
        return json_answer({"result": {"ID": "1"}})

    dead = OAuthTokens(
        "access-old-0001",
        OLD_REFRESH,
        datetime.now(timezone.utc) - timedelta(minutes=5),  # expired: refreshed before the call
    )
    store = MemoryPortalStore(
        [PortalRecord(MEMBER, "cancel.bitrix24.com", "apptok", credentials=dead)]
    )

    async def main(url: str) -> None:
        client = RestClient(
            portal_store=store,
            app=app_for(url),
            portal_url=url,
            rate=None,
            retry=RetryPolicy(attempts=1),
            timeout=2.0,
        )
        try:
            task = asyncio.create_task(client.acall("profile", portal=MEMBER))
            await asyncio.sleep(0.15)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.6)  # time enough for the OAuth answer to arrive
        finally:
            await client.aclose()

    with local_server(oauth_and_portal) as server:
        asyncio.run(main(server.url))
    assert spent == [OLD_REFRESH]
    record = store.get(MEMBER)
    assert record is not None
    assert record.credentials is not None
    assert record.credentials.refresh_token == NEW_REFRESH, (
        "the OAuth server spent the stored refresh token, but the store still holds it: "
        "the new pair was dropped with the cancelled caller"
    )
