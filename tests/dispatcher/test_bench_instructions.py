"""``bench/bench_instructions.py`` runs in both modes (without valgrind: a smoke run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_instructions.py"


@pytest.mark.parametrize("mode", ["handle", "parse"])
def test_bench_instructions_runs(mode: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), mode, "--calls", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{mode}: 205 calls"
