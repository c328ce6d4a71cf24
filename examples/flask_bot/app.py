"""A Bitrix24 chat bot in a Flask app: ``create_app()`` builds the app from the environment.

The app factory wires four parts, once per process:

* a ``SQLitePortalStore``: each portal's record (``member_id``, bound domain,
  ``application_token``) and its OAuth tokens, written at ONAPPINSTALL, in one SQLite file
  that every worker process of the host shares;
* a ``RestClient`` with the app's OAuth credentials: the replies, and the token refreshes
  at Bitrix24's OAuth server (configured here, never an address an event names);
* a ``Dispatcher`` that verifies every event against the store, checks every install
  online with Bitrix24, answers 200 once an event is verified and runs the handlers in
  the background;
* the blueprint of ``b24botevents.contrib.flask``, at ``/bitrix24/events``.

Serve it with ``flask --app flask_bot.app run`` (development), ``waitress-serve --call
flask_bot.app:create_app`` or ``gunicorn 'flask_bot.app:create_app()'``; see README.md.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Flask

from b24botevents import Dispatcher, SQLitePortalStore
from b24botevents.contrib.flask import make_blueprint
from b24botevents.models import AnyCommandEvent, AnyMessageAddEvent, AppInstallEvent
from b24botevents.rest import BITRIX24_OAUTH_SERVER, BITRIX24_OAUTH_URL, OAuthApp
from b24botevents.rest.bots import register_bot
from b24botevents.rest.client import RestClient
from b24botevents.rest.commands import register_command
from b24botevents.rest.install_check import OnlineInstallCheck

logger = logging.getLogger("flask_bot")

#: Where Bitrix24 posts the events; ``FLASK_BOT_PUBLIC_URL`` must end with it.
EVENTS_PATH = "/bitrix24/events"
BOT_CODE = "flask_bot"
HELP = "I am the Flask bot: I read back what you write. Commands: /help (this text)."


@dataclass(frozen=True)
class Settings:
    """What the app is configured with; ``from_env`` reads the ``FLASK_BOT_*`` variables."""

    client_id: str
    client_secret: str = field(repr=False)  # never in a repr, so never in a log line
    #: The public HTTPS address of ``EVENTS_PATH``, registered as the bot's webhook.
    public_url: str
    database: str = "flask_bot.sqlite3"
    #: Bitrix24's OAuth server: refreshes, and the online install check's ``app.info``.
    token_url: str = BITRIX24_OAUTH_URL
    server_url: str = BITRIX24_OAUTH_SERVER
    #: Test rigs only: every portal's REST calls go here instead of ``https://<domain>``.
    portal_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        def required(name: str) -> str:
            value = environ.get(name, "")
            if not value:
                raise RuntimeError(f"set {name} (see examples/flask_bot/README.md)")
            return value

        return cls(
            client_id=required("FLASK_BOT_CLIENT_ID"),
            client_secret=required("FLASK_BOT_CLIENT_SECRET"),
            public_url=required("FLASK_BOT_PUBLIC_URL"),
            database=environ.get("FLASK_BOT_DATABASE") or "flask_bot.sqlite3",
            token_url=environ.get("FLASK_BOT_OAUTH_TOKEN_URL") or BITRIX24_OAUTH_URL,
            server_url=environ.get("FLASK_BOT_OAUTH_SERVER_URL") or BITRIX24_OAUTH_SERVER,
            portal_url=environ.get("FLASK_BOT_PORTAL_URL") or None,
        )


@dataclass(eq=False)
class Bot:
    """The bot's parts, kept in ``app.extensions["flask_bot"]``."""

    dispatcher: Dispatcher
    client: RestClient
    store: SQLitePortalStore

    def close(self) -> None:
        """Wait (30 s at most) for running handlers, then close the client and the store."""
        atexit.unregister(self.close)  # closed once, whoever calls first
        self.dispatcher.close()
        self.client.close()
        self.store.close()


def make_bot(settings: Settings) -> Bot:
    store = SQLitePortalStore(settings.database)
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
        # An install is trusted only once Bitrix24's OAuth server says the install's own
        # token was issued for that portal: no stranger can install as someone else.
        approve_install=OnlineInstallCheck(client),
        # Bitrix24 never resends an event and slows down a slow endpoint: answer first.
        background=True,
    )

    @dp.on_app_install
    def install(event: AppInstallEvent) -> None:
        # Idempotent: a reinstall finds the bot by its code instead of adding another.
        bot = register_bot(
            client,
            event.member_id,
            code=BOT_CODE,
            name="Flask bot",
            event_mode="webhook",
            webhook_url=settings.public_url,
        )
        # Registered, /help reaches help_ as a command; a reinstall finds it too.
        register_command(
            client, event.member_id, bot_id=bot.bot_id, command="help", title="Show help"
        )
        logger.info("bot %s %s", bot.bot_id, "registered" if bot.created else "kept")

    @dp.on_message  # ONIMBOTMESSAGEADD (v1) and ONIMBOTV2MESSAGEADD (v2)
    def read_back(event: AnyMessageAddEvent) -> None:
        client.reply(event, f"You wrote: {event.text}")

    @dp.on_command("help")  # "help" (v1) and "/help" (v2), registered at install
    def help_(event: AnyCommandEvent) -> None:
        client.reply(event, HELP)

    return Bot(dp, client, store)


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app; without ``settings`` they come from the environment."""
    bot = make_bot(settings if settings is not None else Settings.from_env())
    app = Flask(__name__)
    app.extensions["flask_bot"] = bot
    app.register_blueprint(make_blueprint(bot.dispatcher, url=EVENTS_PATH))
    atexit.register(bot.close)  # at shutdown, let the background handlers finish
    return app
