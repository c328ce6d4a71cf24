"""Issue 8 §3: slow handlers cannot starve verification, and dedup claims are always released.

An attacker who can make handlers slow (or a bot whose handlers are slow) must not delay
the verification of the next event, and a delivery whose handlers did not finish must be
handled again when Bitrix24 (or an operator) resends it.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from b24botevents import (
    Deduplicator,
    Dispatcher,
    Event,
    MemoryDedupStore,
    SQLiteDedupStore,
    SQLitePortalStore,
    StoreUnavailable,
)
from b24botevents.testing import Portal, event_body
from dispatch_helpers import FORM

SLOW_HANDLERS = 30


def body(portal: Portal, index: int) -> str:
    return event_body("ONIMBOTDELETE", {"BOT_ID": str(index), "BOT_CODE": "b"}, portal.auth())


def test_thirty_blocked_sync_background_handlers_do_not_delay_the_next_verification(
    tmp_path: Path,
) -> None:
    """Handlers and store calls used to share asyncio's default pool (6 threads here)."""
    portal = Portal.random()
    store = SQLitePortalStore(tmp_path / "portals.db")
    store.save(portal.record(), expected=None)
    release = threading.Event()
    entered: list[int] = []
    dp = Dispatcher(portal_store=store, background=True, max_in_flight=64)

    @dp.on("ONIMBOTDELETE")
    def blocked(event: Event) -> None:
        entered.append(1)  # list.append is atomic
        release.wait(30)

    async def scenario() -> tuple[list[int], int, int]:
        accepted = [
            (await dp.ahandle(body(portal, index), content_type=FORM)).status
            for index in range(SLOW_HANDLERS)
        ]
        # Every handler is running at once: bounded by max_in_flight, not by a small pool.
        # (Polled from the loop: a worker thread could itself be stuck behind handlers.)
        for _ in range(500):
            if len(entered) == SLOW_HANDLERS:
                break
            await asyncio.sleep(0.01)
        running = len(entered)
        # All of them are blocked, and the next event is still verified (and refused).
        forged = body(portal.with_application_token(), 99)
        refused = await asyncio.wait_for(dp.ahandle(forged, content_type=FORM), 5)
        release.set()
        assert await dp.aclose(30)
        return accepted, running, refused.status

    try:
        accepted, running, refused = asyncio.run(scenario())
    finally:
        release.set()
        store.close()
    assert accepted == [200] * SLOW_HANDLERS
    assert running == SLOW_HANDLERS
    assert refused == 403


def test_every_admitted_sync_background_handler_runs_at_once() -> None:
    """``handle`` admits ``max_in_flight`` events; its pool had 32 threads, so events past
    the 32nd were answered 200 and then waited behind slow handlers."""
    admitted = 40
    barrier = threading.Barrier(admitted, timeout=20)
    met: list[int] = []
    dp = Dispatcher(verify=False, background=True, max_in_flight=admitted)

    @dp.on("ONIMBOTDELETE")
    def slow(event: Event) -> None:
        barrier.wait()  # passes only when all of them run at the same time
        met.append(1)

    portal = Portal.random()
    try:
        statuses = [
            dp.handle(body(portal, index), content_type=FORM).status for index in range(admitted)
        ]
        assert statuses == [200] * admitted
        assert dp.close(30)
    finally:
        barrier.abort()
    assert len(met) == admitted


