"""A body cut short by a disconnect is answered 400 and never dispatched (plain ASGIApp)."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from b24botevents.contrib.asgi import ASGIApp

from .support import FORM, form_body, recording_dispatcher

Message = MutableMapping[str, Any]


def test_asgi_app_does_not_dispatch_a_body_cut_short_by_a_disconnect() -> None:
    dp, seen = recording_dispatcher()
    body = form_body(5) + b"&extra=1"  # a prefix of it is itself a complete event
    messages: list[Message] = [
        {"type": "http.request", "body": body[:-8], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", FORM.encode())]}
    asyncio.run(ASGIApp(dp)(scope, receive, send))
    assert sent[0]["status"] == 400
    assert sent[1]["body"].startswith(b"bad request: the body ended")
    assert seen.bot_ids == []
