"""A lease that ran out with nobody taking it (the store was down longer than ``lease_ttl``)
is taken again and the event's mark saved: nothing is handled twice. The process-level
version is ``test_the_poller_rides_out_redis_restarts``; this one is fast and exact."""

from __future__ import annotations

from b24botevents import Event, Router
from b24botevents.stores.offsets import MemoryOffsetStore

from .support import poll_rig


def test_a_lease_that_lapsed_with_nobody_taking_it_is_taken_again_and_the_mark_saved() -> None:
    clock = [0.0]
    offsets = MemoryOffsetStore(clock=lambda: clock[0])
    with poll_rig(offsets=offsets) as rig:
        ids = rig.push(4)
        handled: list[int] = []
        router = Router()

        @router.on("ONIMBOTV2MESSAGEADD")
        def handler(event: Event) -> None:
            assert event.event_id is not None
            handled.append(event.event_id)
            if event.event_id == ids[1]:
                clock[0] += 10.0  # the lease ran out meanwhile; nobody took it

        poller = rig.poller(router=router, lease_ttl=3.0, clock=lambda: clock[0])
        assert poller.poll_once() is not None
        assert offsets.load(poller.key).handled == ids[-1]  # every mark saved
        assert offsets.load(poller.key).offset == ids[-1] + 1
        assert poller.metrics.leases_lost == 0
        poller.poll_once()
        assert handled == ids  # each once
