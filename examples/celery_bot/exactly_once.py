"""Exactly-once effects for tasks that are delivered at least once: ``run_once`` and ``Job``.

A task can run again: its worker was killed before the ack, or it outlived the broker's
visibility timeout. ``run_once(redis, key, run)`` makes the *Redis effects* of the run
happen once per event: it WATCHes the event's done mark (``celery_bot:done:<key>``,
``key`` being ``Deduplicator.key(event)``), skips when the mark is set, else lets ``run``
queue its writes on a MULTI pipeline (``Job.effects``) and EXECs them together with the
mark. Either all of them land, or none does: a run killed anywhere before EXEC leaves
nothing behind and the redelivery does the work; a second run racing the first finds the
mark, or loses the EXEC (the WATCH fails) and drops its writes.

What a handler does *outside* ``effects`` (a REST call, an e-mail) is not covered: it
happens once per run, so again after a kill that came before the EXEC.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from redis.client import Pipeline

from b24botevents.rest import RestClient

from .settings import PREFIX, Settings

#: How long an event's done mark is kept: longer than any task can wait for a redelivery
#: (visibility timeout, retries with backoff), or a late copy would run again.
DONE_TTL = 7 * 24 * 3600


def done_key(key: str) -> str:
    """The Redis key marking the event ``key`` (``Deduplicator.key``) as handled."""
    return f"{PREFIX}done:{key}"


@dataclass(frozen=True)
class Job:
    """One run of the handlers for one event, as the handlers see it (``current_job()``)."""

    key: str  # Deduplicator.key(event), computed by the receiver on the event as received
    #: A pipeline in MULTI mode: queue the run's Redis writes here (reads do not work on
    #: it; use ``redis``). They are applied with the done mark, or not at all.
    effects: Pipeline
    redis: redis.Redis
    client: RestClient
    settings: Settings


_current: contextvars.ContextVar[Job] = contextvars.ContextVar("celery_bot_job")


def current_job() -> Job:
    """The job a handler runs in; ``LookupError`` outside a worker's run."""
    return _current.get()


@contextmanager
def running(job: Job) -> Iterator[Job]:
    token = _current.set(job)
    try:
        yield job
    finally:
        _current.reset(token)


def run_once(client: redis.Redis, key: str, run: Callable[[Pipeline], None]) -> bool:
    """Run ``run(effects)`` and commit its writes with the done mark of ``key``, once.

    Returns False, having run nothing (or committed nothing), when the event was done
    already. An exception from ``run`` commits nothing and propagates (the task retries).
    """
    mark = done_key(key)
    with client.pipeline(transaction=True) as pipe:
        # From here, a commit by any other run of this event fails ours. (redis-py leaves
        # Pipeline.watch unannotated.)
        pipe.watch(mark)  # type: ignore[no-untyped-call]
        if pipe.exists(mark):
            return False
        pipe.multi()
        run(pipe)
        pipe.set(mark, b"1", ex=DONE_TTL)
        try:
            pipe.execute()
        except redis.WatchError:
            return False  # another run of the same event committed first: its effects stand
    return True
