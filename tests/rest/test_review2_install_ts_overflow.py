"""Review 2: an ONAPPINSTALL whose ``ts`` is near year 9999 crashes the verifier (500).

``PortalVerifier._check_lifecycle`` now dates the install's credentials from the event's
own ``ts`` (``tokens_from_auth(auth, now=_sent(envelope))``). ``_sent`` parses any
readable ``ts``, including ``253402300000`` (9999-12-31) or ``9999-12-31T23:30:00Z``;
``tokens_from_auth`` then adds ``expires_in`` to it and raises ``OverflowError``, which
nothing catches. Anyone can post such an event (no token is checked before this), and
every one is a 500 and a logged traceback instead of a 403/200. Before the change ``now``
was the wall clock and could not overflow.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.testing import FORM_CONTENT_TYPE, Portal, app_install_body


@pytest.mark.parametrize("ts", ["253402300000", "9999-12-31T23:30:00Z"])
def test_an_install_dated_at_the_end_of_time_is_not_a_500(ts: str) -> None:
    body = app_install_body(portal=Portal.random())
    # Without auth[expires] (the docs say it does not come with every event), so the
    # lifetime is counted from ts.
    pairs = [
        (key, ts if key == "ts" else value)
        for key, value in parse_qsl(body, keep_blank_values=True)
        if key != "auth[expires]"
    ]
    dp = Dispatcher(portal_store=MemoryPortalStore())
    response = dp.handle(urlencode(pairs), content_type=FORM_CONTENT_TYPE)
    assert response.status != 500, (
        f"ts={ts!r} made the verifier raise (OverflowError in tokens_from_auth): "
        f"{response.status} {response.body!r}"
    )
