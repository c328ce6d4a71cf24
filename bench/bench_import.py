"""Cold start: ``import b24botevents`` plus the first ``parse_event``, in fresh processes.

Serverless handlers pay this on every cold start. Each round starts one fresh interpreter
per case, in turn, and times (inside it, with ``perf_counter``) only the statement under
test, so interpreter start-up is left out:

* ``import attrs, cattrs, asyncio``: the floor, the libraries any dispatcher needs;
* ``import b24botevents``: the package alone (names load on first use);
* ``import b24botevents`` + ``parse_event(ONIMBOTDELETE body)``: the first event;
* ``... + Dispatcher(verify=False).handle(body)``: the first dispatched event.

Target: the first event costs at most 1.5x the floor (ratio of medians, same run).

    PYTHONPATH=src python bench/bench_import.py            # 31 rounds
    PYTHONPATH=src python bench/bench_import.py --quick    # 5 rounds (the tests run this)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY_FILE = ROOT / "tests" / "data" / "examples" / "ONIMBOTDELETE.derived-http_build_query.txt"
TARGET = 1.5

_TIMED = (
    "import time\nstart = time.perf_counter()\n{statement}\nprint(time.perf_counter() - start)\n"
)


def cases(body: str) -> dict[str, str]:
    return {
        "floor": "import attrs, cattrs, asyncio",
        "import": "import b24botevents",
        "first parse": f"import b24botevents\nb24botevents.parse_event({body!r})",
        "first handle": (
            f"import b24botevents\nb24botevents.Dispatcher(verify=False).handle({body!r})"
        ),
    }


def run_once(statement: str) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled modules, as an installed package has
    out = subprocess.run(
        [sys.executable, "-c", _TIMED.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return float(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 31; quick 5)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 31)
    body = BODY_FILE.read_text(encoding="utf-8").strip()
    statements = cases(body)
    for statement in statements.values():  # warm the .pyc files and the page cache
        run_once(statement)
    samples: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(rounds):
        for name, statement in statements.items():
            samples[name].append(run_once(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians["floor"]
    print("## bench_import: cold start in fresh processes\n")
    print("| case | median | vs floor | target |")
    print("|---|---:|---:|---:|")
    for name, seconds in medians.items():
        ratio = seconds / floor
        target = ""
        if name == "first parse":
            target = f"<= {TARGET}x ({'met' if ratio <= TARGET else 'MISSED'})"
        print(f"| {name} | {seconds * 1e3:.1f} ms | {ratio:.2f}x | {target} |")
    command = "python bench/bench_import.py" + (" --quick" if args.quick else "")
    print(f"\n- command: `{command}`; {rounds} rounds, one fresh interpreter per case each")
    print(f"- Python {platform.python_version()}, {platform.system()} {platform.machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
