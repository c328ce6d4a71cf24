"""The receiver: verifies each Bitrix24 request, refuses repeats, queues the event, answers.

``make_receiver(settings)`` builds a ``Dispatcher`` on a ``RedisPortalStore`` (each
portal is recorded at ONAPPINSTALL, after an online check with Bitrix24, and every later
event is verified against that record: 403 otherwise) with a ``Deduplicator`` on a
``RedisDedupStore`` (a delivery Bitrix24 makes twice is answered ``duplicate`` and queued
once). Its only handler queues the event for the workers, for the codes the shared
router handles; it runs before the answer (not ``background=True``), so a broker that
cannot take the event makes the answer a 500 and releases the claim, rather than
answering 200 for an event that was dropped. Queuing is one Redis write: the answer
stays immediate.

Serve it with any WSGI server, e.g. ``waitress-serve --listen=127.0.0.1:8000 --call
celery_bot.receiver:make_app`` behind an HTTPS reverse proxy (settings from
``CELERY_BOT_*``).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from celery import Celery

from b24botevents import Deduplicator, Dispatcher
from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.models import Event
from b24botevents.rest import RestClient
from b24botevents.rest.install_check import OnlineInstallCheck
from b24botevents.stores import RedisDedupStore, RedisPortalStore

from .handlers import queued_codes
from .settings import PREFIX, Settings
from .tasks import enqueue, make_celery


@dataclass
class Receiver:
    """The WSGI app and what it holds; ``close()`` at shutdown."""

    app: WSGIApp
    dispatcher: Dispatcher
    celery: Celery
    store: RedisPortalStore
    client: RestClient
    redis: redis.Redis

    def close(self) -> None:
        self.dispatcher.close()
        self.client.close()
        self.store.close()
        self.celery.close()
        self.redis.close()


def make_receiver(settings: Settings, celery: Celery | None = None) -> Receiver:
    """The receiver on ``settings.redis_url``, queuing with ``celery`` (or its own app)."""
    celery = celery if celery is not None else make_celery(settings)
    client = redis.Redis.from_url(
        settings.redis_url, socket_timeout=5.0, socket_connect_timeout=5.0
    )
    store = RedisPortalStore(client)
    rest = RestClient(portal_store=store, app=settings.oauth_app(), portal_url=settings.fake_url)
    dp = Dispatcher(
        portal_store=store,
        # A first install is recorded only once Bitrix24 confirms the token is the portal's.
        approve_install=OnlineInstallCheck(rest),
        # Bitrix24's own repeats, told apart before anything is queued.
        dedup=Deduplicator(RedisDedupStore(client, prefix=f"{PREFIX}received:")),
    )

    def queue(event: Event) -> None:
        enqueue(celery, event)

    first, *others = queued_codes()
    dp.on(first, *others)(queue)
    return Receiver(WSGIApp(dp), dp, celery, store, rest, client)


def make_app() -> WSGIApp:
    """The WSGI app for a server's ``--call`` (settings from the environment)."""
    return make_receiver(Settings.from_env()).app
