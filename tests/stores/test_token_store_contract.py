"""The ``TokenStore`` contract, run against every backend: memory, SQLite and a real Redis.

Backend-specific tests follow the contract: SQLite shared between instances and processes,
table-name validation, closing, and both backends failing with ``StoreUnavailable`` (and no
token in the message) when the store cannot be reached.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24botevents.errors import StoreUnavailable
from b24botevents.stores import (
    MemoryTokenStore,
    RedisTokenStore,
    SQLiteTokenStore,
    TokenStore,
)
from redis_server import start_redis_server

BACKENDS = ["memory", "sqlite", "redis"]

# Distinctive enough that finding it anywhere means it leaked.
SECRET = "tok-SECRET-7f3a9c1e5b"


@dataclass
class TokenBackend:
    """Builds fresh, empty stores of one backend and closes them all at teardown."""

    name: str
    factory: Callable[[], TokenStore]
    made: list[TokenStore] = field(default_factory=list)

    def make(self) -> TokenStore:
        store = self.factory()
        self.made.append(store)
        return store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TokenBackend]:
    name: str = request.param
    factory: Callable[[], TokenStore]
    if name == "memory":
        factory = MemoryTokenStore
    elif name == "sqlite":

        def factory() -> TokenStore:
            return SQLiteTokenStore(tmp_path / f"tokens-{uuid.uuid4().hex}.db")

    else:
        url: str = request.getfixturevalue("redis_url")

        def factory() -> TokenStore:
            # A unique prefix per store keeps tests apart on the shared server.
            return RedisTokenStore(url, prefix=f"test:{uuid.uuid4().hex}:")

    made = TokenBackend(name, factory)
    yield made
    for store in made.made:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@pytest.fixture
def store(backend: TokenBackend) -> TokenStore:
    return backend.make()


# --- the contract ---------------------------------------------------------------------


def test_is_a_token_store(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)


def test_get_missing_is_none(store: TokenStore) -> None:
    assert store.get("member:missing") is None


def test_set_then_get(store: TokenStore) -> None:
    store.set("member:abc", "token-1")
    assert store.get("member:abc") == "token-1"


def test_set_overwrites(store: TokenStore) -> None:
    store.set("member:abc", "token-1")
    store.set("member:abc", "token-2")
    assert store.get("member:abc") == "token-2"


def test_delete(store: TokenStore) -> None:
    store.set("member:abc", "token-1")
    store.delete("member:abc")
    assert store.get("member:abc") is None
    store.set("member:abc", "token-3")
    assert store.get("member:abc") == "token-3"


def test_delete_missing_is_not_an_error(store: TokenStore) -> None:
    store.delete("member:never-set")
    store.delete("member:never-set")
    assert store.get("member:never-set") is None


TRICKY = [
    "domain:портал.bitrix24.ru",
    "member:😀🚀 emoji",
    "中文键",
    "a\x00b",  # NUL must not truncate
    "\ud800 lone surrogate",
    " leading and trailing ",
    "'; DROP TABLE b24botevents_tokens; --",
    "glob*?[chars]",
    "line\nbreak\r\ttab",
    "é" * 2048,  # a few KB once encoded
    "x" * 4096,
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_unicode_keys_and_tokens(store: TokenStore, text: str) -> None:
    store.set(text, text[::-1])
    store.set("plain", text)
    assert store.get(text) == text[::-1]
    assert store.get("plain") == text
    store.delete(text)
    assert store.get(text) is None
    assert store.get("plain") == text


def test_keys_are_independent(store: TokenStore) -> None:
    keys = ["member:a", "member:A", "member:a ", "member:ab", "member:", "domain:a", "a"]
    for index, key in enumerate(keys):
        store.set(key, f"token-{index}")
    store.delete("member:a")
    assert store.get("member:a") is None
    for index, key in enumerate(keys[1:], start=1):
        assert store.get(key) == f"token-{index}"


def test_stores_do_not_share_state(backend: TokenBackend) -> None:
    first, second = backend.make(), backend.make()
    first.set("member:abc", "token-1")
    assert second.get("member:abc") is None


@pytest.mark.parametrize(
    ("portal", "token", "error"),
    [
        ("", "token", ValueError),
        ("member:abc", "", ValueError),
        (None, "token", TypeError),
        ("member:abc", None, TypeError),
        (b"member:abc", "token", TypeError),
        ("member:abc", b"token", TypeError),
    ],
)
def test_rejects_empty_and_non_str(
    store: TokenStore, portal: object, token: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.set(portal, token)  # type: ignore[arg-type]
    if isinstance(portal, str) and portal:
        assert store.get(portal) is None
    else:
        with pytest.raises(error):
            store.get(portal)  # type: ignore[arg-type]
        with pytest.raises(error):
            store.delete(portal)  # type: ignore[arg-type]


def test_repr_and_logs_never_show_a_token(
    store: TokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for index in range(3):
        store.set(f"member:{index}", f"{SECRET}-{index}")
    assert store.get("member:1") == f"{SECRET}-1"
    store.delete("member:2")
    for text in (repr(store), str(store), caplog.text):
        assert SECRET not in text
    assert type(store).__name__ in repr(store)


def test_memory_repr_counts_portals() -> None:
    assert repr(MemoryTokenStore({"member:a": SECRET, "member:b": SECRET})) == (
        "MemoryTokenStore(2 portals)"
    )
    assert repr(MemoryTokenStore({"member:a": SECRET})) == "MemoryTokenStore(1 portal)"


# --- property test: every backend behaves like a dict ----------------------------------

_keys = st.one_of(
    st.sampled_from(["member:a", "member:b", "domain:x.bitrix24.com", "ключ"]),
    st.text(min_size=1, max_size=12),
)
_tokens = st.text(min_size=1, max_size=40)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), _keys, _tokens),
        st.tuples(st.just("get"), _keys, st.none()),
        st.tuples(st.just("delete"), _keys, st.none()),
    ),
    max_size=25,
)


def test_matches_a_dict_model(backend: TokenBackend) -> None:
    # Defined inside so each backend gets its own example budget, and a fresh store per
    # example comes from the factory rather than a function-scoped fixture.
    @settings(
        max_examples=100 if backend.name == "memory" else 50,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(operations=_operations)
    def run(operations: list[tuple[str, str, str | None]]) -> None:
        store = backend.make()
        model: dict[str, str] = {}
        for operation, key, token in operations:
            if operation == "set":
                assert token is not None
                store.set(key, token)
                model[key] = token
            elif operation == "delete":
                store.delete(key)
                model.pop(key, None)
            assert store.get(key) == model.get(key)
        for key, token in model.items():
            assert store.get(key) == token

    run()


# --- SQLite: sharing, processes, configuration -----------------------------------------


def _set_in_child(path: str, portal: str, token: str) -> None:
    with SQLiteTokenStore(path) as store:
        store.set(portal, token)


def _get_in_child(path: str, portal: str, results: multiprocessing.Queue[str | None]) -> None:
    with SQLiteTokenStore(path) as store:
        results.put(store.get(portal))


def _run_child(target: Callable[..., None], *args: object) -> None:
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0


def test_sqlite_shared_between_instances(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with SQLiteTokenStore(path) as first, SQLiteTokenStore(path) as second:
        first.set("member:abc", "token-1")
        assert second.get("member:abc") == "token-1"
        second.delete("member:abc")
        assert first.get("member:abc") is None


def test_sqlite_shared_between_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    with SQLiteTokenStore(path) as store:
        # The parent's connection is open before the child writes.
        assert store.get("member:from-child") is None
        _run_child(_set_in_child, path, "member:from-child", "токен-из-процесса")
        assert store.get("member:from-child") == "токен-из-процесса"

        store.set("member:from-parent", "token-from-parent")
        results: multiprocessing.Queue[str | None] = multiprocessing.get_context("spawn").Queue()
        _run_child(_get_in_child, path, "member:from-parent", results)
        assert results.get(timeout=10) == "token-from-parent"


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "wal.db"
    with SQLiteTokenStore(path) as store:
        store.set("member:abc", "token-1")
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


def test_sqlite_tables_are_independent(tmp_path: Path) -> None:
    path = tmp_path / "tables.db"
    with SQLiteTokenStore(path, table="one") as one, SQLiteTokenStore(path, table="order") as two:
        one.set("member:abc", "token-1")
        assert two.get("member:abc") is None
        two.set("member:abc", "token-2")
        assert one.get("member:abc") == "token-1"


@pytest.mark.parametrize(
    "table",
    ["", "1abc", "a-b", "a b", 'x"; DROP TABLE t; --', "tökens", "sqlite_master", "a" * 64],
)
def test_sqlite_rejects_bad_table_names(tmp_path: Path, table: str) -> None:
    with pytest.raises(ValueError, match="table"):
        SQLiteTokenStore(tmp_path / "t.db", table=table)


def test_sqlite_close_and_context_manager(tmp_path: Path) -> None:
    with SQLiteTokenStore(tmp_path / "c.db") as store:
        store.set("member:abc", SECRET)
    with pytest.raises(StoreUnavailable, match="closed") as caught:
        store.get("member:abc")
    assert SECRET not in str(caught.value)
    store.close()  # idempotent
    with SQLiteTokenStore(tmp_path / "c.db") as reopened:
        assert reopened.get("member:abc") == SECRET


def _assert_every_operation_unavailable(store: TokenStore) -> None:
    operations: list[tuple[str, Callable[[], object]]] = [
        ("get", lambda: store.get("member:abc")),
        ("set", lambda: store.set("member:abc", SECRET)),
        ("delete", lambda: store.delete("member:abc")),
    ]
    for name, operation in operations:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            operation()
        assert time.monotonic() - started < 5.0
        message = str(caught.value)
        assert name in message
        assert type(store).__name__ in message
        assert SECRET not in message
        assert SECRET not in repr(caught.value.__cause__)


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_sqlite_unreachable_raises_store_unavailable(tmp_path: Path, where: str) -> None:
    path = tmp_path if where == "directory" else tmp_path / "no" / "such" / "dir" / "t.db"
    with SQLiteTokenStore(path, timeout=0.5) as store:
        _assert_every_operation_unavailable(store)


def test_sqlite_recovers_once_the_directory_exists(tmp_path: Path) -> None:
    directory = tmp_path / "later"
    with SQLiteTokenStore(directory / "t.db") as store:
        with pytest.raises(StoreUnavailable):
            store.get("member:abc")
        directory.mkdir()
        store.set("member:abc", "token-1")
        assert store.get("member:abc") == "token-1"


# --- Redis: a dead server, client ownership ----------------------------------------------


def test_redis_down_raises_store_unavailable(dead_url: str) -> None:
    with RedisTokenStore(dead_url) as store:
        _assert_every_operation_unavailable(store)
        assert SECRET not in repr(store)


def test_redis_outage_and_recovery() -> None:
    # A server of its own, so stopping it does not disturb the session's.
    server = start_redis_server()
    try:
        with RedisTokenStore(server.url) as store:
            store.set("member:abc", SECRET)
            assert store.get("member:abc") == SECRET
            server.stop()
            _assert_every_operation_unavailable(store)
            # Back on the same port (empty: nothing is persisted); the store reconnects.
            server = start_redis_server(server.port)
            assert store.get("member:abc") is None
            store.set("member:abc", "token-2")
            assert store.get("member:abc") == "token-2"
    finally:
        server.stop()


def test_redis_repr_hides_the_password(redis_url: str) -> None:
    url = redis_url.replace("redis://", f"redis://:{SECRET}@")
    with RedisTokenStore(url) as store:
        assert SECRET not in repr(store)
        assert "127.0.0.1" in repr(store)


def test_redis_leaves_a_passed_client_open(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        with RedisTokenStore(client, prefix=f"test:{uuid.uuid4().hex}:") as store:
            store.set("member:abc", "token-1")
        assert client.ping()
        # The store's prefix keeps its keys apart from everything else on the server.
        assert client.get("member:abc") is None
    finally:
        client.close()


def test_redis_accepts_a_decoding_client(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        store = RedisTokenStore(client, prefix=f"test:{uuid.uuid4().hex}:")
        store.set("member:abc", "токен")
        assert store.get("member:abc") == "токен"
    finally:
        client.close()


def test_redis_rejects_other_clients() -> None:
    with pytest.raises(TypeError):
        RedisTokenStore(42)  # type: ignore[arg-type]


# --- the package imports without redis-py ------------------------------------------------


def test_stores_import_without_redis_and_redis_names_explain() -> None:
    # A child interpreter in which ``import redis`` fails, as if it were not installed.
    code = textwrap.dedent(
        """
        import sys
        sys.modules["redis"] = None
        import b24botevents.stores as stores
        from b24botevents.stores import *  # noqa: F403
        store = stores.MemoryTokenStore()
        store.set("member:a", "t")
        assert store.get("member:a") == "t"
        try:
            stores.RedisTokenStore
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("RedisTokenStore imported without redis")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "pip install 'b24botevents[redis]'" in completed.stdout
