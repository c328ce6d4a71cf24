"""A portal's OAuth credentials: the ``OAuthTokens`` model, its document, and every store.

``OAuthTokens`` validates and masks; ``tokens_from_auth`` reads an event's ``auth``
block the way Bitrix24 sends it; the record keeps the credentials under its revision on
all three stores (memory, SQLite, a real Redis), and a document a store cannot read is
``StoreUnavailable`` that names no secret. The verifier's part (install, update,
uninstall) is at the end, through a real ``Dispatcher``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis as redis_py
from hypothesis import given
from hypothesis import strategies as st

from b24botevents import Dispatcher
from b24botevents.errors import StoreUnavailable
from b24botevents.stores import (
    OAuthTokens,
    PortalRecord,
    PortalStore,
    RedisPortalStore,
    SQLitePortalStore,
)
from b24botevents.stores.credentials import record_document, tokens_from_auth, tokens_from_document
from b24botevents.testing import Portal, PortalClient, app_install_body, app_update_body
from dispatch_fixtures import make_portal_store as make_portal_store

KINDS = ["memory", "sqlite", "redis"]
ACCESS = "access-SECRET-5d1f0c"
REFRESH = "refresh-SECRET-9a7b33"
WHEN = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def tokens(access: str = ACCESS, refresh: str | None = REFRESH, hours: int = 1) -> OAuthTokens:
    return OAuthTokens(access, refresh, WHEN + timedelta(hours=hours), ("imbot", "im"), 7)


# --- the model ------------------------------------------------------------------------


def test_repr_masks_both_tokens_and_shows_the_rest() -> None:
    shown = repr(tokens())
    assert ACCESS not in shown
    assert REFRESH not in shown
    assert "'***'" in shown
    assert "2026-12-01T13:00:00+00:00" in shown
    assert "user_id=7" in shown


def test_a_record_with_credentials_masks_them_in_its_repr() -> None:
    record = PortalRecord("m1", "a.bitrix24.com", "app-token-SECRET", credentials=tokens())
    shown = repr(record)
    for secret in (ACCESS, REFRESH, "app-token-SECRET"):
        assert secret not in shown
        assert secret not in str(record)


@pytest.mark.parametrize(
    "bad",
    ["", "has space", "quote'd", 'dq"', "x" * 513, "nul\x00", "ünicode", "line\nbreak"],
)
def test_unusable_access_tokens_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="access_token"):
        OAuthTokens(bad)


def test_other_fields_are_validated() -> None:
    with pytest.raises(ValueError, match="aware"):
        OAuthTokens(ACCESS, expires_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="scope"):
        OAuthTokens(ACCESS, scope=("has space",))
    with pytest.raises(ValueError, match="user_id"):
        OAuthTokens(ACCESS, user_id=-1)
    with pytest.raises(ValueError, match="refresh_token"):
        OAuthTokens(ACCESS, refresh_token="a b")


def test_expired_counts_the_margin() -> None:
    creds = tokens()
    assert not creds.expired(now=WHEN)
    assert creds.expired(now=WHEN + timedelta(minutes=59, seconds=30))  # inside the 60 s margin
    assert not creds.expired(now=WHEN + timedelta(minutes=59, seconds=30), margin=0)
    assert not OAuthTokens(ACCESS).expired()  # unknown expiry: find out from the portal


@given(
    access=st.from_regex(r"[!#-&(-~]{1,80}", fullmatch=True),
    refresh=st.none() | st.from_regex(r"[!#-&(-~]{1,80}", fullmatch=True),
    seconds=st.none() | st.integers(0, 2**33),
    user=st.none() | st.integers(0, 10**9),
    scope=st.lists(st.from_regex(r"[a-z_.]{1,10}", fullmatch=True), max_size=5, unique=True),
)
def test_the_document_round_trips(
    access: str, refresh: str | None, seconds: int | None, user: int | None, scope: list[str]
) -> None:
    expires = None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc)
    creds = OAuthTokens(access, refresh, expires, tuple(scope), user)
    assert tokens_from_document(record_document(creds)) == creds


def test_no_credentials_is_the_empty_document() -> None:
    assert record_document(None) == "{}"
    assert tokens_from_document("{}") is None
    assert tokens_from_document(b"{}") is None
    assert tokens_from_document('{"later": 1}') is None  # a later field, no credentials


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"oauth": 1}',
        '{"oauth": {"v": 2, "access_token": "a"}}',
        '{"oauth": {"v": 1}}',
        '{"oauth": {"v": 1, "access_token": "a", "expires_at": "soon"}}',
        '{"oauth": {"v": 1, "access_token": "a", "scope": "imbot"}}',
    ],
)
def test_an_unreadable_document_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"document|oauth|version|scope|expires|access_token"):
        tokens_from_document(text)


# --- reading an event's auth ----------------------------------------------------------


def test_tokens_from_an_install_auth_block() -> None:
    portal = Portal.random()
    auth = portal.auth(now=1_790_000_000)
    found = tokens_from_auth(auth)
    assert found is not None
    assert found.access_token == portal.access_token
    assert found.refresh_token == portal.refresh_token
    assert found.expires_at == datetime.fromtimestamp(1_790_003_600, timezone.utc)
    assert found.scope == ("imbot",)
    assert found.user_id == 1


def test_expires_in_counts_from_now_when_expires_is_missing() -> None:
    found = tokens_from_auth({"access_token": ACCESS, "expires_in": "3600"}, now=WHEN)
    assert found is not None
    assert found.expires_at == WHEN + timedelta(hours=1)
    default = tokens_from_auth({"access_token": ACCESS}, now=WHEN)
    assert default is not None
    assert default.expires_at == WHEN + timedelta(hours=1)


@pytest.mark.parametrize(
    "auth",
    [None, "text", {}, {"access_token": ""}, {"access_token": 5}, {"access_token": "a b"}],
)
def test_no_usable_access_token_means_no_credentials(auth: object) -> None:
    assert tokens_from_auth(auth) is None


def test_bad_side_fields_are_left_out_not_fatal() -> None:
    found = tokens_from_auth(
        {
            "access_token": ACCESS,
            "refresh_token": "bad token",
            "expires": "never",
            "expires_in": "-5",
            "scope": "imbot, im ,bad scope,,task",
            "user_id": "one",
        },
        now=WHEN,
    )
    assert found == OAuthTokens(ACCESS, None, WHEN + timedelta(hours=1), ("imbot", "im", "task"))


# --- every store keeps them -------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_store_round_trips_the_credentials(
    kind: str, make_portal_store: Callable[[str], PortalStore]
) -> None:
    store = make_portal_store(kind)
    record = PortalRecord("m1", "a.bitrix24.com", "app-token", credentials=tokens())
    saved = store.save(record, expected=None)
    assert saved is not None
    assert saved.credentials == tokens()
    assert store.get("m1") == record.evolve(revision=1)
    assert store.get_by_domain("a.bitrix24.com") == record.evolve(revision=1)
    fresher = tokens("access-2", "refresh-2", hours=2)
    again = store.save(saved.evolve(credentials=fresher), expected=1)
    assert again is not None
    got = store.get("m1")
    assert got is not None
    assert got.credentials == fresher
    assert got.revision == 2
    # A stale compare-and-set changes nothing, credentials included.
    assert store.save(saved.evolve(credentials=tokens("access-3")), expected=1) is None
    got = store.get("m1")
    assert got is not None
    assert got.credentials == fresher
    cleared = store.save(got.evolve(credentials=None), expected=2)
    assert cleared is not None
    got = store.get("m1")
    assert got is not None
    assert got.credentials is None


def test_sqlite_refuses_a_foreign_document_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    store = SQLitePortalStore(path)
    store.save(PortalRecord("m1", "a.bitrix24.com", "tok", credentials=tokens()), expected=None)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE b24botevents_portals_v1 SET document = ?",
            (f'{{"oauth": {{"v": 9, "access_token": "{ACCESS}"}}}}',),
        )
    reads: list[Callable[[], object]] = [
        lambda: store.get("m1"),
        lambda: store.get_by_domain("a.bitrix24.com"),
    ]
    for read in reads:
        with pytest.raises(StoreUnavailable, match="unreadable record") as caught:
            read()
        assert ACCESS not in str(caught.value)
    store.close()


def test_redis_refuses_a_foreign_document_without_showing_it(redis_url: str) -> None:
    store = RedisPortalStore(redis_url, prefix="test-creds-foreign:")
    client = redis_py.Redis.from_url(redis_url)
    try:
        store.save(PortalRecord("m1", "a.bitrix24.com", "tok", credentials=tokens()), expected=None)
        client.hset("test-creds-foreign:m:m1", "document", f'{{"oauth": "{ACCESS}"}}')
        reads: list[Callable[[], object]] = [
            lambda: store.get("m1"),
            lambda: store.get_by_domain("a.bitrix24.com"),
        ]
        for read in reads:
            with pytest.raises(StoreUnavailable, match="unreadable record") as caught:
                read()
            assert ACCESS not in str(caught.value)
    finally:
        for key in client.scan_iter("test-creds-foreign:*"):
            client.delete(key)
        client.close()
        store.close()


def test_redis_reads_records_written_before_credentials_existed(redis_url: str) -> None:
    """A hash from the previous release (no credentials, document ``{}``) still reads."""
    client = redis_py.Redis.from_url(redis_url)
    prefix = "test-creds-old:"
    client.hset(
        f"{prefix}m:m1",
        mapping={
            "domain": "a.bitrix24.com",
            "application_token": "tok",
            "installed": "1",
            "revision": "3",
            "document": "{}",
        },
    )
    client.set(f"{prefix}d:a.bitrix24.com", "m1")
    store = RedisPortalStore(redis_url, prefix=prefix)
    try:
        assert store.get("m1") == PortalRecord("m1", "a.bitrix24.com", "tok", revision=3)
        assert store.get_by_domain("a.bitrix24.com") == store.get("m1")
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()
        store.close()


# --- the verifier writes them -----------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_install_keeps_its_credentials_and_an_uninstall_drops_them(
    kind: str, make_portal_store: Callable[[str], PortalStore]
) -> None:
    store = make_portal_store(kind)
    portal = Portal.random()
    client = PortalClient(portal)
    dp = Dispatcher(portal_store=store)
    assert client.install(dp).status == 200
    record = store.get(portal.member_id)
    assert record is not None
    assert record.credentials is not None
    assert record.credentials.access_token == portal.access_token
    assert record.credentials.refresh_token == portal.refresh_token
    assert client.uninstall(dp).status == 200
    record = store.get(portal.member_id)
    assert record is not None
    assert not record.installed
    assert record.credentials is None


@pytest.mark.parametrize("kind", KINDS)
def test_an_update_with_new_tokens_rewrites_only_the_credentials(
    kind: str, make_portal_store: Callable[[str], PortalStore]
) -> None:
    store = make_portal_store(kind)
    portal = Portal.random()
    dp = Dispatcher(portal_store=store)
    assert PortalClient(portal).install(dp, ts=1_790_000_000).status == 200
    first = store.get(portal.member_id)
    assert first is not None
    renewed = portal.evolve(access_token="access-new", refresh_token="refresh-new")
    body = app_update_body(portal=renewed, ts=1_790_001_000)
    assert dp.handle(body, content_type="application/x-www-form-urlencoded").status == 200
    second = store.get(portal.member_id)
    assert second is not None
    assert second.credentials is not None
    assert second.credentials.access_token == "access-new"
    assert second.revision == first.revision + 1
    assert (second.domain, second.application_token) == (first.domain, first.application_token)


@pytest.mark.parametrize("kind", KINDS)
def test_a_repeat_of_the_same_install_writes_nothing(
    kind: str, make_portal_store: Callable[[str], PortalStore]
) -> None:
    store = make_portal_store(kind)
    portal = Portal.random()
    dp = Dispatcher(portal_store=store)
    body = app_install_body(portal=portal, ts=1_790_000_000)
    assert dp.handle(body, content_type="application/x-www-form-urlencoded").status == 200
    assert dp.handle(body, content_type="application/x-www-form-urlencoded").status == 200
    record = store.get(portal.member_id)
    assert record is not None
    assert record.revision == 1


def test_an_install_without_usable_tokens_keeps_what_the_portal_had() -> None:
    from b24botevents import MemoryPortalStore

    store = MemoryPortalStore()
    portal = Portal.random()
    dp = Dispatcher(portal_store=store)
    assert PortalClient(portal).install(dp).status == 200
    kept = store.get(portal.member_id)
    assert kept is not None
    assert kept.credentials is not None
    broken = portal.evolve(access_token="not a token")
    body = app_update_body(portal=broken)
    assert dp.handle(body, content_type="application/x-www-form-urlencoded").status == 200
    after = store.get(portal.member_id)
    assert after is not None
    assert after.credentials == kept.credentials
