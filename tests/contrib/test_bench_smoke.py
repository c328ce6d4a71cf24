"""bench/bench_asgi.py runs (quick mode) and prints its table; no speed is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .bodies import REPO

HEADER = "| server | rps per round | median rps | µs per request | vs bare Starlette |"


def run_quick(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_asgi.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
        env=env,
    )


def check_table(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert HEADER in lines
    assert any(line.startswith("| b24botevents ASGIApp |") for line in lines)
    assert any(line.startswith("| bare Starlette |") for line in lines)
    assert any(line.startswith("Machine: nproc=") for line in lines)
    return lines


def test_bench_asgi_quick_runs_and_prints_the_table() -> None:
    check_table(run_quick(dict(os.environ)))


def test_bench_asgi_quick_without_wrk_uses_the_labelled_fallback(tmp_path: Path) -> None:
    # An empty PATH hides wrk (and apt-get): quick mode must not install, but fall back.
    lines = check_table(run_quick({**os.environ, "PATH": str(tmp_path)}))
    assert any("FALLBACK: wrk missing" in line for line in lines)
