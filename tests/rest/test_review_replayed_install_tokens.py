"""Review: a repeat of an install that carries ``expires_in`` but no ``expires`` undoes a refresh.

``verify/portal.py``'s ``_newer`` keeps an event's credentials only when they expire
strictly later than the stored ones, so that "a replayed install must not put back
tokens that a refresh has since rotated (and killed)". But ``tokens_from_auth`` dates
an event without ``expires`` (the docs say it is not in every event; the code handles
exactly that) at *now* + ``expires_in``: a repeat of the same install, posted any time
after a refresh, is always "newer" than the refreshed tokens (the OAuth server's
``expires`` is whole seconds from the refresh, the repeat's is now + 3600).

So a redelivered ONAPPINSTALL/ONAPPUPDATE (the dispatcher has no dedup by default, and
``max_age`` is off by default), or anyone replaying a captured one, writes back the
refresh token the refresh already spent. The next refresh answers ``invalid_grant`` and
the portal's stored credentials are dead until the app is reinstalled.
"""

from __future__ import annotations

import re

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal, app_install_body
from rest.support import CLIENT_ID, CLIENT_SECRET, FORM, app_for


def test_a_repeated_install_without_expires_does_not_restore_spent_tokens() -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    store = MemoryPortalStore()
    dp = Dispatcher(portal_store=store)
    body = re.sub(r"auth%5Bexpires%5D=[0-9]+&", "", app_install_body(portal=portal))
    assert "expires_in" in body
    assert "%5Bexpires%5D" not in body

    with fake.serve() as url:
        client = RestClient(
            portal_store=store,
            app=app_for(url),
            portal_url=url,
            rate=None,
            retry=RetryPolicy(attempts=1),
        )
        with client:
            assert dp.handle(body, content_type=FORM).status == 200
            refreshed = client.refresh(portal.member_id)  # rotates the pair at the fake
            live_refresh = fake.user_tokens(portal)[1]
            assert refreshed.refresh_token == live_refresh != portal.refresh_token

            # The same install again (a redelivery, a replay).
            assert dp.handle(body, content_type=FORM).status == 200
            record = store.get(portal.member_id)
            assert record is not None
            assert record.credentials is not None
            assert record.credentials.refresh_token == live_refresh, (
                "the repeated install put back the refresh token the refresh had spent"
            )
