"""Review 2: every install check shares one rate-limit bucket, so strangers can stall real installs.

The check now calls ``app.info`` at ``OAuthApp.server_url`` with
``Credentials(endpoint=server_url)``, and ``CallFlows._address`` uses the endpoint as
the limiter key: every ONAPPINSTALL of every portal (and every forged one) draws on a
single 2-per-second bucket. Forged installs cost nothing (no token is needed to reach
the check), each reserves a slot before it is refused, and reservations queue without
bound, so a genuine portal's install check then sleeps ``(forged - 1) / 2`` seconds
before it is even sent. Before the change the key was the claimed portal's URL, so a
stranger only spent his own domain's budget.

The limiter is observed rather than slept on: ``reserve`` records the wait it would
impose and returns 0. Fixed: calls to a fixed endpoint take no limiter slot.
"""

from __future__ import annotations

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import OnlineInstallCheck
from b24botevents.rest.client import RestClient
from b24botevents.testing import FORM_CONTENT_TYPE, FakeBitrix24, Portal, app_install_body


def test_forged_installs_do_not_delay_a_genuine_portals_check() -> None:
    fake = FakeBitrix24(client_id="local.app.review2", client_secret="s3cret-review2")
    genuine = Portal.random()
    fake.add_portal(genuine)
    store = MemoryPortalStore()
    client = RestClient(
        portal_store=store,
        app=fake.oauth_app(),
        portal_url=fake.base_url,
        transport=fake.transport(),
    )  # the default limiter: 2 per second, burst 2
    waits: list[tuple[str, float]] = []
    reserve = client.limiter.reserve

    def observed(key: str) -> float:
        waits.append((key, reserve(key)))
        return 0.0

    client.limiter.reserve = observed  # type: ignore[method-assign]
    dp = Dispatcher(portal_store=store, approve_install=OnlineInstallCheck(client))
    with client:
        for _ in range(20):  # strangers' first installs, with tokens nobody issued
            stranger = Portal.random()
            assert (
                dp.handle(app_install_body(portal=stranger), content_type=FORM_CONTENT_TYPE).status
                == 403
            )
        waits.clear()
        response = dp.handle(app_install_body(portal=genuine), content_type=FORM_CONTENT_TYPE)
    assert response.status == 200
    # The check's calls go to the OAuth server, not to a portal: no portal's bucket,
    # and no shared one either (the fix skips the limiter for fixed endpoints).
    assert all(wait == 0.0 for _key, wait in waits), waits
