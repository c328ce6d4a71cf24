"""What to run under callgrind to count the instructions ``Dispatcher.handle`` adds.

Time on a shared machine is noisy; instruction counts are not. Run this once per mode,
each in its own process, and subtract: ``handle`` minus ``parse`` is what verification
and dispatch cost on top of parsing, startup and imports cancelling out.

Usage::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/bench_instructions.py handle
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/bench_instructions.py parse

and read the ``Collected :`` line of each. Without valgrind it just runs (a smoke run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from b24botevents import Dispatcher, MemoryPortalStore, parse_event  # noqa: E402
from b24botevents.testing import Portal, bot_delete_body  # noqa: E402

WARM_UP = 200
CALLS = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["handle", "parse"])
    parser.add_argument("--calls", type=int, default=CALLS)
    args = parser.parse_args()
    portal = Portal.example()
    body = bot_delete_body(567, "BOT", portal=portal)  # the full auth block
    dp = Dispatcher(portal_store=MemoryPortalStore([portal.record()]))
    dp.on_bot_delete(lambda event: None)
    if args.mode == "handle":
        assert dp.handle(body).status == 200
        for _ in range(WARM_UP + args.calls):
            dp.handle(body)
    else:
        for _ in range(WARM_UP + args.calls):
            parse_event(body)
    print(f"{args.mode}: {WARM_UP + args.calls} calls")


if __name__ == "__main__":
    main()
