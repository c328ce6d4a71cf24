"""The Celery side: ``make_celery(settings)`` (the app and its one task) and ``enqueue``.

The receiver calls ``enqueue(celery, event)``: the task's arguments are the event as
``to_dict(event, redact=True)`` (every token masked: the broker, its monitoring and the
workers never see one; replies use the portal's stored credentials) and the event's
``Deduplicator.key``, computed on the event as received. A worker rebuilds the event
with ``parse_event`` and runs the shared router on it through ``run_once``.

The configuration is what at-least-once delivery needs: a task is acknowledged after it
ran (``acks_late``), is handed back when its worker process dies
(``reject_on_worker_lost``), a worker holds one unacknowledged task at a time
(``prefetch_multiplier=1``), and a task left unacknowledged by a dead worker comes back
``visibility_timeout`` seconds after it was taken, at the next sweep of any worker.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from celery import Celery
from redis.client import Pipeline

from b24botevents import Deduplicator, StoreUnavailable, parse_event, to_dict
from b24botevents.errors import RestError
from b24botevents.models import Event
from b24botevents.rest import RestClient
from b24botevents.stores import RedisPortalStore

from .exactly_once import Job, run_once, running
from .handlers import router
from .settings import Settings

logger = logging.getLogger("celery_bot")

TASK = "celery_bot.handle_event"
#: Failures worth another try later (Bitrix24 or Redis away); anything else is a bug and
#: fails the task, logged by Celery.
TRANSIENT = (RestError, StoreUnavailable, redis.RedisError)


class _Resources:
    """A worker process's Redis and REST clients, made on first use: after a prefork
    child is forked, so that no connection is shared between processes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._made: tuple[redis.Redis, RestClient] | None = None

    def get(self) -> tuple[redis.Redis, RestClient]:
        with self._lock:
            if self._made is None:
                settings = self.settings
                client = redis.Redis.from_url(
                    settings.redis_url, socket_timeout=10.0, socket_connect_timeout=10.0
                )
                rest = RestClient(
                    portal_store=RedisPortalStore(client),
                    app=settings.oauth_app(),
                    portal_url=settings.fake_url,
                    # The queued event's tokens are masked: always use the stored ones.
                    prefer_event_tokens=False,
                )
                self._made = (client, rest)
            return self._made


def make_celery(settings: Settings) -> Celery:
    """The Celery app of the bot, for the receiver (to send) and the workers (to run)."""
    app = Celery("celery_bot", set_as_current=False)
    app.conf.update(
        broker_url=settings.redis_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            # Sweep for the tasks of dead workers every restore_interval seconds (kombu
            # scans only every 10th sweep unless the throttle is 1).
            "unacked_restore_interval": settings.restore_interval,
            "unacked_restore_throttle": 1,
            # The sweep's lock: a worker killed while holding it blocks sweeps this long.
            "unacked_mutex_expire": 30,
        },
        task_default_queue=settings.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
    )
    resources = _Resources(settings)

    @app.task(
        name=TASK,
        autoretry_for=TRANSIENT,
        retry_backoff=True,
        # A retry waits unacknowledged in a worker: keep the wait below visibility_timeout.
        retry_backoff_max=60,
        max_retries=8,
    )
    def handle_event(tree: dict[str, Any], key: str) -> bool:
        event = parse_event(tree)
        client, rest = resources.get()

        def run(effects: Pipeline) -> None:
            with running(Job(key, effects, client, rest, settings)):
                router.dispatch(event)

        done = run_once(client, key, run)
        logger.info("%s %s: %s", event.code, key[:12], "handled" if done else "done before")
        return done

    return app


def enqueue(celery: Celery, event: Event) -> None:
    """Queue ``event`` for the workers (raises when the broker cannot take it)."""
    celery.send_task(TASK, args=(to_dict(event, redact=True), Deduplicator.key(event)))
