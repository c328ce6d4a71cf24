"""A Bitrix24 echo bot as a FastAPI app: portals in Redis, handlers after the answer.

``create_app(settings)`` builds the whole app: a ``RedisPortalStore`` (each portal's
record and OAuth tokens, shared by every worker and host on the same Redis), a
``RestClient`` (the app's OAuth credentials; refreshes at Bitrix24's OAuth server only),
a ``Dispatcher`` that verifies every event, checks every install online with Bitrix24 and
runs the handlers after the 200 (``background=True``), async handlers that answer with
``await client.areply(...)``, the events route from ``make_router`` at ``EVENTS_PATH``,
``GET /healthz``, and a lifespan that drains the handlers, then closes the client and
the store. ``create_app_from_env()`` is the same from the ``FASTAPI_BOT_*`` variables,
for ``uvicorn --factory``:

    uvicorn fastapi_bot.app:create_app_from_env --factory --app-dir examples

See README.md, or run ``run_with_fake.py``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI

from b24botevents import Dispatcher, RedisPortalStore
from b24botevents.contrib.fastapi import make_router
from b24botevents.models import (
    AnyCommandEvent,
    AnyMessageAddEvent,
    AppInstallEvent,
    AppUninstallEvent,
)
from b24botevents.rest import BITRIX24_OAUTH_SERVER, BITRIX24_OAUTH_URL, OAuthApp
from b24botevents.rest.bots import aregister_bot
from b24botevents.rest.client import RestClient
from b24botevents.rest.commands import aregister_command
from b24botevents.rest.install_check import AsyncOnlineInstallCheck

logger = logging.getLogger("fastapi_bot")

#: Where the app serves Bitrix24's POSTs; the public URL's proxy forwards to it.
EVENTS_PATH = "/bitrix24/events"
BOT_CODE = "fastapi_echo"
BOT_NAME = "FastAPI Echo"
HELP = "I repeat what you write. Commands: /help (this text)."

ENV = "FASTAPI_BOT_"


class SettingsError(ValueError):
    """A required ``FASTAPI_BOT_*`` variable is missing (its name is said, never a value)."""


@dataclass(frozen=True)
class Settings:
    """What the app is configured with; ``from_env`` reads the ``FASTAPI_BOT_*`` variables.

    The secret and the Redis URL (it may hold a password) stay out of ``repr``.
    """

    client_id: str
    client_secret: str = field(repr=False)
    public_url: str  # where Bitrix24 posts the bot's events: https://bot.example.com/...
    redis_url: str = field(default="redis://127.0.0.1:6379/0", repr=False)
    token_url: str = BITRIX24_OAUTH_URL  # refreshes; an on-premise portal's own /oauth/token/
    server_url: str = BITRIX24_OAUTH_SERVER  # the install check's app.info
    #: For test rigs only: send every portal's REST calls here instead of its own domain.
    portal_url: str | None = None
    #: How long a shutdown waits for handlers still running (then cancels them).
    shutdown_timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        required = ("CLIENT_ID", "CLIENT_SECRET", "PUBLIC_URL")
        missing = [ENV + name for name in required if not env.get(ENV + name)]
        if missing:
            raise SettingsError(f"set {', '.join(missing)} (see examples/fastapi_bot/README.md)")

        def optional(name: str, default: str) -> str:
            return env.get(ENV + name) or default

        return cls(
            client_id=env[ENV + "CLIENT_ID"],
            client_secret=env[ENV + "CLIENT_SECRET"],
            public_url=env[ENV + "PUBLIC_URL"],
            redis_url=optional("REDIS_URL", "redis://127.0.0.1:6379/0"),
            token_url=optional("OAUTH_TOKEN_URL", BITRIX24_OAUTH_URL),
            server_url=optional("OAUTH_SERVER_URL", BITRIX24_OAUTH_SERVER),
            portal_url=env.get(ENV + "PORTAL_URL") or None,
            shutdown_timeout=float(optional("SHUTDOWN_TIMEOUT", "30")),
        )


def create_app(settings: Settings) -> FastAPI:
    """The bot's FastAPI app; nothing connects until the first request."""
    store = RedisPortalStore(settings.redis_url)
    client = RestClient(
        portal_store=store,
        app=OAuthApp(
            settings.client_id,
            settings.client_secret,
            token_url=settings.token_url,
            server_url=settings.server_url,
        ),
        portal_url=settings.portal_url,
    )
    dp = Dispatcher(
        portal_store=store,
        # Every install is checked with Bitrix24 (app.info at the OAuth server, with the
        # install's own token): a stranger cannot install the bot as someone else's portal.
        approve_install=AsyncOnlineInstallCheck(client),
        # Answer 200 as soon as the event is verified: Bitrix24 ranks slow handlers down
        # and never resends, so the replies are sent after the answer.
        background=True,
        name="fastapi_bot",
    )

    @dp.on_app_install
    async def install(event: AppInstallEvent) -> None:
        if event.member_id is None:  # never for a verified install; None would mean "webhook"
            return
        bot = await aregister_bot(
            client,
            event.member_id,
            code=BOT_CODE,
            name=BOT_NAME,
            event_mode="webhook",
            webhook_url=settings.public_url,
        )
        # /help registered, the portal offers it and sends it as a command (help_ below).
        await aregister_command(
            client, event.member_id, bot_id=bot.bot_id, command="help", title="Show help"
        )
        state = "registered" if bot.created else "kept"  # a reinstall registers nothing new
        logger.info("installed on %s; bot %s %s", event.domain, bot.bot_id, state)

    @dp.on_message
    async def echo(event: AnyMessageAddEvent) -> None:
        # No "typing…" first (client.atyping): the answer follows at once, and each call
        # spends one of the 2 requests a second Bitrix24 allows per portal.
        await client.areply(event, f"You said: {event.text}")

    @dp.on_command("help")
    async def help_(event: AnyCommandEvent) -> None:
        await client.areply(event, HELP)

    @dp.on_app_uninstall
    async def uninstall(event: AppUninstallEvent) -> None:
        logger.info("uninstalled from %s; its tokens are gone from Redis", event.domain)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # The events router's lifespan runs inside this one (include_router nests
            # it), so the background handlers are drained before their client closes.
            await client.aclose()
            store.close()
            logger.info("stopped; the REST client and the Redis store are closed")

    app = FastAPI(title="Bitrix24 echo bot", lifespan=lifespan)
    app.include_router(
        make_router(dp, path=EVENTS_PATH, shutdown_timeout=settings.shutdown_timeout)
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def create_app_from_env() -> FastAPI:
    """``create_app`` from the ``FASTAPI_BOT_*`` variables: the ``uvicorn --factory`` entry."""
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per REST call
    return create_app(Settings.from_env())
