"""The ``OffsetStore`` contract, run against every backend: memory, SQLite and a real Redis.

The contract: per consumer key a ``Progress`` that only ever rises, and a lease held by one
owner at a time, which ``save`` needs. Memory and SQLite get an injected clock, so expiry is
tested without waiting; Redis keeps its own time, so its expiry tests sleep past short
TTLs. Races use real threads, and for the shared backends real ``spawn`` processes. Then
each backend failing with ``StoreUnavailable`` (a dead Redis, a Redis restarted in the
middle, an unusable SQLite path), ``open_offset_store`` and the reprs.
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
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24botevents.errors import StoreUnavailable
from b24botevents.stores import (
    MemoryOffsetStore,
    OffsetStore,
    Progress,
    RedisOffsetStore,
    SQLiteOffsetStore,
    open_offset_store,
)
from b24botevents.stores.offsets import MAX_POSITION
from redis_server import start_redis_server
from stores.offset_backends import BACKENDS, FakeClock, OffsetBackend, backend_fixture

KEY = "portal.bitrix24.com/567"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OffsetBackend]:
    yield from backend_fixture(request, tmp_path)


@pytest.fixture
def store(backend: OffsetBackend) -> OffsetStore:
    return backend.make()


# --- progress ---------------------------------------------------------------------------


def test_is_an_offset_store(store: OffsetStore) -> None:
    assert isinstance(store, OffsetStore)
    assert isinstance(getattr(store, "blocking", None), bool)


def test_load_of_an_unknown_key_is_no_progress(store: OffsetStore) -> None:
    assert store.load(KEY) == Progress()
    assert store.load(KEY).offset is None
    assert store.load(KEY).handled is None
    assert store.holder(KEY) is None


def test_the_holder_saves_and_loads(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 60) is True
    assert store.save(KEY, "a", offset=11) is True
    assert store.load(KEY) == Progress(offset=11)
    assert store.save(KEY, "a", handled=10) is True
    assert store.load(KEY) == Progress(offset=11, handled=10)
    assert store.save(KEY, "a", offset=21, handled=20) is True
    assert store.load(KEY) == Progress(offset=21, handled=20)


def test_saves_never_lower_a_value(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 60)
    assert store.save(KEY, "a", offset=100, handled=99) is True
    assert store.save(KEY, "a", offset=5, handled=4) is True  # held: True, but nothing lowers
    assert store.load(KEY) == Progress(offset=100, handled=99)
    assert store.save(KEY, "a", offset=100) is True
    assert store.save(KEY, "a", handled=150) is True
    assert store.load(KEY) == Progress(offset=100, handled=150)


def test_zero_and_the_largest_value_are_kept_exactly(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 60)
    assert store.save(KEY, "a", offset=0, handled=0)
    assert store.load(KEY) == Progress(offset=0, handled=0)
    assert store.save(KEY, "a", offset=MAX_POSITION - 1, handled=2**53 + 1)
    assert store.save(KEY, "a", handled=2**53)  # a double could not tell these apart
    assert store.load(KEY) == Progress(offset=MAX_POSITION - 1, handled=2**53 + 1)
    assert store.save(KEY, "a", offset=MAX_POSITION)
    assert store.load(KEY).offset == MAX_POSITION


def test_a_save_of_nothing_only_reports_the_lease(store: OffsetStore) -> None:
    assert store.save(KEY, "a") is False
    assert store.acquire(KEY, "a", 60)
    assert store.save(KEY, "a") is True
    assert store.load(KEY) == Progress()


def test_keys_are_independent(store: OffsetStore) -> None:
    keys = [KEY, "portal.bitrix24.com/5670", "Portal.bitrix24.com/567", "x/1 ", "портал/1"]
    keys += ["a\x00b", "\ud800", "{tag}", "a}", "%7D"]
    for index, key in enumerate(keys):
        assert store.acquire(key, f"owner-{index}", 60) is True
        assert store.save(key, f"owner-{index}", offset=index + 1, handled=index)
    for index, key in enumerate(keys):
        assert store.load(key) == Progress(offset=index + 1, handled=index)
        assert store.holder(key) == f"owner-{index}"


def test_stores_do_not_share_state(backend: OffsetBackend) -> None:
    first, second = backend.make(), backend.make()
    assert first.acquire(KEY, "a", 60)
    assert first.save(KEY, "a", offset=5)
    assert second.acquire(KEY, "b", 60) is True
    assert second.load(KEY) == Progress()


_saves = st.lists(
    st.tuples(
        st.none() | st.integers(0, MAX_POSITION) | st.integers(0, 50),
        st.none() | st.integers(0, MAX_POSITION) | st.integers(0, 50),
    ),
    max_size=20,
)


def test_any_sequence_of_saves_gives_the_running_maximum(store: OffsetStore) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(saves=_saves)
    def run(saves: list[tuple[int | None, int | None]]) -> None:
        key = f"prop/{uuid.uuid4().hex}"  # a fresh key per example, on the one store
        assert store.acquire(key, "a", 600)
        offset: int | None = None
        handled: int | None = None
        for new_offset, new_handled in saves:
            assert store.save(key, "a", offset=new_offset, handled=new_handled) is True
            if new_offset is not None:
                offset = new_offset if offset is None else max(offset, new_offset)
            if new_handled is not None:
                handled = new_handled if handled is None else max(handled, new_handled)
            assert store.load(key) == Progress(offset=offset, handled=handled)

    run()


# --- the lease --------------------------------------------------------------------------


def test_a_held_lease_excludes_every_other_owner(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 60) is True
    assert store.acquire(KEY, "b", 60) is False
    assert store.acquire(KEY, "a ", 60) is False  # owners are compared exactly
    assert store.holder(KEY) == "a"
    assert store.save(KEY, "b", offset=5) is False
    assert store.load(KEY) == Progress()


def test_the_holder_renews_its_lease(backend: OffsetBackend) -> None:
    store = backend.make()
    assert store.acquire(KEY, "a", 0.4)
    backend.wait(0.25)
    assert store.acquire(KEY, "a", 0.4) is True  # renewed: 0.4 s from now
    backend.wait(0.25)  # past the first lease's end, within the renewed one
    assert store.holder(KEY) == "a"
    assert store.acquire(KEY, "b", 60) is False
    assert store.save(KEY, "a", offset=1) is True
    backend.wait(0.25)
    assert store.holder(KEY) is None
    assert store.acquire(KEY, "b", 60) is True


def test_an_expired_lease_is_taken_over_and_the_old_holder_refused(
    backend: OffsetBackend,
) -> None:
    store = backend.make()
    assert store.acquire(KEY, "a", 0.2)
    assert store.save(KEY, "a", offset=10, handled=9)
    backend.wait(0.35)
    assert store.holder(KEY) is None
    assert store.save(KEY, "a", offset=20) is False  # expired: refused even before a takeover
    assert store.acquire(KEY, "b", 60) is True
    assert store.holder(KEY) == "b"
    assert store.save(KEY, "a", offset=30, handled=29) is False
    assert store.acquire(KEY, "a", 60) is False
    assert store.load(KEY) == Progress(offset=10, handled=9)  # the progress stays
    assert store.save(KEY, "b", offset=11) is True
    assert store.load(KEY) == Progress(offset=11, handled=9)


def test_an_expired_lease_can_be_taken_again_by_its_owner(backend: OffsetBackend) -> None:
    store = backend.make()
    assert store.acquire(KEY, "a", 0.2)
    backend.wait(0.35)
    assert store.save(KEY, "a", offset=1) is False
    assert store.acquire(KEY, "a", 60) is True
    assert store.save(KEY, "a", offset=1) is True


def test_release_only_by_the_holder(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 60)
    store.release(KEY, "b")
    assert store.holder(KEY) == "a"
    assert store.acquire(KEY, "b", 60) is False
    store.release(KEY, "a")
    assert store.holder(KEY) is None
    assert store.save(KEY, "a", offset=1) is False  # released: no longer the holder's
    assert store.acquire(KEY, "b", 60) is True
    store.release(KEY, "a")  # a late release by the former holder changes nothing
    assert store.holder(KEY) == "b"


def test_release_keeps_the_progress(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 60)
    assert store.save(KEY, "a", offset=7, handled=6)
    store.release(KEY, "a")
    assert store.load(KEY) == Progress(offset=7, handled=6)
    assert store.acquire(KEY, "b", 60)
    assert store.save(KEY, "b", offset=3)
    assert store.load(KEY) == Progress(offset=7, handled=6)


def test_release_of_an_unknown_key_is_not_an_error(store: OffsetStore) -> None:
    store.release("never/1", "a")
    store.release("never/1", "a")
    assert store.acquire("never/1", "a", 60) is True


def test_a_tiny_ttl_is_still_a_lease(store: OffsetStore) -> None:
    # Redis PX counts whole milliseconds: a sub-millisecond TTL must not become an error.
    assert store.acquire(KEY, "a", 0.0001) is True


# --- arguments --------------------------------------------------------------------------

BAD_TEXT = [("", ValueError), (None, TypeError), (b"k", TypeError), (1, TypeError)]
BAD_POSITIONS = [
    (-1, ValueError),
    (MAX_POSITION + 1, ValueError),
    (True, TypeError),
    (1.0, TypeError),
    ("3", TypeError),
]
BAD_TTLS = [
    (0, ValueError),
    (-1.0, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    (True, TypeError),
    ("60", TypeError),
    (None, TypeError),
]


@pytest.mark.parametrize(("key", "error"), BAD_TEXT)
def test_rejects_bad_keys(store: OffsetStore, key: object, error: type[Exception]) -> None:
    calls: list[Callable[[], object]] = [
        lambda: store.load(key),  # type: ignore[arg-type]
        lambda: store.acquire(key, "a", 60),  # type: ignore[arg-type]
        lambda: store.release(key, "a"),  # type: ignore[arg-type]
        lambda: store.save(key, "a", offset=1),  # type: ignore[arg-type]
        lambda: store.holder(key),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(error):
            call()


@pytest.mark.parametrize(("owner", "error"), BAD_TEXT)
def test_rejects_bad_owners(store: OffsetStore, owner: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        store.acquire(KEY, owner, 60)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.release(KEY, owner)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.save(KEY, owner, offset=1)  # type: ignore[arg-type]
    assert store.holder(KEY) is None


@pytest.mark.parametrize(("ttl", "error"), BAD_TTLS)
def test_rejects_bad_ttls(store: OffsetStore, ttl: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        store.acquire(KEY, "a", ttl)  # type: ignore[arg-type]
    assert store.holder(KEY) is None


@pytest.mark.parametrize(("value", "error"), BAD_POSITIONS)
def test_rejects_bad_positions(store: OffsetStore, value: object, error: type[Exception]) -> None:
    assert store.acquire(KEY, "a", 60)
    with pytest.raises(error):
        store.save(KEY, "a", offset=value)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.save(KEY, "a", handled=value)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.save(KEY, "a", offset=1, handled=value)  # type: ignore[arg-type]
    assert store.load(KEY) == Progress()  # nothing was written, not even the valid half
    with pytest.raises(error):
        Progress(offset=value)  # type: ignore[arg-type]
    with pytest.raises(error):
        Progress(handled=value)  # type: ignore[arg-type]


def test_progress_is_a_frozen_value() -> None:
    progress = Progress(offset=3, handled=2)
    assert progress == Progress(offset=3, handled=2)
    assert hash(progress) == hash(Progress(offset=3, handled=2))
    assert repr(progress) == "Progress(offset=3, handled=2)"
    with pytest.raises(AttributeError):
        progress.offset = 4  # type: ignore[misc]


# --- races: threads, every backend --------------------------------------------------------

THREADS = 12
ROUNDS = 8


def _race(racers: list[OffsetStore], key_prefix: str) -> None:
    """Each round every racer tries to take one lease at once; exactly one must win."""
    barrier = threading.Barrier(len(racers))
    won: list[list[bool]] = [[] for _ in racers]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for round_ in range(ROUNDS):
                barrier.wait(timeout=30)
                won[index].append(racers[index].acquire(f"{key_prefix}/{round_}", f"t{index}", 60))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for round_ in range(ROUNDS):
        winners = [index for index, result in enumerate(won) if result[round_]]
        assert len(winners) == 1, f"round {round_}: {winners}"
        assert racers[0].holder(f"{key_prefix}/{round_}") == f"t{winners[0]}"


def test_threads_racing_for_one_lease_exactly_one_wins(store: OffsetStore) -> None:
    _race([store] * THREADS, "race")


def test_sqlite_threads_with_own_connections_exactly_one_wins(tmp_path: Path) -> None:
    stores = [SQLiteOffsetStore(tmp_path / "threads.db") for _ in range(THREADS)]
    try:
        _race(list(stores), "race")
    finally:
        for each in stores:
            each.close()


def test_concurrent_saves_by_the_holder_keep_the_maximum(store: OffsetStore) -> None:
    assert store.acquire(KEY, "a", 600)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for step in range(25):
                value = step * 8 + index
                assert store.save(KEY, "a", offset=value + 1, handled=value)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert store.load(KEY) == Progress(offset=200, handled=199)


# --- races: processes, the shared backends -------------------------------------------------

PROCESSES = 4
PROCESS_ROUNDS = 5


def _acquire_in_child(
    kind: str,
    target: str,
    prefix: str,
    index: int,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue[tuple[int, int, bool, bool]],
) -> None:
    store: SQLiteOffsetStore | RedisOffsetStore
    store = (
        SQLiteOffsetStore(target) if kind == "sqlite" else RedisOffsetStore(target, prefix=prefix)
    )
    with store:
        store.holder("warm-up")  # connect (and create the table) before the race
        for round_ in range(PROCESS_ROUNDS):
            key = f"race/{round_}"
            barrier.wait(timeout=60)
            won = store.acquire(key, f"p{index}", 60)
            saved = store.save(key, f"p{index}", offset=1000 + index)
            results.put((round_, index, won, saved))


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_processes_racing_for_one_lease_exactly_one_wins(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target = (
        str(tmp_path / "procs.db") if kind == "sqlite" else request.getfixturevalue("redis_url")
    )
    prefix = f"test:{uuid.uuid4().hex}:"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results: multiprocessing.Queue[tuple[int, int, bool, bool]] = context.Queue()
    processes = [
        context.Process(
            target=_acquire_in_child, args=(kind, target, prefix, index, barrier, results)
        )
        for index in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=60) for _ in range(PROCESSES * PROCESS_ROUNDS)]
    finally:
        for process in processes:
            process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    check: SQLiteOffsetStore | RedisOffsetStore
    check = (
        SQLiteOffsetStore(target) if kind == "sqlite" else RedisOffsetStore(target, prefix=prefix)
    )
    with check:
        for round_ in range(PROCESS_ROUNDS):
            outcomes = [(index, won, saved) for r, index, won, saved in collected if r == round_]
            assert len(outcomes) == PROCESSES
            winners = [index for index, won, _ in outcomes if won]
            assert len(winners) == 1, f"round {round_}: {outcomes}"
            # Only the winner's save went through; the progress is its value.
            assert [index for index, _, saved in outcomes if saved] == winners
            assert check.holder(f"race/{round_}") == f"p{winners[0]}"
            assert check.load(f"race/{round_}") == Progress(offset=1000 + winners[0])


# --- SQLite: one file, several stores; persistence; layout ---------------------------------


def test_sqlite_stores_on_one_file_share_leases_and_progress(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "shared.db"
    with SQLiteOffsetStore(path, clock=clock) as first, SQLiteOffsetStore(path, clock=clock) as b:
        assert first.acquire(KEY, "a", 10)
        assert b.acquire(KEY, "b", 10) is False
        assert first.save(KEY, "a", offset=5)
        assert b.load(KEY) == Progress(offset=5)
        clock.advance(11)
        assert b.acquire(KEY, "b", 10) is True
        assert first.save(KEY, "a", offset=6) is False
    with SQLiteOffsetStore(path, clock=clock) as reopened:
        assert reopened.load(KEY) == Progress(offset=5)
        assert reopened.holder(KEY) == "b"


def test_sqlite_layout_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "layout.db"
    with SQLiteOffsetStore(path) as store:
        assert store.acquire(KEY, "a", 60)
        assert store.save(KEY, "a", offset=2, handled=1)
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT key, next_offset, handled, owner FROM b24botevents_offsets_v1"
        ).fetchall()
    finally:
        connection.close()
    assert rows == [(KEY.encode(), 2, 1, b"a")]


def test_sqlite_table_is_configurable_and_checked(tmp_path: Path) -> None:
    with SQLiteOffsetStore(tmp_path / "t.db", table="my_offsets") as store:
        assert store.acquire(KEY, "a", 60)
    with pytest.raises(ValueError, match="SQL identifier"):
        SQLiteOffsetStore(tmp_path / "t.db", table="x; DROP TABLE y")


def test_sqlite_unreadable_row_is_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    with SQLiteOffsetStore(path) as store:
        assert store.acquire(KEY, "a", 60)
    connection = sqlite3.connect(path)
    try:
        connection.execute("UPDATE b24botevents_offsets_v1 SET handled = 'secret-text'")
        connection.commit()
    finally:
        connection.close()
    with SQLiteOffsetStore(path) as store, pytest.raises(StoreUnavailable) as caught:
        store.load(KEY)
    assert "secret-text" not in str(caught.value)


# --- Redis: layout, clients ---------------------------------------------------------------


def test_redis_lease_expires_on_its_own_and_progress_never(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(redis_url)
    try:
        with RedisOffsetStore(client, prefix=prefix) as store:
            assert store.acquire(KEY, "a", 30)
            assert store.save(KEY, "a", offset=2, handled=1)
        lease = f"{prefix}{{{KEY}}}:lease".encode()
        progress = f"{prefix}{{{KEY}}}:progress".encode()
        assert sorted(client.keys(f"{prefix}*")) == sorted([lease, progress])
        assert 0 < client.pttl(lease) <= 30_000
        assert client.pttl(progress) == -1  # no expiry
        assert client.hgetall(progress) == {b"offset": b"2", b"handled": b"1"}
        assert client.ping()  # a passed-in client is left open
    finally:
        client.close()


def test_redis_works_with_a_decoding_client(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        store = RedisOffsetStore(client, prefix=f"test:{uuid.uuid4().hex}:")
        assert store.acquire(KEY, "владелец", 60)
        assert store.holder(KEY) == "владелец"
        assert store.save(KEY, "владелец", offset=3)
        assert store.load(KEY) == Progress(offset=3)
    finally:
        client.close()


def test_redis_unreadable_progress_is_store_unavailable(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset(f"{prefix}{{{KEY}}}:progress", "offset", "secret-text")
        with RedisOffsetStore(client, prefix=prefix) as store, pytest.raises(StoreUnavailable) as c:
            store.load(KEY)
        assert "secret-text" not in str(c.value)
    finally:
        client.close()


def test_redis_rejects_what_is_not_a_client_or_url() -> None:
    with pytest.raises(TypeError):
        RedisOffsetStore(b"redis://localhost")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RedisOffsetStore("redis://localhost", prefix=None)  # type: ignore[arg-type]


# --- unreachable backends ---------------------------------------------------------------------


def _assert_every_operation_unavailable(store: OffsetStore, secret: str | None = None) -> None:
    operations: list[tuple[str, Callable[[], object]]] = [
        ("load", lambda: store.load(KEY)),
        ("acquire", lambda: store.acquire(KEY, "a", 60)),
        ("release", lambda: store.release(KEY, "a")),
        ("save", lambda: store.save(KEY, "a", offset=1)),
        ("holder", lambda: store.holder(KEY)),
    ]
    for name, operation in operations:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            operation()
        assert time.monotonic() - started < 5.0
        assert name in str(caught.value)
        assert type(store).__name__ in str(caught.value)
        if secret is not None:
            assert secret not in str(caught.value)
            assert secret not in repr(caught.value.__cause__)


def test_redis_down_raises_store_unavailable(dead_url: str) -> None:
    secret = "hunter2-offsets"
    with RedisOffsetStore(dead_url.replace("redis://", f"redis://:{secret}@")) as store:
        assert secret not in repr(store)
        _assert_every_operation_unavailable(store, secret)


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_sqlite_unreachable_raises_store_unavailable(tmp_path: Path, where: str) -> None:
    path = tmp_path if where == "directory" else tmp_path / "no" / "such" / "o.db"
    with SQLiteOffsetStore(path, timeout=0.5) as store:
        _assert_every_operation_unavailable(store)


def test_sqlite_closed_store_is_unavailable(tmp_path: Path) -> None:
    store = SQLiteOffsetStore(tmp_path / "closed.db")
    assert store.acquire(KEY, "a", 60)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreUnavailable, match="closed"):
        store.load(KEY)


def test_redis_restart_unavailable_while_down_and_progress_survives() -> None:
    server = start_redis_server(extra_args=("--appendonly", "yes", "--appendfsync", "always"))
    try:
        with RedisOffsetStore(server.url, prefix="restart:") as store:
            assert store.acquire(KEY, "a", 60)
            assert store.save(KEY, "a", offset=42, handled=41)
            server.stop_process()
            _assert_every_operation_unavailable(store)
            server.restart()
            # The same store, its client reconnecting: the progress and the lease are back.
            assert store.load(KEY) == Progress(offset=42, handled=41)
            assert store.holder(KEY) == "a"
            assert store.acquire(KEY, "b", 60) is False
            assert store.save(KEY, "a", offset=43) is True
            assert store.load(KEY) == Progress(offset=43, handled=41)
    finally:
        server.stop()


# --- open_offset_store and reprs ----------------------------------------------------------


def test_open_memory() -> None:
    for spec in ("memory:", "memory"):
        store = open_offset_store(spec)
        assert isinstance(store, MemoryOffsetStore)


def test_open_sqlite_relative_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_offset_store("sqlite:rel.db")
    assert isinstance(relative, SQLiteOffsetStore)
    with relative:
        assert relative.acquire(KEY, "a", 60)
    assert (tmp_path / "rel.db").is_file()
    absolute = open_offset_store(f"sqlite:{tmp_path / 'abs.db'}")
    assert isinstance(absolute, SQLiteOffsetStore)
    with absolute:
        assert absolute.load(KEY) == Progress()
    assert (tmp_path / "abs.db").is_file()


def test_open_redis(redis_url: str) -> None:
    store = open_offset_store(redis_url)
    assert isinstance(store, RedisOffsetStore)
    with store:
        assert store.acquire(f"open/{uuid.uuid4().hex}", "a", 60)
    for spec in ("rediss://:pw@redis.example:6380/1", "unix:///tmp/no-such.sock"):
        built = open_offset_store(spec)
        assert isinstance(built, RedisOffsetStore)  # built, not connected
        assert "pw" not in repr(built)
        built.close()


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "sqlite:",
        "memory:x",
        "sqlite",
        "postgres://user:hunter2@db/x",
        "redis:hunter2@localhost",
        "hunter2",
        "REDIS://localhost",
    ],
)
def test_open_rejects_other_specs_without_repeating_them(spec: str) -> None:
    with pytest.raises(ValueError, match="offset store spec") as caught:
        open_offset_store(spec)
    assert "hunter2" not in str(caught.value)


def test_open_rejects_what_is_not_text() -> None:
    with pytest.raises(TypeError):
        open_offset_store(b"memory:")  # type: ignore[arg-type]


def test_reprs_name_the_store_and_hide_secrets(tmp_path: Path, redis_url: str) -> None:
    memory = MemoryOffsetStore()
    assert repr(memory) == "MemoryOffsetStore(0 keys)"
    memory.acquire("x", "owner-secret", 60)
    assert repr(memory) == "MemoryOffsetStore(1 key)"
    with SQLiteOffsetStore(tmp_path / "r.db") as sqlite_store:
        sqlite_store.acquire("x", "owner-secret", 60)
        assert repr(sqlite_store).startswith("SQLiteOffsetStore(")
        assert "owner-secret" not in repr(sqlite_store)
    url = redis_url.replace("redis://", "redis://user:hunter2@")
    with RedisOffsetStore(url, prefix="p:") as redis_store:
        assert repr(redis_store).startswith("RedisOffsetStore(127.0.0.1:")
        assert "hunter2" not in repr(redis_store)
        assert "user" not in repr(redis_store)


def test_memory_store_is_a_no_op_context_manager() -> None:
    with MemoryOffsetStore() as store:
        assert store.acquire(KEY, "a", 60)
    assert store.holder(KEY) == "a"  # close() drops nothing
