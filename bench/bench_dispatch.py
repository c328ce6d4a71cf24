"""What the dispatcher costs over parsing: ``dp.handle(body)`` vs ``parse_event(body)``.

For the ONIMBOTDELETE body in four variants (``str`` and ``bytes``; the full ``auth``
block Bitrix24 sends with a user's tokens, and the minimal one of an event fired by
automation: portal fields and ``application_token`` only), times

* ``parse_event(body, content_type=FORM)``: the floor, decoding and typing only;
* ``dp.handle(body, content_type=FORM)`` with a ``MemoryPortalStore``;
* ``dp.handle(body, content_type=FORM)`` with a ``SQLitePortalStore`` (a file in a temp dir);

each dispatcher verifying the token and running one trivial sync handler. The cases of a
variant are measured in interleaved rounds (so drift hits all of them alike) and each
reports the median per-call time over the rounds; the overhead is the median, over
rounds, of the case's time relative to ``parse_event`` in the same round.
Targets, on every variant: memory <= 15 %, SQLite <= 40 %.

    PYTHONPATH=src python bench/bench_dispatch.py            # full run
    PYTHONPATH=src python bench/bench_dispatch.py --quick    # a few-second smoke run
    PYTHONPATH=src python bench/bench_dispatch.py --profile  # cProfile of each handle()

The script prints a Markdown table and the machine it ran on; it never fails on a missed
target (timings are not a test).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

from b24botevents import (
    BotDeleteEvent,
    Dispatcher,
    MemoryPortalStore,
    PortalStore,
    SQLitePortalStore,
    __version__,
    parse_event,
)
from b24botevents.testing import Portal, bot_delete_body

FORM = "application/x-www-form-urlencoded"
TARGETS = {"memory": 15.0, "sqlite": 40.0}
TABLE_HEADER = "| body | case | median per call | overhead vs parse_event | target |"
OVERHEAD_NOTE = (
    "overhead: the median over rounds of (case time / parse_event time in the same round)"
)
#: The docs' example portal and bot (ONIMBOTDELETE: bot 567, code BOT, user 27).
PORTAL = Portal(
    member_id="bac1cd5c8940947a75e0d71b1a84e348",
    domain="some-domain.bitrix24.com",
    application_token="831c76b092f9f135d9b6b36c3a720757",
)
TS = 1772090363


def bodies() -> dict[str, str | bytes]:
    """The four variants: full or minimal auth, as text or as bytes."""
    full = bot_delete_body(567, "BOT", portal=PORTAL, user_id=27, ts=TS, handler_id=439)
    minimal = bot_delete_body(
        567, "BOT", portal=PORTAL, with_user_tokens=False, ts=TS, handler_id=439
    )
    return {
        "str, full auth": full,
        "bytes, full auth": full.encode(),
        "str, minimal auth": minimal,
        "bytes, minimal auth": minimal.encode(),
    }


def make_dispatcher(store: PortalStore) -> Dispatcher:
    # The portal installed already, as ONAPPINSTALL would have left it.
    if store.save(PORTAL.record(), expected=None) is None:
        raise RuntimeError("the benchmark's store already holds the portal")
    dp = Dispatcher(portal_store=store)

    @dp.on("ONIMBOTDELETE")
    def handler(event: BotDeleteEvent) -> None:
        pass

    return dp


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def measure(
    cases: dict[str, Callable[[], object]], *, rounds: int, number: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Per-call medians of each case, and each case's median ratio to the first one.

    Every round times ``number`` calls of each case, in an order that rotates from round
    to round; the ratio to the baseline is taken within a round, so load that comes and
    goes (other processes on a shared machine) largely cancels out.
    """
    names = list(cases)
    timers = {name: timeit.Timer(cases[name]) for name in names}
    for timer in timers.values():  # warm up caches, the SQLite page cache, the allocator
        timer.timeit(number)
    samples: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        this_round: dict[str, float] = {}
        for name in names[shift:] + names[:shift]:
            this_round[name] = timers[name].timeit(number) / number  # gc is off in timeit
        for name in names:
            samples[name].append(this_round[name])
            ratios[name].append(this_round[name] / this_round[names[0]])
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return medians, {name: statistics.median(values) for name, values in ratios.items()}


def profile(name: str, fn: Callable[[], object], calls: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    print(f"\n### cProfile: {name}, {calls} calls (top 15 by own time)\n")
    print("```")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(15)
    print("```")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 101; quick 9)")
    parser.add_argument("--number", type=int, help="calls per round (default 200)")
    parser.add_argument("--profile", action="store_true", help="also cProfile each handle()")
    args = parser.parse_args(argv)
    rounds = args.rounds or (9 if args.quick else 101)
    number = args.number or 200

    rows: list[tuple[str, str, float, float | None]] = []
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
        sqlite_store = SQLitePortalStore(Path(tmp) / "tokens.db")
        try:
            memory_dp = make_dispatcher(MemoryPortalStore())
            sqlite_dp = make_dispatcher(sqlite_store)
            for variant, body in bodies().items():
                event = parse_event(body, content_type=FORM)
                assert isinstance(event, BotDeleteEvent), event
                for dp in (memory_dp, sqlite_dp):
                    response = dp.handle(body, content_type=FORM)
                    assert (response.status, response.body) == (200, b"ok"), response
                cases: dict[str, Callable[[], object]] = {
                    "parse_event": lambda body=body: parse_event(body, content_type=FORM),
                    "memory": lambda body=body: memory_dp.handle(body, content_type=FORM),
                    "sqlite": lambda body=body: sqlite_dp.handle(body, content_type=FORM),
                }
                medians, ratios = measure(cases, rounds=rounds, number=number)
                for name, seconds in medians.items():
                    rows.append(
                        (variant, name, seconds, None if name == "parse_event" else ratios[name])
                    )
                if args.profile:
                    calls = 2000 if args.quick else 20000
                    profile(f"handle, MemoryPortalStore, {variant}", cases["memory"], calls)
                    profile(f"handle, SQLitePortalStore, {variant}", cases["sqlite"], calls)
        finally:
            sqlite_store.close()

    labels = {
        "parse_event": "`parse_event(body)`",
        "memory": "`dp.handle(body)`, MemoryPortalStore",
        "sqlite": "`dp.handle(body)`, SQLitePortalStore (file)",
    }
    print("## bench_dispatch: ONIMBOTDELETE form body\n")
    print(TABLE_HEADER)
    print("|---|---|---:|---:|---:|")
    for variant, name, seconds, ratio in rows:
        if ratio is None:
            overhead, target = "(baseline)", ""
        else:
            percent = (ratio - 1) * 100
            met = "met" if percent <= TARGETS[name] else "MISSED"
            overhead, target = f"{percent:+.1f} %", f"<= {TARGETS[name]:.0f} % ({met})"
        print(f"| {variant} | {labels[name]} | {seconds * 1e6:.1f} µs | {overhead} | {target} |")
    command = "python bench/bench_dispatch.py" + (" --quick" if args.quick else "")
    print()
    print(f"- command: `{command}`; {rounds} interleaved rounds x {number} calls, median")
    print(f"- {OVERHEAD_NOTE}")
    sizes = ", ".join(f"{variant} {len(body)} B" for variant, body in bodies().items())
    print(f"- bodies: the docs' ONIMBOTDELETE, built by b24botevents.testing ({sizes})")
    print(f"- machine: {usable_cpus()} usable CPUs (nproc), {cpu_model()}")
    print(
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}; b24botevents {__version__}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
