"""``RestClient.call``/``acall`` and ``batch`` against the fake Bitrix24, in-process and over HTTP.

What a call sends (the stored access token as ``auth``, JSON, to the portal's base URL),
what comes back (``result``, or a ``RestError`` with Bitrix24's code and description),
what is retried (429, 503, ``QUERY_LIMIT_EXCEEDED``, connections that never left; lost
answers only for idempotent methods) and what is not, timeouts, and the webhook mode.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from b24botevents import MemoryPortalStore
from b24botevents.errors import RestError
from b24botevents.rest import RetryPolicy, WebhookAuth
from b24botevents.rest.client import RestClient
from rest.rig import MODES, Rig, open_rig


@pytest.fixture(params=MODES)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    with open_rig(request.param, MemoryPortalStore()) as made:
        yield made


def both(client: RestClient, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
    """The same call through ``call`` and through ``acall``; both answers must agree."""
    sync = client.call(method, params, **kw)
    async_ = asyncio.run(client.acall(method, params, **kw))
    assert sync == async_
    return sync


def test_a_call_sends_the_stored_token_and_returns_the_result(rig: Rig) -> None:
    client = rig.client()
    profile = both(client, "profile", portal=rig.member_id)
    assert profile["ID"] == "1"
    calls = rig.fake.calls_to("profile")
    assert len(calls) == 2
    assert all(call.auth_kind == "oauth" and call.member_id == rig.member_id for call in calls)
    assert all(call.http_method == "POST" and call.status == 200 for call in calls)


def test_a_record_works_as_the_portal_too(rig: Rig) -> None:
    record = rig.store.get(rig.member_id)
    assert record is not None
    assert rig.client().call("server.time", portal=record)


def test_a_bitrix24_error_is_a_rest_error_with_its_code_and_description(rig: Rig) -> None:
    client = rig.client()
    calls: list[Callable[[], object]] = [
        lambda: client.call("no.such.method", portal=rig.member_id),
        lambda: asyncio.run(client.acall("no.such.method", portal=rig.member_id)),
    ]
    for call in calls:
        with pytest.raises(RestError) as caught:
            call()
        error = caught.value
        assert error.code == "ERROR_METHOD_NOT_FOUND"
        assert error.status == 404
        assert error.method == "no.such.method"
        assert error.description
        assert not error.may_have_run
        assert str(error).startswith("no.such.method: ERROR_METHOD_NOT_FOUND")


@pytest.mark.parametrize(
    ("status", "error"), [(429, "QUERY_LIMIT_EXCEEDED"), (503, "QUERY_LIMIT_EXCEEDED"), (503, None)]
)
def test_rate_limits_and_overload_are_waited_out(rig: Rig, status: int, error: str | None) -> None:
    client = rig.client()
    rig.fake.fail_next(status, error, times=3)
    assert client.call("imbot.message.add", _message(), portal=rig.member_id)
    assert len(rig.fake.calls_to("imbot.message.add")) == 4
    assert len(rig.fake.messages) == 1  # three refusals never ran: one message


def test_retries_are_bounded_and_then_raise(rig: Rig) -> None:
    client = rig.client(retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01))
    rig.fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", times=10)
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "QUERY_LIMIT_EXCEEDED"
    assert caught.value.status == 429
    assert len(rig.fake.calls_to("profile")) == 3


def test_retry_after_is_followed_up_to_max_delay(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("b24botevents.rest._driver.time.sleep", slept.append)
    client = rig.client(retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=2.0))
    rig.fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", retry_after=1.5)
    rig.fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", retry_after=30)
    assert client.call("profile", portal=rig.member_id)
    assert slept == [1.5, 2.0]


def test_backoff_grows_exponentially_with_full_jitter(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("b24botevents.rest._driver.time.sleep", slept.append)
    client = rig.client(retry=RetryPolicy(attempts=6, base_delay=1.0, max_delay=8.0))
    rig.fake.fail_next(503, "QUERY_LIMIT_EXCEEDED", times=5)
    assert client.call("profile", portal=rig.member_id)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(slept) == 5
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(slept, ceilings, strict=True))


def test_a_lost_answer_to_a_send_is_not_retried(rig: Rig) -> None:
    """The message went out; a retry would post it twice."""
    client = rig.client()
    rig.fake.drop_next(method="imbot.message.add", before_processing=False)
    with pytest.raises(RestError) as caught:
        client.call("imbot.message.add", _message(), portal=rig.member_id)
    assert caught.value.code == "RESPONSE_LOST"
    assert caught.value.may_have_run
    assert len(rig.fake.calls_to("imbot.message.add")) == 1
    assert len(rig.fake.messages) == 1


def test_a_lost_answer_to_a_read_is_retried(rig: Rig) -> None:
    client = rig.client()
    rig.fake.drop_next(method="profile")
    assert client.call("profile", portal=rig.member_id)["ID"] == "1"
    assert len(rig.fake.calls_to("profile")) == 2


def test_a_caller_may_declare_a_send_idempotent(rig: Rig) -> None:
    client = rig.client()
    rig.fake.drop_next(method="imbot.message.add", before_processing=True)
    assert client.call("imbot.message.add", _message(), portal=rig.member_id, idempotent=True)
    assert len(rig.fake.messages) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_server_error_retries_reads_only(rig: Rig, status: int) -> None:
    client = rig.client()
    rig.fake.fail_next(status, None)
    assert client.call("profile", portal=rig.member_id)
    rig.fake.fail_next(status, None, method="imbot.message.add")
    with pytest.raises(RestError) as caught:
        client.call("imbot.message.add", _message(), portal=rig.member_id)
    assert caught.value.status == status
    assert caught.value.code == "HTTP_ERROR"
    assert caught.value.may_have_run


def test_every_call_has_a_timeout_and_a_timed_out_send_is_not_retried() -> None:
    # Over a real socket: only a served fake can be slow enough to time out.
    with open_rig("served", MemoryPortalStore()) as served:
        client = served.client(timeout=0.1, retry=RetryPolicy(attempts=3, base_delay=0.001))
        served.fake.delay_next(0.4, method="imbot.message.add")
        with pytest.raises(RestError) as caught:
            client.call("imbot.message.add", _message(), portal=served.member_id)
        assert caught.value.code == "TIMEOUT"
        assert caught.value.may_have_run
        # The fake records a call once it has answered it: wait for the slow one.
        assert _eventually(lambda: len(served.fake.calls_to("imbot.message.add")) == 1)
        assert len(served.fake.messages) == 1


def test_a_timed_out_read_is_retried() -> None:
    with open_rig("served", MemoryPortalStore()) as served:
        client = served.client(timeout=0.1)
        served.fake.delay_next(0.4, method="profile")
        assert asyncio.run(client.acall("profile", portal=served.member_id))
        assert _eventually(lambda: len(served.fake.calls_to("profile")) == 2)


def test_a_refused_connection_is_retried_then_reported() -> None:
    store = MemoryPortalStore()
    with open_rig("served", store) as served:
        dead_url = served.base_url  # nothing listens here once the block ends
        member_id = served.member_id
    client = RestClient(
        portal_store=store,
        portal_url=dead_url,
        rate=None,
        retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01),
    )
    with pytest.raises(RestError) as caught:
        client.call("imbot.message.add", _message(), portal=member_id)
    assert caught.value.code == "CONNECTION_FAILED"
    assert not caught.value.may_have_run
    client.close()


def test_an_unknown_or_uninstalled_portal_is_refused_before_any_request(rig: Rig) -> None:
    client = rig.client()
    with pytest.raises(RestError) as caught:
        client.call("profile", portal="no-such-member")
    assert caught.value.code == "PORTAL_NOT_INSTALLED"
    from b24botevents.testing import PortalClient

    PortalClient(rig.portal).uninstall(rig.dispatcher)
    with pytest.raises(RestError) as caught:
        client.call("profile", portal=rig.member_id)
    assert caught.value.code == "PORTAL_NOT_INSTALLED"
    assert rig.fake.calls == []


def test_a_portal_without_credentials_is_no_credentials(rig: Rig) -> None:
    record = rig.store.get(rig.member_id)
    assert record is not None
    rig.store.save(record.evolve(credentials=None), expected=record.revision)
    with pytest.raises(RestError) as caught:
        rig.client().call("profile", portal=rig.member_id)
    assert caught.value.code == "NO_CREDENTIALS"


def test_batch_runs_many_calls_and_splits_past_fifty(rig: Rig) -> None:
    client = rig.client()
    commands = {f"m{n}": ("imbot.message.add", _message(f"n{n}")) for n in range(60)}
    commands["bad"] = ("no.such.method", {})
    result = client.batch(commands, portal=rig.member_id)
    assert len(rig.fake.calls_to("batch")) == 2
    assert set(result.results) == {f"m{n}" for n in range(60)}
    assert set(result.errors) == {"bad"}
    assert result.errors["bad"].code == "ERROR_METHOD_NOT_FOUND"
    with pytest.raises(RestError):
        result["bad"]
    texts = sorted(message.text for message in rig.fake.messages)
    assert texts == sorted(f"n{n}" for n in range(60))
    again = asyncio.run(client.abatch([("profile", {}), ("server.time", {})], portal=rig.member_id))
    assert set(again.results) == {"0", "1"}
    assert not again.errors


def test_batch_validates_before_sending(rig: Rig) -> None:
    client = rig.client()
    with pytest.raises(ValueError, match="at least one"):
        client.batch({}, portal=rig.member_id)
    with pytest.raises(ValueError, match="names"):
        client.batch({"a b": ("profile", {})}, portal=rig.member_id)
    with pytest.raises(ValueError, match="method"):
        client.batch({"a": ("../x", {})}, portal=rig.member_id)
    assert rig.fake.calls == []


def test_webhook_mode_calls_the_webhook_url_with_the_bot_token(rig: Rig) -> None:
    url = rig.fake.add_webhook(rig.portal)
    bot_token = rig.fake.bot_token(rig.portal, 901)
    client = rig.client(portal_store=None, app=None, webhook=WebhookAuth(url, bot_token))
    sent = client.call(
        "imbot.v2.Chat.Message.send",
        {"botId": 901, "dialogId": "chat1", "fields": {"message": "hi"}},
    )
    assert isinstance(sent, dict)
    assert sent["id"] >= 1
    (call,) = rig.fake.calls_to("imbot.v2.Chat.Message.send")
    assert call.auth_kind == "webhook"
    assert call.bot_token == bot_token
    assert "auth" not in call.params


def test_a_webhook_without_the_bots_token_is_refused_by_the_portal(rig: Rig) -> None:
    url = rig.fake.add_webhook(rig.portal)
    rig.fake.bot_token(rig.portal, 902)
    client = rig.client(portal_store=None, app=None, webhook=WebhookAuth(url))
    with pytest.raises(RestError) as caught:
        client.call(
            "imbot.v2.Chat.Message.send",
            {"botId": 902, "dialogId": "chat1", "fields": {"message": "hi"}},
        )
    assert caught.value.code in {"BOT_TOKEN_NOT_SPECIFIED", "AUTH_ERROR", "ACCESS_DENIED"}


def test_the_client_needs_a_store_or_a_webhook() -> None:
    with pytest.raises(ValueError, match="portal_store"):
        RestClient()
    with pytest.raises(ValueError, match="timeout"):
        RestClient(portal_store=MemoryPortalStore(), timeout=0)


def test_a_call_without_portal_or_webhook_says_so(rig: Rig) -> None:
    with pytest.raises(RestError) as caught:
        rig.client().call("profile")
    assert caught.value.code == "NO_CREDENTIALS"


def test_the_client_is_a_context_manager_and_closes(rig: Rig) -> None:
    with rig.client() as client:
        assert client.call("profile", portal=rig.member_id)

    async def main() -> None:
        async with rig.client() as aclient:
            assert await aclient.acall("profile", portal=rig.member_id)

    asyncio.run(main())


def test_one_client_serves_several_event_loops(rig: Rig) -> None:
    client = rig.client()
    for _ in range(3):
        assert asyncio.run(client.acall("profile", portal=rig.member_id))


def _eventually(check: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _message(text: str = "hello") -> dict[str, Any]:
    return {"BOT_ID": 5, "DIALOG_ID": "chat1", "MESSAGE": text}
