"""Token refresh: on ``expired_token``, once per portal, written back compare-and-set.

Against the fake Bitrix24 (which rotates refresh tokens: a used one answers
``invalid_grant``), on all three stores: one refresh and one retry; the new tokens land
in the record under a new revision; a burst of calls from threads *and* asyncio tasks
makes one request to the OAuth server; two clients that share only the store (two
processes, in effect) end up with one working pair; what the store cannot justify is
refused, and the refresh goes to the configured ``token_url`` only.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from b24botevents.errors import RestError
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens, PortalStore, SQLitePortalStore
from dispatch_fixtures import make_portal_store as make_portal_store
from rest.rig import MODES, Rig, open_rig

KINDS = ["memory", "sqlite", "redis"]


@pytest.fixture(params=KINDS)
def store(
    request: pytest.FixtureRequest, make_portal_store: Callable[[str], PortalStore]
) -> PortalStore:
    return make_portal_store(request.param)


@pytest.fixture(params=MODES)
def rig(request: pytest.FixtureRequest, store: PortalStore) -> Iterator[Rig]:
    with open_rig(request.param, store) as made:
        yield made


def stored_tokens(rig: Rig) -> OAuthTokens:
    record = rig.store.get(rig.member_id)
    assert record is not None
    assert record.credentials is not None
    return record.credentials


def test_expired_token_gets_one_refresh_and_one_retry(rig: Rig) -> None:
    client = rig.client()
    before = rig.store.get(rig.member_id)
    assert before is not None
    rig.fake.expire_tokens(rig.portal)
    assert client.call("profile", portal=rig.member_id)["ID"] == "1"
    statuses = [call.status for call in rig.fake.calls_to("profile")]
    assert statuses == [401, 200]
    assert len(rig.fake.refreshes) == 1
    after = rig.store.get(rig.member_id)
    assert after is not None
    assert after.credentials is not None
    assert after.revision == before.revision + 1
    live_access, live_refresh = rig.fake.user_tokens(rig.portal)
    assert after.credentials.access_token == live_access
    assert after.credentials.refresh_token == live_refresh
    assert (after.domain, after.application_token) == (before.domain, before.application_token)


def test_a_token_the_record_says_is_expired_is_renewed_before_the_call(rig: Rig) -> None:
    record = rig.store.get(rig.member_id)
    assert record is not None
    assert record.credentials is not None
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    expired = OAuthTokens(
        record.credentials.access_token, record.credentials.refresh_token, past, (), 1
    )
    rig.store.save(record.evolve(credentials=expired), expected=record.revision)
    asyncio.run(rig.client().acall("profile", portal=rig.member_id))
    assert [call.status for call in rig.fake.calls_to("profile")] == [200]
    assert len(rig.fake.refreshes) == 1


def test_a_second_expiry_after_the_refresh_is_an_error_not_a_loop(rig: Rig) -> None:
    client = rig.client()
    rig.fake.expire_tokens(rig.portal)
    rig.fake.fail_next(401, "expired_token", method="profile", times=5)
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "expired_token"
    assert len(rig.fake.refreshes) == 1


def test_without_an_app_an_expired_token_is_the_error(rig: Rig) -> None:
    client = rig.client(app=None)
    rig.fake.expire_tokens(rig.portal)
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "expired_token"
    assert rig.fake.refreshes == []


def test_a_wrong_client_secret_is_refresh_failed(rig: Rig) -> None:
    client = rig.client(app=rig.app("not-the-secret"))
    rig.fake.expire_tokens(rig.portal)
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "REFRESH_FAILED"
    assert "invalid_client" in caught.value.description


def test_a_spent_refresh_token_is_refresh_failed_and_the_record_stays(rig: Rig) -> None:
    client = rig.client()
    kept = stored_tokens(rig)
    rig.fake.expire_tokens(rig.portal)
    rig.fake.fail_next(400, "invalid_grant", method="oauth/token")
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "REFRESH_FAILED"
    assert stored_tokens(rig) == kept


def test_an_explicit_refresh_renews_whatever_is_stored(rig: Rig) -> None:
    client = rig.client()
    old = stored_tokens(rig)
    new = client.refresh(rig.member_id)
    assert new != old
    assert stored_tokens(rig) == new
    newer = asyncio.run(client.arefresh(rig.member_id))
    assert newer != new
    assert stored_tokens(rig) == newer
    assert len(rig.fake.refreshes) == 2


def test_threads_and_tasks_at_once_make_one_refresh(rig: Rig) -> None:
    """8 threads and 8 asyncio tasks find the token dead together: one OAuth request."""
    client = rig.client()
    rig.fake.expire_tokens(rig.portal)
    rig.fake.delay_next(0.3, method="oauth/token")  # keep the flight open while all join
    start = threading.Barrier(9)
    errors: list[BaseException] = []

    def in_a_thread() -> None:
        start.wait()
        try:
            client.call("profile", portal=rig.member_id)
        except BaseException as exc:
            errors.append(exc)

    async def tasks() -> None:
        start.wait()
        await asyncio.gather(*(client.acall("profile", portal=rig.member_id) for _ in range(8)))

    threads = [threading.Thread(target=in_a_thread) for _ in range(8)]
    for thread in threads:
        thread.start()
    asyncio.run(tasks())
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len([r for r in rig.fake.refreshes if r.error is None]) == 1
    assert len(rig.fake.refreshes) == 1
    assert stored_tokens(rig).access_token == rig.fake.user_tokens(rig.portal)[0]


def test_two_clients_sharing_only_the_store_end_with_one_working_pair(rig: Rig) -> None:
    """Two processes, in effect: no shared flight, so both may ask; the loser's
    ``invalid_grant`` is answered from the store the winner wrote."""
    first, second = rig.client(), rig.client()
    rig.fake.expire_tokens(rig.portal)
    rig.fake.delay_next(0.2, method="oauth/token")
    results: list[object] = []
    start = threading.Barrier(2)

    def run(client: RestClient) -> None:
        start.wait()
        results.append(client.call("profile", portal=rig.member_id))

    threads = [threading.Thread(target=run, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 2
    assert len([r for r in rig.fake.refreshes if r.error is None]) == 1
    assert stored_tokens(rig).access_token == rig.fake.user_tokens(rig.portal)[0]
    assert first.call("profile", portal=rig.member_id)
    assert second.call("profile", portal=rig.member_id)


def _refresh_in_a_process(path: str, base_url: str, member_id: str, app_secret: str) -> None:
    from b24botevents.rest import OAuthApp, RetryPolicy

    client = RestClient(
        portal_store=SQLitePortalStore(path),
        app=OAuthApp("local.app.rig", app_secret, token_url=f"{base_url}/oauth/token/"),
        portal_url=base_url,
        rate=None,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
    )
    client.call("profile", portal=member_id)
    client.close()


def test_processes_on_one_sqlite_file_refresh_and_all_succeed(tmp_path: Path) -> None:
    from rest.rig import CLIENT_SECRET

    path = tmp_path / "portals.db"
    with open_rig("served", SQLitePortalStore(path)) as served:
        served.fake.expire_tokens(served.portal)
        served.fake.delay_next(0.2, method="oauth/token")
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(
                target=_refresh_in_a_process,
                args=(str(path), served.base_url, served.member_id, CLIENT_SECRET),
            )
            for _ in range(4)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [process.exitcode for process in processes] == [0, 0, 0, 0]
        assert len([r for r in served.fake.refreshes if r.error is None]) >= 1
        record = served.store.get(served.member_id)
        assert record is not None
        assert record.credentials is not None
        assert record.credentials.access_token == served.fake.user_tokens(served.portal)[0]


def test_a_refresh_for_an_uninstalled_portal_writes_nothing(rig: Rig) -> None:
    from b24botevents.testing import PortalClient

    client = rig.client()
    rig.fake.expire_tokens(rig.portal)
    PortalClient(rig.portal).uninstall(rig.dispatcher)
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "PORTAL_NOT_INSTALLED"
    assert rig.fake.refreshes == []
    record = rig.store.get(rig.member_id)
    assert record is not None
    assert record.credentials is None


def test_the_refresh_goes_to_the_configured_token_url_only(rig: Rig) -> None:
    """The install event said ``server_endpoint=https://oauth.bitrix.info/rest/``: never
    used; every refresh reached the fake's /oauth/token/, which the client was given."""
    client = rig.client()
    rig.fake.expire_tokens(rig.portal)
    client.call("profile", portal=rig.member_id)
    (refresh,) = rig.fake.refreshes
    assert refresh.error is None
    assert refresh.member_id == rig.member_id
    assert refresh.grant_type == "refresh_token"
