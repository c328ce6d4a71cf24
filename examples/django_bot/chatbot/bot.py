"""The bot: its portal store, REST client, dispatcher and handlers, built once per process.

Everything comes from the ``B24_*`` settings (see ``django_bot/settings.py``):

* ``store``, a ``SQLitePortalStore``: each portal's record (``member_id``, bound domain,
  ``application_token``) and OAuth tokens, written at ONAPPINSTALL; one file for every
  worker process of the host, apart from Django's own database;
* ``client``, a ``RestClient`` with the app's OAuth credentials: the replies, and the
  token refreshes at the configured OAuth server (never an address an event names);
* ``dispatcher``: verifies every event against the store, checks every install online
  with Bitrix24, answers 200 once an event is verified and runs the handlers below in
  its thread pool.
"""

from __future__ import annotations

import atexit
import logging

from django.conf import settings

from b24botevents import Dispatcher, SQLitePortalStore
from b24botevents.models import AnyCommandEvent, AnyMessageAddEvent, AppInstallEvent
from b24botevents.rest import OAuthApp
from b24botevents.rest.bots import register_bot
from b24botevents.rest.client import RestClient
from b24botevents.rest.commands import register_command
from b24botevents.rest.install_check import OnlineInstallCheck

logger = logging.getLogger("django_bot")

BOT_CODE = "django_bot"
HELP = "I am the Django bot. Commands: /echo <text> (I say it back), /help (this text)."
#: The bot's commands: name, title and the hint for their parameters.
COMMANDS = [("echo", "Say it back", "text"), ("help", "Show help", None)]

store = SQLitePortalStore(settings.B24_PORTAL_DATABASE)
client = RestClient(
    portal_store=store,
    app=OAuthApp(
        settings.B24_CLIENT_ID,
        settings.B24_CLIENT_SECRET,
        token_url=settings.B24_OAUTH_TOKEN_URL,
        server_url=settings.B24_OAUTH_SERVER_URL,
    ),
    portal_url=settings.B24_PORTAL_URL,
)
dispatcher = Dispatcher(
    portal_store=store,
    # An install is trusted only once Bitrix24's OAuth server says the install's own
    # token was issued for that portal: no stranger can install as someone else.
    approve_install=OnlineInstallCheck(client),
    # Bitrix24 never resends an event and slows down a slow endpoint: answer first.
    background=True,
)


@dispatcher.on_app_install
def install(event: AppInstallEvent) -> None:
    # Idempotent: a reinstall finds the bot by its code instead of adding another.
    bot = register_bot(
        client,
        event.member_id,
        code=BOT_CODE,
        name="Django bot",
        event_mode="webhook",
        webhook_url=settings.B24_PUBLIC_URL,
    )
    # Registered, they reach ``command`` below as commands; a reinstall finds them again.
    for name, title, params in COMMANDS:
        register_command(
            client, event.member_id, bot_id=bot.bot_id, command=name, title=title, params=params
        )
    logger.info("bot %s %s", bot.bot_id, "registered" if bot.created else "kept")


def answer(command: str, params: str = "") -> str:
    """What the bot says to ``/echo`` and ``/help``, and to anything else."""
    if command == "echo":
        return params or "(nothing to echo)"
    if command == "help":
        return HELP
    return f'Got it: "{params}". Try /help.'


@dispatcher.on_command("echo", "help")  # "echo" (v1) and "/echo" (v2) alike
def command(event: AnyCommandEvent) -> None:
    client.reply(event, answer(event.command_name.lstrip("/").lower(), event.command_params))


@dispatcher.on_message  # ONIMBOTMESSAGEADD (v1) and ONIMBOTV2MESSAGEADD (v2)
def message(event: AnyMessageAddEvent) -> None:
    # The handlers run outside any request: one that used the ORM would also call
    # django.db.close_old_connections() when done.
    client.reply(event, answer("", event.text))


def close() -> None:
    """Wait (30 s at most) for running handlers, then close the client and the store."""
    atexit.unregister(close)  # closed once, whoever calls first
    dispatcher.close()
    client.close()
    store.close()


atexit.register(close)  # on a clean stop: waitress on SIGINT, gunicorn on SIGTERM
