"""``bench/bench_poller.py`` runs and reports every side; it asserts what it prints, not a speed."""

from __future__ import annotations

from bench_runner import run_bench


def test_bench_poller_quick_run_reports_both_comparisons() -> None:
    done = run_bench("bench_poller.py", "--quick", timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("bench_poller: pages of 1000 ONIMBOTV2MESSAGEADD events")
    assert "json + parse_event" in out
    assert "json + converter" in out
    assert "hand-written loop" in out
    assert "poller overhead per event over parse_event:" in out
