"""Benchmark: events per second through ``Poller`` against ``parse_event`` on the same events.

Two comparisons, in one run, rounds alternating between the sides, medians compared:

* **in-process** (the poller's own overhead): pages of 1000 ``ONIMBOTV2MESSAGEADD`` events,
  JSON-encoded once, answered by an in-process transport. The floor decodes the same bytes
  and calls ``parse_event`` on each item: what any consumer must do. ``Poller.run``
  does that through the REST client, ``parse_fetch_response``, the router (one no-op
  handler) and a ``MemoryOffsetStore`` (the lease, one progress mark per event, the offset
  per page). Target: at most 20% more time per event than the floor.
* **served**: the same through ``FakeBitrix24`` on 127.0.0.1 (a real HTTP server, which
  keeps the queue and pages it): a hand-written loop (httpx post of ``Event.get`` with the
  offset, ``parse_event`` per item) against ``Poller.run``. The fake's own cost is
  in both sides.

Pacing is off (``min_interval=0``, no app limiter, ``rate=None``): only overhead counts.

Usage::

    .venv/bin/python bench/bench_poller.py            # full run (about 30 s)
    .venv/bin/python bench/bench_poller.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from b24botevents import Event, Router, parse_event  # noqa: E402
from b24botevents.convert import event_from_tree  # noqa: E402
from b24botevents.poller import Poller  # noqa: E402
from b24botevents.rest import RestClient, RetryPolicy, WebhookAuth  # noqa: E402
from b24botevents.stores.offsets import MemoryOffsetStore  # noqa: E402
from b24botevents.testing import FakeBitrix24, Portal  # noqa: E402
from b24botevents.testing.samples import fetch_sample_data  # noqa: E402
from b24botevents.wire import check_tree  # noqa: E402

PAGE = 1000
BOT_ID = 456
BOT_TOKEN = "bench-bot-token"
HOOK = "https://bench.bitrix24.test/rest/1/benchsecret/"


def _pages(count: int) -> list[bytes]:
    """``count`` Event.get answers of PAGE events each, with increasing ids."""
    data = fetch_sample_data("ONIMBOTV2MESSAGEADD", bot_id=BOT_ID, bot_code="bench_bot")
    pages = []
    for number in range(count):
        first = number * PAGE + 1
        events = [
            {
                "eventId": first + index,
                "type": "ONIMBOTV2MESSAGEADD",
                "date": "2026-11-30T10:30:00+00:00",
                "data": data,
            }
            for index in range(PAGE)
        ]
        answer = {"result": {"events": events, "nextOffset": first + PAGE, "hasMore": True}}
        pages.append(json.dumps(answer).encode())
    return pages


def _floor(pages: list[bytes]) -> int:
    """What every consumer does: decode the answer, type each event."""
    handled = 0
    for body in pages:
        for item in json.loads(body)["result"]["events"]:
            parse_event(
                {
                    "event": item["type"],
                    "event_id": item["eventId"],
                    "ts": item["date"],
                    "data": item["data"],
                }
            )
            handled += 1
    return handled


def _converter_floor(pages: list[bytes]) -> int:
    """The least any typed consumer can do: decode, bound and convert each item."""
    handled = 0
    for body in pages:
        for item in json.loads(body)["result"]["events"]:
            tree = {
                "event": item["type"],
                "event_id": item["eventId"],
                "ts": item["date"],
                "data": item["data"],
            }
            check_tree(tree)
            event_from_tree(tree)
            handled += 1
    return handled


def _poller(client: RestClient, total: int) -> Poller:
    """A poller with pacing off whose one (otherwise empty) handler stops it after
    ``total`` events: ``run`` is what a deployment uses."""
    router = Router()
    poller = Poller(
        router,
        client,
        bot_id=BOT_ID,
        limit=PAGE,
        offsets=MemoryOffsetStore(),
        min_interval=0,
        idle_interval=0,
        app_limiter=None,
    )
    count = [0]

    @router.on("ONIMBOTV2MESSAGEADD")
    def handler(event: Event) -> None:
        count[0] += 1
        if count[0] == total:
            poller.stop()

    return poller


def _through_poller(pages: list[bytes]) -> int:
    served = iter(pages)
    empty = json.dumps({"result": {"events": [], "hasMore": False}}).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        body = next(served, empty)
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    client = RestClient(
        webhook=WebhookAuth(HOOK, bot_token=BOT_TOKEN),
        rate=None,
        retry=RetryPolicy(attempts=1),
        transport=httpx.MockTransport(answer),
    )
    poller = _poller(client, len(pages) * PAGE)
    poller.run(handle_signals=False)
    handled = poller.metrics.events_handled
    client.close()
    return handled


def _timed(fn: Callable[[], int]) -> float:
    gc.collect()
    start = time.perf_counter()
    handled = fn()
    return handled / (time.perf_counter() - start)


def _served_round(
    fake: FakeBitrix24, portal: Portal, hook: str, events: int
) -> tuple[float, float]:
    """Events/s of a hand-written loop, then of the poller, each draining ``events``."""
    bare = httpx.Client(timeout=30)
    endpoint = f"{hook}imbot.v2.Event.get.json"

    def hand_loop() -> int:
        fake.push_events(portal, BOT_ID, "ONIMBOTV2MESSAGEADD", events)
        handled = 0
        offset: int | None = None
        while True:
            params: dict[str, Any] = {"botId": BOT_ID, "botToken": BOT_TOKEN, "limit": PAGE}
            if offset is not None:
                params["offset"] = offset
            result = bare.post(endpoint, json=params).json()["result"]
            for item in result["events"]:
                parse_event(
                    {
                        "event": item["type"],
                        "event_id": item["eventId"],
                        "ts": item["date"],
                        "data": item["data"],
                    }
                )
                handled += 1
            offset = result["nextOffset"]
            if not result["hasMore"]:
                bare.post(endpoint, json={**params, "offset": offset})  # acknowledge the last page
                return handled

    client = RestClient(
        webhook=WebhookAuth(hook, bot_token=BOT_TOKEN),
        rate=None,
        retry=RetryPolicy(attempts=1),
        timeout=30,
    )

    def poller_loop() -> int:
        fake.push_events(portal, BOT_ID, "ONIMBOTV2MESSAGEADD", events)
        poller = _poller(client, events)
        poller.run(handle_signals=False)
        poller.poll_once()  # acknowledge the last page, as the hand-written loop does
        return poller.metrics.events_handled

    try:
        return _timed(hand_loop), _timed(poller_loop)
    finally:
        bare.close()
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    page_count, rounds, served_events = (2, 2, 2 * PAGE) if args.quick else (5, 11, 10 * PAGE)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    pages = _pages(page_count)
    floor_rates, converter_rates, poller_rates = [], [], []
    _floor(pages[:1])  # warm up both sides
    _through_poller(pages[:1])
    sides = [
        (floor_rates, lambda: _floor(pages)),
        (converter_rates, lambda: _converter_floor(pages)),
        (poller_rates, lambda: _through_poller(pages)),
    ]
    for number in range(rounds):
        # The order turns each round, so no side always runs after the same neighbour.
        for rates, side in sides[number % 3 :] + sides[: number % 3]:
            rates.append(_timed(side))

    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    fake.add_bot(portal, BOT_ID, bot_token=BOT_TOKEN, event_mode="fetch")
    hand_rates, served_rates = [], []
    with fake.serve():
        hook = fake.add_webhook(portal, 1, "benchsecret")
        _served_round(fake, portal, hook, PAGE)  # warm up
        for _ in range(rounds):
            hand, ours = _served_round(fake, portal, hook, served_events)
            hand_rates.append(hand)
            served_rates.append(ours)
    assert fake.pending_events(portal, BOT_ID) == [], "every event must have been acknowledged"

    print(f"bench_poller: pages of {PAGE} ONIMBOTV2MESSAGEADD events, pacing off")
    print(f"python {platform.python_version()}, httpx {httpx.__version__}, {platform.machine()}")
    print(f"{rounds} alternating rounds; medians, events per second")
    print()
    rows = [
        (
            "in-process",
            "json + parse_event",
            statistics.median(floor_rates),
            statistics.median(poller_rates),
        ),
        (
            "in-process",
            "json + converter",
            statistics.median(converter_rates),
            statistics.median(poller_rates),
        ),
        (
            "served",
            "hand-written loop",
            statistics.median(hand_rates),
            statistics.median(served_rates),
        ),
    ]
    # Each round's own ratio, then their median: the VM's speed drifts between rounds.
    paired = [
        statistics.median(f / p - 1 for f, p in zip(floor_rates, poller_rates, strict=True)),
        statistics.median(f / p - 1 for f, p in zip(converter_rates, poller_rates, strict=True)),
        statistics.median(h / p - 1 for h, p in zip(hand_rates, served_rates, strict=True)),
    ]
    print(f"{'':11} {'floor':>20} {'events/s':>9} {'Poller':>9} {'overhead':>9}")
    for (name, floor_name, floor, ours), overhead in zip(rows, paired, strict=True):
        print(f"{name:11} {floor_name:>20} {floor:9.0f} {ours:9.0f} {overhead:8.0%}")
    print()
    print("overhead: the median over rounds of each round's floor/poller - 1")
    worst = paired[0]
    verdict = "meets" if worst <= 0.20 else "MISSES"
    print(f"poller overhead per event over parse_event: {worst:.0%}: {verdict} the 20% target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
