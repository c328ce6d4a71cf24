"""A fetch-mode lease cannot be stolen, and a poller that lost it can no longer write.

The attack (or the accident: a poller paused by GC, a slow disk or a suspended VM): a
second poller of the same bot wants its progress moved, so that events are acknowledged
unhandled (``offset`` raised) or skipped (``handled`` raised). Only the unexpired lease's
owner may write: a non-holder's ``save`` and ``release`` change nothing, an owner string
that merely resembles the holder's (a prefix, a case change, SQL or Lua syntax) is another
owner, and a holder whose lease ran out and was taken over is refused ever after, even when
its late save would only raise the values.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b24botevents.stores import OffsetStore, Progress
from stores.offset_backends import BACKENDS, OffsetBackend, backend_fixture

KEY = "victim.bitrix24.com/567"
HOLDER = "poller-1f0c"

LOOKALIKES = [
    "poller-1f0",  # a prefix
    "poller-1f0c ",  # a trailing space
    "POLLER-1F0C",
    "poller-1f0c\x00",
    "' OR owner IS NOT NULL --",
    "x') OR 1=1 --",
    "*",
    "%",
    "') return 1 --",
    "nil",
    "false",
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OffsetBackend]:
    yield from backend_fixture(request, tmp_path)


@pytest.fixture
def store(backend: OffsetBackend) -> OffsetStore:
    store = backend.make()
    assert store.acquire(KEY, HOLDER, 60)
    assert store.save(KEY, HOLDER, offset=101, handled=100)
    return store


@pytest.mark.parametrize("thief", LOOKALIKES)
def test_a_non_holder_can_neither_write_nor_free_nor_take_the_lease(
    store: OffsetStore, thief: str
) -> None:
    assert store.save(KEY, thief, offset=10**12, handled=10**12) is False
    store.release(KEY, thief)
    assert store.acquire(KEY, thief, 60) is False
    assert store.holder(KEY) == HOLDER
    assert store.load(KEY) == Progress(offset=101, handled=100)
    assert store.save(KEY, HOLDER, offset=102) is True  # the holder is unaffected


def test_a_stalled_poller_is_refused_after_a_takeover(backend: OffsetBackend) -> None:
    store = backend.make()
    assert store.acquire(KEY, "stalled", 0.2)
    assert store.save(KEY, "stalled", offset=11, handled=10)
    backend.wait(0.35)  # the poller stalls past its lease
    assert store.acquire(KEY, "successor", 60)
    assert store.save(KEY, "successor", offset=12, handled=11)
    # The stalled poller wakes up with a batch it fetched earlier.
    assert store.save(KEY, "stalled", offset=500, handled=499) is False
    assert store.acquire(KEY, "stalled", 0.2) is False  # it cannot renew itself back in
    store.release(KEY, "stalled")
    assert store.holder(KEY) == "successor"
    assert store.load(KEY) == Progress(offset=12, handled=11)


def test_a_lease_never_taken_gives_no_write(backend: OffsetBackend) -> None:
    store = backend.make()
    for thief in LOOKALIKES:
        assert store.save(KEY, thief, offset=1) is False
    assert store.load(KEY) == Progress()
    assert store.holder(KEY) is None
