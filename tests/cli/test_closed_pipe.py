"""A closed stdout (``b24botevents ... | head -c1``) ends the command quietly, status 141.

Each command runs in a subprocess whose stdout is a pipe that nobody reads any more: its
read end is closed before the command starts (or, for ``listen``, once the first lines
have been read), so every write fails with ``EPIPE`` as it would behind ``| true``.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys

from b24botevents.testing import Portal, app_install_body, sample_body

from .support import FORM, PATIENCE, command_env

CLOSED = 141


def run_into_a_closed_pipe(*args: str, stdin: bytes = b"") -> tuple[int, str]:
    """Run the command with a stdout nobody reads; its exit status and stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "b24botevents", *args],
            input=stdin,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=command_env(),
            timeout=PATIENCE * 2,
            check=False,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr.decode("utf-8", "replace")


def test_sample_into_a_closed_pipe_exits_141_without_a_traceback() -> None:
    assert run_into_a_closed_pipe("sample", "ONIMBOTDELETE") == (CLOSED, "")


def test_sample_json_into_a_closed_pipe_exits_141_without_a_traceback() -> None:
    assert run_into_a_closed_pipe("sample", "ONIMBOTDELETE", "--json") == (CLOSED, "")


def test_parse_into_a_closed_pipe_exits_141_without_a_traceback() -> None:
    body = sample_body("ONIMBOTDELETE").encode("ascii")
    assert run_into_a_closed_pipe("parse", stdin=body) == (CLOSED, "")


def test_demo_into_a_closed_pipe_exits_141_without_a_traceback() -> None:
    assert run_into_a_closed_pipe("demo") == (CLOSED, "")


def test_listen_into_a_closed_pipe_stops_at_once_with_141() -> None:
    assert run_into_a_closed_pipe("listen", "--port", "0") == (CLOSED, "")


def test_listen_stops_quietly_when_its_reader_goes_away() -> None:
    """``listen | head -n 3``: the first event line after that stops the receiver."""
    process = subprocess.Popen(
        [sys.executable, "-m", "b24botevents", "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=command_env(),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        first = process.stdout.readline().decode()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert found, first
        for _ in range(2):
            process.stdout.readline()
        process.stdout.close()  # head has read its lines and exits
        connection = http.client.HTTPConnection("127.0.0.1", int(found.group(1)), timeout=30)
        body = app_install_body(portal=Portal.random())
        connection.request("POST", "/", body=body, headers={"Content-Type": FORM})
        assert connection.getresponse().status == 200
        connection.close()
        assert process.wait(timeout=PATIENCE) == CLOSED
        assert process.stderr.read().decode() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
