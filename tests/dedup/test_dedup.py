"""Repeated deliveries: ``Dispatcher(dedup=Deduplicator(store, ttl=...))``.

A delivery is the same when portal, code, handler id, ``ts`` and ``data`` are. Concurrent
duplicates (threads in one process, ``spawn`` processes sharing one SQLite file, two app
instances sharing one redis-server, coroutines in one loop) must run the handlers exactly
once; runs are counted where every participant can see them.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.synchronize
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from b24botevents import (
    Deduplicator,
    DedupStore,
    Dispatcher,
    Event,
    MemoryDedupStore,
    MemoryPortalStore,
    Response,
    SQLiteDedupStore,
)
from b24botevents.stores import RedisDedupStore
from b24botevents.wire import encode_form
from dispatch_helpers import (
    DOMAIN,
    FORM,
    MEMBER,
    TOKEN,
    Runner,
    bot_delete_body,
    bot_delete_tree,
    form,
    install_body,
    known_store,
)

JOIN_TIMEOUT = 60.0


class Counter:
    """A thread-safe count of handler runs."""

    def __init__(self) -> None:
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.runs += 1


@pytest.fixture(params=["memory", "sqlite"])
def dedup_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DedupStore]:
    if request.param == "memory":
        yield MemoryDedupStore()
    else:
        with SQLiteDedupStore(tmp_path / "dedup.db") as store:
            yield store


def _dp(store: DedupStore, **kwargs: Any) -> tuple[Dispatcher, Counter]:
    dp = Dispatcher(verify=False, dedup=Deduplicator(store, ttl=60), **kwargs)
    counter = Counter()
    dp.on_bot_delete(counter)
    return dp, counter


# ---- semantics -------------------------------------------------------------------------


def test_a_repeated_delivery_answers_duplicate_without_running_handlers(
    dedup_store: DedupStore, run: Runner
) -> None:
    dp, counter = _dp(dedup_store)
    first = run(dp, bot_delete_body())
    second = run(dp, bot_delete_body())
    third = run(dp, bot_delete_body())
    assert (first.status, first.body) == (200, b"ok")
    assert (second.status, second.body) == (200, b"duplicate")
    assert (third.status, third.body) == (200, b"duplicate")
    assert second.result is None
    assert counter.runs == 1


def test_the_same_delivery_as_json_is_a_duplicate_too(dedup_store: DedupStore) -> None:
    import json

    dp, counter = _dp(dedup_store)
    assert dp.handle(bot_delete_body(), content_type=FORM).body == b"ok"
    again = dp.handle(json.dumps(bot_delete_tree()), content_type="application/json")
    assert again.body == b"duplicate"
    assert counter.runs == 1


def _other_handler_id() -> bytes:
    tree = bot_delete_tree()
    tree["event_handler_id"] = "440"
    return form(tree)


def _other_data() -> bytes:
    tree = bot_delete_tree()
    tree["data"]["BOT_CODE"] = "OTHER_BOT"
    return form(tree)


DIFFERENT: dict[str, Callable[[], bytes]] = {
    "ts": lambda: bot_delete_body(ts=1772090364),
    "data": _other_data,
    "bot-id": lambda: bot_delete_body(bot_id=568),
    "portal": lambda: bot_delete_body(member_id="another-portal"),
    "code": lambda: bot_delete_body(code="ONSOMETHINGELSE"),
    "handler-id": _other_handler_id,
}


@pytest.mark.parametrize("what", sorted(DIFFERENT))
def test_a_different_delivery_runs_again(dedup_store: DedupStore, run: Runner, what: str) -> None:
    dp, counter = _dp(dedup_store)
    other: list[Event] = []
    dp.on("ONSOMETHINGELSE")(other.append)
    assert run(dp, bot_delete_body()).body == b"ok"
    assert run(dp, DIFFERENT[what]()).body == b"ok"
    assert counter.runs + len(other) == 2
    assert run(dp, DIFFERENT[what]()).body == b"duplicate"
    assert counter.runs + len(other) == 2


def test_the_access_token_is_not_part_of_the_identity(dedup_store: DedupStore) -> None:
    dp, counter = _dp(dedup_store)
    tree = bot_delete_tree()
    assert dp.handle(form(tree), content_type=FORM).body == b"ok"
    tree["auth"]["access_token"] = "a-fresh-CANARY-access-token"
    assert dp.handle(form(tree), content_type=FORM).body == b"duplicate"
    assert counter.runs == 1


def test_dedup_keys_a_portal_domain_case_insensitively() -> None:
    def event(domain: str) -> str:
        return encode_form(
            {"event": "ONX", "ts": "1", "data": {"A": "1"}, "auth": {"domain": domain}}
        )

    dp = Dispatcher(verify=False, dedup=Deduplicator(MemoryDedupStore()))
    assert dp.handle(event("P.Bitrix24.com")).body == b"ignored"
    assert dp.handle(event("p.bitrix24.com")).body == b"duplicate"


def test_a_handler_failure_releases_the_claim(dedup_store: DedupStore, run: Runner) -> None:
    dp = Dispatcher(verify=False, dedup=Deduplicator(dedup_store, ttl=60))
    attempts: list[int] = []

    @dp.on("ONIMBOTDELETE")
    def flaky(event: Event) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    assert run(dp, bot_delete_body()).status == 500
    assert run(dp, bot_delete_body()).body == b"ok"  # the resend runs again
    assert run(dp, bot_delete_body()).body == b"duplicate"
    assert len(attempts) == 2


def test_a_failure_dealt_with_by_on_error_keeps_the_claim(
    dedup_store: DedupStore, run: Runner
) -> None:
    dp = Dispatcher(verify=False, dedup=Deduplicator(dedup_store, ttl=60))
    attempts: list[int] = []

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        attempts.append(1)
        raise RuntimeError("always")

    dp.on_error(lambda event, exc: None)
    assert run(dp, bot_delete_body()).body == b"ok"
    assert run(dp, bot_delete_body()).body == b"duplicate"
    assert len(attempts) == 1


def test_refused_events_claim_nothing(dedup_store: DedupStore, run: Runner) -> None:
    dp = Dispatcher(
        portal_store=known_store(),
        dedup=Deduplicator(dedup_store, ttl=60),
    )
    counter = Counter()
    dp.on_bot_delete(counter)
    forged = bot_delete_tree(token="forged-CANARY")
    assert run(dp, form(forged)).status == 403
    # the genuine delivery with the same identity is not mistaken for a duplicate
    assert run(dp, bot_delete_body()).body == b"ok"
    assert counter.runs == 1


def test_claims_expire_after_ttl(run: Runner) -> None:
    now = [1000.0]
    store = MemoryDedupStore(clock=lambda: now[0])
    dp, counter = _dp(store)
    assert run(dp, bot_delete_body()).body == b"ok"
    now[0] += 59
    assert run(dp, bot_delete_body()).body == b"duplicate"
    now[0] += 2
    assert run(dp, bot_delete_body()).body == b"ok"
    assert counter.runs == 2


def test_install_is_deduplicated_after_storing_its_token(run: Runner) -> None:
    portals = MemoryPortalStore()
    dp = Dispatcher(portal_store=portals, dedup=Deduplicator(MemoryDedupStore()))
    counter = Counter()
    dp.on_app_install(counter)
    assert run(dp, install_body()).body == b"ok"
    assert run(dp, install_body()).body == b"duplicate"
    assert counter.runs == 1
    record = portals.get(MEMBER)
    assert record is not None
    assert (record.domain, record.application_token, record.installed) == (DOMAIN, TOKEN, True)


@pytest.mark.parametrize("ttl", [0, -5])
def test_ttl_must_be_positive(ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        Deduplicator(MemoryDedupStore(), ttl=ttl)


# ---- concurrency: threads in one process -----------------------------------------------

THREADS = 8
ROUNDS = 3


def _race(handle: Callable[[int, bytes], Response], participants: int) -> list[list[bytes]]:
    """``participants`` threads post the same body together, ROUNDS times; returns bodies."""
    barrier = threading.Barrier(participants)
    answers: list[list[bytes]] = [[] for _ in range(ROUNDS)]
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            for round_ in range(ROUNDS):
                body = bot_delete_body(ts=1772090363 + round_)
                barrier.wait(timeout=JOIN_TIMEOUT)
                response = handle(index, body)
                with lock:
                    answers[round_].append(response.body)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(participants)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    return answers


def _assert_exactly_one_ran(answers: list[list[bytes]], participants: int) -> None:
    for round_, bodies in enumerate(answers):
        assert len(bodies) == participants
        assert sorted(bodies) == sorted([b"ok"] + [b"duplicate"] * (participants - 1)), round_


def test_threads_posting_the_same_body_run_handlers_once(dedup_store: DedupStore) -> None:
    dp, counter = _dp(dedup_store)
    answers = _race(lambda _, body: dp.handle(body, content_type=FORM), THREADS)
    _assert_exactly_one_ran(answers, THREADS)
    assert counter.runs == ROUNDS


def test_two_app_instances_sharing_redis_run_handlers_once(redis_url: str) -> None:
    prefix = f"test-dispatch:{uuid.uuid4().hex}:"
    counter = Counter()
    stores = [RedisDedupStore(redis_url, prefix=prefix) for _ in range(2)]
    try:
        instances = []
        for store in stores:  # each app instance: its own Dispatcher and Redis client
            dp = Dispatcher(verify=False, dedup=Deduplicator(store, ttl=60))
            dp.on_bot_delete(counter)
            instances.append(dp)
        participants = 2 * THREADS
        answers = _race(
            lambda index, body: instances[index % 2].handle(body, content_type=FORM),
            participants,
        )
    finally:
        for store in stores:
            store.close()
    _assert_exactly_one_ran(answers, participants)
    assert counter.runs == ROUNDS


# ---- concurrency: spawn processes on one SQLite file -----------------------------------

PROCESSES = 4


def _process_worker(
    dedup_path: str,
    runs_path: str,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[tuple[int, bytes]],
) -> None:
    """One app process: its own Dispatcher and store on the shared SQLite file."""
    runs = sqlite3.connect(runs_path, timeout=30, isolation_level=None)

    def count_run(event: Event) -> None:
        runs.execute("INSERT INTO runs (pid) VALUES (?)", (multiprocessing.current_process().pid,))

    with SQLiteDedupStore(dedup_path) as store:
        dp = Dispatcher(verify=False, dedup=Deduplicator(store, ttl=60))
        dp.on_bot_delete(count_run)
        for round_ in range(ROUNDS):
            body = bot_delete_body(ts=1772090363 + round_)
            barrier.wait(timeout=JOIN_TIMEOUT)
            results.put((round_, dp.handle(body, content_type=FORM).body))
    runs.close()


def test_processes_sharing_one_sqlite_file_run_handlers_once(tmp_path: Path) -> None:
    dedup_path = str(tmp_path / "dedup.db")  # not created yet: the children race for it
    runs_path = str(tmp_path / "runs.db")
    with sqlite3.connect(runs_path) as setup:
        setup.execute("PRAGMA journal_mode = WAL")
        setup.execute("CREATE TABLE runs (pid INTEGER)")
    setup.close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results: multiprocessing.Queue[tuple[int, bytes]] = context.Queue()
    processes = [
        context.Process(target=_process_worker, args=(dedup_path, runs_path, barrier, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=JOIN_TIMEOUT) for _ in range(PROCESSES * ROUNDS)]
    finally:
        for process in processes:
            process.join(timeout=JOIN_TIMEOUT)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    answers = [[body for r, body in collected if r == round_] for round_ in range(ROUNDS)]
    _assert_exactly_one_ran(answers, PROCESSES)
    with sqlite3.connect(runs_path) as check:
        (count,) = check.execute("SELECT COUNT(*) FROM runs").fetchone()
    check.close()
    assert count == ROUNDS


# ---- concurrency: coroutines in one loop -----------------------------------------------

COROUTINES = 20


@pytest.mark.parametrize("handler_kind", ["sync", "async"])
def test_gathered_ahandle_calls_run_handlers_once(
    dedup_store: DedupStore, handler_kind: str
) -> None:
    dp = Dispatcher(verify=False, dedup=Deduplicator(dedup_store, ttl=60))
    counter = Counter()
    if handler_kind == "sync":
        dp.on_bot_delete(counter)
    else:

        @dp.on_bot_delete
        async def counting(event: Event) -> None:
            await asyncio.sleep(0)  # let the other calls interleave
            counter(event)

    async def main() -> list[Response]:
        body = bot_delete_body()
        return list(
            await asyncio.gather(*(dp.ahandle(body, content_type=FORM) for _ in range(COROUTINES)))
        )

    responses = asyncio.run(main())
    bodies = sorted(response.body for response in responses)
    assert bodies == sorted([b"ok"] + [b"duplicate"] * (COROUTINES - 1))
    assert counter.runs == 1


def test_gathered_ahandle_calls_with_redis_run_handlers_once(redis_url: str) -> None:
    with RedisDedupStore(redis_url, prefix=f"test-dispatch:{uuid.uuid4().hex}:") as store:
        dp, counter = _dp(store)

        async def main() -> list[bytes]:
            body = bot_delete_body()
            responses = await asyncio.gather(
                *(dp.ahandle(body, content_type=FORM) for _ in range(COROUTINES))
            )
            return [response.body for response in responses]

        bodies = asyncio.run(main())
    assert sorted(bodies) == sorted([b"ok"] + [b"duplicate"] * (COROUTINES - 1))
    assert counter.runs == 1
