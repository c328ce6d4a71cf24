"""Review: a call from a second event loop closes the first loop's HTTP pool under its calls.

``RestClient._async_http`` keeps one ``(loop, AsyncClient, keeper)`` in ``self._ahttp``.
The ``keeper`` is an async generator whose ``finally`` closes the client "when the loop
shuts down". But the only strong reference to it is that tuple: when a call from
another loop replaces ``self._ahttp``, the old keeper is garbage at once, and asyncio's
async-generator finaliser runs its ``aclose()`` on the old loop right away, closing the
old ``AsyncClient`` while that loop still has calls in flight on it.

So with two loops sharing one client (an ASGI app's loop and a worker thread's loop,
two worker threads each with a loop), a call on loop A fails because loop B made one:
the in-flight request loses its connection, and a retry meets "the client has been
closed" (a ``RuntimeError``, not even a ``RestError``).

Here loop A's call is slow (the fake answers ``profile`` 0.6 s late); while it waits,
loop B makes a quick call; A's call must still succeed.
"""

from __future__ import annotations

import asyncio
import threading
import time

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal
from rest.support import CLIENT_ID, CLIENT_SECRET, app_for, install


def test_a_call_on_one_loop_survives_a_call_on_another() -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    store = MemoryPortalStore()
    install(Dispatcher(portal_store=store), portal)
    loops = [asyncio.new_event_loop() for _ in range(2)]
    threads = [threading.Thread(target=loop.run_forever, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    outcome: object = None
    try:
        with fake.serve() as url:
            client = RestClient(
                portal_store=store,
                app=app_for(url),
                portal_url=url,
                rate=None,
                retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02),
                timeout=3.0,
            )
            fake.delay_next(0.6, method="profile")
            slow = asyncio.run_coroutine_threadsafe(
                client.acall("profile", portal=portal.member_id), loops[0]
            )
            time.sleep(0.2)  # loop A's call is waiting for its answer
            quick = asyncio.run_coroutine_threadsafe(
                client.acall("server.time", portal=portal.member_id), loops[1]
            )
            quick.result(timeout=5)
            try:
                outcome = slow.result(timeout=5)
            except Exception as exc:
                outcome = exc
            for loop in loops:  # each loop's pool is closed in that loop
                asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=5)
    finally:
        for loop in loops:
            loop.call_soon_threadsafe(loop.stop)
        for thread in threads:
            thread.join(timeout=5)
        for loop in loops:
            loop.close()
    assert isinstance(outcome, dict), f"loop A's call failed because loop B made one: {outcome!r}"
    assert outcome.get("ID") == "1", f"loop A's call failed because loop B made one: {outcome!r}"
