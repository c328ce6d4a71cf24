"""Async dispatch: ``await adispatch(event)`` and ``await ahandle(...)``.

Async handlers are awaited in the loop; sync ones run in a worker thread, so the loop is
never blocked. Non-blocking is proved with a rendezvous, not with timings: the sync
handler waits on a ``threading.Event`` that only a task in the loop sets. Run in the
loop's thread, the handler would block that task and its (bounded) wait would time out.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from b24botevents import (
    AppInstallEvent,
    AppUpdateEvent,
    BotDeleteEvent,
    Dispatcher,
    DispatchResult,
    Event,
    InstallRequest,
    MemoryPortalStore,
    PortalRecord,
    SQLitePortalStore,
    parse_event,
)
from b24botevents.wire import encode_form
from dispatch_helpers import (
    FORM,
    PHP_BOT_DELETE,
    RECORD,
    bot_delete_body,
    install_body,
    known_store,
    uninstall_body,
)

EVENT = parse_event(PHP_BOT_DELETE, content_type=FORM)
#: Upper bound for each rendezvous: long enough for a loaded CI machine, short enough
#: that a blocked loop fails the test instead of hanging it.
RENDEZVOUS_TIMEOUT = 10.0

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_ID", default="unset")


class CountingExecutor(ThreadPoolExecutor):
    """A real thread pool that counts the calls submitted to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2, thread_name_prefix="counting-executor")
        self.submitted = 0
        self._count_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._count_lock:
            self.submitted += 1
        return super().submit(fn, *args, **kwargs)


