"""Review 10: one ``Poller`` driven twice at once handles every event twice.

The lease keeps *other* pollers out: it is held per ``owner``, and a poller has one
owner for its life. Two overlapping ``apoll_once()`` calls of the same poller (a
scheduler whose jobs overlap when a page is slow, ``asyncio.gather`` over "all my
pollers" with one listed twice), or ``run()`` started in two threads, both "hold" the
lease, load the same progress and fetch the same page: each event's handlers run twice.
Nothing refuses the second drive (nor says the bot is taken, as ``poll_once`` does for
another poller).
"""

from __future__ import annotations

import asyncio

from b24botevents import Event, Router
from poller.support import poll_rig


def test_overlapping_apoll_once_calls_of_one_poller_handle_each_event_once() -> None:
    with poll_rig() as rig:
        ids = rig.push(3)
        seen: list[int] = []
        router = Router()

        @router.on("ONIMBOTV2MESSAGEADD")
        async def handle(event: Event) -> None:
            assert event.event_id is not None
            seen.append(event.event_id)
            await asyncio.sleep(0.01)  # a reply, say: the other call gets its turn

        poller = rig.poller(router=router)

        async def main() -> None:
            await asyncio.wait_for(
                asyncio.gather(poller.apoll_once(), poller.apoll_once(), return_exceptions=True),
                10.0,
            )

        asyncio.run(main())
        assert seen == ids  # each event once, in order
