"""Shared set-up of the ``poll`` tests: a fake Bitrix24 with a fetch-mode bot, served on
127.0.0.1, and the command run against it in a subprocess.

* ``poll_bench()``: a ``FakeBitrix24`` served for the block, with one portal, one bot
  registered over an inbound webhook with ``eventMode: fetch`` and that webhook;
  ``bench.args(...)`` is a ``poll`` command line for it, ``bench.push(n)`` queues events;
* ``Polling``: ``python -m b24botevents poll ...`` in a subprocess, its stdout and stderr
  read as they come, stopped with a signal.

The webhook's secret and the bot's token are distinctive canary strings, so a leak can be
searched for. Waits are bounded (a hung process fails the test instead of hanging it).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from b24botevents.testing import FakeBitrix24, Portal

from .support import PATIENCE, command_env

WEBHOOK_SECRET = "whsecretCANARYpoll7"
BOT_TOKEN = "bottokenCANARYpoll3"
BOT_ID = 456
#: The code of the events the tests push (the fake makes up realistic data for it).
CODE = "ONIMBOTV2JOINCHAT"


@dataclass
class PollBench:
    """A served fake with one portal and one fetch-mode bot, and its webhook."""

    fake: FakeBitrix24
    portal: Portal
    webhook: str

    @property
    def key(self) -> str:
        """The poller's default offset-store key for the bot: ``<webhook host>/<bot_id>``."""
        return f"{urllib.parse.urlsplit(self.webhook).netloc}/{BOT_ID}"

    def args(self, *extra: str) -> list[str]:
        """``poll`` for the bot, polling fast (an idle queue is asked again after 50 ms)."""
        return [
            "poll",
            "--webhook",
            self.webhook,
            "--bot-id",
            str(BOT_ID),
            "--bot-token",
            BOT_TOKEN,
            "--idle-interval",
            "0.05",
            *extra,
        ]

    def push(self, count: int, code: str = CODE) -> list[int]:
        """Queue ``count`` events of ``code`` for the bot; their event ids."""
        return self.fake.push_events(self.portal, BOT_ID, code, count)

    def secrets(self) -> tuple[str, ...]:
        """What must never be printed: the webhook's secret (and so its URL), the bot's
        token, the portal's tokens."""
        return (WEBHOOK_SECRET, self.webhook, BOT_TOKEN, *self.portal.tokens())


@contextmanager
def poll_bench() -> Iterator[PollBench]:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve():
        fake.add_bot(portal, BOT_ID, bot_token=BOT_TOKEN, event_mode="fetch")
        webhook = fake.add_webhook(portal, 1, WEBHOOK_SECRET)
        yield PollBench(fake, portal, webhook)


def assert_no_secrets(bench: PollBench, *texts: str) -> None:
    for text in texts:
        for secret in bench.secrets():
            assert secret not in text


def json_lines(text: str) -> list[dict[str, Any]]:
    """Each line of ``text`` as a JSON object (each must be one)."""
    found = [json.loads(line) for line in text.splitlines()]
    assert all(isinstance(each, dict) for each in found)
    return found


def _pump(stream: IO[str], into: queue.Queue[str | None], kept: list[str]) -> None:
    for line in stream:
        kept.append(line)
        into.put(line)
    into.put(None)


class Polling:
    """``b24botevents poll ARGS...`` in a subprocess."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "b24botevents", *args],
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

    def wait_for_error(self, predicate: Callable[[str], bool]) -> str:
        """The next stderr line that matches (all lines stay in ``err``)."""
        return self._wait(self._errors, predicate, "stderr")

    def wait_for_lines(self, count: int) -> list[str]:
        """The next ``count`` stdout lines."""
        return [self._wait(self._lines, lambda line: True, "stdout") for _ in range(count)]

    def _wait(
        self, lines: queue.Queue[str | None], predicate: Callable[[str], bool], what: str
    ) -> str:
        while True:
            try:
                line = lines.get(timeout=PATIENCE)
            except queue.Empty:
                raise AssertionError(f"no matching {what} line; {self.output}") from None
            if line is None:
                raise AssertionError(f"poll exited ({self.process.poll()}); {self.output}")
            if predicate(line):
                return line

    def stop(self, signum: int) -> int:
        """Send ``signum`` and wait for the exit; returns the exit code."""
        self.process.send_signal(signum)
        return self.wait_exit()

    def wait_exit(self) -> int:
        """Wait for the process to exit; returns the exit code (all output read)."""
        try:
            code = self.process.wait(timeout=PATIENCE)
        finally:
            self.close()
        return code

    def close(self) -> None:
        """Make sure the process is gone, its output read and its pipes closed."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for thread in self._threads:
            thread.join(timeout=PATIENCE)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    @property
    def output(self) -> str:
        return f"stdout {self.out!r}, stderr {self.err!r}"


@contextmanager
def polling(args: list[str]) -> Iterator[Polling]:
    started = Polling(args)
    try:
        yield started
    finally:
        started.close()
