"""Benchmark: a reply through ``RestClient`` against a bare httpx post of the same request.

Both sides send the same ``imbot.v2.Chat.Message.send`` (same JSON, same token) to the
same fake Bitrix24 served on 127.0.0.1, over one kept-alive connection, in one run:

* ``httpx.Client.post``: the floor, a hand-written request with nothing around it;
* ``RestClient.reply(event, text)``: the library's one line (reads the portal record,
  picks the bot, the dialog and the credentials, takes a rate-limiter slot, posts,
  reads the answer), with the limiter off (``rate=None``) so that only overhead counts;
* the same two in async code (``httpx.AsyncClient.post`` and ``await client.areply``).

Rounds alternate between the sides and the medians are compared; the figure is the
reply's rate as a fraction of the bare post's (target: at least 0.8).

Usage::

    .venv/bin/python bench/bench_reply.py            # full run (about 20 s)
    .venv/bin/python bench/bench_reply.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from b24botevents import Dispatcher, MemoryPortalStore, parse_event  # noqa: E402
from b24botevents.rest import OAuthApp  # noqa: E402
from b24botevents.rest.client import RestClient  # noqa: E402
from b24botevents.testing import FakeBitrix24, Portal, PortalClient, sample_body  # noqa: E402

TEXT = "You said: Hello bot!"


def _rate(fn: Callable[[], object], calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - start)


def _arate(fn: Callable[[], Awaitable[object]], calls: int) -> float:
    async def loop() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            await fn()
        return calls / (time.perf_counter() - start)

    gc.collect()
    return asyncio.run(loop())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    calls, rounds = (50, 2) if args.quick else (400, 7)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    fake = FakeBitrix24(client_id="local.bench", client_secret="bench-secret")
    portal = Portal.random()
    fake.add_portal(portal)
    store = MemoryPortalStore()
    PortalClient(portal).install(Dispatcher(portal_store=store))
    event = parse_event(sample_body("ONIMBOTV2MESSAGEADD", portal=portal))
    record = store.get(portal.member_id)
    assert record is not None
    assert record.credentials is not None
    token = record.credentials.access_token
    payload = {
        "botId": 456,
        "dialogId": "chat5",
        "fields": {"message": TEXT},
        "auth": token,
    }

    with fake.serve() as url:
        client = RestClient(
            portal_store=store,
            app=OAuthApp("local.bench", "bench-secret", token_url=f"{url}/oauth/token/"),
            portal_url=url,
            rate=None,
            prefer_event_tokens=False,  # the stored token: the same request as the bare post
        )
        bare = httpx.Client(timeout=10)
        endpoint = f"{url}/rest/imbot.v2.Chat.Message.send.json"

        def post() -> object:
            answer = bare.post(endpoint, json=payload)
            answer.raise_for_status()
            return answer.json()["result"]["id"]

        def reply() -> object:
            return client.reply(event, TEXT)

        abare: list[httpx.AsyncClient] = []

        async def apost() -> object:
            if not abare:
                abare.append(httpx.AsyncClient(timeout=10))
            answer = await abare[0].post(endpoint, json=payload)
            answer.raise_for_status()
            return answer.json()["result"]["id"]

        async def areply() -> object:
            return await client.areply(event, TEXT)

        # Warm up both sides (connections, imports, the fake's first-call paths).
        for fn in (post, reply):
            _rate(fn, 20)
        sync_bare, sync_reply, async_bare, async_reply = [], [], [], []
        for _ in range(rounds):
            sync_bare.append(_rate(post, calls))
            sync_reply.append(_rate(reply, calls))
            abare.clear()
            async_bare.append(_arate(apost, calls))
            async_reply.append(_arate(areply, calls))
        bare.close()
        client.close()

    sent = [message for message in fake.messages if message.text == TEXT]
    assert len(sent) == (calls * 4 * rounds) + 40, "every request must have gone through"

    print("bench_reply: one imbot.v2.Chat.Message.send to a fake Bitrix24 on 127.0.0.1")
    print(f"python {platform.python_version()}, httpx {httpx.__version__}, {platform.machine()}")
    print(f"{rounds} alternating rounds of {calls} calls per side; medians, calls per second")
    print()
    rows = [
        ("sync", statistics.median(sync_bare), statistics.median(sync_reply)),
        ("async", statistics.median(async_bare), statistics.median(async_reply)),
    ]
    print(f"{'':6} {'bare httpx post':>16} {'client.reply':>14} {'ratio':>7}")
    for name, floor, ours in rows:
        print(f"{name:6} {floor:16.0f} {ours:14.0f} {ours / floor:7.2f}x")
    print()
    worst = min(ours / floor for _, floor, ours in rows)
    verdict = "meets" if worst >= 0.8 else "MISSES"
    print(f"lowest ratio {worst:.2f}x: {verdict} the 0.8x target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
