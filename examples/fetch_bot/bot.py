"""A fetch-mode echo bot for Bitrix24: polls its events, echoes messages, answers /help.

The bot lives on an inbound webhook of the portal and a bot token of its own: no OAuth
application and no public URL. Its events wait in the portal's queue
(``imbot.v2.Event.get``) until a ``Poller`` fetches them; its progress and its lease
(one consumer per bot) are kept in a ``SQLiteOffsetStore``, so a restart goes on where
the last run stopped, and no event is answered twice (but for the one being handled
when a process is killed outright).

``python bot.py --register`` registers the bot (``eventMode: fetch``) and prints its id;
``python bot.py`` then polls until SIGTERM or Ctrl-C. Settings come from the environment
(``FETCH_BOT_WEBHOOK``, ``FETCH_BOT_TOKEN``, ``FETCH_BOT_ID``, ``FETCH_BOT_OFFSETS``), or
from the command line (``--help``); keep the two secrets in the environment, where
``ps`` does not show them. See README.md, or run ``run_with_fake.py``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from b24botevents import Router
from b24botevents.fetch import RejectedEvent
from b24botevents.models import AnyCommandEvent, AnyMessageAddEvent
from b24botevents.poller import Poller
from b24botevents.rest import RestClient, WebhookAuth
from b24botevents.rest.bots import BotRegistration, register_bot
from b24botevents.rest.commands import register_command
from b24botevents.stores import SQLiteOffsetStore

logger = logging.getLogger("fetch_bot")

CODE = "fetch_echo"
NAME = "Fetch Echo"
HELP = "I repeat what you write, fetched from my queue. Commands: /help (this text)."


@dataclass(frozen=True)
class Settings:
    """What the bot runs with; ``parse`` reads the command line and ``FETCH_BOT_*``."""

    webhook: str  # https://<portal>/rest/<user>/<secret>/: an inbound webhook, scope imbot
    bot_token: str  # the botToken the bot is registered with (1-40 characters, yours)
    bot_id: int | None = None  # None: only --register makes sense
    offsets: str = "fetch_bot.db"  # the SQLite file of the progress and the lease
    idle_interval: float = 5.0  # seconds between polls of an empty queue (docs: 5-30)

    @classmethod
    def parse(cls, argv: Sequence[str] | None = None) -> tuple[Settings, bool]:
        """The settings and whether ``--register`` was asked for."""
        env = os.environ
        parser = argparse.ArgumentParser(prog="fetch_bot", description="A fetch-mode echo bot.")
        parser.add_argument(
            "--webhook",
            default=env.get("FETCH_BOT_WEBHOOK"),
            help="the inbound webhook, https://<portal>/rest/<user>/<secret>/ ($FETCH_BOT_WEBHOOK)",
        )
        parser.add_argument(
            "--bot-token",
            default=env.get("FETCH_BOT_TOKEN"),
            help="the bot's botToken, 1-40 characters of your choice ($FETCH_BOT_TOKEN)",
        )
        parser.add_argument(  # argparse applies type= to a string default too
            "--bot-id", type=int, default=env.get("FETCH_BOT_ID"), help="($FETCH_BOT_ID)"
        )
        parser.add_argument(
            "--offsets",
            default=env.get("FETCH_BOT_OFFSETS", "fetch_bot.db"),
            help="the SQLite file of progress and lease ($FETCH_BOT_OFFSETS; fetch_bot.db)",
        )
        parser.add_argument(
            "--idle-interval",
            type=float,
            default=5.0,
            help="seconds between polls of an empty queue (5; the docs say 5-30)",
        )
        parser.add_argument(
            "--register", action="store_true", help="register the bot, print its id, exit"
        )
        args = parser.parse_args(argv)
        if not args.webhook or not args.bot_token:
            parser.error("give the webhook and the bot token (FETCH_BOT_WEBHOOK, FETCH_BOT_TOKEN)")
        if args.bot_id is None and not args.register:
            parser.error("give the bot's id (FETCH_BOT_ID or --bot-id), or --register first")
        settings = cls(
            webhook=args.webhook,
            bot_token=args.bot_token,
            bot_id=args.bot_id,
            offsets=args.offsets,
            idle_interval=args.idle_interval,
        )
        return settings, bool(args.register)


def make_client(settings: Settings) -> RestClient:
    """A client on the webhook; it adds the bot token to every ``imbot.v2`` call."""
    return RestClient(webhook=WebhookAuth(settings.webhook, bot_token=settings.bot_token))


def register(client: RestClient) -> BotRegistration:
    """Register the bot in fetch mode and its ``/help``, or find them registered."""
    bot = register_bot(client, None, code=CODE, name=NAME, event_mode="fetch")
    # Registered, a typed /help arrives as ONIMBOTV2COMMANDADD (``help_`` below).
    register_command(client, None, bot_id=bot.bot_id, command="help", title="Show help")
    return bot


def make_router(client: RestClient) -> Router:
    """The handlers: the same ones a webhook bot would have."""
    router = Router(name="fetch_bot")

    @router.on_message
    def echo(event: AnyMessageAddEvent) -> None:
        if event.text.strip().lower() == "/help":  # a bot registered before its command was
            client.reply(event, HELP)
        else:
            client.reply(event, f"You said: {event.text}")
        logger.info("event %s: answered in %s", event.event_id, event.dialog_id)

    @router.on_command("help")
    def help_(event: AnyCommandEvent) -> None:  # for a registered /help command
        client.reply(event, HELP)
        logger.info("event %s: /help answered in %s", event.event_id, event.dialog_id)

    return router


def on_error(item: object, exc: BaseException) -> None:
    """An item that does not fit its model is logged and passed; any other failure stops
    the bot before that event (it comes again on the next start)."""
    if isinstance(item, RejectedEvent):
        logger.warning("event %s (%s) skipped: %s", item.event_id, item.code, item.error)
        return
    raise exc


@dataclass
class Bot:
    poller: Poller
    client: RestClient
    offsets: SQLiteOffsetStore

    def close(self) -> None:
        self.poller.close()
        self.offsets.close()
        self.client.close()


def make_bot(settings: Settings) -> Bot:
    if settings.bot_id is None:
        raise ValueError("the bot's id is needed: register it first")
    client = make_client(settings)
    offsets = SQLiteOffsetStore(settings.offsets)
    poller = Poller(
        make_router(client),
        client,
        bot_id=settings.bot_id,
        offsets=offsets,
        idle_interval=settings.idle_interval,
        on_error=on_error,
    )
    return Bot(poller, client, offsets)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(name)s %(levelname)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per poll
    settings, registering = Settings.parse(argv)
    if registering:
        client = make_client(settings)
        try:
            bot = register(client)
        finally:
            client.close()
        print(bot.bot_id)
        logger.info("bot %s %s", bot.bot_id, "registered" if bot.created else "already there")
        return 0
    running = make_bot(settings)
    logger.info(
        "polling bot %s; SIGTERM or Ctrl-C stops after the current event", running.poller.bot_id
    )
    try:
        metrics = running.poller.run()  # SIGTERM and SIGINT call poller.stop()
    except Exception as exc:  # a handler failed, or Bitrix24 refused: a person must look
        logger.error("stopped by %s: %s", type(exc).__name__, exc)
        return 1
    finally:
        running.close()
    logger.info(
        "stopped: %d handled, %d skipped (handled before), offset %s",
        metrics.events_handled,
        metrics.events_skipped,
        metrics.offset,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
