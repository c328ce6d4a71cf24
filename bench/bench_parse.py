"""Benchmark: decoding Bitrix24 form bodies, against the flat floor and a nested peer.

Compares, in one run and on the same ``str`` bodies:

* ``urllib.parse.parse_qsl(body, keep_blank_values=True)``: the floor (a flat split, no
  nesting, no checks);
* ``b24botevents.wire.parse_form``: PHP-exact nested decode, bounded by ``Limits``;
* ``b24botevents.parse_event``: the same decode plus the typed event (the full cost);
* ``qs_codec.decode``: an installed nested-query peer, with settings that make it a fair
  nested decode (see ``QS_OPTIONS``).

Each parser is warmed up, then timed in interleaved rounds (one timing run per parser per
round, so drift hits all of them alike); the reported figure is the median per-call time
over the rounds. Ratios are against ``parse_qsl`` on the same body.

Usage::

    .venv/bin/python bench/bench_parse.py            # full run (about 20 s)
    .venv/bin/python bench/bench_parse.py --quick    # smoke run (a couple of seconds)
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

import b24botevents  # noqa: E402
from b24botevents import parse_event  # noqa: E402
from b24botevents.wire import parse_form  # noqa: E402

try:
    import qs_codec
    from qs_codec import DecodeOptions, Duplicates
except ImportError:  # the peer is optional: pip install -e '.[bench]'
    qs_codec = None

try:  # the official SDK, as its Flask/Django integrations read an event: form dict -> model
    from b24pysdk.credentials.oauth_event_data import OAuthEventData
except ImportError:  # optional too
    OAuthEventData = None

#: The doc examples kept in the repository (a copy of the spec's examples/).
EXAMPLES = Path(os.environ.get("B24_EXAMPLES", ROOT / "tests" / "data" / "examples"))
BODIES = {
    "ONIMBOTDELETE": "ONIMBOTDELETE.derived-http_build_query.txt",
    "ONIMBOTMESSAGEADD.group": "ONIMBOTMESSAGEADD.group.derived-http_build_query.txt",
}

#: qs_codec settings for a fair nested decode of these bodies: depth and parameter limits as
#: high as b24botevents' defaults (Limits.max_depth=32, max_fields=1000), PHP's
#: last-one-wins for repeated keys; everything else is qs_codec's default.
QS_OPTIONS_TEXT = "depth=32, parameter_limit=1000, duplicates=LAST"
QS_OPTIONS = (
    DecodeOptions(depth=32, parameter_limit=1000, duplicates=Duplicates.LAST)
    if qs_codec is not None
    else None
)


def load_body(file_name: str) -> str:
    return (EXAMPLES / file_name).read_text(encoding="utf-8").rstrip("\n")


def parsers() -> dict[str, Callable[[str], Any]]:
    table: dict[str, Callable[[str], Any]] = {
        "urllib.parse.parse_qsl (floor, flat)": lambda body: parse_qsl(
            body, keep_blank_values=True
        ),
        "b24botevents.wire.parse_form": parse_form,
        "b24botevents.parse_event (typed)": parse_event,
    }
    if OAuthEventData is not None:
        table["b24pysdk OAuthEventData.from_dict(dict(parse_qsl))"] = b24pysdk_event
    if qs_codec is not None:
        table[f"qs_codec.decode ({QS_OPTIONS_TEXT})"] = lambda body: qs_codec.decode(
            body, QS_OPTIONS
        )
    return table


def b24pysdk_event(body: str) -> Any:
    """What b24pysdk's integrations do with a request: its form as a dict, then the model."""
    assert OAuthEventData is not None
    return OAuthEventData.from_dict(dict(parse_qsl(body, keep_blank_values=True)))


def calibrate(func: Callable[[], Any], target: float) -> int:
    """Calls per timing run so that one run takes about ``target`` seconds."""
    number = 1
    while True:
        elapsed = timeit.timeit(func, number=number)
        if elapsed >= target or number >= 1 << 22:
            break
        number *= 2 if elapsed == 0 else max(2, min(10, int(target / elapsed) + 1))
    return max(1, int(number * target / max(elapsed, 1e-9)))


