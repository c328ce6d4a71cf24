"""``Poller``: fetch mode against the fake portal, sync and async."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

import pytest

from b24botevents import Dispatcher, Event, MemoryPortalStore, Router
from b24botevents.errors import RestError, SchemaError
from b24botevents.fetch import RejectedEvent
from b24botevents.models import BotV2MessageAddEvent
from b24botevents.poller import Poller
from b24botevents.rest import RestClient
from b24botevents.rest.limiter import RateLimiter
from b24botevents.stores.offsets import MemoryOffsetStore
from b24botevents.testing import FakeBitrix24, Portal, PortalClient

from .support import BOT_ID, BOT_TOKEN, PollRig, poll_rig


def _stop_after(rig: PollRig, poller: Poller, count: int) -> None:
    """Stop ``poller`` from its own handler once ``count`` events were seen."""

    def check(event: Event) -> None:
        if len(rig.seen) >= count:
            poller.stop()

    rig.router.on_unknown(check)
    for code in ("ONIMBOTV2MESSAGEADD", "ONIMBOTV2DELETE"):
        rig.router.on(code)(check)


def _run_in_thread(poller: Poller) -> threading.Thread:
    thread = threading.Thread(target=poller.run, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    return thread


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def test_one_page_is_handled_in_order_and_acknowledged_on_the_next_call() -> None:
    with poll_rig() as rig:
        ids = rig.push(5)
        poller = rig.poller()
        page = poller.poll_once()
        assert page is not None
        assert rig.seen_ids == ids
        assert all(isinstance(event, BotV2MessageAddEvent) for event in rig.seen)
        assert rig.acked() == [None]  # the first call sends no offset
        assert rig.offsets.load(poller.key).offset == ids[-1] + 1
        poller.poll_once()
        assert rig.acked() == [None, ids[-1] + 1]
        assert rig.fake.pending_events(rig.portal, BOT_ID) == []
        assert rig.seen_ids == ids  # nothing twice


def test_the_bot_token_and_limit_go_with_every_call() -> None:
    with poll_rig() as rig:
        rig.push(3)
        rig.poller(limit=2, user_events=False).poll_once()
        (call,) = rig.fake.calls_to("imbot.v2.Event.get")
        assert call.params["botId"] == BOT_ID
        assert call.params["limit"] == 2
        assert call.bot_token == BOT_TOKEN
        assert "withUserEvents" not in call.params


@pytest.mark.parametrize("served", [False, True], ids=["in-process", "served"])
def test_run_handles_every_page_once_until_stopped(served: bool) -> None:
    with poll_rig(served=served) as rig:
        ids = rig.push(250)
        poller = rig.poller(limit=100)
        _stop_after(rig, poller, 250)
        metrics = poller.run(handle_signals=False)
        assert rig.seen_ids == ids
        assert metrics.events_handled == 250
        assert metrics.pages >= 2  # the page stopped on may be abandoned after its last event
        assert metrics.requests == 3
        assert rig.offsets.holder(poller.key) is None  # released at the end


def test_a_stop_mid_page_leaves_the_rest_for_the_next_start() -> None:
    with poll_rig() as rig:
        ids = rig.push(10)
        first = rig.poller()
        _stop_after(rig, first, 4)
        first.run(handle_signals=False)
        assert rig.seen_ids == ids[:4]
        progress = rig.offsets.load(first.key)
        assert progress.handled == ids[3]
        assert progress.offset is None  # the page was not finished: nothing acknowledged
        second = rig.poller()
        second.poll_once()
        assert rig.seen_ids == ids  # the first four were skipped, not handled again
        assert second.metrics.events_skipped == 4


def test_a_failing_handler_stops_the_poller_before_that_event_by_default() -> None:
    with poll_rig() as rig:
        ids = rig.push(5)
        calls: list[int] = []

        def flaky(event: Event) -> None:
            assert event.event_id is not None
            calls.append(event.event_id)
            if event.event_id == ids[2] and calls.count(ids[2]) == 1:
                raise RuntimeError("boom")

        router = Router()
        router.on("ONIMBOTV2MESSAGEADD")(flaky)
        with pytest.raises(RuntimeError, match="boom"):
            rig.poller(router=router).run(handle_signals=False)
        progress = rig.offsets.load(rig.poller().key)
        assert progress.handled == ids[1]
        assert progress.offset is None
        assert rig.acked() == [None]
        # The next start handles the failed event first, and nothing twice.
        rig.poller(router=router).poll_once()
        assert calls == [*ids[:3], *ids[2:]]


def test_on_error_deals_with_a_failure_and_the_poller_moves_on() -> None:
    with poll_rig() as rig:
        ids = rig.push(4)
        failures: list[tuple[Any, BaseException]] = []
        router = Router()

        @router.on("ONIMBOTV2MESSAGEADD")
        def handler(event: Event) -> None:
            if event.event_id == ids[1]:
                raise ValueError("bad")

        poller = rig.poller(router=router, on_error=lambda item, exc: failures.append((item, exc)))
        poller.poll_once()
        assert [(item.event_id, type(exc)) for item, exc in failures] == [(ids[1], ValueError)]
        assert poller.metrics.events_failed == 1
        assert poller.metrics.events_handled == 3
        assert rig.offsets.load(poller.key).offset == ids[-1] + 1


def test_an_event_that_does_not_fit_stops_by_default_or_goes_to_on_error() -> None:
    with poll_rig() as rig:
        good = rig.push(1)
        bad = rig.fake.push_event(rig.portal, BOT_ID, "ONIMBOTV2MESSAGEADD", {"bot": {"id": 1}})
        with pytest.raises(SchemaError):
            rig.poller().poll_once()
        assert rig.seen_ids == good
        failures: list[Any] = []
        rig.poller(on_error=lambda item, exc: failures.append(item)).poll_once()
        (rejected,) = failures
        assert isinstance(rejected, RejectedEvent)
        assert rejected.event_id == bad


def test_an_on_error_hook_that_raises_stops_the_poller() -> None:
    with poll_rig() as rig:
        rig.push(2)
        router = Router()
        router.on("ONIMBOTV2MESSAGEADD")(lambda event: 1 / 0)

        def hook(item: Any, exc: BaseException) -> None:
            raise KeyError("stop")

        with pytest.raises(KeyError):
            rig.poller(router=router, on_error=hook).poll_once()


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 503},
        {"status": 429, "error": "QUERY_LIMIT_EXCEEDED"},
        {"drop": "before"},
        {"drop": "after"},
    ],
)
def test_failed_calls_are_retried_with_backoff_and_nothing_is_lost(fault: dict[str, Any]) -> None:
    with poll_rig() as rig:
        ids = rig.push(3)
        poller = rig.poller()
        if "drop" in fault:
            # A lost connection is retried once the portal has answered (before that it
            # is a wrong URL: see the next test).
            poller.poll_once()
            ids = rig.push(3)
            rig.seen.clear()
            rig.fake.drop_next(
                method="imbot.v2.Event.get", before_processing=fault["drop"] == "before"
            )
        else:
            rig.fake.fail_next(
                fault["status"], error=fault.get("error"), method="imbot.v2.Event.get"
            )
        _stop_after(rig, poller, 3)
        metrics = poller.run(handle_signals=False)
        assert rig.seen_ids == ids
        assert metrics.retries == 1


def test_a_portal_that_never_answered_fails_at_once() -> None:
    with poll_rig() as rig:
        rig.fake.drop_next(method="imbot.v2.Event.get")
        with pytest.raises(RestError) as caught:
            rig.poller().run(handle_signals=False)
        assert caught.value.code in {"CONNECTION_FAILED", "RESPONSE_LOST"}
        assert caught.value.status is None


def test_fetched_events_name_their_portal_and_can_be_replied_to_over_a_webhook() -> None:
    with poll_rig() as rig:
        rig.push(1)
        rig.poller().poll_once()
        (event,) = rig.seen
        assert event.domain == rig.client.webhook.host if rig.client.webhook else False
        assert event.member_id is None
        assert rig.client.reply(event, "pong") is not None
        assert [m.text for m in rig.fake.messages] == ["pong"]


@pytest.mark.parametrize("code", ["BOT_NOT_FOUND", "AUTH_ERROR", "SCOPE_ERROR"])
def test_errors_that_need_a_person_stop_the_poller(code: str) -> None:
    with poll_rig() as rig:
        rig.fake.fail_next(400, error=code, method="imbot.v2.Event.get")
        with pytest.raises(RestError) as caught:
            rig.poller().run(handle_signals=False)
        assert caught.value.code == code
        assert BOT_TOKEN not in str(caught.value)


def test_a_second_poller_of_the_same_bot_waits_and_takes_over_when_the_first_stops() -> None:
    with poll_rig() as rig:
        first_ids = rig.push(3)
        first = rig.poller()
        first.poll_once()  # holds the lease now
        second = rig.poller()
        assert second.poll_once() is None  # the lease is held: nothing fetched
        assert second.metrics.lease_waits == 1
        later = rig.push(2)
        thread = _run_in_thread(second)
        time.sleep(0.1)
        assert rig.seen_ids == first_ids  # still waiting
        first.close()  # the first gives the lease up
        _wait_for(lambda: rig.seen_ids == [*first_ids, *later])
        second.stop()
        thread.join(5)
        assert not thread.is_alive()


def test_a_dead_pollers_lease_expires_and_another_takes_over_in_bounded_time() -> None:
    with poll_rig() as rig:
        rig.push(1)
        dead = rig.poller(lease_ttl=0.3)
        dead.poll_once()  # then never renews: as if the process died
        ids = rig.push(2)
        started = time.monotonic()
        heir = rig.poller(lease_ttl=0.3, lease_retry=0.05)
        thread = _run_in_thread(heir)
        _wait_for(lambda: rig.seen_ids[-2:] == ids)
        assert time.monotonic() - started < 0.3 + 0.05 + 1.0
        heir.stop()
        thread.join(5)


def test_a_lease_taken_over_mid_page_stops_the_page_without_saving() -> None:
    clock = [0.0]
    offsets = MemoryOffsetStore(clock=lambda: clock[0])
    with poll_rig(offsets=offsets) as rig:
        ids = rig.push(4)
        router = Router()
        poller = rig.poller(router=router, lease_ttl=3.0, clock=lambda: clock[0])

        @router.on("ONIMBOTV2MESSAGEADD")
        def handler(event: Event) -> None:
            if event.event_id == ids[1]:
                clock[0] += 10.0  # the handler outlived the lease ...
                assert offsets.acquire(poller.key, "intruder", 30.0)  # ... and it went

        page = poller.poll_once()
        assert page is not None
        progress = offsets.load(poller.key)
        assert progress.handled == ids[0]  # the save after the second event was refused
        assert progress.offset is None
        assert poller.metrics.leases_lost == 1


def test_pacing_between_calls_while_has_more_and_when_idle() -> None:
    with poll_rig() as rig:
        rig.push(6)
        poller = rig.poller(limit=2, min_interval=0.15, idle_interval=0.4)
        thread = _run_in_thread(poller)
        _wait_for(lambda: len(rig.seen) == 6)
        time.sleep(0.5)
        poller.stop()
        thread.join(5)
        assert rig.transport is not None
        stamps = rig.transport.sent
        gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
        assert len(stamps) >= 4
        assert all(gap >= 0.14 for gap in gaps[:2])  # pages while hasMore
        assert gaps[-1] >= 0.39  # idle


def test_the_app_limiter_is_shared_by_every_poller_of_the_app() -> None:
    with poll_rig() as rig:
        limiter = RateLimiter(rate=20.0, burst=1)
        rig.push(1)
        pollers = [rig.poller(app_limiter=limiter, key=f"k{n}") for n in range(2)]
        started = time.monotonic()
        for _ in range(5):
            for poller in pollers:
                poller.poll_once()
        # Ten calls at 20/s after the first: at least 0.45 s, whichever poller made them.
        assert time.monotonic() - started >= 0.44


def test_metrics_show_lag_and_last_poll() -> None:
    with poll_rig() as rig:
        rig.fake.push_event(
            rig.portal, BOT_ID, "ONIMBOTV2MESSAGEADD", date="2020-01-01T00:00:00+00:00"
        )
        poller = rig.poller()
        poller.poll_once()
        metrics = poller.metrics
        assert metrics.lag is not None
        assert metrics.lag > 3600 * 24 * 365
        assert metrics.last_poll_at is not None
        assert metrics.last_event_id is not None


def test_user_events_are_asked_for_and_typed() -> None:
    with poll_rig() as rig:
        rig.fake.subscribe_user(rig.portal, 1)
        data = {"messageId": 9, "chat": {"id": 5, "dialogId": "chat5"}}
        user_id = rig.fake.push_user_event(rig.portal, 1, "ONIMV2MESSAGEDELETE", data)
        rig.push(1)
        seen: list[Event] = []
        rig.router.on_unknown(seen.append)
        rig.router.on("ONIMV2MESSAGEDELETE")(seen.append)
        poller = rig.poller(user_events=True)
        poller.poll_once()
        (call,) = rig.fake.calls_to("imbot.v2.Event.get")
        assert call.params["withUserEvents"] is True
        assert user_id in [event.event_id for event in seen]


def test_the_legacy_last_event_id_answer_is_followed() -> None:
    with poll_rig() as rig:
        rig.fake.legacy_event_format = True
        ids = rig.push(3)
        poller = rig.poller()
        poller.poll_once()
        poller.poll_once()
        assert rig.acked() == [None, ids[-1] + 1]
        assert rig.seen_ids == ids


def test_arguments_are_checked() -> None:
    with poll_rig() as rig:
        for bad in ({"limit": 0}, {"limit": 1001}, {"min_interval": -1}, {"lease_ttl": 0}):
            with pytest.raises(ValueError, match="must be"):
                rig.poller(**bad)
        with pytest.raises(ValueError, match="bot_id"):
            Poller(rig.router, rig.client, bot_id=0)
        with pytest.raises(TypeError):
            Poller(object(), rig.client, bot_id=1)  # type: ignore[arg-type]
        assert BOT_TOKEN not in repr(rig.poller())


# ---- async ---------------------------------------------------------------------------


def test_arun_awaits_async_handlers_and_stops_cleanly() -> None:
    with poll_rig() as rig:
        ids = rig.push(120)
        seen: list[int] = []
        router = Router()
        poller = rig.poller(router=router, limit=50)

        @router.on("ONIMBOTV2MESSAGEADD")
        async def handler(event: Event) -> None:
            await asyncio.sleep(0)
            assert event.event_id is not None
            seen.append(event.event_id)
            if len(seen) == len(ids):
                poller.stop()

        metrics = asyncio.run(poller.arun(handle_signals=False))
        assert seen == ids
        assert metrics.events_handled == 120


def test_apoll_once_and_a_stop_from_another_thread() -> None:
    with poll_rig(served=True) as rig:
        ids = rig.push(3)
        poller = rig.poller(idle_interval=30.0)

        async def main() -> None:
            page = await poller.apoll_once()
            assert page is not None
            threading.Timer(0.2, poller.stop).start()
            started = time.monotonic()
            await poller.arun(handle_signals=False)
            assert time.monotonic() - started < 5  # the idle wait was cut short

        asyncio.run(main())
        assert rig.seen_ids == ids


def test_an_oauth_app_polls_with_the_portals_stored_tokens_and_refreshes_them() -> None:
    fake = FakeBitrix24(client_id="local.poller", client_secret="poller-secret")
    portal = Portal.random()
    fake.add_portal(portal)
    fake.add_bot(portal, BOT_ID, event_mode="fetch")
    store = MemoryPortalStore()
    PortalClient(portal).install(Dispatcher(portal_store=store))
    client = RestClient(
        portal_store=store,
        app=fake.oauth_app(),
        portal_url=fake.base_url,
        rate=None,
        transport=fake.transport(),
    )
    seen: list[int] = []
    router = Router()
    router.on("ONIMBOTV2MESSAGEADD")(lambda event: seen.append(event.event_id))
    ids = fake.push_events(portal, BOT_ID, "ONIMBOTV2MESSAGEADD", 3)
    with client:
        poller = Poller(router, client, bot_id=BOT_ID, portal=portal.member_id, app_limiter=None)
        poller.poll_once()
        # A fetched event names the polled portal, so a reply finds the stored tokens.
        router.on("ONIMBOTV2MESSAGEADD")(lambda event: client.reply(event, "seen"))
        fake.expire_tokens(portal)
        more = fake.push_events(portal, BOT_ID, "ONIMBOTV2MESSAGEADD", 2)
        poller.poll_once()
    assert seen == [*ids, *more]
    assert [m.text for m in fake.messages] == ["seen", "seen"]
    assert len(fake.refreshes) == 1
    calls = [call for call in fake.calls_to("imbot.v2.Event.get") if call.status == 200]
    assert len(calls) == 2
    assert all(call.auth_kind == "oauth" and call.bot_token is None for call in calls)


def test_a_store_that_never_answers_fails_at_once(tmp_path: Any) -> None:
    from b24botevents.errors import StoreUnavailable
    from b24botevents.stores import SQLiteOffsetStore

    broken = SQLiteOffsetStore(str(tmp_path / "missing-dir" / "offsets.db"))
    with poll_rig(offsets=broken) as rig:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            rig.poller().run(handle_signals=False)
        with pytest.raises(StoreUnavailable):
            rig.poller().poll_once()
        assert time.monotonic() - started < 5


def test_a_retry_warning_names_the_error_code(caplog: pytest.LogCaptureFixture) -> None:
    with poll_rig() as rig:
        ids = rig.push(1)
        rig.fake.fail_next(503, error="SERVICE_UNAVAILABLE", method="imbot.v2.Event.get")
        poller = rig.poller()
        _stop_after(rig, poller, 1)
        with caplog.at_level("WARNING", logger="b24botevents.poller"):
            poller.run(handle_signals=False)
        assert rig.seen_ids == ids
        assert "SERVICE_UNAVAILABLE" in caplog.text
        assert BOT_TOKEN not in caplog.text


def test_a_save_whose_answer_was_lost_while_the_lease_lapsed_is_not_a_takeover() -> None:
    from b24botevents.errors import StoreUnavailable

    clock = [0.0]

    class LosesOneAnswer(MemoryOffsetStore):
        """Applies one save, then fails as if the answer died with the connection, while
        the outage outlasts the lease."""

        armed = False

        def save(self, key: str, owner: str, **progress: Any) -> bool:
            saved = super().save(key, owner, **progress)
            if self.armed and progress.get("handled") is not None:
                self.armed = False
                clock[0] += 100.0  # the outage outlived the lease
                raise StoreUnavailable("connection lost")
            return saved

    offsets = LosesOneAnswer(clock=lambda: clock[0])
    with poll_rig(offsets=offsets) as rig:
        ids = rig.push(3)
        poller = rig.poller(offsets=offsets, lease_ttl=3.0, clock=lambda: clock[0])
        poller.poll_once()  # the store has answered once: later failures are outages
        more = rig.push(3)
        offsets.armed = True
        poller.poll_once()
        assert rig.seen_ids == [*ids, *more]  # each once
        assert poller.metrics.leases_lost == 0
        assert offsets.load(poller.key).offset == more[-1] + 1


def test_a_webhook_written_with_its_default_port_keys_as_one_name_and_still_replies() -> None:
    from b24botevents.rest import WebhookAuth

    with poll_rig() as rig:
        assert rig.client.webhook is not None
        url = rig.client.webhook.url.replace(rig.fake.base_url, rig.fake.base_url + ":443", 1)
        client = RestClient(
            webhook=WebhookAuth(url, bot_token=BOT_TOKEN),
            rate=None,
            transport=rig.fake.transport(),
        )
        with client:
            rig.push(1)
            poller = rig.poller(client=client)
            assert poller.key == rig.poller().key  # one consumer, one lease
            poller.poll_once()
            (event,) = rig.seen
            client.reply(event, "pong")
        assert [m.text for m in rig.fake.messages] == ["pong"]
