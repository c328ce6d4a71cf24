"""``poll`` as a real process (``python -m b24botevents poll ...``) against a fake
Bitrix24 served on 127.0.0.1: stopped by signals, restarted, its stdout closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .poll_support import BOT_ID, PollBench, assert_no_secrets, json_lines, poll_bench, polling
from .support import PATIENCE, command_env


@pytest.fixture
def bench() -> Iterator[PollBench]:
    with poll_bench() as started:
        yield started


def ids_of(lines: list[str]) -> list[int]:
    return [int(each["event_id"]) for each in json_lines("".join(lines))]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_run_exits_0_with_every_event_printed_once(
    bench: PollBench, signum: int
) -> None:
    pushed = bench.push(3)
    with polling(bench.args("--json")) as poll:
        assert ids_of(poll.wait_for_lines(3)) == pushed
        pushed += bench.push(4)  # while it runs: the next polls bring them
        assert ids_of(poll.wait_for_lines(4)) == pushed[3:]
        assert poll.stop(signum) == 0, poll.output
    assert ids_of(poll.out) == pushed  # every one, exactly once, nothing else on stdout
    summary = poll.stderr.splitlines()[-1]
    assert summary.startswith("b24botevents poll: stopped: 7 events handled, ")
    assert f"offset {pushed[-1] + 1}" in summary
    assert "Traceback" not in poll.stderr
    assert_no_secrets(bench, poll.stdout, poll.stderr)


def test_a_restart_with_an_sqlite_store_prints_nothing_twice_and_misses_nothing(
    bench: PollBench, tmp_path: Path
) -> None:
    args = bench.args(
        "--json", "--offset-store", f"sqlite:{tmp_path / 'offsets.db'}", "--limit", "3"
    )
    pushed = bench.push(5)
    with polling(args) as first:
        first.wait_for_lines(5)
        assert first.stop(signal.SIGTERM) == 0, first.output
    assert "not kept across runs" not in first.stderr
    pushed += bench.push(3)
    with polling(args) as second:
        second.wait_for_lines(3)
        assert second.stop(signal.SIGTERM) == 0, second.output
    seen = ids_of(first.out) + ids_of(second.out)
    assert seen == pushed
    assert "stopped: 3 events handled" in second.stderr
    assert bench.fake.pending_events(bench.portal, BOT_ID) == pushed[-3:]  # acked next time
    assert_no_secrets(bench, first.stdout, first.stderr, second.stdout, second.stderr)


def test_a_closed_stdout_exits_141_and_loses_no_event(bench: PollBench, tmp_path: Path) -> None:
    args = bench.args("--json", "--once", "--offset-store", f"sqlite:{tmp_path / 'offsets.db'}")
    pushed = bench.push(2)
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first line fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "b24botevents", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=command_env(),
            timeout=PATIENCE * 2,
            check=False,
        )
    finally:
        os.close(write_end)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 141, err
    assert "Traceback" not in err
    with polling(args) as again:  # what could not be printed comes again
        assert again.wait_exit() == 0, again.output
    assert ids_of(again.out) == pushed


def test_a_second_signal_stops_at_once_with_130(bench: PollBench) -> None:
    """The first signal waits for the call in flight (here: a slow answer), the second
    does not."""
    bench.fake.delay_next(4.0, method="imbot.v2.Event.get")
    with polling(bench.args("--json")) as poll:
        poll.wait_for_error(lambda line: "polling bot" in line)
        time.sleep(1.0)  # the first call is under way: its answer comes in 4 s
        poll.process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        assert poll.stop(signal.SIGTERM) == 130, poll.output
    assert "interrupted" in poll.stderr
    assert "Traceback" not in poll.stderr
    assert_no_secrets(bench, poll.stdout, poll.stderr)
