"""Review 2 (design): any holder of a live access token of a portal can re-key that portal.

The OAuth server's ``app.info`` proves which installation an access token was issued
for, not that the ONAPPINSTALL came from Bitrix24, nor who holds the token. Access
tokens of an installed app are not admin-only secrets: every user who opens the app in
the portal gets one in the browser (``BX24.getAuth()``). Such a user posts ONAPPINSTALL
with the portal's real ``member_id`` and domain, that token, and an
``application_token`` of his own: the verifier sees ``NEW_TOKEN``, the hook asks the
OAuth server, which truthfully vouches (same member_id, domain, client_id), and the
record's token is replaced. From then on the portal's own events are refused (403) and
the user can sign any event (any author, any chat) for that portal.

Here the portal's installed access token stands for the one a user's browser holds.
"""

from __future__ import annotations

import secrets

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import OnlineInstallCheck
from b24botevents.rest.client import RestClient
from b24botevents.testing import FORM_CONTENT_TYPE, FakeBitrix24, Portal, app_install_body


def test_an_access_token_alone_does_not_rekey_an_installed_portal() -> None:
    fake = FakeBitrix24(client_id="local.app.review2", client_secret="s3cret-review2")
    victim = Portal.random()
    fake.add_portal(victim)
    store = MemoryPortalStore()
    client = RestClient(
        portal_store=store,
        app=fake.oauth_app(),
        portal_url=fake.base_url,
        transport=fake.transport(),
        rate=None,
    )
    dp = Dispatcher(portal_store=store, approve_install=OnlineInstallCheck(client))
    with client:
        assert (
            dp.handle(app_install_body(portal=victim), content_type=FORM_CONTENT_TYPE).status == 200
        )
        insider = victim.with_application_token(secrets.token_hex(16))  # same access token
        status = dp.handle(app_install_body(portal=insider), content_type=FORM_CONTENT_TYPE).status
    record = store.get(victim.member_id)
    assert record is not None
    assert (status, record.application_token) == (403, victim.application_token), (
        "an install carrying only a live access token re-keyed the installed portal"
    )
