"""``bench/bench_reply.py`` runs and reports both sides; it asserts what it prints, not a speed."""

from __future__ import annotations

import re

from bench_runner import run_bench


def test_the_reply_bench_runs_and_compares_both_sides() -> None:
    done = run_bench("bench_reply.py", "--quick")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.startswith("bench_reply: one imbot.v2.Chat.Message.send")
    for side in ("sync", "async"):
        assert re.search(rf"^{side}\s+\d+\s+\d+\s+\d+\.\d\dx$", out, re.MULTILINE), out
    assert re.search(r"^lowest ratio \d+\.\d\dx: (meets|MISSES) the 0\.8x target$", out, re.M)
