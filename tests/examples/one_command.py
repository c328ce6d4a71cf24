"""Test helper: run an example's one command (``run_with_fake.py``) as a user would.

The command starts processes of its own (``redis-server``, servers, the bot); it runs in
a session of its own so that a timeout, or anything it leaves behind, is killed with it
rather than orphaned, and every wait stays bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path


def run_example(script: Path, *, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """``python script``, its output captured; ``AssertionError`` past ``timeout``."""
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_session(process.pid)
        out, err = process.communicate()
        raise AssertionError(
            f"{script.name} ran past {timeout} s:\n{out.decode()}{err.decode()}"
        ) from None
    finally:
        _kill_session(process.pid)  # whatever it started and did not stop
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _kill_session(session: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(session, signal.SIGKILL)
