"""Races on a shared portal store, with real concurrency: separate processes, one store.

The attack: two installs of the app race, each presenting itself as the portal of a domain
(or the same ``member_id`` with its own token), hoping that both pass the "is it free?"
check before either writes, so that the attacker's token ends up bound to the victim's
domain next to (or in place of) the real one. A store whose compare-and-set and domain
index are not atomic across processes lets both win, or lets a write overwrite another
unseen. Exactly one must win each race, and a counter kept by read-modify-save-retry
must lose no update.

The racers are a pool of plain ``python -c`` processes (importing only
``b24botevents.stores``; spawned ``multiprocessing`` children would re-import pytest),
started once for the module. For each race every worker opens its own store on the one
SQLite file (or Redis server), says it is ready, and blocks until the test has written a
start byte to all of them; then they race. Nothing is mocked or dispatched: the store is
the only thing under test.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from b24botevents.stores import (
    PortalRecord,
    PortalStore,
    RedisPortalStore,
    SQLitePortalStore,
)

VICTIM = "victim.bitrix24.com"
WORKERS = 8
ROUNDS = 5  # each first-install race is run this many times, on a fresh store each time
INCREMENTS = 20  # per worker, in the counter race
DEADLINE = 60.0  # seconds any one step may take before the test fails

_WORKER = r"""
import json, sys, traceback

index = int(sys.argv[1])


def open_store(job):
    if job["backend"] == "sqlite":
        from b24botevents.stores import SQLitePortalStore

        return SQLitePortalStore(job["where"], timeout=60)
    from b24botevents.stores import RedisPortalStore

    return RedisPortalStore(job["url"], prefix=job["where"])


def shown(saved):
    return None if saved is None else [saved.member_id, saved.application_token, saved.revision]


def race(job, store):
    from b24botevents.stores import PortalRecord

    if job["mode"] == "domain":
        record = PortalRecord(
            member_id=f"m{index}", domain=job["victim"], application_token=f"tok{index}"
        )
        return shown(store.save(record, expected=None))
    if job["mode"] == "dispatch":
        from b24botevents import Dispatcher

        body = (
            f"event=ONAPPINSTALL&auth[member_id]=m{index}&auth[domain]={job['victim']}"
            f"&auth[application_token]=tok{index}"
        )
        return Dispatcher(portal_store=store).handle(body).status
    if job["mode"] == "member":
        record = PortalRecord(member_id="m", domain=job["victim"], application_token=f"tok{index}")
        return shown(store.save(record, expected=None))
    attempts = 0
    for _ in range(job["increments"]):
        while True:
            attempts += 1
            current = store.get("counter")
            count = int(current.application_token.removeprefix("count-"))
            bumped = current.evolve(application_token=f"count-{count + 1}")
            if store.save(bumped, expected=current.revision) is not None:
                break
    return attempts


def say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    job = json.loads(line)
    try:
        store = open_store(job)
        store.get("warm-up")  # connect (and create the table) now: only the race follows go
    except Exception:
        say({"error": traceback.format_exc()})
        continue
    say("ready")
    # Blocked here, using no CPU, until the test has told every worker.
    if sys.stdin.readline() != "go\n":
        break
    try:
        say({"result": race(job, store)})
    except Exception:
        say({"error": traceback.format_exc()})
    finally:
        store.close()
