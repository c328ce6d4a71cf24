"""Resilience of fetch mode with real processes (issue 10 §4): no event lost and none handled
twice across poller restarts (SIGKILL mid-page: at most the event whose handler was running
counted twice), competing pollers, and Redis restarts.

The fake portal is served on 127.0.0.1 by this process; each poller is ``worker.py`` in its
own process, writing ``"<event_id> <pid>"`` per handled event; ``AckWatch`` checks that no
``offset`` ever acknowledged an event before its line was written. Offsets live in a real
SQLite file or a real ``redis-server`` (with AOF, fsync always, where it is restarted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from b24botevents.stores.sqlite_offsets import SQLiteOffsetStore
from redis_server import RedisServer, start_redis_server

from .processes import (
    AckWatch,
    Workers,
    all_done,
    check_delivery,
    consumer_key,
    duplicates,
    pid_runs,
    process_rig,
    read_lines,
    wait_until,
)
from .support import BOT_ID, poll_rig

EVENTS = 300  # three pages of 100
LEASE_TTL = 1.0  # the worker's defaults
LEASE_RETRY = 0.1
#: What a takeover may take beyond the lease running out and the next try: starting the
#: next request, fetching the page and handling its first event, on a busy 2-core machine.
TAKEOVER_SLACK = 2.0
PERSISTENT = ("--appendonly", "yes", "--appendfsync", "always")


def _finish(workers: Workers, watch: AckWatch) -> None:
    """Wait until every event is written and acknowledged, then SIGTERM the running worker."""
    try:
        wait_until(all_done(workers, watch), "every event to be handled and acknowledged")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.logs()}") from None
    running = [w for w in workers.started if w.process.poll() is None]
    assert len(running) == 1, workers.logs()
    assert running[0].terminate() == 0, workers.logs()


def _check(workers: Workers, watch: AckWatch, *, most_twice: int) -> None:
    lines = read_lines(workers.out, strict=True)  # every line whole: no torn write
    try:
        check_delivery(lines, watch.pushed, most_twice=most_twice)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.logs()}") from None
    assert watch.violations == [], watch.violations
    assert watch.acked == watch.pushed[-1] + 1


def _written(workers: Workers, count: int) -> Callable[[], bool]:
    return lambda: workers.count() >= count


def _final_metrics(text: str) -> dict[str, int]:
    """The figures of a worker's last line (``worker N: stopped; handled 300, ...``)."""
    (line,) = [line for line in text.splitlines() if ": stopped; " in line]
    pairs = (part.rsplit(" ", 1) for part in line.split("; ", 1)[1].split(", "))
    return {name: int(value) for name, value in pairs}


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'offsets.db'}"


def test_sigkill_mid_page_loses_nothing_and_repeats_at_most_the_running_event(
    tmp_path: Path,
) -> None:
    with poll_rig(served=True) as rig, process_rig(rig, tmp_path) as (workers, watch):
        watch.pushed = rig.push(EVENTS)
        spec = _sqlite(tmp_path)
        # Killed from outside, in the middle of the first page.
        first = workers.start(spec)
        wait_until(_written(workers, 40), "40 events")
        first.kill()
        # Kills itself right after the last line of the second page, before its mark.
        last_of_page = watch.pushed[199]
        second = workers.start(spec, "--kill-at-id", str(last_of_page))
        assert second.process.wait(timeout=30) == -9, workers.logs()
        # Killed from outside again, in the middle of the third page.
        third = workers.start(spec)
        wait_until(_written(workers, 250), "250 events")
        third.kill()
        workers.start(spec)
        _finish(workers, watch)
        _check(workers, watch, most_twice=3)
        twice = duplicates(workers.lines())
        assert last_of_page in twice  # the one event whose handler had run


