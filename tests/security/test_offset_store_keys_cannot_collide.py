"""Consumer keys cannot collide in an offset store, however they are crafted.

The attack: a consumer key is built from request-influenced text (a portal's domain, a bot
id). If a store turned keys into backend keys lossily, a crafted key could land on another
bot's lease or progress: holding its lease would stop the real poller, and saving under it
would move the real bot's offset (events acknowledged and never handled) or its ``handled``
mark (events skipped). Redis is the exposed one: its key names are built from the key, with
a ``{...}`` hash tag and a ``:lease``/``:progress`` suffix, so the keys below are chosen to
break a naive layout (a brace ending the tag early, a suffix inside the key, an escape
sequence spelled out). Every backend must keep them all apart, and on Redis both keys of
one consumer must hash to one Cluster slot (the save script touches both).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.crc import key_slot

from b24botevents.stores import OffsetStore, Progress, RedisOffsetStore
from stores.offset_backends import BACKENDS, OffsetBackend, backend_fixture

CRAFTED = [
    "a",
    "a}",
    "a}:lease",
    "a}:progress",
    "a%7D",
    "a%7D:lease",
    "%7B",
    "{",
    "}",
    "}a",
    "{a}",
    "{a",
    "a{b}c",
    "%",
    "%25",
    "a:lease",
    ":lease",
    "a/1",
    "a/1\x00",
    "\ud800",
    "b24botevents:dedup:x",
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OffsetBackend]:
    yield from backend_fixture(request, tmp_path)


def _stored_names(client: redis.Redis, prefix: str) -> list[bytes]:
    names = [name for name in client.keys(f"{prefix}*") if isinstance(name, bytes)]
    assert len(names) == len(client.keys(f"{prefix}*"))
    return names


def _claim_all(store: OffsetStore, keys: list[str]) -> None:
    for index, key in enumerate(keys):
        assert store.acquire(key, f"owner-{index}", 60) is True, key
        assert store.save(key, f"owner-{index}", offset=index + 1, handled=index), key


def _assert_all_apart(store: OffsetStore, keys: list[str]) -> None:
    for index, key in enumerate(keys):
        assert store.holder(key) == f"owner-{index}", key
        assert store.load(key) == Progress(offset=index + 1, handled=index), key


def test_crafted_keys_stay_apart(backend: OffsetBackend) -> None:
    store = backend.make()
    _claim_all(store, CRAFTED)
    _assert_all_apart(store, CRAFTED)
    # No owner can reach another key's lease or progress.
    for index, key in enumerate(CRAFTED):
        other = f"owner-{(index + 1) % len(CRAFTED)}"
        assert store.save(key, other, offset=10**9) is False
        store.release(key, other)
    _assert_all_apart(store, CRAFTED)


def test_arbitrary_keys_stay_apart(backend: OffsetBackend) -> None:
    store = backend.make()

    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        st.lists(
            st.text(alphabet="ab{}%:7BD/\x00", min_size=1, max_size=8), min_size=2, unique=True
        )
    )
    def run(keys: list[str]) -> None:
        salt = uuid.uuid4().hex  # keys of earlier examples stay in the store
        salted = [f"{key}{salt}" if i % 2 else f"{salt}{key}" for i, key in enumerate(keys)]
        _claim_all(store, salted)
        _assert_all_apart(store, salted)

    run()


def test_redis_key_names_are_distinct_and_share_a_slot(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(redis_url)
    try:
        store = RedisOffsetStore(client, prefix=prefix)
        _claim_all(store, CRAFTED)
        names = _stored_names(client, prefix)
        assert len(names) == len(set(names)) == 2 * len(CRAFTED)
        by_tag: dict[bytes, list[bytes]] = {}
        for name in names:
            by_tag.setdefault(name.rsplit(b"}:", 1)[0], []).append(name)
        assert len(by_tag) == len(CRAFTED)
        for pair in by_tag.values():
            assert sorted(name.rsplit(b":", 1)[1] for name in pair) == [b"lease", b"progress"]
            assert key_slot(pair[0]) == key_slot(pair[1]), pair
    finally:
        client.close()


def test_redis_default_prefix_is_apart_from_the_other_stores() -> None:
    # Built, never connected: only the key names are looked at.
    with RedisOffsetStore("redis://127.0.0.1:1/0") as store:
        for key in ("b24botevents:dedup:x", "x", "}"):
            for name in store._names(key):
                assert name.startswith(b"b24botevents:offsets:v1:{")
                assert not name.startswith((b"b24botevents:dedup:", b"b24botevents:portal:"))


def test_redis_prefix_with_its_own_hash_tag_keeps_one_slot(redis_url: str) -> None:
    prefix = f"{{b24-{uuid.uuid4().hex}}}:offsets:"
    client = redis.Redis.from_url(redis_url)
    try:
        store = RedisOffsetStore(client, prefix=prefix)
        _claim_all(store, CRAFTED)
        _assert_all_apart(store, CRAFTED)
        slots = {key_slot(name) for name in _stored_names(client, prefix)}
        assert len(slots) == 1
    finally:
        client.close()