async def _set_when(entered: threading.Event, release: threading.Event) -> bool:
    """In the loop: wait (bounded, without blocking) until ``entered``, then release."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RENDEZVOUS_TIMEOUT
    while not entered.is_set():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.001)
    release.set()
    return True


def _rendezvous_handler(
    entered: threading.Event, release: threading.Event, outcome: dict[str, Any]
) -> Callable[[Event], None]:
    def handler(event: Event) -> None:
        outcome["thread"] = threading.get_ident()
        entered.set()
        outcome["released"] = release.wait(timeout=RENDEZVOUS_TIMEOUT)

    return handler


def test_adispatch_runs_sync_handlers_without_blocking_the_loop() -> None:
    dp = Dispatcher(verify=False)
    entered, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}
    dp.on("ONIMBOTDELETE")(_rendezvous_handler(entered, release, outcome))

    async def main() -> tuple[DispatchResult, bool, int]:
        results = await asyncio.gather(dp.adispatch(EVENT), _set_when(entered, release))
        return results[0], results[1], threading.get_ident()

    result, setter_ran, loop_thread = asyncio.run(main())
    assert outcome["released"] is True, "the sync handler blocked the event loop"
    assert setter_ran is True
    assert outcome["thread"] != loop_thread
    assert result.handled


def test_ahandle_runs_sync_handlers_without_blocking_the_loop() -> None:
    dp = Dispatcher(portal_store=known_store())
    entered, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}
    dp.on_bot_delete(_rendezvous_handler(entered, release, outcome))

    async def main() -> tuple[int, bool, int]:
        response, setter_ran = await asyncio.gather(
            dp.ahandle(bot_delete_body(), content_type=FORM), _set_when(entered, release)
        )
        return response.status, setter_ran, threading.get_ident()

    status, setter_ran, loop_thread = asyncio.run(main())
    assert outcome["released"] is True, "the sync handler blocked the event loop"
    assert setter_ran is True
    assert outcome["thread"] != loop_thread
    assert status == 200


def test_adispatch_awaits_async_handlers_in_the_loop_in_order_with_sync_ones() -> None:
    dp = Dispatcher(verify=False)
    log: list[tuple[str, bool]] = []
    loop_thread: list[int] = []

    @dp.on("ONIMBOTDELETE")
    def sync_first(event: BotDeleteEvent) -> None:
        log.append(("sync1", threading.get_ident() == loop_thread[0]))

    @dp.on("ONIMBOTDELETE")
    async def async_middle(event: BotDeleteEvent) -> None:
        await asyncio.sleep(0)
        log.append(("async", threading.get_ident() == loop_thread[0]))

    @dp.on("ONIMBOTDELETE")
    def sync_last(event: BotDeleteEvent) -> None:
        log.append(("sync2", threading.get_ident() == loop_thread[0]))

    async def main() -> DispatchResult:
        loop_thread.append(threading.get_ident())
        return await dp.adispatch(EVENT)

    result = asyncio.run(main())
    # Async handlers run in the loop's thread; sync ones do not.
    assert log == [("sync1", False), ("async", True), ("sync2", False)]
    assert result.handlers == (sync_first, async_middle, sync_last)


def test_context_variables_reach_sync_handlers() -> None:
    dp = Dispatcher(verify=False)
    seen: list[str] = []

    @dp.on("ONIMBOTDELETE")
    def handler(event: Event) -> None:
        seen.append(REQUEST_ID.get())

    async def main(request_id: str) -> None:
        REQUEST_ID.set(request_id)
        await dp.adispatch(EVENT)

    asyncio.run(main("req-1"))
    asyncio.run(main("req-2"))
    assert seen == ["req-1", "req-2"]


def test_context_variables_reach_sync_handlers_and_hooks_through_ahandle() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []

    @dp.on("ONIMBOTDELETE")
    def handler(event: Event) -> None:
        seen.append(("handler", REQUEST_ID.get()))
        raise ValueError("to reach the hook")

    @dp.on_error
    def hook(event: Event, exc: Exception) -> None:
        seen.append(("hook", REQUEST_ID.get()))

    async def main() -> int:
        REQUEST_ID.set("req-ahandle")
        response = await dp.ahandle(bot_delete_body(), content_type=FORM)
        return response.status

    assert asyncio.run(main()) == 200
    assert seen == [("handler", "req-ahandle"), ("hook", "req-ahandle")]


def test_adispatch_uses_the_given_executor() -> None:
    dp = Dispatcher(verify=False)
    threads: list[str] = []

    @dp.on("ONIMBOTDELETE")
    def handler(event: Event) -> None:
        threads.append(threading.current_thread().name)

    with CountingExecutor() as executor:
        result = asyncio.run(dp.adispatch(EVENT, executor=executor))
        assert executor.submitted == 1
    assert result.handled
    assert threads[0].startswith("counting-executor")


def test_ahandle_runs_handlers_in_the_executor_and_blocking_store_calls_in_their_own_pool(
    tmp_path: Path,
) -> None:
    threads: list[str] = []
    with ThreadRecordingStore(tmp_path / "tokens.db") as store, CountingExecutor() as executor:
        assert store.save(RECORD, expected=None) is not None
        store.names.clear()
        dp = Dispatcher(portal_store=store, executor=executor)

        @dp.on("ONIMBOTDELETE")
        def handler(event: Event) -> None:
            threads.append(threading.current_thread().name)

        response = asyncio.run(dp.ahandle(bot_delete_body(), content_type=FORM))
        assert response.status == 200
        # Only the handler goes to the executor: a blocking store call (SQLite may block)
        # runs in the dispatcher's own store pool, never behind handlers, nor in the loop.
        assert executor.submitted == 1
        assert store.names, "the store was not asked"
        assert all(name.startswith("b24botevents-store") for name in store.names), store.names
    assert threads[0].startswith("counting-executor")


class ThreadRecordingStore(SQLitePortalStore):
    """A real SQLite portal store that notes which thread each call came from."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.threads: list[int] = []
        self.names: list[str] = []

    def _note(self) -> None:
        self.threads.append(threading.get_ident())
        self.names.append(threading.current_thread().name)

    def get(self, member_id: str) -> PortalRecord | None:
        self._note()
        return super().get(member_id)

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        self._note()
        return super().get_by_domain(domain)

    def save(
        self,
        record: PortalRecord,
        *,
        expected: int | None,
        take_domain: bool = False,
        domain_holder: str | None = None,
    ) -> PortalRecord | None:
        self._note()
        return super().save(
            record, expected=expected, take_domain=take_domain, domain_holder=domain_holder
        )

    def delete(self, member_id: str, *, expected: int | None = None) -> bool:
        self._note()
        return super().delete(member_id, expected=expected)


