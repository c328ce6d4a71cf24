"""Review: one forged ONAPPINSTALL holds the handler for ``attempts`` x (timeout or Retry-After).

A first install needs no token (it is what brings one), so anybody can post
ONAPPINSTALL naming a domain they run. With ``approve_install=OnlineInstallCheck(client)``
(the documented production setting) the dispatcher then calls ``app.info`` there, with
the app's ordinary ``RestClient`` and so its ordinary ``RetryPolicy``: ``app.info`` is
idempotent, so a hanging server is retried after every timeout, and a 429 with
``Retry-After`` is waited out (up to ``max_delay``) ``attempts - 1`` times. With the
defaults (``attempts=5``, ``timeout=10``, ``max_delay=10``) one unauthenticated request
costs the app about a minute of a worker (and five outbound requests); a handful of
them stall a sync app. The issue asks for the check to run "with a timeout", fail
closed: a stranger's claim deserves one short try, not the retry budget of a real call.

Here the hostile domain answers 429 with ``Retry-After: 0.4`` every time, and the
check is expected to give up within about its timeout (0.3 s), asking once or twice.
"""

from __future__ import annotations

import time

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import OnlineInstallCheck, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.testing import Portal, app_install_body
from rest.support import FORM, Answer, Hit, app_for, local_server

TIMEOUT = 0.3


def throttled(_hit: Hit) -> Answer:
    return (
        429,
        [("Content-Type", "application/json"), ("Retry-After", "0.4")],
        [b'{"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}'],
    )


def test_a_forged_install_cannot_hold_the_handler_through_the_retry_budget() -> None:
    with local_server(throttled) as hostile:
        store = MemoryPortalStore()
        client = RestClient(
            portal_store=store,
            app=app_for(hostile.url),
            portal_url=hostile.url,  # stands for the stranger's own public domain
            rate=None,
            retry=RetryPolicy(attempts=5, base_delay=0.5, max_delay=1.0),
            timeout=TIMEOUT,
        )
        dp = Dispatcher(portal_store=store, approve_install=OnlineInstallCheck(client))
        stranger = Portal.random(domain="stranger-owned.com")
        started = time.monotonic()
        with client:
            status = dp.handle(app_install_body(portal=stranger), content_type=FORM).status
        elapsed = time.monotonic() - started
        asked = len(hostile.hits)
    assert status == 403
    assert asked <= 2, f"one forged ONAPPINSTALL made {asked} outbound requests"
    assert elapsed < 2 * TIMEOUT, (
        f"one forged ONAPPINSTALL held the handler {elapsed:.2f}s "
        f"(timeout {TIMEOUT}s) and made {asked} outbound requests"
    )