def test_sigterm_mid_page_stops_cleanly_and_the_next_start_repeats_nothing(
    tmp_path: Path,
) -> None:
    with poll_rig(served=True) as rig, process_rig(rig, tmp_path) as (workers, watch):
        watch.pushed = rig.push(EVENTS)
        spec = _sqlite(tmp_path)
        key = consumer_key(workers)
        for at in (60, 160):
            worker = workers.start(spec)
            wait_until(_written(workers, at), f"{at} events")
            assert worker.terminate() == 0, workers.logs()
            lines = workers.lines()
            assert duplicates(lines) == {}
            assert [event_id for event_id, _ in lines] == watch.pushed[: len(lines)]
            with SQLiteOffsetStore(tmp_path / "offsets.db") as store:
                # Stopped between events: the last one written is marked, the lease free.
                assert store.load(key).handled == lines[-1][0]
                assert store.holder(key) is None
        workers.start(spec)
        _finish(workers, watch)
        _check(workers, watch, most_twice=0)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_two_competing_pollers_one_consumes_and_the_other_takes_over(
    tmp_path: Path, backend: str
) -> None:
    server: RedisServer | None = None
    try:
        if backend == "redis":
            server = start_redis_server()
            spec = server.url
        else:
            spec = _sqlite(tmp_path)
        with poll_rig(served=True) as rig, process_rig(rig, tmp_path) as (workers, watch):
            pair = [workers.start(spec, delay=0.003), workers.start(spec, delay=0.003)]
            for worker in pair:
                worker.wait_ready()
            watch.pushed = rig.push(EVENTS)
            wait_until(_written(workers, 150), "150 events")
            active_pid = workers.lines()[-1][1]
            (active,) = [w for w in pair if w.pid == active_pid]
            (standby,) = [w for w in pair if w.pid != active_pid]
            active.kill()
            before = workers.lines()
            # While both ran: each event once, all from the one holding the lease.
            assert duplicates(before) == {}
            assert pid_runs(before) == [active_pid]
            took = wait_until(
                lambda: any(pid == standby.pid for _, pid in workers.lines()),
                "the other poller to take over",
                timeout=10.0,
            )
            assert took < LEASE_TTL + LEASE_RETRY + TAKEOVER_SLACK, took
            _finish(workers, watch)
            lines = workers.lines()
            assert pid_runs(lines) == [active_pid, standby.pid]
            _check(workers, watch, most_twice=1)
            # Only the event whose handler ran when the active one died may come twice.
            assert set(duplicates(lines)) <= {before[-1][0]}
    finally:
        if server is not None:
            server.stop()


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_the_poller_rides_out_redis_restarts(tmp_path: Path, how: str) -> None:
    server = start_redis_server(extra_args=PERSISTENT)
    try:
        with poll_rig(served=True) as rig, process_rig(rig, tmp_path) as (workers, watch):
            watch.pushed = rig.push(EVENTS)
            worker = workers.start(server.url, delay=0.003)
            for at, down in ((60, 0.5), (180, 1.0)):
                wait_until(_written(workers, at), f"{at} events")
                if how == "sigterm":
                    server.stop_process()  # it flushes the AOF and exits
                else:
                    server.process.kill()  # AOF fsync always: what it answered is on disk
                    server.process.wait(timeout=5)
                stopped_at = workers.count()
                time.sleep(down)
                # The worker waits for the store: nothing more is marked, so at most the
                # event running at the stop was written meanwhile.
                assert workers.count() <= stopped_at + 1
                server.restart()
                assert worker.process.poll() is None, workers.logs()
            _finish(workers, watch)
            _check(workers, watch, most_twice=0)
            figures = _final_metrics(worker.stderr())
            assert figures["store errors"] > 0  # it did wait for the store
            # The lease ran out while Redis was down; nobody had it, so it was taken again
            # and the mark of the event handled meanwhile saved, not refused.
            assert figures["leases lost"] == 0
    finally:
        server.stop()


def test_the_ack_watch_sees_an_offset_sent_before_the_events_were_written(
    tmp_path: Path,
) -> None:
    with poll_rig(served=True) as rig, process_rig(rig, tmp_path) as (_, watch):
        watch.pushed = rig.push(3)
        # Nothing was written, yet this confirms the first event.
        rig.client.call("imbot.v2.Event.get", {"botId": BOT_ID, "offset": watch.pushed[1]})
        first, second, _ = watch.pushed
        assert watch.violations == [f"offset {second} acknowledged unwritten ids [{first}]"]