def test_ahandle_keeps_blocking_store_calls_out_of_the_loop(tmp_path: Path) -> None:
    with ThreadRecordingStore(tmp_path / "tokens.db") as store:
        dp = Dispatcher(portal_store=store)

        async def main() -> tuple[list[int], int]:
            statuses = [
                (await dp.ahandle(body, content_type=FORM)).status
                for body in (install_body(), bot_delete_body(), uninstall_body())
            ]
            return statuses, threading.get_ident()

        statuses, loop_thread = asyncio.run(main())
        assert statuses == [200, 200, 200]
        # get, get_by_domain and save at install; get; get and save at uninstall
        assert len(store.threads) >= 6
        assert loop_thread not in store.threads


#: The token of the minimal install body below (no ts, a one-field ``data``).
HOOK_INSTALL_TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"


def _minimal_install_body() -> str:
    auth = {"member_id": "m-1", "domain": "p.bitrix24.com", "application_token": HOOK_INSTALL_TOKEN}
    return encode_form({"event": "ONAPPINSTALL", "data": {"VERSION": "1"}, "auth": auth})


def test_a_sync_approve_install_hook_runs_off_the_event_loop_thread() -> None:
    seen: list[int] = []

    def approve(event: AppInstallEvent | AppUpdateEvent, request: InstallRequest) -> bool:
        seen.append(threading.get_ident())
        return True

    dp = Dispatcher(portal_store=MemoryPortalStore(), approve_install=approve)

    async def run() -> tuple[int, int]:
        response = await dp.ahandle(_minimal_install_body())
        return response.status, threading.get_ident()

    status, loop_thread = asyncio.run(run())
    assert status == 200
    assert len(seen) == 1
    assert seen[0] != loop_thread


def test_async_on_error_hook_in_adispatch() -> None:
    dp = Dispatcher(verify=False)
    hooked: list[Exception] = []

    @dp.on("ONIMBOTDELETE")
    async def failing(event: Event) -> None:
        raise ValueError("x")

    @dp.on_error
    async def hook(event: Event, exc: Exception) -> None:
        await asyncio.sleep(0)
        hooked.append(exc)

    result = asyncio.run(dp.adispatch(EVENT))
    assert result.errors == tuple(hooked)
    assert len(hooked) == 1


def test_adispatch_without_hook_propagates() -> None:
    dp = Dispatcher(verify=False)

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise KeyError("sync boom")

    with pytest.raises(KeyError, match="sync boom"):
        asyncio.run(dp.adispatch(EVENT))


def test_adispatch_hook_that_raises_means_not_dealt_with() -> None:
    dp = Dispatcher(verify=False)

    @dp.on("ONIMBOTDELETE")
    async def failing(event: Event) -> None:
        raise KeyError("async boom")

    @dp.on_error
    def hook(event: Event, exc: Exception) -> None:
        raise RuntimeError("hook gave up")

    with pytest.raises(RuntimeError, match="hook gave up"):
        asyncio.run(dp.adispatch(EVENT))


def test_adispatch_result_matches_dispatch() -> None:
    dp = Dispatcher(verify=False)

    def a(event: Event) -> None:
        pass

    async def b(event: Event) -> None:
        pass

    dp.on("ONIMBOTDELETE")(a)
    dp.on("ONIMBOTDELETE")(b)
    assert asyncio.run(dp.adispatch(EVENT)) == dp.dispatch(EVENT)
    assert dp.dispatch(EVENT) == DispatchResult(EVENT, True, (a, b), ())
