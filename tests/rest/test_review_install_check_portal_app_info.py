"""Review: the install check asks Bitrix24's OAuth server, never the portal it is checking.

A portal's own ``app.info`` (``api-reference/common/system/app-info.md``) answers only
``ID, CODE, VERSION, STATUS, INSTALLED, ...``: nothing that names the portal. What names
the installation a token was issued for is the OAuth server's ``app.info``
(``oauth.bitrix.info/rest/app.info``), which is what ``OnlineInstallCheck`` asks. Here a
"portal" server answers exactly the documented fields and records every hit, and the
fake Bitrix24 plays the OAuth server: a genuine install is approved, and the portal is
never called (so a server an attacker runs at a claimed domain vouches for nothing).
"""

from __future__ import annotations

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.rest import OnlineInstallCheck, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal, app_install_body
from rest.support import CLIENT_ID, FORM, Answer, Hit, json_answer, local_server


def documented_app_info(_hit: Hit) -> Answer:
    return json_answer(
        {
            "result": {
                "ID": 7,
                "CODE": CLIENT_ID,
                "VERSION": 1,
                "STATUS": "F",
                "INSTALLED": True,
                "PAYMENT_EXPIRED": "N",
                "DAYS": None,
                "LANGUAGE_ID": "en",
                "LICENSE": "en_project",
                "LICENSE_TYPE": "project",
                "LICENSE_FAMILY": "project",
            },
            "time": {"start": 1.0, "finish": 1.01, "duration": 0.01},
        }
    )


def test_a_genuine_install_is_approved_by_the_oauth_server_and_the_portal_is_not_asked() -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret="review-secret")
    portal = Portal.random()
    fake.add_portal(portal)
    with local_server(documented_app_info) as portal_server, fake.serve():
        store = MemoryPortalStore()
        client = RestClient(
            portal_store=store,
            app=fake.oauth_app(),
            portal_url=portal_server.url,  # where the portal's own calls would go
            rate=None,
            retry=RetryPolicy(attempts=1),
            timeout=2.0,
        )
        dp = Dispatcher(portal_store=store, approve_install=OnlineInstallCheck(client))
        with client:
            response = dp.handle(app_install_body(portal=portal), content_type=FORM)
    assert response.status == 200
    assert portal_server.hits == []
    assert [call.method for call in fake.calls] == ["oauth/app.info"]
