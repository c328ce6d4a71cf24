"""Review 2: every event loop a client was used on stays in ``RestClient._ahttp`` forever.

``_ahttp`` is a ``WeakKeyDictionary`` keyed by the loop, on the claim that "a loop that
is gone drops out on its own". But its value holds the ``_closed_with_the_loop`` async
generator, and a started async generator keeps the loop's finaliser hook (a bound method
of the loop): the value references its own key, so the entry never goes. A sync app
that calls ``asyncio.run(client.acall(...))`` per job keeps one closed loop and one
closed ``AsyncClient`` per call, for the client's lifetime. (The old code held one.)
"""

from __future__ import annotations

import asyncio
import gc

from b24botevents.rest import WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal


def test_finished_loops_do_not_pile_up_in_the_client() -> None:
    fake = FakeBitrix24(client_id="local.app.review2", client_secret="s3cret-review2")
    portal = Portal.random()
    fake.add_portal(portal)
    url = fake.add_webhook(portal, 1, "whsecretReview2")
    client = RestClient(
        webhook=WebhookAuth(url),
        rate=None,
        transport=fake.transport(),
        async_transport=fake.transport(),
    )

    async def one_job() -> None:
        await client.acall("profile")

    for _ in range(5):
        asyncio.run(one_job())
    gc.collect()
    try:
        assert len(client._ahttp) <= 1, (
            f"{len(client._ahttp)} closed loops (and their AsyncClients) are still held"
        )
    finally:
        client.close()
