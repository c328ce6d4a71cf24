"""Test helper: a real, throw-away ``redis-server`` on 127.0.0.1, and a port nobody serves.

``start_redis_server()`` (or the ``running_redis_server()`` context manager) starts
``redis-server`` on a free port with persistence off and its working directory in a fresh
temporary directory, and waits (bounded) until it answers ``PING``; ``RedisServer.stop()``
stops it and removes the directory. ``extra_args`` are appended to the command line (a
later option overrides an earlier one: ``("--appendonly", "yes")`` turns persistence on),
and ``RedisServer.restart()`` stops the process and starts a new one on the same port,
directory and arguments, so that what it persisted is read back. ``dead_redis_url()`` holds
a bound but never-listening socket, so connecting to its URL is refused at once and no
other process can take the port meanwhile. Neither needs redis-py.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "RedisServer",
    "RedisServerError",
    "dead_redis_url",
    "running_redis_server",
    "start_redis_server",
]

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class RedisServerError(RuntimeError):
    """``redis-server`` is missing or did not come up."""


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]
    workdir: tempfile.TemporaryDirectory[str]
    extra_args: tuple[str, ...] = ()
    executable: str = "redis-server"

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its directory. Idempotent."""
        _stop(self.process)
        self.workdir.cleanup()

    def stop_process(self) -> None:
        """Stop the process only (SIGTERM, so it saves what it persists); keep the directory."""
        _stop(self.process)

    def restart(self) -> None:
        """Stop the process if it runs, then start it again: same port, directory and arguments."""
        _stop(self.process)
        _, self.process = _start(
            self.executable, Path(self.workdir.name), self.port, self.extra_args
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def _start(
    executable: str, workdir: Path, wanted_port: int | None, extra_args: tuple[str, ...] = ()
) -> tuple[int, subprocess.Popen[bytes]]:
    # A free port is only free when we looked; if redis-server loses the race for it, it
    # exits and we try another (unless the caller asked for that very port).
    last_log = ""
    for attempt in range(1 if wanted_port else 3):
        port = wanted_port or _free_port()
        log_path = workdir / f"redis-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    executable,
                    "--port", str(port),
                    "--bind", HOST,
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(workdir),
                    *extra_args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers_ping(port):
                return port, process
            time.sleep(0.05)
        _stop(process)
        last_log = log_path.read_text(errors="replace")
        if "Address already in use" not in last_log:
            break
    raise RedisServerError(
        f"redis-server did not answer PING within {START_TIMEOUT:g} s; its log:\n{last_log}"
    )


def start_redis_server(port: int | None = None, *, extra_args: tuple[str, ...] = ()) -> RedisServer:
    """Start a fresh ``redis-server`` (on ``port``, else a free one); the caller must stop it.

    ``extra_args`` go after the defaults (persistence off), so they override them.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise RedisServerError(
            "redis-server is not on PATH; the store tests need a real one"
            " (e.g. `apt-get install redis-server`)"
        )
    workdir = tempfile.TemporaryDirectory(prefix="b24botevents-redis-")
    try:
        port, process = _start(executable, Path(workdir.name), port, tuple(extra_args))
    except BaseException:
        workdir.cleanup()
        raise
    return RedisServer(
        port=port,
        process=process,
        workdir=workdir,
        extra_args=tuple(extra_args),
        executable=executable,
    )


@contextmanager
def running_redis_server() -> Iterator[RedisServer]:
    """Run a fresh ``redis-server`` for the duration of the ``with`` block."""
    server = start_redis_server()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def dead_redis_url() -> Iterator[str]:
    """Yield a ``redis://`` URL to a local port where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Bound but never listen(): connections are refused, and the port stays ours.
        sock.bind((HOST, 0))
        yield f"redis://{HOST}:{sock.getsockname()[1]}/0"
