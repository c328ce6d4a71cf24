"""FakeBitrix24's injected faults, its records, async clients and concurrent clients.

Fault kinds: error answers (``fail_next``), expired tokens (``expire_tokens``), slow
answers (``delay_next``) and dropped connections (``drop_next``, before or after the call
took effect). Each is one-shot (or ``times``), optionally for one method.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from b24botevents.testing import FakeBitrix24, Portal, RecordedCall

from .fake_support import MODES, Site, error, open_site, refresh_params, rest, result


@pytest.fixture(params=MODES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with open_site(request.param) as opened:
        yield opened


def send(client: httpx.Client, site: Site, text: str, bot_id: int = 5) -> httpx.Response:
    return rest(client, "imbot.message.add", site.token, BOT_ID=bot_id, DIALOG_ID="1", MESSAGE=text)


# -- fail_next ----------------------------------------------------------------------------


def test_fail_next_answers_429_once_with_retry_after(site: Site) -> None:
    site.fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", retry_after=2)
    with site.client() as client:
        limited = send(client, site, "first try")
        retried = send(client, site, "second try")
    assert error(limited, 429, "QUERY_LIMIT_EXCEEDED") == "Too many requests"
    assert limited.headers["Retry-After"] == "2"
    assert isinstance(result(retried), int)
    assert [m.text for m in site.fake.messages] == ["second try"]  # the failed one did nothing
    failed, ok = site.fake.calls
    assert (failed.fault, failed.status, failed.error) == ("fail", 429, "QUERY_LIMIT_EXCEEDED")
    assert failed.member_id == site.portal.member_id
    assert (ok.fault, ok.status, ok.error) == (None, 200, None)


def test_fail_next_for_one_method_and_several_times(site: Site) -> None:
    site.fake.fail_next(503, method="imbot.message.add", times=2, retry_after=0.5)
    with site.client() as client:
        other = rest(client, "server.time", site.token)
        first = send(client, site, "a")
        second = send(client, site, "b")
        third = send(client, site, "c")
    assert result(other)
    for answer in (first, second):
        error(answer, 503, "QUERY_LIMIT_EXCEEDED")
        assert answer.headers["Retry-After"] == "0.5"
    assert isinstance(result(third), int)
    assert [m.text for m in site.fake.messages] == ["c"]


def test_fail_next_without_an_error_code_is_a_bare_html_page(site: Site) -> None:
    site.fake.fail_next(502, None)
    site.fake.fail_next(500, "INTERNAL_SERVER_ERROR")
    site.fake.fail_next(400, "ERROR_CORE", description="Custom description")
    with site.client() as client:
        gateway = rest(client, "profile", site.token)
        internal = rest(client, "profile", site.token)
        custom = rest(client, "profile", site.token)
    assert gateway.status_code == 502
    assert gateway.headers["Content-Type"].startswith("text/html")
    assert "Bad Gateway" in gateway.text
    assert "Retry-After" not in gateway.headers
    assert error(internal, 500, "INTERNAL_SERVER_ERROR") == "Internal server error"
    assert error(custom, 400, "ERROR_CORE") == "Custom description"
    assert [call.error for call in site.fake.calls] == [None, "INTERNAL_SERVER_ERROR", "ERROR_CORE"]


def test_faults_are_used_in_the_order_they_were_added_one_per_request(site: Site) -> None:
    fake = site.fake
    fake.fail_next(429)
    fake.drop_next()
    assert "pending_faults=2" in repr(fake)
    with site.client() as client:
        error(rest(client, "profile", site.token), 429, "QUERY_LIMIT_EXCEEDED")
        with pytest.raises(httpx.RemoteProtocolError):
            rest(client, "profile", site.token)
        assert result(rest(client, "profile", site.token))["ID"] == "1"
    assert [call.fault for call in fake.calls] == ["fail", "drop", None]
    assert "pending_faults=0" in repr(fake)
    with pytest.raises(ValueError, match="times"):
        fake.fail_next(times=0)
    with pytest.raises(ValueError, match="negative"):
        fake.delay_next(-1)


def test_a_fault_can_hit_the_oauth_server(site: Site) -> None:
    site.fake.fail_next(503, None, method="oauth/token")
    params = refresh_params(site.portal.refresh_token)
    with site.client() as client:
        down = client.get("/oauth/token/", params=params)
        up = client.get("/oauth/token/", params=params)
    assert down.status_code == 503
    assert up.status_code == 200  # the failed request did not use the refresh token up
    assert [call.fault for call in site.fake.calls_to("oauth/token")] == ["fail", None]
    assert [r.error for r in site.fake.refreshes] == [None]


# -- expire_tokens ------------------------------------------------------------------------


def test_expire_tokens_of_one_portal_leaves_the_others(site: Site) -> None:
    other = Portal.random()
    site.fake.add_portal(other, user_id=9)
    site.fake.expire_tokens(site.portal)
    with site.client() as client:
        error(rest(client, "profile", site.token), 401, "expired_token")
        assert result(rest(client, "profile", other.access_token))["ID"] == "9"
    site.fake.expire_tokens()
    with site.client() as client:
        error(rest(client, "profile", other.access_token), 401, "expired_token")
    with pytest.raises(KeyError):
        site.fake.expire_tokens(Portal.random())


def test_tokens_expire_on_their_own_after_expires_in(site: Site) -> None:
    short = Portal.random()
    site.fake.add_portal(short, expires_in=0)
    with site.client() as client:
        error(rest(client, "profile", short.access_token), 401, "expired_token")


# -- delay_next ---------------------------------------------------------------------------


def test_delay_next_answers_late_once(site: Site) -> None:
    site.fake.delay_next(0.3, method="profile")
    with site.client() as client:
        begun = time.monotonic()
        assert result(rest(client, "server.time", site.token))
        fast = time.monotonic() - begun
        begun = time.monotonic()
        assert result(rest(client, "profile", site.token))
        slow = time.monotonic() - begun
        begun = time.monotonic()
        assert result(rest(client, "profile", site.token))
        again = time.monotonic() - begun
    assert slow >= 0.3
    assert fast < 0.3
    assert again < 0.3
    assert [call.fault for call in site.fake.calls] == [None, "delay", None]


def test_a_slow_answer_times_a_real_client_out() -> None:
    with open_site("served") as site:
        site.fake.delay_next(0.4)
        with site.client(timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
            send(client, site, "too slow")
    # The server went on after the client gave up: the call took effect.
    assert [m.text for m in site.fake.messages] == ["too slow"]


# -- drop_next ----------------------------------------------------------------------------


def test_drop_before_processing_loses_the_call(site: Site) -> None:
    site.fake.drop_next(method="imbot.message.add")
    with site.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            send(client, site, "lost")
        assert isinstance(result(send(client, site, "resent")), int)
    assert [m.text for m in site.fake.messages] == ["resent"]
    dropped = site.fake.calls[0]
    assert (dropped.fault, dropped.status) == ("drop", None)


def test_drop_after_processing_stores_the_message_and_loses_the_answer(site: Site) -> None:
    site.fake.drop_next(before_processing=False)
    with site.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            send(client, site, "hello")
        retry = send(client, site, "hello")  # a client without double-send protection
    assert result(retry) == 2
    assert [(m.message_id, m.text) for m in site.fake.messages] == [(1, "hello"), (2, "hello")]
    first = site.fake.calls[0]
    assert (first.fault, first.status) == ("drop_after", None)


# -- records ------------------------------------------------------------------------------


def test_recorded_calls_keep_what_was_sent_and_mask_credentials(site: Site) -> None:
    with site.client() as client:
        send(client, site, "recorded")
    (call,) = site.fake.calls_to("imbot.message.add.json")
    assert call == RecordedCall(
        method="imbot.message.add",
        params={"BOT_ID": 5, "DIALOG_ID": "1", "MESSAGE": "recorded"},
        auth_kind="oauth",
        token=site.token,
        bot_token=None,
        member_id=site.portal.member_id,
        token_kind="user",
        http_method="POST",
        path="/rest/imbot.message.add",
        status=200,
        error=None,
        fault=None,
    )
    assert site.token not in repr(call)
    assert "token='***'" in repr(call)
    snapshot = site.fake.calls
    snapshot.clear()
    assert len(site.fake.calls) == 1  # a copy, not the fake's own list


def test_the_fakes_repr_shows_counts_and_never_a_secret(site: Site) -> None:
    site.fake.add_webhook(site.portal, 1, "hooksecret123")
    bot_token = site.fake.bot_token(site.portal, 42)
    with site.client() as client:
        send(client, site, "x")
    shown = repr(site.fake) + repr(site.fake.bots) + repr(site.fake.messages)
    assert shown.startswith("FakeBitrix24(portals=1, bots=2, calls=1, messages=1, refreshes=0")
    for secret in (*site.portal.tokens(), "hooksecret123", bot_token, "s3cret"):
        assert secret not in shown


# -- async clients ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_async_client_gets_the_same_answers_and_faults(site: Site) -> None:
    body = {"auth": site.token, "BOT_ID": 5, "DIALOG_ID": "chat1", "MESSAGE": "async"}
    site.fake.delay_next(0.2)
    site.fake.drop_next()
    site.fake.drop_next(before_processing=False)
    site.fake.fail_next(429)
    async with site.async_client() as client:
        begun = time.monotonic()
        slow = await client.post("/rest/imbot.message.add", json=body)
        assert time.monotonic() - begun >= 0.2
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/rest/imbot.message.add", json=body)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/rest/imbot.message.add", json=body)
        limited = await client.post("/rest/imbot.message.add", json=body)
        answers = await asyncio.gather(
            *(client.post("/rest/imbot.message.add", json=body) for _ in range(10))
        )
    assert result(slow) == 1
    error(limited, 429, "QUERY_LIMIT_EXCEEDED")
    ids = [result(answer) for answer in answers]
    assert sorted(ids) == list(range(3, 13))
    assert [c.fault for c in site.fake.calls[:4]] == ["delay", "drop", "drop_after", "fail"]


@pytest.mark.asyncio
async def test_an_async_client_sees_expired_tokens_and_refreshes(site: Site) -> None:
    site.fake.expire_tokens()
    async with site.async_client() as client:
        expired = await client.post("/rest/profile", json={"auth": site.token})
        renewed = await client.post("/oauth/token/", data=refresh_params(site.portal.refresh_token))
        again = await client.post("/rest/profile", json={"auth": renewed.json()["access_token"]})
    error(expired, 401, "expired_token")
    assert result(again)["ID"] == "1"


# -- concurrency --------------------------------------------------------------------------


def test_eight_concurrent_clients_get_unique_message_ids(site: Site) -> None:
    per_client, clients = 25, 8
    failures: list[BaseException] = []
    start = threading.Barrier(clients)

    def work(worker: int) -> None:
        try:
            with site.client() as client:
                start.wait()
                for index in range(per_client):
                    if index % 2:
                        result(send(client, site, f"{worker}:{index}", bot_id=worker + 1))
                    else:
                        result(
                            rest(
                                client,
                                "imbot.v2.Chat.Message.send",
                                site.token,
                                botId=100 + worker,
                                dialogId=f"chat{worker}",
                                fields={"message": f"{worker}:{index}"},
                            )
                        )
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    messages = site.fake.messages
    assert sorted(m.message_id for m in messages) == list(range(1, per_client * clients + 1))
    assert len({m.text for m in messages}) == per_client * clients
    assert len(site.fake.calls) == per_client * clients
    assert all(call.status == 200 for call in site.fake.calls)


def test_serve_refuses_to_nest_and_stops_when_the_block_ends() -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        assert fake.base_url == url
        with pytest.raises(RuntimeError, match="already"), fake.serve():
            pass  # pragma: no cover
        idle = httpx.Client(base_url=url)  # a keep-alive connection left open
        assert idle.post("/rest/profile", json={"auth": portal.access_token}).status_code == 200
    assert fake.base_url == "http://fake.bitrix24.test"
    with pytest.raises(httpx.TransportError):
        idle.post("/rest/profile", json={"auth": portal.access_token})
    idle.close()
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=url) as late:
        late.get("/rest/server.time")
