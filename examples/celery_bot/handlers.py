"""The bot's handlers: one ``Router``, imported by the receiver and run by the workers.

The receiver queues exactly the events this router has handlers for (``queued_codes``);
a worker runs them with ``router.dispatch(event)`` inside a ``Job`` (``exactly_once``):
what a handler writes to ``job.effects`` happens once per event, whatever the queue
redelivers; what it sends elsewhere (a reply) happens once per run.
"""

from __future__ import annotations

import logging
import time

from b24botevents import Router
from b24botevents.models import EVENT_TYPES, AnyMessageAddEvent, AppInstallEvent
from b24botevents.rest.bots import register_bot

from .exactly_once import current_job
from .settings import PREFIX

logger = logging.getLogger("celery_bot")

BOT_CODE = "celery_echo"
BOT_NAME = "Celery Echo"
#: One entry per handled message, ``"<member_id>:<message_id>"``: the bot's own record.
HANDLED = f"{PREFIX}handled"

router = Router(name="celery_bot")


@router.on_app_install
def install(event: AppInstallEvent) -> None:
    # Idempotent on its own (register_bot finds the bot it registered before), so a
    # repeated run does no harm: this effect needs no done mark.
    job = current_job()
    if event.member_id is None:
        return
    bot = register_bot(
        job.client,
        event.member_id,
        code=BOT_CODE,
        name=BOT_NAME,
        event_mode="webhook",
        webhook_url=job.settings.public_url,
    )
    logger.info("installed; bot %s %s", bot.bot_id, "registered" if bot.created else "kept")


@router.on_message
def echo(event: AnyMessageAddEvent) -> None:
    job = current_job()
    # Outside the commit: a worker killed after this line and before the commit makes the
    # redelivered run send it again (at least once, never lost).
    job.client.reply(event, f"You said: {event.text}")
    if job.settings.handler_delay:
        time.sleep(job.settings.handler_delay)
    # Inside the commit: recorded exactly once, with the event's done mark.
    job.effects.rpush(HANDLED, f"{event.member_id}:{event.message_id}")
    logger.info("message %s answered in %s", event.message_id, event.dialog_id)


def queued_codes() -> tuple[str, ...]:
    """The event codes the receiver hands to the workers: those ``router`` handles."""
    return tuple(code for code in EVENT_TYPES if router.handlers_for(code))
