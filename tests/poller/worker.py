"""A poller in its own process, for the resilience tests (``test_poller_processes.py``).

Run as ``python tests/poller/worker.py --webhook HOOK --bot-token T --bot-id N --offsets
SPEC --out FILE [--delay S] [--ready FILE]``: it polls the bot through the webhook with a
``Poller`` (pacing off, fast backoff, a short lease) and its handler appends
``"<event_id> <pid>\\n"`` to ``--out``, flushed and fsynced at the *end* of the handler
(after ``--delay`` seconds), so a SIGKILL lands in the middle of a page, between one
event's line and its mark in the offset store. ``--ready`` is created just before polling
starts; ``--kill-at-id`` makes it SIGKILL itself right after writing that id's line.
SIGTERM stops it after the current event (``Poller.run`` handles the signal); it then
exits 0. Needs nothing from the test package, only ``b24botevents``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from b24botevents import Event, Router
from b24botevents.poller import Poller
from b24botevents.rest import RestClient, RetryPolicy, WebhookAuth
from b24botevents.stores.offsets import open_offset_store

#: The event codes the tests push; anything else goes to ``on_unknown`` (also recorded).
CODES = ("ONIMBOTV2MESSAGEADD", "ONIMBOTV2JOINCHAT", "ONIMBOTV2DELETE")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webhook", required=True, help="the inbound webhook's base URL")
    parser.add_argument("--bot-token", required=True)
    parser.add_argument("--bot-id", type=int, required=True)
    parser.add_argument("--offsets", required=True, help="an open_offset_store spec")
    parser.add_argument("--out", type=Path, required=True, help="the file handled ids go to")
    parser.add_argument("--ready", type=Path, help="created once polling starts")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each handler sleeps")
    parser.add_argument(
        "--kill-at-id", type=int, help="SIGKILL itself right after writing this id's line"
    )
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--lease-ttl", type=float, default=1.0)
    parser.add_argument("--lease-retry", type=float, default=0.1)
    parser.add_argument("--idle-interval", type=float, default=0.02)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"%(asctime)s worker {os.getpid()} %(name)s %(levelname)s: %(message)s",
    )
    pid = os.getpid()
    out = args.out.open("a", encoding="ascii")
    delay: float = args.delay
    kill_at: int | None = args.kill_at_id

    def record(event: Event) -> None:
        if delay > 0:
            time.sleep(delay)
        out.write(f"{event.event_id} {pid}\n")
        out.flush()
        os.fsync(out.fileno())
        if event.event_id == kill_at:
            # Dies between the event's line and its mark in the store: it runs again.
            os.kill(pid, signal.SIGKILL)

    router = Router()
    router.on_unknown(record)
    for code in CODES:
        router.on(code)(record)
    client = RestClient(
        webhook=WebhookAuth(args.webhook, bot_token=args.bot_token),
        rate=None,
        retry=RetryPolicy(attempts=1, base_delay=0.001, max_delay=0.01),
        timeout=5.0,
    )
    offsets = open_offset_store(args.offsets)
    poller = Poller(
        router,
        client,
        bot_id=args.bot_id,
        offsets=offsets,
        limit=args.limit,
        min_interval=0.0,
        idle_interval=args.idle_interval,
        backoff_base=0.01,
        backoff_max=0.2,
        lease_ttl=args.lease_ttl,
        lease_retry=args.lease_retry,
        app_limiter=None,
    )
    try:
        if args.ready is not None:
            args.ready.touch()
        metrics = poller.run()
        print(
            f"worker {pid}: stopped; handled {metrics.events_handled},"
            f" skipped {metrics.events_skipped}, store errors {metrics.store_errors},"
            f" leases lost {metrics.leases_lost}",
            file=sys.stderr,
            flush=True,
        )
    finally:
        close = getattr(offsets, "close", None)  # every backend has it; the protocol does not
        if callable(close):
            close()
        client.close()
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
