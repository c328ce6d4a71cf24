"""Review 10: an ``eventId`` that comes twice on one page is handled twice.

``_flow._handle_page`` skips the items at or below ``progress.handled``, but that is the
value loaded before the page: it is never raised as the page goes, so a repeated id (the
same event listed twice, or once as a bot event and once as a user event with
``withUserEvents``) runs its handlers again although its mark is already saved. The
guarantee "events at or below ``handled`` are skipped" does not hold within a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from b24botevents.rest import RestClient
from poller.support import FAST, poll_rig


class _Rewrite(httpx.BaseTransport):
    """The fake's transport, with each ``Event.get`` result passed through ``change``."""

    def __init__(self, inner: httpx.BaseTransport, change: Callable[[Any], Any]) -> None:
        self.inner = inner
        self.change = change

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "imbot.v2.Event.get" not in str(request.url):
            return response
        response.read()
        body = response.json()
        body["result"] = self.change(body["result"])
        return httpx.Response(response.status_code, json=body)


def _first_item_twice(result: Any) -> Any:
    result["events"] = [*result["events"], *result["events"][:1]]
    return result


def test_an_event_listed_twice_on_a_page_is_handled_once() -> None:
    with poll_rig() as rig:
        ids = rig.push(2)
        assert rig.client.webhook is not None
        client = RestClient(
            webhook=rig.client.webhook,
            transport=_Rewrite(rig.fake.transport(), _first_item_twice),
            rate=None,
            retry=FAST,
        )
        try:
            poller = rig.poller(client=client)
            page = poller.poll_once()
        finally:
            client.close()
        assert page is not None
        assert rig.seen_ids == ids  # each event's handlers ran once
        assert poller.metrics.events_handled == 2
