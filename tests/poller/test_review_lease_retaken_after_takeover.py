"""Review 10: a poller whose lease lapsed, and that takes it again mid-page because it is
free, must not go on with its stale page when another poller consumed the bot meanwhile.

The docs promise: past the one event whose handler outlived the lease, nothing is handled
twice ("the first one's next save is refused, so it notices (leases_lost), drops the rest
of its page"). ``_flow._save`` and ``_flow._renew_if_due`` re-take a *free* lease and go
on, without asking whether someone else took it, handled events and gave it up in between
(an heir that stopped, a ``poll --once`` run by an operator, an heir that died itself). The
progress such a poller keeps is the one it loaded before the page, so it handles again
every event the heir already handled.
"""

from __future__ import annotations

from typing import Any

import httpx

from b24botevents import Event, Router
from b24botevents.rest import RestClient
from b24botevents.stores.offsets import MemoryOffsetStore
from poller.support import FAST, poll_rig


def test_a_heir_that_came_and_went_mid_handler_is_noticed_and_nothing_else_is_doubled() -> None:
    clock = [0.0]
    offsets = MemoryOffsetStore(clock=lambda: clock[0])
    with poll_rig(offsets=offsets) as rig:
        ids = rig.push(3)
        handled: list[tuple[str, int]] = []
        heir_router = Router()
        heir_router.on("ONIMBOTV2MESSAGEADD")(
            lambda event: handled.append(("heir", event.event_id))
        )
        heir = rig.poller(router=heir_router, lease_ttl=3.0, clock=lambda: clock[0])
        router = Router()

        @router.on("ONIMBOTV2MESSAGEADD")
        def slow(event: Event) -> None:
            assert event.event_id is not None
            handled.append(("first", event.event_id))
            if event.event_id == ids[0]:
                clock[0] += 10.0  # this handler outlived the lease ...
                assert heir.poll_once() is not None  # ... another poller took the bot,
                heir.close()  # handled the whole page and stopped

        first = rig.poller(router=router, lease_ttl=3.0, clock=lambda: clock[0])
        first.poll_once()

        # The first event may run twice (its handler outlived the lease); no other may.
        assert [entry for entry in handled if entry[1] != ids[0]] == [
            ("heir", ids[1]),
            ("heir", ids[2]),
        ]
        assert first.metrics.leases_lost == 1


class _HeirDuringFetch(httpx.BaseTransport):
    """The fake's transport; while the first poller's first ``Event.get`` is answered,
    its lease runs out and another poller takes the bot, handles the page and stops."""

    def __init__(self, inner: httpx.BaseTransport, meanwhile: Any) -> None:
        self.inner = inner
        self.meanwhile = meanwhile
        self.done = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.done and "imbot.v2.Event.get" in str(request.url):
            self.done = True
            self.meanwhile()
        return response


def test_a_heir_that_came_and_went_during_a_slow_fetch_is_noticed_before_any_event() -> None:
    clock = [0.0]
    offsets = MemoryOffsetStore(clock=lambda: clock[0])
    with poll_rig(offsets=offsets) as rig:
        ids = rig.push(3)
        handled: list[tuple[str, int]] = []
        heir_router = Router()
        heir_router.on("ONIMBOTV2MESSAGEADD")(
            lambda event: handled.append(("heir", event.event_id))
        )
        heir = rig.poller(router=heir_router, lease_ttl=3.0, clock=lambda: clock[0])

        def meanwhile() -> None:
            clock[0] += 10.0  # the call took longer than the lease
            assert heir.poll_once() is not None
            heir.close()

        assert rig.client.webhook is not None
        slow_client = RestClient(
            webhook=rig.client.webhook,
            transport=_HeirDuringFetch(rig.fake.transport(), meanwhile),
            rate=None,
            retry=FAST,
        )
        router = Router()
        router.on("ONIMBOTV2MESSAGEADD")(lambda event: handled.append(("first", event.event_id)))
        first = rig.poller(router=router, client=slow_client, lease_ttl=3.0, clock=lambda: clock[0])
        try:
            first.poll_once()
        finally:
            slow_client.close()

        # No handler outlived anything here: every event must run exactly once.
        assert handled == [("heir", ids[0]), ("heir", ids[1]), ("heir", ids[2])]
        assert first.metrics.leases_lost == 1
