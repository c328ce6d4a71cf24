"""Test helper: run a ``bench/`` script in a subprocess, as a user would, and capture it.

The bench smoke tests assert what a script prints, never a speed. The child gets the
source tree on its ``PYTHONPATH`` so it measures this checkout, installed or not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_bench(
    script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``bench/<script>`` with ``args``; ``env`` defaults to this process's."""
    child = dict(os.environ if env is None else env)
    child["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), *filter(None, [child.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        cwd=REPO,
        env=child,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
