"""Support of the resilience tests: poller worker processes, what they wrote, what was acked.

``Workers`` starts ``worker.py`` processes against the served fake portal (and kills
whatever is left when its ``with`` block ends); ``read_lines`` parses the ``"<event_id>
<pid>"`` lines they append; ``AckWatch`` checks, at the moment the fake acts on each
``Event.get`` call, that every event below the ``offset`` sent was already written (an
acknowledged event is gone from Bitrix24 for good); ``wait_until`` is the one bounded wait.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24botevents.testing import FakeBitrix24

from .support import BOT_ID, BOT_TOKEN, PollRig

WORKER = Path(__file__).with_name("worker.py")
#: How long a worker may take to stop after SIGTERM (it finishes the current event).
STOP_TIMEOUT = 15.0


def wait_until(condition: Callable[[], object], what: str, timeout: float = 20.0) -> float:
    """Poll ``condition`` every 5 ms until it is true; the seconds it took. Fails after
    ``timeout`` saying ``what`` was awaited."""
    start = time.monotonic()
    deadline = start + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.005)
    return time.monotonic() - start


def read_lines(path: Path, *, strict: bool = False) -> list[tuple[int, int]]:
    """The ``(event_id, pid)`` lines of ``path`` (a line still being written is left out,
    unless ``strict``, which also fails on anything malformed)."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    tail = lines.pop()
    if strict:
        assert tail == "", f"unterminated last line {tail!r}"
    pairs: list[tuple[int, int]] = []
    for line in lines:
        event_id, pid = line.split(" ")
        pairs.append((int(event_id), int(pid)))
    return pairs


def duplicates(lines: list[tuple[int, int]]) -> dict[int, int]:
    """The ids written more than once, with their counts."""
    counts = Counter(event_id for event_id, _ in lines)
    return {event_id: count for event_id, count in counts.items() if count > 1}


def check_delivery(lines: list[tuple[int, int]], pushed: list[int], *, most_twice: int) -> None:
    """Every pushed id written, in order, nothing else; at most ``most_twice`` ids written
    twice, none more often."""
    ids = [event_id for event_id, _ in lines]
    assert set(ids) == set(pushed), (
        f"missing {sorted(set(pushed) - set(ids))[:10]}, foreign {sorted(set(ids) - set(pushed))}"
    )
    twice = duplicates(lines)
    assert all(count == 2 for count in twice.values()), twice
    assert len(twice) <= most_twice, twice
    # One consumer at a time, each from where the last one's marks left off: the ids never
    # go back (an id handled again comes right after its first line).
    assert ids == sorted(ids), "ids out of order"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    ready: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, and reap it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def terminate(self) -> int:
        """SIGTERM; its exit code (it must stop within ``STOP_TIMEOUT``)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker {self.pid} ignored SIGTERM\n{self.stderr()}") from None

    def wait_ready(self, timeout: float = 20.0) -> None:
        wait_until(
            lambda: self.ready.exists() or self.process.poll() is not None,
            f"worker {self.pid} to start",
            timeout,
        )
        assert self.ready.exists(), f"worker {self.pid} died on start\n{self.stderr()}"

    def stderr(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Workers:
    """Worker processes of one test, all writing to ``out``."""

    rig: PollRig
    hook: str
    directory: Path
    out: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, offsets: str, *options: str, delay: float = 0.002) -> Worker:
        index = len(self.started)
        log = self.directory / f"worker-{index}.log"
        ready = self.directory / f"worker-{index}.ready"
        command = [
            sys.executable,
            str(WORKER),
            "--webhook", self.hook,
            "--bot-token", BOT_TOKEN,
            "--bot-id", str(BOT_ID),
            "--offsets", offsets,
            "--out", str(self.out),
            "--ready", str(ready),
            "--delay", str(delay),
            *options,
        ]  # fmt: skip
        with log.open("wb") as stream:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=stream, stderr=subprocess.STDOUT
            )
        worker = Worker(process, log, ready)
        self.started.append(worker)
        return worker

    def lines(self) -> list[tuple[int, int]]:
        return read_lines(self.out)

    def count(self) -> int:
        return len(self.lines())

    def ids(self) -> set[int]:
        return {event_id for event_id, _ in self.lines()}

    def logs(self) -> str:
        return "\n".join(f"--- worker {w.pid}:\n{w.stderr()}" for w in self.started)

    def kill_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.kill()
            with suppress(subprocess.TimeoutExpired):  # a SIGKILL is not refused
                worker.process.wait(timeout=STOP_TIMEOUT)


class AckWatch:
    """Checks every ``offset`` as the fake acts on it against the ids written by then.

    Wraps the fake's engine (``finish`` answers one request under the fake's lock): before
    a request is answered the file is read, and each offset the request then confirmed must
    not confirm a pushed id that was not yet in it. ``violations`` lists what did.
    """

    def __init__(self, fake: FakeBitrix24, out: Path) -> None:
        self.fake = fake
        self.out = out
        self.pushed: list[int] = []
        self.violations: list[str] = []
        self.acked = 0
        self._lock = threading.Lock()
        engine: Any = fake._engine
        original = engine.finish

        def finish(request: Any, fault: Any) -> Any:
            with self._lock:
                written = {event_id for event_id, _ in read_lines(self.out)}
                before = len(self.fake.event_offsets)
                reply = original(request, fault)
                for record in self.fake.event_offsets[before:]:
                    if record.offset is None:
                        continue
                    self.acked = max(self.acked, record.offset)
                    early = [i for i in self.pushed if i < record.offset and i not in written]
                    if early:
                        self.violations.append(
                            f"offset {record.offset} acknowledged unwritten ids {early[:10]}"
                        )
                return reply

        engine.finish = finish


@contextmanager
def process_rig(rig: PollRig, directory: Path) -> Iterator[tuple[Workers, AckWatch]]:
    """``Workers`` on ``rig``'s served fake (``poll_rig(served=True)``), an ``AckWatch`` on
    it; every worker still running at the end is killed."""
    webhook = rig.client.webhook
    assert webhook is not None
    out = directory / "handled.txt"
    workers = Workers(rig, webhook.url, directory, out)
    watch = AckWatch(rig.fake, out)
    try:
        yield workers, watch
    finally:
        workers.kill_all()


def consumer_key(workers: Workers) -> str:
    """The key a worker's ``Poller`` keeps its progress under (``<webhook host>/<bot id>``)."""
    webhook = workers.rig.client.webhook
    assert webhook is not None
    return f"{webhook.host}/{BOT_ID}"


def all_done(workers: Workers, watch: AckWatch) -> Callable[[], bool]:
    """True once every pushed id is written and acknowledged (nothing left pending)."""

    def done() -> bool:
        return workers.ids() >= set(watch.pushed) and not workers.rig.fake.pending_events(
            workers.rig.portal, BOT_ID
        )

    return done


def pid_runs(lines: list[tuple[int, int]]) -> list[int]:
    """The pids of the lines, one per run of consecutive lines from the same process."""
    runs: list[int] = []
    for _, pid in lines:
        if not runs or runs[-1] != pid:
            runs.append(pid)
    return runs


__all__ = [
    "AckWatch",
    "Worker",
    "Workers",
    "all_done",
    "check_delivery",
    "consumer_key",
    "duplicates",
    "pid_runs",
    "process_rig",
    "read_lines",
    "wait_until",
]
