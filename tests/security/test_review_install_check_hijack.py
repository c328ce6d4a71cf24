"""Review: the online install check asks the *claimed* domain; it vouches for any ``member_id``.

``OnlineInstallCheck`` calls ``app.info`` at ``https://<event's domain>/rest/`` and
approves when the answer names the event's ``member_id``, domain and the app's
``client_id``. The answer comes from whoever serves that domain. An attacker who owns a
public domain (``evil-portal.com``) runs a server there that answers ``app.info`` with
any ``member_id`` it likes: the victim's (member ids are not secret; they are in every
event, every log line and every support ticket).

The attack, against a victim portal that is installed and bound to its real domain:

1. post ONAPPINSTALL with the victim's ``member_id``, ``domain=evil-portal.com``, a new
   ``application_token`` of the attacker's choosing and any ``access_token``;
2. the verifier sees an installed portal with another token (``NEW_TOKEN``) and asks
   the hook; the hook asks ``evil-portal.com``, which vouches;
3. the record is rewritten: the victim's ``member_id`` is now bound to the attacker's
   domain and token. The victim's own events are refused (403) from then on, the
   attacker's events run as the victim's portal, and every call the app makes for that
   ``member_id`` (``client.call(..., portal=victim)``, scheduled jobs) goes to the
   attacker's server.

The official SDK the spec cites (``b24pysdk``) asks the *OAuth server*
(``oauth.bitrix.info/rest/app.info``) instead, which is not the attacker's to answer.
The test plays the attacker's domain with a local server (the client's ``portal_url``
callable stands for DNS: the victim's domain goes to the fake Bitrix24, the attacker's
domain to the attacker's server).
"""

from __future__ import annotations

import asyncio
import secrets

import attrs
import pytest

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import AsyncOnlineInstallCheck, OnlineInstallCheck, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal, app_install_body
from rest.support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FORM,
    Answer,
    Hit,
    app_for,
    json_answer,
    local_server,
)

EVIL_DOMAIN = "evil-portal.com"


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_hostile_domain_cannot_take_over_an_installed_portal(how: str) -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    victim = Portal.random()
    fake.add_portal(victim)

    def vouch_for_anyone(hit: Hit) -> Answer:
        # The attacker's own "portal": app.info answers whatever the install claimed.
        return json_answer(
            {
                "result": {
                    "CODE": CLIENT_ID,
                    "client_id": CLIENT_ID,
                    "install": {
                        "installed": True,
                        "member_id": victim.member_id,
                        "domain": EVIL_DOMAIN,
                    },
                }
            }
        )

    with fake.serve() as fake_url, local_server(vouch_for_anyone) as evil:

        def dns(domain: str) -> str:  # stands for DNS resolution of the bound domain
            return f"{fake_url}/rest/" if domain == victim.domain else f"{evil.url}/rest/"

        store = MemoryPortalStore()
        client = RestClient(
            portal_store=store,
            app=app_for(fake_url),
            portal_url=dns,
            rate=None,
            retry=RetryPolicy(attempts=1),
            timeout=2.0,
        )
        check = OnlineInstallCheck(client) if how == "sync" else AsyncOnlineInstallCheck(client)
        dp = Dispatcher(portal_store=store, approve_install=check)

        def post(body: str) -> int:
            if how == "sync":
                return dp.handle(body, content_type=FORM).status

            async def go() -> int:
                try:
                    return (await dp.ahandle(body, content_type=FORM)).status
                finally:
                    await client.aclose()

            return asyncio.run(go())

        with client:
            # The genuine install, vouched for by the victim's real portal.
            assert post(app_install_body(portal=victim)) == 200
            before = store.get(victim.member_id)
            assert before is not None
            assert before.domain == victim.domain

            attacker = attrs.evolve(
                victim,
                domain=EVIL_DOMAIN,
                client_endpoint=f"https://{EVIL_DOMAIN}/rest/",
                application_token=secrets.token_hex(16),
                access_token=secrets.token_hex(25),
                refresh_token=secrets.token_hex(25),
            )
            status = post(app_install_body(portal=attacker))
            after = store.get(victim.member_id)

    assert after is not None
    assert (status, after.domain, after.application_token) == (
        403,
        victim.domain,
        victim.application_token,
    ), (
        f"the attacker's domain vouched for the victim's member_id: status {status}, "
        f"the victim's record is now bound to {after.domain!r}"
    )