def test_a_dedup_claim_is_released_when_aclose_cancels_the_background_handler(
    tmp_path: Path,
) -> None:
    dedup = Deduplicator(SQLiteDedupStore(tmp_path / "dedup.db"))
    dp = Dispatcher(verify=False, background=True, dedup=dedup)
    runs: list[str] = []

    @dp.on("ONIMBOTDELETE")
    async def never_finishes(event: Event) -> None:
        runs.append("started")
        await asyncio.Event().wait()

    async def scenario() -> tuple[int, bool, bytes]:
        portal = Portal.random()
        first = await dp.ahandle(body(portal, 1), content_type=FORM)
        await asyncio.sleep(0.05)
        finished = await dp.aclose(0.1)  # cancels the stuck handler
        resent = await Dispatcher(verify=False, dedup=dedup).ahandle(
            body(portal, 1), content_type=FORM
        )
        return first.status, finished, resent.body

    status, finished, resent = asyncio.run(scenario())
    assert (status, finished) == (200, False)
    assert runs == ["started"]
    assert resent != b"duplicate"  # the claim was released: the resend is handled


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_a_dedup_claim_is_released_when_a_handler_raises_an_interrupt(
    interrupt: type[BaseException],
) -> None:
    dedup = Deduplicator(MemoryDedupStore())
    dp = Dispatcher(verify=False, dedup=dedup)
    calls: list[int] = []

    @dp.on("ONIMBOTDELETE")
    def interrupted(event: Event) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise interrupt

    portal = Portal.random()
    with pytest.raises(interrupt):  # re-raised, not swallowed
        dp.handle(body(portal, 1), content_type=FORM)
    assert dp.handle(body(portal, 1), content_type=FORM).body == b"ok"
    assert calls == [1, 1]


def test_a_dedup_claim_is_released_when_an_async_handler_raises_an_interrupt() -> None:
    dedup = Deduplicator(MemoryDedupStore())
    dp = Dispatcher(verify=False, dedup=dedup)
    calls: list[int] = []

    @dp.on("ONIMBOTDELETE")
    async def interrupted(event: Event) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise SystemExit(3)

    portal = Portal.random()

    async def scenario() -> bytes:
        with pytest.raises(SystemExit):
            await dp.ahandle(body(portal, 1), content_type=FORM)
        return (await dp.ahandle(body(portal, 1), content_type=FORM)).body

    assert asyncio.run(scenario()) == b"ok"
    assert calls == [1, 1]


class _LostReply:
    """A real dedup store whose first claim is applied but whose reply is lost (a timeout)."""

    blocking = False

    def __init__(self) -> None:
        self.inner = MemoryDedupStore()
        self.lost = False

    def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        claimed = self.inner.claim(key, ttl, owner)
        if not self.lost:
            self.lost = True
            raise StoreUnavailable("dedup store: claim failed: TimeoutError: timed out")
        return claimed

    def release(self, key: str, owner: str | None = None) -> None:
        self.inner.release(key, owner)


def test_a_claim_whose_reply_was_lost_is_released_so_the_resend_runs() -> None:
    """Without this the claim the store did make turned the one resend into a duplicate."""
    dp = Dispatcher(verify=False, dedup=Deduplicator(_LostReply()))
    runs: list[int] = []
    dp.on("ONIMBOTDELETE")(lambda event: runs.append(1))
    portal = Portal.random()
    assert dp.handle(body(portal, 1), content_type=FORM).status == 503
    assert dp.handle(body(portal, 1), content_type=FORM).body == b"ok"
    assert runs == [1]


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_late_failing_handler_cannot_release_the_claim_of_the_delivery_after_it() -> None:
    """The first run outlives the TTL, a second delivery claims anew, then the first fails."""
    clock = _Clock()
    dedup = Deduplicator(MemoryDedupStore(clock=clock), ttl=60)
    first = Dispatcher(verify=False, dedup=dedup)
    second = Dispatcher(verify=False, dedup=dedup)
    portal = Portal.random()
    runs: list[str] = []

    @second.on("ONIMBOTDELETE")
    def quick(event: Event) -> None:
        runs.append("second")

    @first.on("ONIMBOTDELETE")
    def slow_then_fails(event: Event) -> None:
        runs.append("first")
        clock.now += 120  # past the TTL
        assert second.handle(body(portal, 1), content_type=FORM).body == b"ok"
        raise RuntimeError("the first run failed late")

    assert first.handle(body(portal, 1), content_type=FORM).status == 500
    # The second delivery's claim still stands: a third copy is a duplicate.
    assert second.handle(body(portal, 1), content_type=FORM).body == b"duplicate"
    assert runs == ["first", "second"]
