"""Review: ``im.notify`` is taken for idempotent and re-sent after a lost answer.

``_answers.is_idempotent`` treats every method whose last segment is ``notify`` as a
harmless repeat (meant for ``imbot.v2.Chat.InputAction.notify``, "typing…"). But
``im.notify`` is Bitrix24's method that *sends a notification* to a user (``TO``,
``MESSAGE``): a post. When its answer is lost after the portal ran it, the client sends
it again, and the user gets the notification twice, although the docs promise "Sends are
not retried after a lost answer".

The server below runs the first request and hangs up before answering (the answer is
lost), then answers the next one.
"""

from __future__ import annotations

import threading

import pytest

from b24botevents import MemoryPortalStore, PortalRecord, RestError
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from rest.support import Answer, Hit, app_for, json_answer, local_server

MEMBER = "5d6e7f8091a23b4c5d6e7f8091a23b4c"


def test_a_notification_whose_answer_was_lost_is_not_sent_again() -> None:
    lock = threading.Lock()
    seen = []

    def lose_the_first_answer(hit: Hit) -> Answer:
        with lock:
            seen.append(hit)
            first = len(seen) == 1
        if first:
            raise ConnectionAbortedError("the notification was sent; the answer is lost")
        return json_answer({"result": 12345})

    store = MemoryPortalStore(
        [PortalRecord(MEMBER, "notify.bitrix24.com", "apptok", credentials=OAuthTokens("acc"))]
    )
    with local_server(lose_the_first_answer) as server:
        client = RestClient(
            portal_store=store,
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02),
        )
        with client, pytest.raises(RestError) as caught:
            client.call("im.notify", {"TO": 1, "MESSAGE": "Your order shipped"}, portal=MEMBER)
        posted = [hit.path for hit in server.hits]
    assert caught.value.may_have_run
    assert posted == ["/rest/im.notify.json"], f"the notification went out {len(posted)} times"
