"""``bench/bench_instructions.py`` runs in both modes (without valgrind: a smoke run)."""

from __future__ import annotations

import pytest

from bench_runner import run_bench


@pytest.mark.parametrize("mode", ["handle", "parse"])
def test_bench_instructions_runs(mode: str) -> None:
    result = run_bench("bench_instructions.py", mode, "--calls", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{mode}: 205 calls"
