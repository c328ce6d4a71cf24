"""Running the command in a subprocess: ``python -m b24botevents`` with ``src`` on the path.

``Listener`` starts ``listen --port 0``, learns the port from its first line, posts bodies
over real HTTP and stops it with a signal; ``HeldRequest`` is a request left in flight.
Waits are bounded (a hung process fails the test instead of hanging it) but nothing
asserts on how long anything took.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
FORM = "application/x-www-form-urlencoded"
#: Upper bound for any single wait; only reached when something is broken.
PATIENCE = 30.0


def command_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run_command(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "b24botevents", *args],
        input=stdin,
        capture_output=True,
        env=command_env(),
        timeout=PATIENCE * 2,
        check=False,
    )


def _pump(stream: IO[str], into: queue.Queue[str | None], kept: list[str]) -> None:
    for line in stream:
        kept.append(line)
        into.put(line)
    into.put(None)


class HeldRequest:
    """A POST to ``port`` sent all but its last byte: in flight until ``finish``.

    It never finishes unless asked: that is a stalled client.
    """

    def __init__(self, port: int, body: str) -> None:
        data = body.encode()
        head = (
            "POST /bitrix24/handler HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: {FORM}\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
        self._socket.sendall(head.encode() + data[:-1])
        self._rest = data[-1:]

    def finish(self) -> int:
        """Send the last byte; returns the status of the answer."""
        self._socket.sendall(self._rest)
        response = http.client.HTTPResponse(self._socket)
        response.begin()
        response.read()
        return response.status

    def close(self) -> None:
        self._socket.close()


class Listener:
    """``b24botevents listen --port 0 ARGS...`` in a subprocess."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "b24botevents", "listen", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=command_env(),
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._errors: queue.Queue[str | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=_pump, args=(self.process.stdout, self._lines, self.out)),
            threading.Thread(target=_pump, args=(self.process.stderr, self._errors, self.err)),
        ]
        for thread in self._threads:
            thread.daemon = True
            thread.start()
        first = self.wait_for(lambda line: "receiving Bitrix24 events at" in line)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert found, first
        self.port = int(found.group(1))
        self.wait_for(lambda line: "Ctrl-C" in line)

    def wait_for(self, predicate: Callable[[str], bool]) -> str:
        """The next stdout line that matches (earlier lines stay in ``out``)."""
        while True:
            try:
                line = self._lines.get(timeout=PATIENCE)
            except queue.Empty:
                raise AssertionError(f"no matching line; output so far: {self.out}") from None
            if line is None:
                raise AssertionError(f"listen exited; stdout {self.out}, stderr {self.err}")
            if predicate(line):
                return line

    def request(
        self, body: bytes | str | None, *, method: str = "POST", content_type: str | None = FORM
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PATIENCE)
        headers = {"Content-Type": content_type} if content_type else {}
        data = body.encode() if isinstance(body, str) else body
        try:
            connection.request(method, "/bitrix24/handler", body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def stop(self, signum: int = signal.SIGINT) -> int:
        """Send ``signum`` and wait for the exit; returns the exit code."""
        self.process.send_signal(signum)
        return self.wait_exit()

    def wait_until_refusing(self) -> None:
        """Wait until the port refuses connections: the receiver has stopped accepting."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                probe = socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE)
            except (ConnectionRefusedError, ConnectionResetError):
                return  # reset: the listening socket closed while this connect was queued
            probe.close()
            time.sleep(0.05)
        raise AssertionError(f"port {self.port} still accepts; stdout {self.out}")

    def wait_exit(self) -> int:
        """Wait for the process to exit (after a signal); returns the exit code."""
        try:
            code = self.process.wait(timeout=PATIENCE)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        for thread in self._threads:
            thread.join(timeout=PATIENCE)
        return code

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def close(self) -> None:
        """Make sure the process is gone (for a failing test's clean-up)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
