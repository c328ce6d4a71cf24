"""Benchmark: what the worst bodies an attacker can send cost before they are refused.

Decoding comes before authentication, so its worst case is what anyone on the internet can
make the app spend per request. Measured in one run, on the same bodies:

* ``urllib.parse.parse_qsl(body)``: the stdlib floor (a flat split, no nesting, no checks);
* ``b24botevents.wire.to_tree``: the bounded, PHP-exact decode;
* ``Dispatcher.handle``: decode plus verification, up to the 403/413 answer;
* the longest the event loop stays unresponsive while ``ahandle`` takes four such bodies
  at once (a ticker every 1 ms records the largest gap): the large ones are decoded in a
  worker thread, so the loop keeps answering.

Bodies: 1 MiB of ``%41`` (every byte an escape), 990 fields of 32-deep ``a[]...[]``
(refused by ``Limits.max_containers`` after 2,000 containers) and the same with the limit
raised so that all 32,000 containers are built.

Usage::

    .venv/bin/python bench/bench_worst_case.py            # full run (about 15 s)
    .venv/bin/python bench/bench_worst_case.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import logging
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from b24botevents import B24EventError, Dispatcher, Limits  # noqa: E402
from b24botevents.wire import to_tree  # noqa: E402

FORM = "application/x-www-form-urlencoded"
TOKEN = "0123456789abcdef0123456789abcdef"


def percent_body() -> bytes:
    head = b"event=ONIMBOTDELETE&auth[application_token]=" + b"f" * 32 + b"&a="
    return head + b"%41" * (((1 << 20) - 64 - len(head)) // 3)


def deep_body() -> bytes:
    return "&".join(f"a{index}" + "[]" * 31 + "=1" for index in range(990)).encode()


def _median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        with contextlib.suppress(B24EventError):  # the refusal is the work being measured
            fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _loop_stall_ms(body: bytes, copies: int, *, in_loop: bool = False) -> float:
    """The largest ticker gap while ``copies`` bodies are handled; ``in_loop`` decodes them
    in the loop itself, as ``ahandle`` did before the hand-off (the comparison)."""
    dp = Dispatcher(application_token=TOKEN)

    async def handle(body: bytes) -> None:
        if in_loop:
            with contextlib.suppress(B24EventError):
                to_tree(body, content_type=FORM)
        else:
            await dp.ahandle(body, content_type=FORM)

    async def scenario() -> float:
        largest = 0.0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal largest
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                largest = max(largest, now - last)
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        await asyncio.gather(*(handle(body) for _ in range(copies)))
        done.set()
        await tick
        return largest * 1000

    return asyncio.run(scenario())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    logging.getLogger("b24botevents").setLevel(logging.ERROR)  # one refusal line per call
    rounds = 3 if args.quick else 15
    loose = Limits(max_containers=40_000)
    strict_dp = Dispatcher(application_token=TOKEN)
    loose_dp = Dispatcher(application_token=TOKEN, limits=loose)
    cases = [
        ("1 MiB of %41", percent_body(), None, strict_dp),
        ("990 x 32-deep, default limits", deep_body(), None, strict_dp),
        ("990 x 32-deep, max_containers=40000", deep_body(), loose, loose_dp),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}, median of {rounds}")
    print(
        f"{'body':38} {'parse_qsl':>10} {'to_tree':>10} {'ratio':>7} {'handle':>10} {'status':>6}"
    )
    for name, body, limits, dp in cases:
        text = body.decode("ascii")
        floor = _median_ms(functools.partial(parse_qsl, text, keep_blank_values=True), rounds)
        ours = _median_ms(
            functools.partial(to_tree, body, content_type=FORM, limits=limits), rounds
        )
        handled = _median_ms(functools.partial(dp.handle, body, content_type=FORM), rounds)
        status = dp.handle(body, content_type=FORM).status
        print(
            f"{name:38} {floor:8.1f}ms {ours:8.1f}ms {ours / floor:6.2f}x"
            f" {handled:8.1f}ms {status:>6}"
        )
    stalls = [_loop_stall_ms(percent_body(), 4) for _ in range(rounds)]
    inline = [_loop_stall_ms(percent_body(), 4, in_loop=True) for _ in range(rounds)]
    print(
        "largest event-loop gap while 4 x 1 MiB of %41 are decoded:"
        f" ahandle {statistics.median(stalls):.1f} ms,"
        f" decoded in the loop {statistics.median(inline):.1f} ms (median of {rounds})"
    )


if __name__ == "__main__":
    main()