"""


class WorkerPool:
    """Worker processes fed jobs on stdin; a thread per worker collects its stdout lines."""

    def __init__(self, count: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.processes: list[subprocess.Popen[str]] = []
        self.lines: list[queue.Queue[str]] = []
        self.readers: list[threading.Thread] = []
        for index in range(count):
            process = subprocess.Popen(
                [sys.executable, "-c", _WORKER, str(index)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            lines: queue.Queue[str] = queue.Queue()
            reader = threading.Thread(target=self._collect, args=(process, lines), daemon=True)
            reader.start()
            self.processes.append(process)
            self.lines.append(lines)
            self.readers.append(reader)

    @staticmethod
    def _collect(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")  # the worker exited

    def _send(self, index: int, text: str) -> None:
        stdin = self.processes[index].stdin
        assert stdin is not None
        stdin.write(text)
        stdin.flush()

    def _receive(self, index: int) -> Any:
        try:
            line = self.lines[index].get(timeout=DEADLINE)
        except queue.Empty:
            pytest.fail(f"worker {index} said nothing for {DEADLINE:g} s")
        assert line, f"worker {index} exited (code {self.processes[index].poll()})"
        message = json.loads(line)
        assert not (isinstance(message, dict) and "error" in message), message["error"]
        return message

    def race(self, job: dict[str, Any]) -> list[Any]:
        """Run ``job`` in every worker at once; each worker's result, by worker index."""
        workers = range(len(self.processes))
        for index in workers:
            self._send(index, json.dumps({**job, "victim": VICTIM}) + "\n")
        for index in workers:  # every store is open and waiting
            assert self._receive(index) == "ready"
        for index in workers:
            self._send(index, "go\n")
        return [self._receive(index)["result"] for index in workers]

    def close(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for process, reader in zip(self.processes, self.readers, strict=True):
            reader.join(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture(scope="module")
def workers() -> Iterator[WorkerPool]:
    pool = WorkerPool(WORKERS)
    try:
        yield pool
    finally:
        pool.close()


class Target:
    """Where the races of one test happen: fresh SQLite files, or fresh Redis prefixes."""

    def __init__(self, backend: str, workdir: Path, url: str = "") -> None:
        self.backend = backend
        self.workdir = workdir
        self.url = url

    def fresh(self) -> str:
        tag = uuid.uuid4().hex
        return str(self.workdir / f"race-{tag}.db") if self.backend == "sqlite" else f"race:{tag}:"

    def job(self, mode: str, where: str, **more: Any) -> dict[str, Any]:
        return {"backend": self.backend, "url": self.url, "mode": mode, "where": where, **more}

    @contextmanager
    def opened(self, where: str) -> Iterator[PortalStore]:
        store: SQLitePortalStore | RedisPortalStore
        if self.backend == "sqlite":
            store = SQLitePortalStore(where)
        else:
            store = RedisPortalStore(self.url, prefix=where)
        with store:
            yield store


def _only_winner(results: list[Any]) -> int:
    winners = [index for index, result in enumerate(results) if result is not None]
    assert len(winners) == 1, results
    return winners[0]


def _first_install_of_a_domain(workers: WorkerPool, target: Target) -> None:
    for _ in range(ROUNDS):
        where = target.fresh()
        results = workers.race(target.job("domain", where))
        winner = _only_winner(results)
        assert results[winner] == [f"m{winner}", f"tok{winner}", 1]
        with target.opened(where) as store:
            assert store.get_by_domain(VICTIM) == PortalRecord(
                member_id=f"m{winner}", domain=VICTIM, application_token=f"tok{winner}", revision=1
            )
            for loser in set(range(WORKERS)) - {winner}:
                assert store.get(f"m{loser}") is None


def _first_install_of_a_member(workers: WorkerPool, target: Target) -> None:
    for _ in range(ROUNDS):
        where = target.fresh()
        results = workers.race(target.job("member", where))
        winner = _only_winner(results)
        assert results[winner] == ["m", f"tok{winner}", 1]
        want = PortalRecord(
            member_id="m", domain=VICTIM, application_token=f"tok{winner}", revision=1
        )
        with target.opened(where) as store:
            assert store.get("m") == want
            assert store.get_by_domain(VICTIM) == want


def _counter_by_compare_and_set(workers: WorkerPool, target: Target) -> None:
    where = target.fresh()
    with target.opened(where) as store:
        start = PortalRecord(member_id="counter", domain=VICTIM, application_token="count-0")
        assert store.save(start, expected=None) is not None
    attempts = workers.race(target.job("counter", where, increments=INCREMENTS))
    assert all(count >= INCREMENTS for count in attempts), attempts
    total = WORKERS * INCREMENTS
    with target.opened(where) as store:
        final = store.get("counter")
        assert final is not None
        # Every increment landed exactly once: a lost update would leave the count short,
        # and the revision counts the writes (the first save, then one per increment).
        assert final.application_token == f"count-{total}", attempts
        assert final.revision == total + 1
        assert store.get_by_domain(VICTIM) == final


def _dispatchers_installing_on_one_domain(workers: WorkerPool, target: Target) -> None:
    """The issue's own wording: two dispatchers on one store, in separate processes."""
    for _ in range(ROUNDS):
        where = target.fresh()
        statuses = workers.race(target.job("dispatch", where))
        assert sorted(statuses) == [200] + [403] * (WORKERS - 1), statuses
        winner = statuses.index(200)
        with target.opened(where) as store:
            holder = store.get_by_domain(VICTIM)
            assert holder is not None
            assert (holder.member_id, holder.application_token) == (f"m{winner}", f"tok{winner}")


# --- (a) processes on one SQLite file ----------------------------------------------------


def test_dispatchers_in_separate_processes_racing_installs_on_one_sqlite_file_bind_one_portal(
    workers: WorkerPool, tmp_path: Path
) -> None:
    _dispatchers_installing_on_one_domain(workers, Target("sqlite", tmp_path))


def test_two_processes_racing_a_first_install_on_one_sqlite_file_leave_one_winner(
    workers: WorkerPool, tmp_path: Path
) -> None:
    _first_install_of_a_domain(workers, Target("sqlite", tmp_path))


def test_processes_racing_a_first_install_of_one_member_on_one_sqlite_file_leave_one_token(
    workers: WorkerPool, tmp_path: Path
) -> None:
    _first_install_of_a_member(workers, Target("sqlite", tmp_path))


def test_processes_counting_by_compare_and_set_on_one_sqlite_file_lose_no_update(
    workers: WorkerPool, tmp_path: Path
) -> None:
    _counter_by_compare_and_set(workers, Target("sqlite", tmp_path))


# --- (b) processes on one Redis server ---------------------------------------------------


def test_dispatchers_in_separate_processes_racing_installs_on_one_redis_bind_one_portal(
    workers: WorkerPool, tmp_path: Path, redis_url: str
) -> None:
    _dispatchers_installing_on_one_domain(workers, Target("redis", tmp_path, redis_url))


def test_two_processes_racing_a_first_install_on_one_redis_leave_one_winner(
    workers: WorkerPool, tmp_path: Path, redis_url: str
) -> None:
    _first_install_of_a_domain(workers, Target("redis", tmp_path, redis_url))


def test_processes_racing_a_first_install_of_one_member_on_one_redis_leave_one_token(
    workers: WorkerPool, tmp_path: Path, redis_url: str
) -> None:
    _first_install_of_a_member(workers, Target("redis", tmp_path, redis_url))


def test_processes_counting_by_compare_and_set_on_one_redis_lose_no_update(
    workers: WorkerPool, tmp_path: Path, redis_url: str
) -> None:
    _counter_by_compare_and_set(workers, Target("redis", tmp_path, redis_url))