def measure(
    body: str, funcs: dict[str, Callable[[str], Any]], *, rounds: int, target: float, warmup: float
) -> dict[str, tuple[float, int]]:
    """Median seconds per call for each parser, and the calls per timing run."""
    calls = {name: (lambda f=func: f(body)) for name, func in funcs.items()}
    numbers: dict[str, int] = {}
    for name, call in calls.items():
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            call()
        numbers[name] = calibrate(call, target)
    samples: dict[str, list[float]] = {name: [] for name in calls}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, call in calls.items():
                number = numbers[name]
                elapsed = timeit.timeit(call, number=number)
                samples[name].append(elapsed / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: (statistics.median(samples[name]), numbers[name]) for name in calls}


def check(bodies: dict[str, str]) -> None:
    """Every parser must actually decode the bodies before its speed means anything."""
    for label, body in bodies.items():
        event = parse_event(body)
        assert event.code == label.split(".")[0], (label, event.code)
        tree = parse_form(body)
        assert tree["event"] == event.code
        if OAuthEventData is not None:
            sdk = b24pysdk_event(body)
            assert sdk.event == event.code
            assert sdk.auth.member_id == tree["auth"]["member_id"], "b24pysdk must read auth"
        if qs_codec is not None:
            peer = qs_codec.decode(body, QS_OPTIONS)
            assert peer["event"] == event.code
            assert peer["auth"] == tree["auth"], "the peer must decode the nesting too"


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, a couple of seconds")
    parser.add_argument("--rounds", type=int, help="timing rounds per parser (median taken)")
    parser.add_argument("--target", type=float, help="seconds per timing run")
    parser.add_argument(
        "--chart", type=Path, metavar="PNG", help="also draw the ratios as a bar chart (matplotlib)"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 25)
    target = args.target or (0.01 if args.quick else 0.08)
    warmup = 0.01 if args.quick else 0.3

    bodies = {label: load_body(name) for label, name in BODIES.items()}
    check(bodies)
    funcs = parsers()

    print(f"Python {platform.python_version()} ({platform.python_implementation()}), ", end="")
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs; b24botevents {b24botevents.__version__}",
        end="",
    )
    peer = f"qs_codec {qs_codec.__version__}" if qs_codec is not None else "qs_codec not installed"
    print(f", {peer}", end="")
    print(", b24pysdk installed" if OAuthEventData is not None else ", b24pysdk not installed")
    print(f"mode: {'quick' if args.quick else 'full'}; {rounds} rounds, ~{target}s per run, median")
    print()
    print("| body | size | parser | median per call | vs parse_qsl | calls per run |")
    print("|---|---:|---|---:|---:|---:|")
    ratios: dict[str, dict[str, float]] = {}
    for label, body in bodies.items():
        results = measure(body, funcs, rounds=rounds, target=target, warmup=warmup)
        floor = next(iter(results.values()))[0]
        ratios[label] = {name: seconds / floor for name, (seconds, _) in results.items()}
        size = f"{len(body.encode()):,} B"
        for name, (seconds, number) in results.items():
            ratio = seconds / floor
            print(
                f"| {label} | {size} | {name} | {fmt_time(seconds)} | {ratio:.2f}x | {number:,} |"
            )
    if args.chart is not None:
        draw_chart(ratios, args.chart)
        print(f"\nchart: {args.chart}")
    return 0


def draw_chart(ratios: dict[str, dict[str, float]], path: Path) -> None:
    """One group of bars per body: each parser's time over ``parse_qsl``'s, log scale."""
    import matplotlib  # the bench extra; only the chart needs it

    matplotlib.use("Agg")  # no display: write the file only
    from matplotlib import pyplot

    names = list(next(iter(ratios.values())))
    figure, axes = pyplot.subplots(figsize=(9, 4.2), dpi=110)
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        values = [ratios[label][name] for label in ratios]
        positions = [group + (index - (len(names) - 1) / 2) * width for group in range(len(ratios))]
        short = name.split(" (")[0].replace(".from_dict(dict(parse_qsl))", "")
        bars = axes.bar(positions, values, width, label=short)
        axes.bar_label(bars, labels=[f"{value:.2f}x" for value in values], fontsize=8)
    axes.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    axes.set_xticks(range(len(ratios)), [f"{label} body" for label in ratios])
    axes.set_ylabel("time per call / parse_qsl's")
    axes.set_title("Decoding a Bitrix24 event body: lower is faster")
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


if __name__ == "__main__":
    sys.exit(main())
