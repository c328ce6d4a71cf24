"""What the tests of the WSGI framework examples (``flask_bot``, ``django_bot``) share.

Posting a Bitrix24 body over real HTTP, waiting (bounded) for what background handlers
do, and serving an example in a process of its own with waitress's command line (the
way it is deployed), stopped with SIGINT so that its shutdown runs as in production.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from b24botevents.testing import FORM_CONTENT_TYPE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WAIT = 10.0  # seconds for one answer or one effect, at most
SERVING = "Serving on http://"
#: ``python -m waitress``, but with SIGINT's default handler put back first. An ignored
#: signal is inherited: when this process was started ignoring SIGINT (a background job
#: of a non-interactive shell, as some CI runners start it), waitress would never see
#: it, and SIGINT is the one signal it stops on cleanly.
WAITRESS = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'waitress-serve'; from waitress.runner import run; sys.exit(run())"
)


def post(url: str, body: str) -> int:
    """POST ``body`` as Bitrix24 does; the HTTP status (errors included)."""
    request = urllib.request.Request(  # noqa: S310 - a 127.0.0.1 test server
        url, data=body.encode(), headers={"Content-Type": FORM_CONTENT_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def wait_until(done: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Poll ``done`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@dataclass
class ServedProcess:
    """A server process: its base URL, what it printed so far, and its exit status."""

    url: str = ""
    lines: list[str] = field(default_factory=list)
    returncode: int | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)


@contextmanager
def waitress_process(
    target: str, *, cwd: Path, env: Mapping[str, str], startup: float = 20.0
) -> Iterator[ServedProcess]:
    """Serve ``target`` (``module:app``) with waitress's command line on 127.0.0.1:0.

    Yields once waitress says where it listens. At exit the process gets SIGINT (waitress
    stops, then ``atexit`` runs, as on a deploy) and 20 s to exit, else it is killed;
    ``returncode`` and the whole output are kept for the test to check.
    """
    served = ServedProcess()
    ready = threading.Event()
    process = subprocess.Popen(
        [sys.executable, "-c", WAITRESS, "--listen=127.0.0.1:0", target],
        cwd=cwd,  # waitress imports ``target`` from the working directory
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def read() -> None:  # drains the pipe to the end, so the server never blocks on it
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line)
            if SERVING in line and not ready.is_set():
                served.url = "http://" + line.split(SERVING, 1)[1].strip()
                ready.set()
        ready.set()  # the process ended: stop waiting for it

    reader = threading.Thread(target=read, name="waitress-process-output", daemon=True)
    reader.start()
    try:
        assert ready.wait(startup), f"{target} did not start:\n{served.output}"
        assert served.url, f"{target} stopped during startup:\n{served.output}"
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        reader.join(10)
        assert process.stdout is not None
        process.stdout.close()
        served.returncode = process.returncode
