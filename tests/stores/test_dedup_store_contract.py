"""The ``DedupStore`` contract, run against every backend: memory, SQLite and a real Redis.

Memory and SQLite get an injected clock, so expiry is tested without waiting; Redis keeps
its own time, so its expiry test sleeps past a short TTL. Concurrency is tested with real
threads, and for the shared backends with real ``spawn`` processes.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24botevents.errors import StoreUnavailable
from b24botevents.stores import (
    DedupStore,
    MemoryDedupStore,
    RedisDedupStore,
    SQLiteDedupStore,
)
from stores.backends import BACKENDS, Backend, FakeClock, make_backend

DedupBackend = Backend[DedupStore]


def _backend(
    name: str, request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> DedupBackend:
    backend: DedupBackend = make_backend(
        name,
        request,
        tmp_path,
        clock,
        memory=MemoryDedupStore,
        sqlite=SQLiteDedupStore,
        redis=RedisDedupStore,
        file_prefix="dedup",
    )
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DedupBackend]:
    made = _backend(request.param, request, tmp_path, FakeClock())
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def store(backend: DedupBackend) -> DedupStore:
    return backend.make()


# --- the contract ---------------------------------------------------------------------


def test_is_a_dedup_store(store: DedupStore) -> None:
    assert isinstance(store, DedupStore)


def test_first_claim_wins(store: DedupStore) -> None:
    assert store.claim("event:1", 60) is True
    assert store.claim("event:1", 60) is False
    assert store.claim("event:1", 60) is False


def test_keys_are_independent(store: DedupStore) -> None:
    keys = ["event:1", "event:10", "Event:1", "event:1 ", "событие:1", "a\x00b", "\ud800"]
    assert [store.claim(key, 60) for key in keys] == [True] * len(keys)
    assert [store.claim(key, 60) for key in keys] == [False] * len(keys)


def test_release_allows_a_new_claim(store: DedupStore) -> None:
    assert store.claim("event:1", 60) is True
    assert store.claim("event:2", 60) is True
    store.release("event:1")
    assert store.claim("event:1", 60) is True
    assert store.claim("event:1", 60) is False
    assert store.claim("event:2", 60) is False


def test_release_of_unknown_key_is_not_an_error(store: DedupStore) -> None:
    store.release("event:never-claimed")
    store.release("event:never-claimed")
    assert store.claim("event:never-claimed", 60) is True


def test_claims_expire(backend: DedupBackend) -> None:
    store = backend.make()
    assert store.claim("event:1", 0.2) is True
    assert store.claim("event:long", 60) is True
    assert store.claim("event:1", 0.2) is False
    backend.wait(0.35)
    assert store.claim("event:1", 0.2) is True  # expired: claimable again
    assert store.claim("event:1", 0.2) is False  # and claimed anew
    assert store.claim("event:long", 60) is False


def test_stores_do_not_share_state(backend: DedupBackend) -> None:
    first, second = backend.make(), backend.make()
    assert first.claim("event:1", 60) is True
    assert second.claim("event:1", 60) is True


@pytest.mark.parametrize(
    ("ttl", "error"),
    [
        (0, ValueError),
        (-1.0, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (True, TypeError),
        ("60", TypeError),
        (None, TypeError),
    ],
)
def test_rejects_bad_ttl(store: DedupStore, ttl: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        store.claim("event:1", ttl)  # type: ignore[arg-type]
    assert store.claim("event:1", 60) is True


@pytest.mark.parametrize(("key", "error"), [("", ValueError), (None, TypeError), (b"k", TypeError)])
def test_rejects_bad_keys(store: DedupStore, key: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        store.claim(key, 60)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.release(key)  # type: ignore[arg-type]


def test_tiny_ttl_is_still_a_claim(store: DedupStore) -> None:
    # Redis PX counts whole milliseconds: a sub-millisecond TTL must not become an error.
    assert store.claim("event:tiny", 0.0001) is True


def test_repr_names_the_store(store: DedupStore) -> None:
    assert type(store).__name__ in repr(store)


# --- concurrency: threads, every backend -----------------------------------------------

THREADS = 8
ROUNDS = 10


def _race_threads(claimers: list[DedupStore]) -> None:
    """Each round, every claimer claims the same key at once; exactly one must win."""
    barrier = threading.Barrier(len(claimers))
    results: list[list[bool]] = [[] for _ in claimers]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for round_ in range(ROUNDS):
                barrier.wait(timeout=30)
                results[index].append(claimers[index].claim(f"event:{round_}", 60))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(claimers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for round_ in range(ROUNDS):
        assert sum(result[round_] for result in results) == 1, f"round {round_}"


def test_threads_claiming_one_key_exactly_one_wins(store: DedupStore) -> None:
    _race_threads([store] * THREADS)


def test_sqlite_threads_with_own_connections_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "threads.db"
    stores = [SQLiteDedupStore(path) for _ in range(THREADS)]
    try:
        _race_threads(list(stores))
    finally:
        for each in stores:
            each.close()


# --- concurrency: processes, the shared backends ---------------------------------------

PROCESSES = 4


def _claim_in_child(
    kind: str,
    target: str,
    prefix: str,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[tuple[int, bool]],
) -> None:
    store: SQLiteDedupStore | RedisDedupStore
    store = SQLiteDedupStore(target) if kind == "sqlite" else RedisDedupStore(target, prefix=prefix)
    with store:
        for round_ in range(ROUNDS):
            barrier.wait(timeout=60)
            results.put((round_, store.claim(f"event:{round_}", 60)))


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_processes_claiming_one_key_exactly_one_wins(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # For SQLite the file does not exist yet: the children also race to create it.
    target = (
        str(tmp_path / "procs.db") if kind == "sqlite" else request.getfixturevalue("redis_url")
    )
    prefix = f"test:{uuid.uuid4().hex}:"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results: multiprocessing.Queue[tuple[int, bool]] = context.Queue()
    processes = [
        context.Process(target=_claim_in_child, args=(kind, target, prefix, barrier, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=60) for _ in range(PROCESSES * ROUNDS)]
    finally:
        for process in processes:
            process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    for round_ in range(ROUNDS):
        outcomes = [won for r, won in collected if r == round_]
        assert len(outcomes) == PROCESSES
        assert outcomes.count(True) == 1, f"round {round_}: {outcomes}"


# --- expiry housekeeping ---------------------------------------------------------------


def test_memory_purges_expired_entries() -> None:
    clock = FakeClock()
    store = MemoryDedupStore(clock=clock)
    for index in range(1000):
        store.claim(f"old:{index}", 1)
    assert len(store) == 1000
    clock.advance(2)
    for index in range(100):
        store.claim(f"new:{index}", 60)
    assert len(store) == 100
    assert len(store._heap) <= 200


def test_memory_heap_stays_bounded_under_release_and_reclaim() -> None:
    store = MemoryDedupStore(clock=FakeClock())
    for _ in range(5000):
        assert store.claim("event:1", 3600) is True
        store.release("event:1")
    assert len(store._heap) <= 2 * len(store) + 1024 + 1


def test_sqlite_purges_expired_rows(tmp_path: Path) -> None:
    path = tmp_path / "purge.db"
    clock = FakeClock()
    with SQLiteDedupStore(path, clock=clock) as store:
        for index in range(600):
            store.claim(f"old:{index}", 1)
        clock.advance(2)
        for index in range(200):
            store.claim(f"new:{index}", 60)
        connection = sqlite3.connect(path)
        try:
            (expired,) = connection.execute(
                "SELECT count(*) FROM b24botevents_dedup WHERE expires <= ?", (clock.now,)
            ).fetchone()
            (total,) = connection.execute("SELECT count(*) FROM b24botevents_dedup").fetchone()
        finally:
            connection.close()
    assert expired == 0
    assert total == 200


# --- property test: memory and SQLite against a model, under a fake clock ---------------

_dedup_keys = st.sampled_from(["event:1", "event:2", "событие"])
_dedup_operations = st.lists(
    st.one_of(
        st.tuples(st.just("claim"), _dedup_keys, st.sampled_from([0.5, 1.0, 5.0])),
        st.tuples(st.just("release"), _dedup_keys, st.just(0.0)),
        st.tuples(st.just("wait"), st.just(""), st.sampled_from([0.25, 0.5, 1.0, 3.0])),
    ),
    max_size=30,
)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_matches_a_model(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    @settings(
        max_examples=100 if kind == "memory" else 50,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(operations=_dedup_operations)
    def run(operations: list[tuple[str, str, float]]) -> None:
        clock = FakeClock()
        backend = _backend(kind, request, tmp_path, clock)
        store = backend.make()
        try:
            expires: dict[str, float] = {}
            for operation, key, value in operations:
                if operation == "wait":
                    clock.advance(value)
                elif operation == "release":
                    store.release(key)
                    expires.pop(key, None)
                else:
                    first = key not in expires or expires[key] <= clock.now
                    assert store.claim(key, value) is first
                    if first:
                        expires[key] = clock.now + value
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()

    run()


# --- unreachable stores --------------------------------------------------------------------


def _assert_every_operation_unavailable(store: DedupStore) -> None:
    operations: list[tuple[str, Callable[[], object]]] = [
        ("claim", lambda: store.claim("event:1", 60)),
        ("release", lambda: store.release("event:1")),
    ]
    for name, operation in operations:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            operation()
        assert time.monotonic() - started < 5.0
        assert name in str(caught.value)
        assert type(store).__name__ in str(caught.value)


def test_redis_down_raises_store_unavailable(dead_url: str) -> None:
    with RedisDedupStore(dead_url) as store:
        _assert_every_operation_unavailable(store)


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_sqlite_unreachable_raises_store_unavailable(tmp_path: Path, where: str) -> None:
    path = tmp_path if where == "directory" else tmp_path / "no" / "such" / "t.db"
    with SQLiteDedupStore(path, timeout=0.5) as store:
        _assert_every_operation_unavailable(store)


def test_sqlite_closed_store_is_unavailable(tmp_path: Path) -> None:
    store = SQLiteDedupStore(tmp_path / "closed.db")
    assert store.claim("event:1", 60) is True
    store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        store.claim("event:1", 60)


# --- owners: a release only ever removes its own claim -----------------------------------


def test_a_release_by_another_owner_leaves_the_claim(store: DedupStore) -> None:
    assert store.claim("k", 60, "owner-a")
    store.release("k", "owner-b")
    assert not store.claim("k", 60, "owner-c")  # still owner-a's
    store.release("k", "owner-a")
    assert store.claim("k", 60, "owner-c")


def test_a_late_release_cannot_remove_the_claim_that_replaced_an_expired_one(
    backend: DedupBackend,
) -> None:
    store = backend.make()
    assert store.claim("k", 0.05, "first")
    backend.wait(0.2)
    assert store.claim("k", 60, "second")  # the first claim had expired
    store.release("k", "first")  # the first claimant finishes late and releases
    assert not store.claim("k", 60, "third")  # the second claim still stands


def test_a_release_without_an_owner_removes_any_claim(store: DedupStore) -> None:
    assert store.claim("k", 60, "owner-a")
    store.release("k")
    assert store.claim("k", 60, "owner-b")


@pytest.mark.parametrize("owner", ["", None, b"x", 1])
def test_an_owner_must_be_a_non_empty_str(store: DedupStore, owner: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        store.claim("k", 60, owner)  # type: ignore[arg-type]
