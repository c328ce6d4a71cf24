"""An echo bot for Bitrix24: install (the bot and its /help), echo messages, answer /help.

Everything the bot needs is built by ``make_bot(settings)``: a ``SQLitePortalStore`` (each
portal's record and OAuth tokens), a ``RestClient`` (the app's OAuth credentials; refresh
at Bitrix24's OAuth server), a ``Dispatcher`` that verifies every event and checks every
install online with Bitrix24 (its OAuth server), and the handlers. ``main()`` serves it over WSGI.

Run it against a real portal (see README.md) or against the fake one (``run_with_fake.py``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from wsgiref.simple_server import make_server

from b24botevents import Dispatcher, SQLitePortalStore
from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.models import AnyCommandEvent, AnyMessageAddEvent, AppInstallEvent
from b24botevents.rest import BITRIX24_OAUTH_SERVER, BITRIX24_OAUTH_URL, OAuthApp
from b24botevents.rest.bots import register_bot
from b24botevents.rest.client import RestClient
from b24botevents.rest.commands import register_command
from b24botevents.rest.install_check import OnlineInstallCheck

logger = logging.getLogger("echo_bot")

HELP = "I repeat what you write. Commands: /help (this text)."


@dataclass(frozen=True)
class Settings:
    """What the bot is configured with; ``from_env`` reads the ``ECHO_BOT_*`` variables."""

    client_id: str
    client_secret: str
    public_url: str  # where Bitrix24 posts the bot's events: https://bot.example.com/events
    database: str = "echo_bot.db"
    token_url: str = BITRIX24_OAUTH_URL
    server_url: str = BITRIX24_OAUTH_SERVER
    #: For test rigs only: send every portal's REST calls here instead of its own domain.
    portal_url: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            client_id=os.environ["ECHO_BOT_CLIENT_ID"],
            client_secret=os.environ["ECHO_BOT_CLIENT_SECRET"],
            public_url=os.environ["ECHO_BOT_PUBLIC_URL"],
            database=os.environ.get("ECHO_BOT_DATABASE", "echo_bot.db"),
        )


@dataclass
class Bot:
    dispatcher: Dispatcher
    client: RestClient
    store: SQLitePortalStore

    def close(self) -> None:
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
    # Every install is checked with Bitrix24 (app.info at the OAuth server, with the
    # install's own token): a stranger cannot install the bot as someone else's portal.
    dp = Dispatcher(portal_store=store, approve_install=OnlineInstallCheck(client))

    @dp.on_app_install
    def install(event: AppInstallEvent) -> None:
        bot = register_bot(
            client,
            event.member_id,
            code="echo_bot",
            name="Echo",
            event_mode="webhook",
            webhook_url=settings.public_url,
        )
        # Without a registered /help the portal delivers a typed "/help" as a message.
        register_command(
            client, event.member_id, bot_id=bot.bot_id, command="help", title="Show help"
        )
        logger.info("installed; bot %s %s", bot.bot_id, "registered" if bot.created else "kept")

    @dp.on_message
    def echo(event: AnyMessageAddEvent) -> None:
        client.typing(event)
        client.reply(event, f"You said: {event.text}")

    @dp.on_command("help")
    def help_(event: AnyCommandEvent) -> None:
        client.reply(event, HELP)

    @dp.on_app_uninstall
    def uninstall(event: object) -> None:
        logger.info("uninstalled; the portal's tokens are gone from the store")

    return Bot(dp, client, store)


def main() -> None:  # pragma: no cover - serves until interrupted
    logging.basicConfig(level=logging.INFO)
    bot = make_bot(Settings.from_env())
    # Loopback by default: the public side is a reverse proxy that terminates HTTPS.
    host = os.environ.get("ECHO_BOT_HOST", "127.0.0.1")
    port = int(os.environ.get("ECHO_BOT_PORT", "8000"))
    with make_server(host, port, WSGIApp(bot.dispatcher)) as server:
        logger.info("echo bot on %s port %d", host, port)
        try:
            server.serve_forever()
        finally:
            bot.close()


if __name__ == "__main__":  # pragma: no cover
    main()
