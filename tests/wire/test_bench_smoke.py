"""The benchmark script runs (quick mode) and prints its table; no timing is asserted."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

HEADER = "| body | size | parser | median per call | vs parse_qsl | calls per run |"
BODIES = ("ONIMBOTDELETE", "ONIMBOTMESSAGEADD.group")
OURS = ["parse_qsl", "parse_form", "parse_event"]


def run_quick(env: dict[str, str] | None = None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_parse.py"), "--quick", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
        env=env,
    )


def table_rows(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    assert HEADER in lines
    return [line for line in lines if line.startswith("| ONIMBOT")]


def test_bench_parse_quick_runs_and_prints_the_table() -> None:
    done = run_quick()
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    # The peers are optional ([bench], [test]); without one its row is left out.
    peers = (("qs_codec.decode", "qs_codec"), ("b24pysdk OAuthEventData", "b24pysdk"))
    parsers = OURS + [row for row, module in peers if importlib.util.find_spec(module)]
    assert len(rows) == len(BODIES) * len(parsers)
    for body in BODIES:
        for parser in parsers:
            assert any(f"| {body} |" in row and parser in row for row in rows), (body, parser)


def test_bench_parse_quick_runs_without_the_peer(tmp_path: Path) -> None:
    blocker = tmp_path / "qs_codec"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "src")])}
    done = run_quick(env)
    assert done.returncode == 0, done.stderr
    assert "qs_codec not installed" in done.stdout
    rows = table_rows(done.stdout)
    has_sdk = importlib.util.find_spec("b24pysdk") is not None
    assert len(rows) == len(BODIES) * (len(OURS) + has_sdk)
    assert not any("qs_codec" in row for row in rows)


def test_bench_parse_draws_its_chart(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    done = run_quick(None, "--chart", str(chart))
    assert done.returncode == 0, done.stderr
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"chart: {chart}" in done.stdout


def test_the_committed_chart_is_on_the_benchmarks_page() -> None:
    page = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert "](img/bench-parse.png)" in page
    assert "bench/bench_parse.py --chart docs/img/bench-parse.png" in page
    assert (REPO / "docs" / "img" / "bench-parse.png").read_bytes().startswith(b"\x89PNG")
