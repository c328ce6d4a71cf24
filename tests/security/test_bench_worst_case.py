"""``bench/bench_worst_case.py --quick`` runs to completion and prints every worst case.

No timing is asserted (the figures live in ``docs/benchmarks.md``); what is asserted is
what each worst-case body is answered.
"""

from __future__ import annotations

from bench_runner import run_bench


def test_bench_quick_runs_and_reports_every_worst_case() -> None:
    result = run_bench("bench_worst_case.py", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line[:38].strip(): line.split()[-1] for line in result.stdout.splitlines()[2:5]}
    assert rows == {
        "1 MiB of %41": "403",
        "990 x 32-deep, default limits": "413",
        "990 x 32-deep, max_containers=40000": "403",
    }
    assert "largest event-loop gap" in result.stdout
