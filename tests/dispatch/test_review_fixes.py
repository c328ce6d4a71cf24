"""Regressions for what the dispatcher test suite found in review."""

from __future__ import annotations

import asyncio
import threading

from b24botevents import (
    AppInstallEvent,
    AppUpdateEvent,
    Deduplicator,
    Dispatcher,
    MemoryDedupStore,
    MemoryTokenStore,
    UnknownEvent,
    parse_event,
)
from b24botevents.wire import encode_form

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
BOT_TOKEN = "b07b07b07b07b07b07b07b07b07b07b0"


def _install_body() -> str:
    auth = {"member_id": "m-1", "domain": "p.bitrix24.com", "application_token": TOKEN}
    return encode_form({"event": "ONAPPINSTALL", "data": {"VERSION": "1"}, "auth": auth})


def test_a_sync_approve_install_hook_runs_off_the_event_loop_thread() -> None:
    seen: list[int] = []

    def approve(event: AppInstallEvent | AppUpdateEvent, replaces_token: bool) -> bool:
        seen.append(threading.get_ident())
        return True

    dp = Dispatcher(token_store=MemoryTokenStore(), approve_install=approve)

    async def run() -> tuple[int, int]:
        response = await dp.ahandle(_install_body())
        return response.status, threading.get_ident()

    status, loop_thread = asyncio.run(run())
    assert status == 200
    assert len(seen) == 1
    assert seen[0] != loop_thread


def test_unknown_event_repr_masks_tokens_inside_data() -> None:
    body = encode_form(
        {
            # A code without a model (v2 user events are not modelled): data stays free-form.
            "event": "ONIMV2MESSAGEADD",
            "data": {
                "bot": {
                    "id": 1,
                    "code": "b",
                    "auth": {"access_token": BOT_TOKEN, "application_token": TOKEN},
                }
            },
            "auth": {"domain": "p.bitrix24.com", "application_token": TOKEN},
        }
    )
    event = parse_event(body)
    assert isinstance(event, UnknownEvent)
    shown = repr(event) + str(event)
    assert BOT_TOKEN not in shown
    assert TOKEN not in shown
    assert "'***'" in shown
    assert event.data["bot"]["auth"]["access_token"] == BOT_TOKEN  # the value itself is kept


def test_an_empty_content_type_header_sniffs_like_a_missing_one() -> None:
    dp = Dispatcher(verify=False)
    body = encode_form({"event": "ONX", "data": {"A": "1"}})
    assert dp.handle(body, content_type="").status == 200
    assert dp.handle(body, headers={"Content-Type": " "}).status == 200
    assert dp.handle('{"event": "ONX"}', content_type="").status == 200


def test_dedup_keys_a_portal_domain_case_insensitively() -> None:
    def event(domain: str) -> str:
        return encode_form(
            {"event": "ONX", "ts": "1", "data": {"A": "1"}, "auth": {"domain": domain}}
        )

    dp = Dispatcher(verify=False, dedup=Deduplicator(MemoryDedupStore()))
    assert dp.handle(event("P.Bitrix24.com")).body == b"ignored"
    assert dp.handle(event("p.bitrix24.com")).body == b"duplicate"
