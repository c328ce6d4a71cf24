"""No secret shows in a log line, an exception or a ``repr``/``str`` of the REST side.

The attack is reading what the app prints: logs shipped to a third party at DEBUG, an
error message in a chat, a traceback in a bug tracker. The secrets: the portal's access
and refresh tokens (as installed and as refreshed), the application token, the app's
``client_secret``, the webhook's secret and the bots' tokens (the webhook ``botToken`` and
the OAuth tokens of a bot in an event). Every logger is captured at DEBUG (httpx's and
httpcore's too) while the client refreshes, calls through a webhook, replies and fails in
every way it can; then the ``repr`` and ``str`` of every object that holds one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from b24botevents import Dispatcher, MemoryPortalStore, PortalRecord, RestError
from b24botevents.rest import OnlineInstallCheck, WebhookAuth, reply_target
from b24botevents.stores import OAuthTokens
from b24botevents.testing import Portal, app_install_body
from rest.support import (
    CLIENT_SECRET,
    FORM,
    MODES,
    WEBHOOK_SECRET,
    Bench,
    all_log_records,
    app_for,
    chat_event,
    install,
    leaked,
    open_bench,
    record_text,
)

BOT = 456
HOOK_BOT = 777  # registered through the webhook (the fake keeps it from OAuth calls)
SEND = "imbot.v2.Chat.Message.send"


def errors_of(actions: list[Any]) -> list[RestError]:
    """Run each action; keep the ``RestError`` each raised (each must raise one)."""
    caught: list[RestError] = []
    for action in actions:
        with pytest.raises(RestError) as info:
            action()
        caught.append(info.value)
    return caught


def exercise(bench: Bench, store: MemoryPortalStore, bot_token: str) -> list[RestError]:
    """Everything the client does, good and bad; the errors it raised."""
    fake, portal = bench.fake, bench.portal
    client = bench.client(store)
    hook = bench.client(webhook=bench.webhook(bot_token))
    v2 = chat_event("ONIMBOTV2MESSAGEADD", portal)
    v1 = chat_event("ONIMBOTMESSAGEADD", portal)
    client.refresh(portal.member_id)
    client.reply(v2, "event tokens")
    client.reply(v1, "event tokens")
    hook.call("profile")
    hook.call(SEND, {"botId": HOOK_BOT, "dialogId": "chat5", "fields": {"message": "by hook"}})
    fake.expire_tokens(portal)
    client.reply(v2, "refreshed on expired_token")
    fake.fail_next(503, None, method="profile", times=1)
    client.call("profile", portal=portal.member_id)  # retried, logged
    fake.fail_next(429, method="profile", times=1, retry_after=0.001)
    hook.call("profile")

    def dropped() -> None:
        fake.drop_next(method=SEND, before_processing=False)
        params = {"botId": BOT, "dialogId": "chat5", "fields": {"message": "lost"}}
        client.call(SEND, params, portal=portal.member_id)

    def denied() -> None:
        fake.fail_next(403, "ACCESS_DENIED", description="Access denied")
        hook.call(SEND, {"botId": HOOK_BOT})

    def refused_refresh() -> None:
        fake.fail_next(400, "invalid_grant", method="oauth/token")
        client.refresh(portal.member_id)

    def wrong_bot_token() -> None:
        other = bench.client(webhook=bench.webhook("w" * 32))
        other.call(SEND, {"botId": HOOK_BOT, "dialogId": "chat5", "fields": {"message": "no"}})

    def no_portal() -> None:
        client.call("profile", portal="00000000000000000000000000000000")

    def wrong_secret() -> None:
        broken = bench.client(store, app=app_for(bench.base_url, "wrong-secret-CANARY-2"))
        broken.refresh(portal.member_id)

    errors = errors_of([dropped, denied, refused_refresh, wrong_bot_token, no_portal])
    fake.expire_tokens(portal)
    errors += errors_of([wrong_secret])

    stranger = Portal.random()
    dp = Dispatcher(portal_store=MemoryPortalStore(), approve_install=OnlineInstallCheck(client))
    assert dp.handle(app_install_body(portal=stranger), content_type=FORM).status == 403

    async def async_side() -> None:
        try:
            await client.areply(v2, "async")
            await hook.acall("profile")
            fake.fail_next(500, None, method=SEND)
            with pytest.raises(RestError) as info:
                await client.acall(SEND, {"botId": BOT}, portal=portal.member_id)
            errors.append(info.value)
        finally:
            await client.aclose()
            await hook.aclose()

    asyncio.run(async_side())
    return errors


def secrets(bench: Bench, bot_token: str) -> tuple[str, ...]:
    return (*bench.secrets(BOT, 567, HOOK_BOT), bot_token, "wrong-secret-CANARY-2")


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_in_any_log_record_or_error_at_debug(mode: str) -> None:
    with open_bench(mode) as bench:
        store = MemoryPortalStore()
        bot_token = bench.fake.bot_token(bench.portal, HOOK_BOT)
        with all_log_records() as records:
            install(bench.installed(store), bench.portal)  # a reinstall, logged too
            errors = exercise(bench, store, bot_token)
        hidden = secrets(bench, bot_token)
        assert len(bench.fake.refreshes) >= 3  # the tokens did rotate meanwhile
        texts = [record_text(record) for record in records]
        assert any(record.name == "httpx" for record in records)  # httpx did log its URLs
        assert any(record.levelno == logging.DEBUG for record in records)
        assert leaked(texts, hidden) == []
        error_texts = [f"{error!s} {error!r} {error.description}" for error in errors]
        assert [error.code for error in errors] == [
            "RESPONSE_LOST",
            "ACCESS_DENIED",
            "REFRESH_FAILED",
            "BOT_OWNERSHIP_ERROR",
            "PORTAL_NOT_INSTALLED",
            "REFRESH_FAILED",
            "HTTP_ERROR",
        ]
        assert leaked(error_texts, hidden) == []


def test_no_secret_in_the_repr_or_str_of_anything_that_holds_one() -> None:
    with open_bench("in-process") as bench:
        store = MemoryPortalStore()
        bench.installed(store)
        bot_token = bench.fake.bot_token(bench.portal, HOOK_BOT)
        webhook = bench.webhook(bot_token)
        client = bench.client(store, webhook=webhook)
        client.refresh(bench.portal.member_id)
        record = store.get(bench.portal.member_id)
        assert record is not None
        assert record.credentials is not None
        v2 = chat_event("ONIMBOTV2MESSAGEADD", bench.portal)
        v1 = chat_event("ONIMBOTMESSAGEADD", bench.portal)
        targets = [reply_target(v2), reply_target(v1)]
        assert all(target.tokens is not None for target in targets)
        event_tokens = targets[0].tokens
        bench.fake.fail_next(401, "expired_token", method="oauth/token")
        with pytest.raises(RestError) as failed:
            client.refresh(bench.portal.member_id)
        objects: list[object] = [
            client,
            client.app,
            webhook,
            WebhookAuth(webhook.url),
            record,
            record.credentials,
            PortalRecord("m", "x.bitrix24.com", "apptok-CANARY-9", credentials=record.credentials),
            OAuthTokens(CLIENT_SECRET, WEBHOOK_SECRET),
            failed.value,
            RestError("X", f"{WEBHOOK_SECRET[:4]}...", method="profile"),
            client.credentials_for(
                bench.portal.member_id, domain=bench.portal.domain, event_tokens=event_tokens
            ),
            client.credentials_for(),
            *targets,
            store,
        ]
        hidden = (*secrets(bench, bot_token), "apptok-CANARY-9")
        for each in objects:
            assert leaked([repr(each), str(each)], hidden) == [], type(each).__name__
        assert "***" in repr(client.app)
        assert f"/rest/1/{WEBHOOK_SECRET}/" not in repr(client)
