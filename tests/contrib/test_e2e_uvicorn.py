"""End to end over real HTTP: a real uvicorn on 127.0.0.1 serving ``ASGIApp`` and FastAPI.

Each test starts its own server in a thread (lifespan on), talks to it with
``httpx.AsyncClient`` and stops it. Timing is only ever asserted as an order of events.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from b24botevents import AnyBotDeleteEvent, Dispatcher, Event
from b24botevents.contrib.asgi import ASGIApp

from .async_drivers import ASGI, CountingASGI, fastapi_app
from .bodies import DOC_BODY, FORM, JSON, WRONG_TOKEN_BODY, form_body, json_body
from .recording import portal_store, recording_dispatcher
from .servers import stop_server, uvicorn_server

APPS: dict[str, Callable[[Dispatcher], ASGI]] = {
    "asgi": ASGIApp,
    "fastapi": lambda dp: fastapi_app(dp, path="/"),
}
APP_NAMES = sorted(APPS)
SLOW = 999


def run(main: Awaitable[None], *, timeout: float = 60) -> None:
    """Run one scenario in a fresh loop, bounded so that a hang fails instead of waiting."""

    async def bounded() -> None:
        await asyncio.wait_for(main, timeout)

    asyncio.run(bounded())


async def post(client: httpx.AsyncClient, body: Any, content_type: str = FORM) -> httpx.Response:
    return await client.post("/", content=body, headers={"content-type": content_type})


async def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("name", APP_NAMES)
def test_real_bodies_get_the_core_statuses_and_run_handlers_once(name: str) -> None:
    dp, seen = recording_dispatcher()
    with uvicorn_server(APPS[name](dp)) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url) as client:
                ok = await post(client, DOC_BODY)
                assert (ok.status_code, ok.text) == (200, "ok")
                for bot_id in (1, 2, 3):
                    assert (await post(client, form_body(bot_id))).status_code == 200
                assert (await post(client, json_body(4), JSON)).status_code == 200
                assert (await post(client, WRONG_TOKEN_BODY)).status_code == 403
                assert (await post(client, b"a[b=1")).status_code == 400
                assert (await post(client, DOC_BODY, "text/html")).status_code == 415
                get = await client.get("/")
                assert (get.status_code, get.headers["allow"]) == (405, "POST")

        run(main())
    assert sorted(seen.bot_ids) == [1, 2, 3, 4, 567]


@pytest.mark.parametrize("name", APP_NAMES)
@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_slow_handler_does_not_block_other_requests(name: str, kind: str) -> None:
    dp = Dispatcher(portal_store=portal_store())
    started = threading.Event()
    handler_threads: list[int] = []

    if kind == "async":

        @dp.on_bot_delete
        async def slow_async(event: AnyBotDeleteEvent) -> None:
            handler_threads.append(threading.get_ident())
            if event.bot_id == SLOW:
                started.set()
                await asyncio.sleep(1)

    else:

        @dp.on_bot_delete
        def slow_sync(event: AnyBotDeleteEvent) -> None:
            handler_threads.append(threading.get_ident())
            if event.bot_id == SLOW:
                started.set()
                time.sleep(1)  # blocks its worker thread, never the event loop

    finished: list[int] = []
    with uvicorn_server(APPS[name](dp)) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url) as client:

                async def send(bot_id: int) -> None:
                    response = await post(client, form_body(bot_id))
                    assert response.status_code == 200
                    finished.append(bot_id)

                slow = asyncio.ensure_future(send(SLOW))
                assert await asyncio.to_thread(started.wait, 10)
                await asyncio.gather(*(send(bot_id) for bot_id in range(1, 6)))
                await slow

        run(main())
        server_thread = served.thread.ident
    assert sorted(finished[:5]) == [1, 2, 3, 4, 5]
    assert finished[5:] == [SLOW]  # every fast one answered while the slow one ran
    if kind == "sync":
        assert server_thread not in handler_threads  # worker threads, not the loop's
    else:
        assert set(handler_threads) == {server_thread}


@pytest.mark.parametrize("name", APP_NAMES)
def test_a_100_mb_streamed_body_is_refused_with_413_without_being_buffered(name: str) -> None:
    dp, seen = recording_dispatcher()
    limit = dp.max_body_bytes
    counting = CountingASGI(APPS[name](dp))
    chunk = b"x" * 65536
    total = 100 * 1024 * 1024

    async def hundred_megabytes() -> AsyncIterator[bytes]:
        for _ in range(total // len(chunk)):
            yield chunk

    with uvicorn_server(counting) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
                response = await post(client, hundred_megabytes())
                assert response.status_code == 413
                assert f"max_body_bytes={limit}" in response.text

        run(main())
    pulled = counting.pulled
    assert 0 < pulled.bytes <= limit + pulled.largest  # stopped at the first chunk past it
    assert pulled.bytes < total // 50
    assert seen.bot_ids == []


@pytest.mark.slow
@pytest.mark.parametrize("name", APP_NAMES)
@pytest.mark.usefixtures("fast_httpcore")
def test_load_5000_distinct_events_50_concurrent_each_handled_once(name: str) -> None:
    dp, seen = recording_dispatcher()
    requests = 5000
    bodies = [form_body(bot_id) for bot_id in range(1, requests + 1)]
    statuses: Counter[int] = Counter()
    with uvicorn_server(APPS[name](dp)) as served:

        async def main() -> None:
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
            gate = asyncio.Semaphore(50)
            async with httpx.AsyncClient(base_url=served.url, limits=limits) as client:

                async def one(body: bytes) -> None:
                    async with gate:
                        response = await post(client, body)
                    statuses[response.status_code] += 1

                started = time.perf_counter()
                await asyncio.gather(*(one(body) for body in bodies))
                elapsed = time.perf_counter() - started
                print(f"{name}: {requests} requests in {elapsed:.1f} s")

        run(main(), timeout=120)
    assert statuses == Counter({200: requests})
    assert Counter(seen.bot_ids) == Counter(range(1, requests + 1))


# ---- background mode over real HTTP ---------------------------------------------------


@pytest.mark.parametrize("name", APP_NAMES)
def test_background_answers_accepted_before_the_slow_handler_finishes(name: str) -> None:
    dp = Dispatcher(portal_store=portal_store(), background=True)
    log: list[str] = []
    release = threading.Event()

    @dp.on_bot_delete
    async def slow(event: AnyBotDeleteEvent) -> None:
        log.append("started")
        # Slow until the test has its answer (10 s at most), then one more second.
        await asyncio.to_thread(release.wait, 10)
        await asyncio.sleep(1)
        log.append("finished")

    with uvicorn_server(APPS[name](dp)) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url) as client:
                response = await post(client, DOC_BODY)
                log.append(f"answered {response.status_code} {response.text}")
            release.set()
            await wait_for(lambda: "finished" in log)

        run(main())
    assert log.index("answered 200 accepted") < log.index("finished")


def test_background_past_max_in_flight_is_handled_inline_and_nothing_is_dropped() -> None:
    dp = Dispatcher(portal_store=portal_store(), background=True, max_in_flight=2)
    release = threading.Event()
    handled: list[int] = []

    @dp.on_bot_delete
    async def held(event: AnyBotDeleteEvent) -> None:
        if event.bot_id in (1, 2):  # keep both background slots busy
            await asyncio.to_thread(release.wait, 10)
        handled.append(event.bot_id)

    with uvicorn_server(ASGIApp(dp)) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url) as client:
                answers = [(await post(client, form_body(n))).text for n in (1, 2, 3)]
                assert answers == ["accepted", "accepted", "ok"]
                assert handled == [3]  # ran inline, before its answer
                release.set()
                await wait_for(lambda: len(handled) == 3)
                assert (await post(client, form_body(4))).text == "accepted"  # slot free again
                await wait_for(lambda: len(handled) == 4)

        run(main())
    assert sorted(handled) == [1, 2, 3, 4]


def test_background_handler_errors_reach_on_error() -> None:
    dp = Dispatcher(portal_store=portal_store(), background=True)
    errors: list[tuple[int, str]] = []
    reported = threading.Event()

    @dp.on_bot_delete
    async def broken(event: AnyBotDeleteEvent) -> None:
        raise ValueError(f"boom {event.bot_id}")

    @dp.on_error
    def report(event: Event, exc: Exception) -> None:
        errors.append((getattr(event, "bot_id", -1), str(exc)))
        reported.set()

    with uvicorn_server(ASGIApp(dp)) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url) as client:
                response = await post(client, DOC_BODY)
            assert (response.status_code, response.text) == (200, "accepted")
            assert await asyncio.to_thread(reported.wait, 10)

        run(main())
    assert errors == [(567, "boom 567")]


@pytest.mark.parametrize("name", APP_NAMES)
def test_server_shutdown_waits_for_in_flight_background_handlers(name: str) -> None:
    dp = Dispatcher(portal_store=portal_store(), background=True)
    log: list[str] = []
    release = threading.Event()

    @dp.on_bot_delete
    async def slow(event: AnyBotDeleteEvent) -> None:
        await asyncio.to_thread(release.wait, 10)  # still running when the stop begins
        await asyncio.sleep(1)
        log.append(f"finished {event.bot_id}")

    with uvicorn_server(APPS[name](dp)) as served:

        async def main() -> None:
            async with httpx.AsyncClient(base_url=served.url) as client:
                for bot_id in (1, 2, 3):
                    assert (await post(client, form_body(bot_id))).text == "accepted"

        run(main())
        log.append("stopping")
        release.set()
        stop_server(served)  # lifespan shutdown: ASGIApp / the router's lifespan
        log.append("stopped")
    assert log[0] == "stopping"
    assert sorted(log[1:4]) == ["finished 1", "finished 2", "finished 3"]
    assert log[4:] == ["stopped"]
