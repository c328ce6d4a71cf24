"""The ``PortalStore`` contract, run against every backend: memory, SQLite and a real Redis.

The contract: records keyed by ``member_id``, every write compare-and-set on ``revision``,
and "a domain belongs to at most one installed record" kept atomically. A rule-based
Hypothesis test then runs random sequences of calls against each backend and a plain model.
Backend-specific tests follow: SQLite shared between instances and processes, its schema,
table-name validation, closing, rollback and locking; Redis' key layout, decoding clients,
lost scripts; and both failing with ``StoreUnavailable`` (and no token in the message) when
the store cannot be reached.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from b24botevents.errors import StoreUnavailable
from b24botevents.stores import (
    MemoryPortalStore,
    PortalRecord,
    PortalStore,
    RedisPortalStore,
    SQLitePortalStore,
)
from redis_server import start_redis_server

BACKENDS = ["memory", "sqlite", "redis"]

# Distinctive enough that finding it anywhere means it leaked.
SECRET = "tok-SECRET-7f3a9c1e5b"

VICTIM = "victim.bitrix24.com"
OTHER = "other.bitrix24.com"


def portal(
    member_id: str = "m1",
    domain: str = VICTIM,
    token: str = "token-1",  # noqa: S107 - a test token
    *,
    installed: bool = True,
    revision: int = 0,
) -> PortalRecord:
    return PortalRecord(
        member_id=member_id,
        domain=domain,
        application_token=token,
        installed=installed,
        revision=revision,
    )


def stored(record: PortalRecord, revision: int) -> PortalRecord:
    return record.evolve(revision=revision)


@dataclass
class PortalBackend:
    """Builds fresh, empty stores of one backend and closes them all at teardown."""

    name: str
    factory: Callable[[], PortalStore]
    made: list[PortalStore] = field(default_factory=list)

    def make(self) -> PortalStore:
        store = self.factory()
        self.made.append(store)
        return store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PortalBackend]:
    name: str = request.param
    factory: Callable[[], PortalStore]
    if name == "memory":
        factory = MemoryPortalStore
    elif name == "sqlite":

        def factory() -> PortalStore:
            return SQLitePortalStore(tmp_path / f"portals-{uuid.uuid4().hex}.db")

    else:
        url: str = request.getfixturevalue("redis_url")

        def factory() -> PortalStore:
            # A unique prefix per store keeps tests apart on the shared server.
            return RedisPortalStore(url, prefix=f"test:{uuid.uuid4().hex}:")

    made = PortalBackend(name, factory)
    yield made
    for store in made.made:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@pytest.fixture
def store(backend: PortalBackend) -> PortalStore:
    return backend.make()


# --- the contract: reads and compare-and-set ---------------------------------------------


def test_is_a_portal_store(store: PortalStore) -> None:
    assert isinstance(store, PortalStore)
    assert isinstance(store.blocking, bool)


def test_get_missing_is_none(store: PortalStore) -> None:
    assert store.get("missing") is None
    assert store.get_by_domain(VICTIM) is None


def test_save_new_with_expected_none_is_revision_1(store: PortalStore) -> None:
    record = portal()
    saved = store.save(record, expected=None)
    assert saved == stored(record, 1)
    assert store.get("m1") == stored(record, 1)
    assert store.get_by_domain(VICTIM) == stored(record, 1)


def test_the_record_revision_passed_in_is_ignored(store: PortalStore) -> None:
    saved = store.save(portal(revision=41), expected=None)
    assert saved is not None
    assert saved.revision == 1
    again = store.save(portal(token="token-2", revision=99), expected=1)
    assert again is not None
    assert again.revision == 2


def test_each_save_bumps_the_revision(store: PortalStore) -> None:
    expected: int | None = None
    for revision in range(1, 6):
        saved = store.save(portal(token=f"token-{revision}"), expected=expected)
        assert saved == stored(portal(token=f"token-{revision}"), revision)
        expected = revision
    assert store.get("m1") == stored(portal(token="token-5"), 5)


@pytest.mark.parametrize("wrong", [None, 3, 4, 1000])
def test_stale_or_wrong_expected_writes_nothing(store: PortalStore, wrong: int | None) -> None:
    first = store.save(portal(), expected=None)
    assert first is not None
    assert store.save(portal(domain=OTHER, token="token-2"), expected=1) is not None
    # The record is at revision 2 now: 1 is stale, None says "no record", others never were.
    for expected in {wrong, 1}:
        assert store.save(portal(domain="third.bitrix24.com", token="x"), expected=expected) is None
    assert store.get("m1") == stored(portal(domain=OTHER, token="token-2"), 2)
    assert store.get_by_domain(OTHER) == stored(portal(domain=OTHER, token="token-2"), 2)
    assert store.get_by_domain("third.bitrix24.com") is None


def test_expected_on_a_missing_record_writes_nothing(store: PortalStore) -> None:
    assert store.save(portal(), expected=1) is None
    assert store.get("m1") is None
    assert store.get_by_domain(VICTIM) is None


def test_resaving_an_installed_record_on_its_own_domain_needs_no_take(
    store: PortalStore,
) -> None:
    assert store.save(portal(token="old"), expected=None) is not None
    assert store.save(portal(token="new"), expected=1) == stored(portal(token="new"), 2)
    assert store.get_by_domain(VICTIM) == stored(portal(token="new"), 2)


# --- the contract: one installed record per domain ---------------------------------------


def test_a_second_member_cannot_install_on_a_held_domain(store: PortalStore) -> None:
    holder = portal("m1", token="token-a")
    assert store.save(holder, expected=None) is not None
    assert store.save(portal("m2", token="token-b"), expected=None) is None
    assert store.save(portal("m2", token="token-b"), expected=None, take_domain=False) is None
    assert store.get("m2") is None
    assert store.get("m1") == stored(holder, 1)
    assert store.get_by_domain(VICTIM) == stored(holder, 1)


def test_take_domain_uninstalls_the_holder_and_frees_the_domain(store: PortalStore) -> None:
    holder = portal("m1", token="token-a")
    newcomer = portal("m2", token="token-b")
    assert store.save(holder, expected=None) is not None
    assert store.save(newcomer, expected=None, take_domain=True) == stored(newcomer, 1)
    assert store.get("m1") == holder.evolve(installed=False, revision=2)
    assert store.get("m2") == stored(newcomer, 1)
    assert store.get_by_domain(VICTIM) == stored(newcomer, 1)
    # The old holder's revision moved, so its stale compare-and-set fails...
    assert store.save(holder, expected=1) is None
    # ...and at its new revision it is one more member wanting a held domain.
    assert store.save(holder, expected=2) is None
    assert store.save(holder, expected=2, take_domain=True) == stored(holder, 3)
    assert store.get("m2") == newcomer.evolve(installed=False, revision=2)
    assert store.get_by_domain(VICTIM) == stored(holder, 3)


def test_take_domain_from_a_named_holder_fails_if_another_holds_the_domain(
    store: PortalStore,
) -> None:
    """The approval was given against one holder: a different one by now is not evicted."""
    assert store.save(portal("m1", token="token-a"), expected=None) is not None
    newcomer = portal("m3", token="token-c")
    assert store.save(newcomer, expected=None, take_domain=True, domain_holder="m2") is None
    assert store.get("m3") is None
    holder = store.get_by_domain(VICTIM)
    assert holder is not None
    assert (holder.member_id, holder.installed) == ("m1", True)
    # Named right, the take goes through; a free domain needs no holder at all.
    taken = store.save(newcomer, expected=None, take_domain=True, domain_holder="m1")
    assert taken == stored(newcomer, 1)
    free = portal("m4", "free.bitrix24.com")
    assert store.save(free, expected=None, take_domain=True, domain_holder="m1") is not None


def test_take_domain_on_a_free_domain_or_for_an_uninstalled_record_moves_nothing(
    store: PortalStore,
) -> None:
    assert store.save(portal("m1"), expected=None, take_domain=True) == stored(portal("m1"), 1)
    uninstalled = portal("m2", installed=False)
    assert store.save(uninstalled, expected=None, take_domain=True) == stored(uninstalled, 1)
    assert store.get("m1") == stored(portal("m1"), 1)
    assert store.get_by_domain(VICTIM) == stored(portal("m1"), 1)


def test_take_domain_still_needs_the_right_expected(store: PortalStore) -> None:
    assert store.save(portal("m1"), expected=None) is not None
    assert store.save(portal("m2"), expected=None) is None
    assert store.save(portal("m2", domain=OTHER), expected=None) is not None
    # m2 exists now: expected=None is wrong, and the domain must not move.
    assert store.save(portal("m2"), expected=None, take_domain=True) is None
    assert store.get("m1") == stored(portal("m1"), 1)
    assert store.get_by_domain(VICTIM) == stored(portal("m1"), 1)
    assert store.get_by_domain(OTHER) == stored(portal("m2", domain=OTHER), 1)


def test_uninstalled_records_hold_no_domain(store: PortalStore) -> None:
    assert store.save(portal("m1"), expected=None) is not None
    gone = portal("m1", installed=False)
    assert store.save(gone, expected=1) == stored(gone, 2)
    assert store.get("m1") == stored(gone, 2)
    assert store.get_by_domain(VICTIM) is None
    # Another member installs there without take_domain; the uninstalled one is untouched.
    assert store.save(portal("m2", token="token-b"), expected=None) is not None
    assert store.get_by_domain(VICTIM) == stored(portal("m2", token="token-b"), 1)
    assert store.get("m1") == stored(gone, 2)
    # An uninstalled record may name a held domain: it claims nothing.
    third = portal("m3", installed=False)
    assert store.save(third, expected=None) == stored(third, 1)
    assert store.get_by_domain(VICTIM) == stored(portal("m2", token="token-b"), 1)


def test_a_domain_change_frees_the_old_domain(store: PortalStore) -> None:
    assert store.save(portal("m1", VICTIM), expected=None) is not None
    assert store.save(portal("m1", OTHER), expected=1) == stored(portal("m1", OTHER), 2)
    assert store.get_by_domain(VICTIM) is None
    assert store.get_by_domain(OTHER) == stored(portal("m1", OTHER), 2)
    assert store.save(portal("m2", VICTIM), expected=None) is not None
    assert store.get_by_domain(VICTIM) == stored(portal("m2", VICTIM), 1)


def test_a_domain_change_onto_a_held_domain_needs_take(store: PortalStore) -> None:
    assert store.save(portal("m1", VICTIM), expected=None) is not None
    assert store.save(portal("m2", OTHER), expected=None) is not None
    assert store.save(portal("m1", OTHER), expected=1) is None
    assert store.get("m1") == stored(portal("m1", VICTIM), 1)
    assert store.get_by_domain(VICTIM) == stored(portal("m1", VICTIM), 1)
    assert store.save(portal("m1", OTHER), expected=1, take_domain=True) is not None
    assert store.get_by_domain(VICTIM) is None
    assert store.get_by_domain(OTHER) == stored(portal("m1", OTHER), 2)
    assert store.get("m2") == portal("m2", OTHER, installed=False, revision=2)


def test_get_by_domain_is_exact(store: PortalStore) -> None:
    assert store.save(portal("m1", VICTIM), expected=None) is not None
    for near in ["VICTIM.bitrix24.com", "victim.bitrix24.com.", "ictim.bitrix24.com", "victim"]:
        assert store.get_by_domain(near) is None
    assert store.get_by_domain("victim.bitrix24.com:443") is None


# --- the contract: delete ------------------------------------------------------------------


def test_delete_unconditional(store: PortalStore) -> None:
    assert store.save(portal("m1"), expected=None) is not None
    assert store.delete("m1") is True
    assert store.get("m1") is None
    assert store.get_by_domain(VICTIM) is None
    assert store.delete("m1") is False
    # The domain is free, and the id starts again from "no record".
    assert store.save(portal("m2"), expected=None) is not None
    assert store.save(portal("m1", OTHER), expected=None) == stored(portal("m1", OTHER), 1)


def test_delete_with_expected(store: PortalStore) -> None:
    assert store.save(portal("m1"), expected=None) is not None
    assert store.save(portal("m1", token="token-2"), expected=1) is not None
    assert store.delete("m1", expected=1) is False
    assert store.delete("m1", expected=3) is False
    assert store.get("m1") == stored(portal("m1", token="token-2"), 2)
    assert store.get_by_domain(VICTIM) == stored(portal("m1", token="token-2"), 2)
    assert store.delete("m1", expected=2) is True
    assert store.get("m1") is None
    assert store.get_by_domain(VICTIM) is None


def test_delete_missing_is_false(store: PortalStore) -> None:
    assert store.delete("never") is False
    assert store.delete("never", expected=1) is False


def test_delete_an_uninstalled_record_leaves_the_domain_holder(store: PortalStore) -> None:
    assert store.save(portal("m1"), expected=None) is not None
    assert store.save(portal("m2", token="t2"), expected=None, take_domain=True) is not None
    assert store.delete("m1") is True
    assert store.get_by_domain(VICTIM) == stored(portal("m2", token="t2"), 1)
    assert store.delete("m2", expected=1) is True
    assert store.get_by_domain(VICTIM) is None


# --- argument errors -------------------------------------------------------------------------


class NotARecord:
    member_id = "m1"
    domain = VICTIM
    application_token = "token"
    installed = True
    revision = 0


@pytest.mark.parametrize(
    "record",
    [None, "m1", {"member_id": "m1", "domain": VICTIM}, ("m1", VICTIM, "t"), NotARecord()],
    ids=["none", "str", "dict", "tuple", "look-alike"],
)
def test_save_rejects_non_records(store: PortalStore, record: object) -> None:
    with pytest.raises(TypeError, match="PortalRecord"):
        store.save(record, expected=None)  # type: ignore[arg-type]
    assert store.get("m1") is None
    assert store.get_by_domain(VICTIM) is None


BAD_EXPECTED = [0, -1, True, False, "1", 1.0, b"1"]


@pytest.mark.parametrize("expected", BAD_EXPECTED, ids=repr)
def test_bad_expected_is_refused(store: PortalStore, expected: object) -> None:
    with pytest.raises(ValueError, match="expected"):
        store.save(portal(), expected=expected)  # type: ignore[arg-type]
    assert store.get("m1") is None
    assert store.save(portal(), expected=None) is not None
    with pytest.raises(ValueError, match="expected"):
        store.save(portal(token="t2"), expected=expected)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected"):
        store.delete("m1", expected=expected)  # type: ignore[arg-type]
    assert store.get("m1") == stored(portal(), 1)


def test_expected_is_a_required_keyword(store: PortalStore) -> None:
    with pytest.raises(TypeError):
        store.save(portal())  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        store.save(portal(), None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        store.delete("m1", 1)  # type: ignore[call-arg]
    assert store.get("m1") is None


@pytest.mark.parametrize(
    ("key", "error"),
    [("", ValueError), (None, TypeError), (b"m1", TypeError), (1, TypeError)],
    ids=["empty", "none", "bytes", "int"],
)
def test_lookups_reject_empty_and_non_str(
    store: PortalStore, key: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.get(key)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.get_by_domain(key)  # type: ignore[arg-type]
    with pytest.raises(error):
        store.delete(key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key", ["ключ", "\ud800", "m1\x00", "a b", "m1:x", "'; DROP TABLE t; --", "x" * 5000]
)
def test_keys_no_record_can_have_find_nothing(store: PortalStore, key: str) -> None:
    assert store.save(portal("m1"), expected=None) is not None
    assert store.get(key) is None
    assert store.get_by_domain(key) is None
    assert store.delete(key) is False
    assert store.delete(key, expected=1) is False
    assert store.get("m1") == stored(portal("m1"), 1)


# --- round trips, independence, secrets -------------------------------------------------------

ROUND_TRIPS = [
    portal("a"),
    portal("0123456789abcdef0123456789abcdef", token="0f" * 16),
    portal("a.b-c_d", "b24-x1.bitrix24.ru"),
    portal("_", "localhost:8080", token="t"),
    portal("-.-", "a.b.c.d.e.f"),
    portal("M" * 64, ".".join(["a" * 63] * 3) + "." + "b" * 61, token="x" * 4096),
    portal("long-token", token="y" * 100_000),
    portal("quotes", token="'\"; DROP TABLE t; -- \\ %s {} [] $1 .. 'm:'"),
    portal("lua", token="]] .. redis.call('FLUSHALL') .. [["),
    portal("unicode", token="токен-😀-中文"),
    portal("nul", token="a\x00b\r\n\t"),
    portal("spaces", token=" leading and trailing "),
    portal("down", installed=False, token="old"),
]


@pytest.mark.parametrize("record", ROUND_TRIPS, ids=lambda r: r.member_id[:12])
def test_records_round_trip_exactly(store: PortalStore, record: PortalRecord) -> None:
    saved = store.save(record, expected=None)
    assert saved == stored(record, 1)
    for got in (saved, store.get(record.member_id)):
        assert got is not None
        assert got == stored(record, 1)
        assert type(got) is PortalRecord
        assert type(got.member_id) is str
        assert type(got.domain) is str
        assert type(got.application_token) is str
        assert type(got.installed) is bool
        assert type(got.revision) is int
    by_domain = store.get_by_domain(record.domain)
    assert by_domain == (stored(record, 1) if record.installed else None)
    if by_domain is not None:
        assert type(by_domain.installed) is bool
        assert type(by_domain.revision) is int


def test_member_ids_are_independent(store: PortalStore) -> None:
    ids = ["m", "M", "m.", "m-", "m_", ".m", "mm", "m.m", "m-m", "m_m"]
    for index, member_id in enumerate(ids):
        domain = f"d{index}.bitrix24.com"
        assert store.save(portal(member_id, domain, f"token-{index}"), expected=None)
    assert store.delete("m") is True
    assert store.get("m") is None
    assert store.get_by_domain("d0.bitrix24.com") is None
    for index, member_id in enumerate(ids[1:], start=1):
        want = stored(portal(member_id, f"d{index}.bitrix24.com", f"token-{index}"), 1)
        assert store.get(member_id) == want
        assert store.get_by_domain(f"d{index}.bitrix24.com") == want


def test_stores_do_not_share_state(backend: PortalBackend) -> None:
    first, second = backend.make(), backend.make()
    assert first.save(portal(), expected=None) is not None
    assert second.get("m1") is None
    assert second.get_by_domain(VICTIM) is None
    assert second.save(portal("m2"), expected=None) is not None


def test_repr_and_logs_never_show_a_token(
    store: PortalStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[object] = []
    for index in range(3):
        record = portal(f"m{index}", f"d{index}.bitrix24.com", f"{SECRET}-{index}")
        shown += [record, store.save(record, expected=None)]
    shown += [store.get("m1"), store.get_by_domain("d1.bitrix24.com")]
    shown.append(
        store.save(portal("m9", "d1.bitrix24.com", SECRET), expected=None, take_domain=True)
    )
    store.delete("m2")
    moved = portal("m1", "d1.bitrix24.com", f"{SECRET}-1", installed=False, revision=2)
    assert store.get("m1") == moved
    for item in shown:
        assert item is not None
        assert SECRET not in repr(item)
        assert SECRET not in str(item)
        assert "***" in repr(item)
    for text in (repr(store), str(store), caplog.text):
        assert SECRET not in text
    assert type(store).__name__ in repr(store)


def test_memory_repr_counts_portals_and_seeds() -> None:
    store = MemoryPortalStore([portal("a", "a.bitrix24.com", SECRET), portal("b", token=SECRET)])
    assert repr(store) == "MemoryPortalStore(2 portals)"
    assert len(store) == 2
    assert store.get("a") == stored(portal("a", "a.bitrix24.com", SECRET), 1)
    assert repr(MemoryPortalStore([portal("a")])) == "MemoryPortalStore(1 portal)"
    with pytest.raises(ValueError, match="distinct"):
        MemoryPortalStore([portal("a"), portal("b")])
    with pytest.raises(ValueError, match="distinct"):
        MemoryPortalStore([portal("a"), portal("a", OTHER)])


# --- rule-based: every backend behaves like a plain model ---------------------------------


class Model:
    """The contract written out as plainly as possible: a dict and a scan."""

    def __init__(self) -> None:
        self.records: dict[str, PortalRecord] = {}

    def get(self, member_id: str) -> PortalRecord | None:
        return self.records.get(member_id)

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        holders = [r for r in self.records.values() if r.installed and r.domain == domain]
        assert len(holders) <= 1
        return holders[0] if holders else None

    def save(self, record: PortalRecord, expected: int | None, take: bool) -> PortalRecord | None:
        current = self.records.get(record.member_id)
        if (current.revision if current else None) != expected:
            return None
        holder = self.get_by_domain(record.domain) if record.installed else None
        if holder is not None and holder.member_id != record.member_id:
            if not take:
                return None
            self.records[holder.member_id] = holder.evolve(
                installed=False, revision=holder.revision + 1
            )
        result = record.evolve(revision=(expected or 0) + 1)
        self.records[record.member_id] = result
        return result

    def delete(self, member_id: str, expected: int | None) -> bool:
        current = self.records.get(member_id)
        if current is None or (expected is not None and current.revision != expected):
            return False
        del self.records[member_id]
        return True


MEMBERS = ["m1", "m2", "m3", "a.b"]
DOMAINS = ["one.bitrix24.com", "two.bitrix24.com", "three.bitrix24.com"]
_members = st.sampled_from(MEMBERS)
_domains = st.sampled_from(DOMAINS)
_tokens = st.one_of(
    st.sampled_from(["token-a", "token-b"]),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=16),
)
# Mostly the right revision, so sequences get somewhere; otherwise a wrong or stale one.
_expectations = st.sampled_from(["current", "current", "current", "stale", None, 1, 2, 3])


def _machine(make: Callable[[], PortalStore]) -> type[RuleBasedStateMachine]:
    class PortalStoreMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.store = make()
            self.model = Model()

        def _expected(self, member_id: str, choice: str | int | None) -> int | None:
            current = self.model.get(member_id)
            revision = None if current is None else current.revision
            if choice == "current":
                return revision
            if choice == "stale":
                return None if revision is None or revision == 1 else revision - 1
            assert not isinstance(choice, str)
            return choice

        @rule(
            member_id=_members,
            domain=_domains,
            token=_tokens,
            installed=st.booleans(),
            expected=_expectations,
            take=st.booleans(),
        )
        def save(
            self,
            member_id: str,
            domain: str,
            token: str,
            installed: bool,
            expected: str | int | None,
            take: bool,
        ) -> None:
            record = portal(member_id, domain, token, installed=installed)
            revision = self._expected(member_id, expected)
            want = self.model.save(record, revision, take)
            assert self.store.save(record, expected=revision, take_domain=take) == want

        @rule(member_id=_members, expected=_expectations)
        def delete(self, member_id: str, expected: str | int | None) -> None:
            revision = self._expected(member_id, expected) if expected is not None else None
            want = self.model.delete(member_id, revision)
            assert self.store.delete(member_id, expected=revision) is want

        @rule(member_id=_members)
        def get(self, member_id: str) -> None:
            assert self.store.get(member_id) == self.model.get(member_id)

        @rule(domain=_domains)
        def get_by_domain(self, domain: str) -> None:
            assert self.store.get_by_domain(domain) == self.model.get_by_domain(domain)

        @invariant()
        def same_state(self) -> None:
            for member_id in MEMBERS:
                assert self.store.get(member_id) == self.model.get(member_id)
            for domain in DOMAINS:
                assert self.store.get_by_domain(domain) == self.model.get_by_domain(domain)

    return PortalStoreMachine


def test_matches_a_plain_model(backend: PortalBackend) -> None:
    # Each backend gets its own example budget and a fresh store per run from the factory.
    run_state_machine_as_test(
        _machine(backend.make),
        settings=settings(
            max_examples=150 if backend.name == "memory" else 50,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# --- shared helpers for the unreachable stores --------------------------------------------


def _assert_every_operation_unavailable(store: PortalStore) -> None:
    record = portal(token=SECRET)
    operations: list[tuple[str, Callable[[], object]]] = [
        ("get", lambda: store.get("m1")),
        ("get_by_domain", lambda: store.get_by_domain(VICTIM)),
        ("save", lambda: store.save(record, expected=None)),
        ("save", lambda: store.save(record, expected=3, take_domain=True)),
        ("delete", lambda: store.delete("m1")),
        ("delete", lambda: store.delete("m1", expected=2)),
    ]
    for name, operation in operations:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            operation()
        assert time.monotonic() - started < 5.0
        message = str(caught.value)
        assert f"{name} failed" in message
        assert type(store).__name__ in message
        assert SECRET not in message
        assert SECRET not in repr(caught.value.__cause__)


# --- SQLite: sharing, processes, schema, transactions, configuration -----------------------


def _save_in_child(path: str, member_id: str, domain: str, token: str) -> None:
    with SQLitePortalStore(path) as store:
        assert store.save(portal(member_id, domain, token), expected=None) is not None


def _get_in_child(path: str, member_id: str, results: multiprocessing.Queue[Any]) -> None:
    with SQLitePortalStore(path) as store:
        record = store.get(member_id)
        results.put(None if record is None else (record.application_token, record.revision))


def _run_child(target: Callable[..., None], *args: object) -> None:
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0


def test_sqlite_shared_between_instances(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with SQLitePortalStore(path) as first, SQLitePortalStore(path) as second:
        assert first.get("m1") is None  # both connections are open before the writes
        assert second.get("m1") is None
        assert first.save(portal("m1"), expected=None) is not None
        assert second.get("m1") == stored(portal("m1"), 1)
        assert second.get_by_domain(VICTIM) == stored(portal("m1"), 1)
        # The second sees the first's write when it compares and sets.
        assert second.save(portal("m2"), expected=None) is None
        assert second.save(portal("m2"), expected=None, take_domain=True) is not None
        assert first.get("m1") == portal("m1", installed=False, revision=2)
        assert first.save(portal("m1", token="t"), expected=1) is None
        assert second.delete("m2") is True
        assert first.get_by_domain(VICTIM) is None


def test_sqlite_shared_between_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    with SQLitePortalStore(path) as store:
        # The parent's connection is open before the child writes.
        assert store.get("from-child") is None
        _run_child(_save_in_child, path, "from-child", VICTIM, "токен-из-процесса")
        assert store.get("from-child") == stored(portal("from-child", token="токен-из-процесса"), 1)
        assert store.get_by_domain(VICTIM) is not None

        assert store.save(portal("from-parent", OTHER, "token-p"), expected=None) is not None
        results: multiprocessing.Queue[Any] = multiprocessing.get_context("spawn").Queue()
        _run_child(_get_in_child, path, "from-parent", results)
        assert results.get(timeout=10) == ("token-p", 1)


def test_sqlite_uses_wal_and_the_documented_schema(tmp_path: Path) -> None:
    path = tmp_path / "schema.db"
    with SQLitePortalStore(path) as store:
        assert store.save(portal("m1"), expected=None) is not None
        assert store.save(portal("m2", installed=False), expected=None) is not None
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        table = "b24botevents_portals_v1"
        columns = {
            name: (kind, notnull, default, pk)
            for _, name, kind, notnull, default, pk in connection.execute(
                f"PRAGMA table_info({table})"
            )
        }
        assert columns == {
            "member_id": ("TEXT", 1, None, 1),
            "domain": ("TEXT", 1, None, 0),
            "application_token": ("TEXT", 1, None, 0),
            "installed": ("INTEGER", 1, None, 0),
            "revision": ("INTEGER", 1, None, 0),
            "document": ("TEXT", 1, "'{}'", 0),
        }
        (sql,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        assert "WITHOUT ROWID" in sql
        indexes = {row[1]: row for row in connection.execute(f"PRAGMA index_list({table})")}
        domain_index = indexes[f"{table}_domain"]
        assert domain_index[2] == 1  # unique
        assert domain_index[4] == 1  # partial
        rows = connection.execute(
            "SELECT member_id, domain, application_token, installed, revision, document"
            " FROM b24botevents_portals_v1 ORDER BY member_id"
        ).fetchall()
        assert rows == [
            ("m1", VICTIM, "token-1", 1, 1, "{}"),
            ("m2", VICTIM, "token-1", 0, 1, "{}"),
        ]
        # The schema itself refuses a second installed record on a domain.
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            connection.execute(
                "INSERT INTO b24botevents_portals_v1"
                " (member_id, domain, application_token, installed, revision)"
                " VALUES ('m3', ?, 't', 1, 1)",
                (VICTIM,),
            )
    finally:
        connection.close()


def test_sqlite_reads_rows_written_by_another_tool(tmp_path: Path) -> None:
    path = tmp_path / "by-hand.db"
    with SQLitePortalStore(path) as store:
        assert store.get("m1") is None  # creates the table
        connection = sqlite3.connect(path)
        try:
            with connection:
                connection.execute(
                    "INSERT INTO b24botevents_portals_v1"
                    " (member_id, domain, application_token, installed, revision)"
                    " VALUES ('m1', ?, 'token-h', 1, 7)",
                    (VICTIM,),
                )
        finally:
            connection.close()
        assert store.get("m1") == portal(token="token-h", revision=7)
        assert store.save(portal(token="token-2"), expected=7) == portal(
            token="token-2", revision=8
        )


def test_sqlite_tables_are_independent(tmp_path: Path) -> None:
    path = tmp_path / "tables.db"
    with (
        SQLitePortalStore(path, table="one") as one,
        SQLitePortalStore(path, table="order") as two,
    ):
        assert one.save(portal(token="token-1"), expected=None) is not None
        assert two.get("m1") is None
        assert two.get_by_domain(VICTIM) is None
        assert two.save(portal(token="token-2"), expected=None) is not None
        assert one.get("m1") == stored(portal(token="token-1"), 1)


@pytest.mark.parametrize(
    "table",
    ["", "1abc", "a-b", "a b", 'x"; DROP TABLE t; --', "tökens", "sqlite_master", "a" * 64],
)
def test_sqlite_rejects_bad_table_names(tmp_path: Path, table: str) -> None:
    with pytest.raises(ValueError, match="table"):
        SQLitePortalStore(tmp_path / "t.db", table=table)


def test_sqlite_close_and_context_manager(tmp_path: Path) -> None:
    with SQLitePortalStore(tmp_path / "c.db") as store:
        assert store.save(portal(token=SECRET), expected=None) is not None
        assert store.get("m1") is not None  # the fast path, with the connection open
    for operation in (
        lambda: store.get("m1"),
        lambda: store.get_by_domain(VICTIM),
        lambda: store.save(portal(token=SECRET), expected=1),
        lambda: store.delete("m1"),
    ):
        with pytest.raises(StoreUnavailable, match="closed") as caught:
            operation()
        assert SECRET not in str(caught.value)
    store.close()  # idempotent
    with SQLitePortalStore(tmp_path / "c.db") as reopened:
        assert reopened.get("m1") == stored(portal(token=SECRET), 1)


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_sqlite_unreachable_raises_store_unavailable(tmp_path: Path, where: str) -> None:
    path = tmp_path if where == "directory" else tmp_path / "no" / "such" / "dir" / "t.db"
    with SQLitePortalStore(path, timeout=0.5) as store:
        _assert_every_operation_unavailable(store)
        assert SECRET not in repr(store)


def test_sqlite_recovers_once_the_directory_exists(tmp_path: Path) -> None:
    directory = tmp_path / "later"
    with SQLitePortalStore(directory / "t.db") as store:
        with pytest.raises(StoreUnavailable):
            store.get("m1")
        directory.mkdir()
        assert store.save(portal(), expected=None) is not None
        assert store.get("m1") == stored(portal(), 1)


def test_sqlite_a_failed_write_rolls_back_entirely(tmp_path: Path) -> None:
    path = tmp_path / "rollback.db"
    with SQLitePortalStore(path) as store:
        assert store.save(portal("holder"), expected=None) is not None
        # A trigger makes the final write of one save fail after the holder was released
        # in the same transaction: nothing of it may remain.
        connection = sqlite3.connect(path)
        try:
            connection.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON b24botevents_portals_v1"
                " WHEN NEW.member_id = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
            connection.commit()
        finally:
            connection.close()
        with pytest.raises(StoreUnavailable, match="save failed") as caught:
            store.save(portal("refused", token=SECRET), expected=None, take_domain=True)
        assert SECRET not in str(caught.value)
        assert store.get("holder") == stored(portal("holder"), 1)
        assert store.get_by_domain(VICTIM) == stored(portal("holder"), 1)
        assert store.get("refused") is None
        # The connection is not left inside the failed transaction.
        assert store.save(portal("next"), expected=None, take_domain=True) is not None
        assert store.get("holder") == portal("holder", installed=False, revision=2)
    with SQLitePortalStore(path) as other:
        assert other.get_by_domain(VICTIM) == stored(portal("next"), 1)


def test_sqlite_a_held_write_lock_times_out_and_reads_go_on(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    with SQLitePortalStore(path, timeout=0.3) as store:
        assert store.save(portal(), expected=None) is not None
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match=r"save failed.*locked") as caught:
                store.save(portal(token=SECRET), expected=1)
            assert 0.2 < time.monotonic() - started < 3.0
            assert SECRET not in str(caught.value)
            with pytest.raises(StoreUnavailable, match="delete failed"):
                store.delete("m1")
            assert store.get("m1") == stored(portal(), 1)  # WAL: readers are not blocked
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()
        assert store.save(portal(token="token-2"), expected=1) is not None
        assert store.delete("m1", expected=2) is True


# --- Redis: layout, clients, scripts, a dead server ------------------------------------------


def test_redis_key_layout_and_passed_client_left_open(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        with RedisPortalStore(client, prefix=prefix) as store:
            assert store.save(portal("m1", token="token-a"), expected=None) is not None
            assert client.hgetall(f"{prefix}m:m1") == {
                b"domain": VICTIM.encode(),
                b"application_token": b"token-a",
                b"installed": b"1",
                b"revision": b"1",
                b"document": b"{}",
            }
            assert client.get(f"{prefix}d:{VICTIM}") == b"m1"
            assert store.save(portal("m2"), expected=None, take_domain=True) is not None
            assert client.hmget(f"{prefix}m:m1", ["installed", "revision"]) == [b"0", b"2"]
            assert client.get(f"{prefix}d:{VICTIM}") == b"m2"
            assert store.save(portal("m2", OTHER), expected=1) is not None
            assert client.get(f"{prefix}d:{VICTIM}") is None
            assert client.get(f"{prefix}d:{OTHER}") == b"m2"
            assert store.delete("m2") is True
            assert client.exists(f"{prefix}m:m2", f"{prefix}d:{OTHER}") == 0
            assert sorted(client.keys(f"{prefix}*")) == [f"{prefix}m:m1".encode()]
        assert client.ping()
        # The store's prefix keeps its keys apart from everything else on the server.
        assert client.exists("m:m1", f"d:{VICTIM}") == 0
    finally:
        client.close()


def test_redis_default_prefix(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    member_id = f"default-{uuid.uuid4().hex}"
    try:
        store = RedisPortalStore(client)
        assert store.save(portal(member_id, f"{member_id}.example.com"), expected=None)
        assert client.exists(f"b24botevents:portal:v1:m:{member_id}") == 1
        assert client.get(f"b24botevents:portal:v1:d:{member_id}.example.com") == member_id.encode()
        assert store.delete(member_id) is True
    finally:
        client.close()


def test_redis_accepts_a_decoding_client(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        store = RedisPortalStore(client, prefix=f"test:{uuid.uuid4().hex}:")
        record = portal("m1", token="токен-😀")
        assert store.get("m1") is None
        assert store.get_by_domain(VICTIM) is None
        assert store.save(record, expected=None) == stored(record, 1)
        assert store.get("m1") == stored(record, 1)
        assert store.get_by_domain(VICTIM) == stored(record, 1)
        assert store.save(portal("m2"), expected=None) is None
        assert store.save(portal("m2"), expected=None, take_domain=True) is not None
        assert store.get("m1") == record.evolve(installed=False, revision=2)
        assert store.delete("m1", expected=1) is False
        assert store.delete("m1", expected=2) is True
        assert store.get("m1") is None
    finally:
        client.close()


def test_redis_survives_a_script_flush(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        store = RedisPortalStore(client, prefix=f"test:{uuid.uuid4().hex}:")
        assert store.save(portal(), expected=None) is not None
        client.script_flush()
        assert store.get_by_domain(VICTIM) == stored(portal(), 1)
        client.script_flush()
        assert store.save(portal(token="token-2"), expected=1) is not None
        client.script_flush()
        assert store.delete("m1", expected=2) is True
    finally:
        client.close()


def test_redis_a_stale_domain_key_holds_nothing(redis_url: str) -> None:
    # A domain key left behind (by a crash of another tool, a manual edit) that points at
    # a record no longer installed there is not a holder.
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        store = RedisPortalStore(client, prefix=prefix)
        assert store.save(portal("m1", OTHER), expected=None) is not None
        client.set(f"{prefix}d:{VICTIM}", "m1")
        client.set(f"{prefix}d:third.bitrix24.com", "ghost")
        assert store.get_by_domain(VICTIM) is None
        assert store.get_by_domain("third.bitrix24.com") is None
        assert store.save(portal("m2"), expected=None) == stored(portal("m2"), 1)
        assert store.save(portal("m3", "third.bitrix24.com"), expected=None) is not None
        assert store.get("m1") == stored(portal("m1", OTHER), 1)
        assert store.get_by_domain(OTHER) == stored(portal("m1", OTHER), 1)
    finally:
        client.close()


def test_redis_an_unreadable_record_is_unavailable_without_its_token(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        store = RedisPortalStore(client, prefix=prefix)
        client.hset(
            f"{prefix}m:m1",
            mapping={
                "domain": VICTIM,
                "application_token": SECRET,
                "installed": "1",
                "revision": "not-a-number",
            },
        )
        client.set(f"{prefix}d:{VICTIM}", "m1")
        for operation, call in (("get", store.get), ("get_by_domain", store.get_by_domain)):
            with pytest.raises(StoreUnavailable, match=f"{operation} failed") as caught:
                call("m1" if operation == "get" else VICTIM)
            assert SECRET not in str(caught.value)
            assert caught.value.__cause__ is None
            assert caught.value.__suppress_context__
    finally:
        client.close()


def test_redis_down_raises_store_unavailable(dead_url: str) -> None:
    with RedisPortalStore(dead_url) as store:
        _assert_every_operation_unavailable(store)
        assert SECRET not in repr(store)


def test_redis_outage_and_recovery() -> None:
    # A server of its own, so stopping it does not disturb the session's.
    server = start_redis_server()
    try:
        with RedisPortalStore(server.url) as store:
            assert store.save(portal(token=SECRET), expected=None) is not None
            assert store.get("m1") == stored(portal(token=SECRET), 1)
            server.stop()
            _assert_every_operation_unavailable(store)
            # Back on the same port (empty: nothing is persisted, no script is loaded).
            server = start_redis_server(server.port)
            assert store.get("m1") is None
            assert store.save(portal(token="token-2"), expected=None) is not None
            assert store.get_by_domain(VICTIM) == stored(portal(token="token-2"), 1)
    finally:
        server.stop()


def test_redis_repr_hides_the_password(redis_url: str) -> None:
    url = redis_url.replace("redis://", f"redis://:{SECRET}@")
    with RedisPortalStore(url) as store:
        assert SECRET not in repr(store)
        assert "127.0.0.1" in repr(store)


def test_redis_rejects_other_clients_and_prefixes() -> None:
    with pytest.raises(TypeError):
        RedisPortalStore(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="prefix"):
        RedisPortalStore("redis://127.0.0.1:1/0", prefix=b"x")  # type: ignore[arg-type]


# --- the package imports without redis-py ------------------------------------------------


def test_stores_import_without_redis_and_redis_names_explain() -> None:
    # A child interpreter in which ``import redis`` fails, as if it were not installed.
    code = textwrap.dedent(
        """
        import sys
        sys.modules["redis"] = None
        import b24botevents.stores as stores
        from b24botevents.stores import *  # noqa: F403
        store = stores.MemoryPortalStore()
        record = stores.PortalRecord(
            member_id="a", domain="a.bitrix24.com", application_token="t"
        )
        assert store.save(record, expected=None).revision == 1
        assert store.get("a") == record.evolve(revision=1)
        try:
            stores.RedisPortalStore
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("RedisPortalStore imported without redis")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "pip install 'b24botevents[redis]'" in completed.stdout
