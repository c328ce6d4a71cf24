"""Shared set-up of the poller tests: a fake portal with one fetch-mode bot, and pollers.

``PollRig`` holds a ``FakeBitrix24`` (in-process, or served on 127.0.0.1), its portal, a
bot registered over a webhook with a bot token, a ``RestClient`` on that webhook, a
``Router`` whose handlers record every event, and an offset store. ``rig.poller(...)``
makes a ``Poller`` with pacing off and fast backoff unless told otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from b24botevents import Event, Router
from b24botevents.poller import Poller
from b24botevents.rest import RestClient, RetryPolicy, WebhookAuth
from b24botevents.stores.offsets import MemoryOffsetStore, OffsetStore
from b24botevents.testing import FakeBitrix24, Portal

BOT_ID = 456
BOT_TOKEN = "bottoken-CANARY-5f4e3d2c"
WEBHOOK_SECRET = "whsecretCANARY77"
FAST = RetryPolicy(attempts=1, base_delay=0.001, max_delay=0.01)
QUICK = {
    "min_interval": 0.0,
    "idle_interval": 0.01,
    "backoff_base": 0.001,
    "backoff_max": 0.01,
    "lease_retry": 0.02,
    "app_limiter": None,
}


class TimedTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The fake's in-process transport, noting when each request was sent."""

    def __init__(self, inner: httpx.MockTransport) -> None:
        self.inner = inner
        self.sent: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return await self.inner.handle_async_request(request)


@dataclass
class PollRig:
    fake: FakeBitrix24
    portal: Portal
    client: RestClient
    offsets: OffsetStore
    transport: TimedTransport | None = None
    router: Router = field(default_factory=Router)
    seen: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.router.on_unknown(self._record)
        for code in (
            "ONIMBOTV2MESSAGEADD",
            "ONIMBOTV2MESSAGEUPDATE",
            "ONIMBOTV2MESSAGEDELETE",
            "ONIMBOTV2JOINCHAT",
            "ONIMBOTV2COMMANDADD",
            "ONIMBOTV2REACTIONCHANGE",
            "ONIMBOTV2CONTEXTGET",
            "ONIMBOTV2DELETE",
        ):
            self.router.on(code)(self._record)

    def _record(self, event: Event) -> None:
        with self.lock:
            self.seen.append(event)

    @property
    def seen_ids(self) -> list[int]:
        with self.lock:
            return [event.event_id for event in self.seen if event.event_id is not None]

    def push(self, count: int = 1, code: str = "ONIMBOTV2MESSAGEADD") -> list[int]:
        return self.fake.push_events(self.portal, BOT_ID, code, count)

    def poller(self, **options: Any) -> Poller:
        for name, value in QUICK.items():
            options.setdefault(name, value)
        options.setdefault("offsets", self.offsets)
        router = options.pop("router", self.router)
        client = options.pop("client", self.client)
        return Poller(router, client, bot_id=BOT_ID, **options)

    def acked(self) -> list[int | None]:
        return [record.offset for record in self.fake.event_offsets]


@contextmanager
def poll_rig(*, served: bool = False, offsets: OffsetStore | None = None) -> Iterator[PollRig]:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    fake.add_bot(portal, BOT_ID, bot_token=BOT_TOKEN, event_mode="fetch")

    @contextmanager
    def base() -> Iterator[str | None]:
        if served:
            with fake.serve() as url:
                yield url
        else:
            yield None

    with base() as url:
        hook = fake.add_webhook(portal, 1, WEBHOOK_SECRET)
        options: dict[str, Any] = {"rate": None, "retry": FAST, "timeout": 5.0}
        timed = None
        if url is None:
            timed = TimedTransport(fake.transport())
            options["transport"] = timed
            options["async_transport"] = timed
        client = RestClient(webhook=WebhookAuth(hook, bot_token=BOT_TOKEN), **options)
        try:
            store = offsets if offsets is not None else MemoryOffsetStore()
            yield PollRig(fake, portal, client, store, timed)
        finally:
            client.close()
