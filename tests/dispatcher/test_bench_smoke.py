"""``bench/bench_dispatch.py --quick`` runs to completion and prints its table.

No timing is asserted: the numbers depend on the machine and its load.
"""

from __future__ import annotations

from bench_runner import run_bench

HEADER = "| body | case | median per call | overhead vs parse_event | target |"
VARIANTS = ["str, full auth", "bytes, full auth", "str, minimal auth", "bytes, minimal auth"]


def test_bench_quick_runs_and_prints_the_table() -> None:
    result = run_bench("bench_dispatch.py", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert HEADER in lines
    rows = lines[lines.index(HEADER) + 2 : lines.index(HEADER) + 2 + 3 * len(VARIANTS)]
    cases = [
        "`parse_event(body)`",
        "`dp.handle(body)`, MemoryPortalStore",
        "`dp.handle(body)`, SQLitePortalStore (file)",
    ]
    # Every variant of the body, each with its baseline and both stores.
    assert [(row.split("|")[1].strip(), row.split("|")[2].strip()) for row in rows] == [
        (variant, case) for variant in VARIANTS for case in cases
    ]
    assert all(" µs " in row for row in rows)
    assert any(line.startswith("- machine: ") for line in lines)
    assert any(line.startswith("- Python ") for line in lines)
