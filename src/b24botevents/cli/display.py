"""What the command line shows for an event or a refused request, and only that.

Owns ``event_json`` (what ``parse`` prints) and ``json_text`` (how JSON is printed),
``describe_event`` (one line per event), the ``Printer`` the receiver writes through, the
capture of the library's warnings for the request being handled, and
``silence_stdout`` for a closed pipe. Nothing shown here carries a token: events go
through ``to_dict(redact=True)`` or a summary without secrets, refusals through the
dispatcher's response text and log messages, which hold none. Nothing shown here can
drive the terminal: text from a request goes through ``clean`` (one-line displays) or
``json_text``, which escape every non-printable character.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from b24botevents import Dispatcher, to_dict
from b24botevents.models import (
    EVENT_TYPES,
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotCommandAddEvent,
    BotDeleteEvent,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    BotV2CommandAddEvent,
    BotV2DeleteEvent,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    Event,
    UnknownEvent,
    UserJoinChatEvent,
    UserMessageAddEvent,
    UserMessageDeleteEvent,
    UserMessageUpdateEvent,
    UserReactionChangeEvent,
)
from b24botevents.rest.config import mask_webhook_url

__all__ = [
    "Printer",
    "clean",
    "describe_event",
    "describe_polled",
    "event_json",
    "json_line",
    "json_text",
    "masked",
    "now",
    "polled_json",
    "printing_dispatcher",
    "reasons_collected",
    "reasons_printed",
    "silence_stdout",
]

_LOG = logging.getLogger("b24botevents")

#: Messages the library logged (warnings and errors) while one request was handled.
_REASONS: ContextVar[list[str] | None] = ContextVar("b24botevents_cli_reasons", default=None)

_SHOWN_CHARS = 120


def clean(text: str, limit: int = _SHOWN_CHARS) -> str:
    """Text from a request made safe for a terminal: no control characters, bounded."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def json_text(value: Any) -> str:
    """``value`` as indented JSON, non-ASCII text kept but no control character raw.

    ``json.dumps`` escapes only U+0000-U+001F; DEL, the C1 controls (U+009B is a
    terminal's CSI) and the other non-printables (bidi overrides, line separators) are
    written as ``\\uXXXX`` escapes here, which decode to the same JSON.
    """
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(ch if ch.isprintable() or ch == "\n" else json.dumps(ch)[1:-1] for ch in text)


def json_line(value: Any) -> str:
    """``value`` as JSON on one line (``poll --json``: one object per line), escaped like
    ``json_text``: no control character, nor a newline, ever goes out raw."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(ch if ch.isprintable() else json.dumps(ch)[1:-1] for ch in text)


#: A webhook path's secret, whatever characters it holds: ``/rest/<user>/<secret>``
#: (but for a ``<placeholder>``, as help texts write it).
_REST_SECRET = re.compile(r"(/rest/[^/\s'\"]*/)(?!<)[^/\s'\"]+")
#: The password (or whole user info) of a URL: ``redis://:<password>@host``.
_USER_INFO = re.compile(r"(://)[^@/\s'\"]+@")


#: Literal secrets shorter than this are not searched for: ``--bot-token t`` would mask
#: every "t" (and a secret that short hides nothing anyway).
_SHORTEST = 4


def masked(text: str, hidden: Sequence[str] = ()) -> str:
    """``text`` with every secret the command line knows of replaced by ``***``.

    ``hidden`` are the literal secrets (a bot token, a webhook URL as given); beyond them
    every webhook secret (``/rest/<user>/<secret>/``, even one that is not well-formed)
    and every URL's user info (a Redis password) is masked. A ``hidden`` text of fewer
    than 4 characters is left alone (it would mask every such word).
    """
    text = _USER_INFO.sub(r"\1***@", _REST_SECRET.sub(r"\1***", mask_webhook_url(text)))
    for secret in sorted(
        {each for each in hidden if len(each) >= _SHORTEST}, key=len, reverse=True
    ):
        text = text.replace(secret, "***")
    return text


def silence_stdout() -> None:
    """Point stdout at the null device, after its reader went away (``... | head``).

    What is still buffered for it then goes nowhere at exit, instead of raising
    ``BrokenPipeError`` once more. A stdout that is no file (captured) is left alone.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def now() -> str:
    """The wall-clock time as ``HH:MM:SS``, for printed lines."""
    return datetime.now().strftime("%H:%M:%S")


def event_json(event: Event) -> dict[str, Any]:
    """``{"type": <model class>, "event": <to_dict(redact=True)>}``: what ``parse`` prints."""
    return {"type": type(event).__name__, "event": to_dict(event, redact=True)}


_MESSAGE_EVENTS = (
    BotMessageAddEvent,
    BotMessageUpdateEvent,
    BotMessageDeleteEvent,
    BotCommandAddEvent,
    BotV2MessageAddEvent,
    BotV2MessageUpdateEvent,
    BotV2MessageDeleteEvent,
    BotV2CommandAddEvent,
)


_USER_MESSAGE_EVENTS = (
    UserMessageAddEvent,
    UserMessageUpdateEvent,
    UserMessageDeleteEvent,
    UserReactionChangeEvent,
)


def _details(event: Event) -> list[str]:
    if isinstance(event, (BotDeleteEvent, BotV2DeleteEvent)):
        return [f"bot_id={event.bot_id}", f"bot_code={clean(event.bot_code, 40)}"]
    if isinstance(event, AppInstallEvent):
        return [
            f"version={clean(str(event.data.version), 40)}",
            f"language={clean(str(event.data.language_id), 20)}",
        ]
    if isinstance(event, AppUpdateEvent):
        return [
            f"version={clean(str(event.data.version), 40)}",
            f"previous={clean(str(event.data.previous_version), 40)}",
        ]
    if isinstance(event, AppUninstallEvent):
        cleaned = {True: "yes", False: "no", None: "?"}[event.data.clean]
        return [f"clean={cleaned}"]
    if isinstance(event, _MESSAGE_EVENTS):
        # Ids only: message text is the users' content, not something to log by default.
        bots = ",".join(str(bot_id) for bot_id in event.bot_ids) or "-"
        return [
            f"dialog={clean(event.dialog_id or '-', 40)}",
            f"message_id={event.message_id}",
            f"bots={bots}",
        ]
    if isinstance(event, (BotJoinChatEvent, BotV2JoinChatEvent)):
        bots = ",".join(str(bot_id) for bot_id in event.bot_ids) or "-"
        return [f"dialog={clean(event.dialog_id or '-', 40)}", f"bots={bots}"]
    if isinstance(event, _USER_MESSAGE_EVENTS):  # a subscribed user's chats: no bot
        return [f"dialog={clean(event.dialog_id, 40)}", f"message_id={event.message_id}"]
    if isinstance(event, UserJoinChatEvent):
        return [f"dialog={clean(event.dialog_id or '-', 40)}", f"joined={event.user_id}"]
    if isinstance(event, UnknownEvent):
        keys = ", ".join(clean(str(key), 30) for key in list(event.data)[:8])
        return ["(no model)", f"data: {keys or '-'}"]
    return []


def describe_event(event: Event) -> str:
    """One readable line for an event, with no secret in it.

    ``ONIMBOTDELETE  BotDeleteEvent  portal=x.bitrix24.com  member=bac1cd5c...  bot_id=567
    bot_code=BOT  user_id=27``
    """
    parts = [clean(event.code, 60), type(event).__name__]
    if event.domain:
        parts.append(f"portal={clean(event.domain, 80)}")
    if event.member_id:
        member = clean(event.member_id, 40)
        parts.append(f"member={member[:8]}..." if len(member) > 8 else f"member={member}")
    parts.extend(_details(event))
    if event.auth is not None and event.auth.user_id is not None:
        parts.append(f"user_id={event.auth.user_id}")
    return "  ".join(parts)


def describe_polled(event: Event) -> str:
    """``describe_event`` for a fetched event, with its queue id after the model name.

    ``ONIMBOTV2JOINCHAT  BotV2JoinChatEvent  event_id=17  dialog=chat5  bots=456``
    """
    head = f"{clean(event.code, 60)}  {type(event).__name__}"
    return f"{head}  event_id={event.event_id}{describe_event(event)[len(head) :]}"


def polled_json(event: Event) -> dict[str, Any]:
    """What ``poll --json`` prints for a fetched event: its ``event_id``, code, model,
    ``date`` (ISO 8601, UTC) and ``to_dict(redact=True)``."""
    return {
        "event_id": event.event_id,
        "code": event.code,
        "type": type(event).__name__,
        "date": event.ts.isoformat() if event.ts is not None else None,
        "event": to_dict(event, redact=True),
    }


class Printer:
    """Writes receiver lines (events, refusals) through ``emit``, one whole line at a time."""

    def __init__(self, emit: Callable[[str], None], *, json_output: bool = False) -> None:
        self._emit = emit
        self._json = json_output
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        """Print ``text`` as one whole line, even from several threads."""
        with self._lock:
            self._emit(text)

    def event(self, event: Event) -> None:
        """The handler ``listen`` registers: one line per verified event (and its JSON)."""
        text = f"{now()}  {describe_event(event)}"
        if self._json:
            text += "\n" + json_text(event_json(event))
        self.line(text)

    def answered(self, status: int, body: bytes, reasons: Sequence[str]) -> None:
        """After each request: nothing for a 200, a "refused" line for anything else."""
        if status == 200:
            return
        text = clean(body.decode("utf-8", "replace").strip(), 300)
        detail = f" ({'; '.join(clean(reason, 300) for reason in reasons)})" if reasons else ""
        self.line(f"{now()}  refused {status}: {text}{detail}")


def printing_dispatcher(dp: Dispatcher, printer: Printer) -> Dispatcher:
    """Register ``printer.event`` for every modelled code and as the unknown fallback."""
    first, *rest = sorted(EVENT_TYPES)
    dp.on(first, *rest)(printer.event)
    dp.on_unknown(printer.event)
    return dp


class _ReasonHandler(logging.Handler):
    """Collects the library's warnings for the request being handled (never a token)."""

    def __init__(self, printer: Printer) -> None:
        super().__init__(logging.WARNING)
        self._printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        bucket = _REASONS.get()
        if bucket is not None:
            bucket.append(message)
        else:
            self._printer.line(f"{now()}  {record.levelname.lower()}: {clean(message, 300)}")


@contextmanager
def reasons_printed(printer: Printer) -> Iterator[None]:
    """While inside: the library's warnings reach ``printer``, or the request's bucket."""
    handler = _ReasonHandler(printer)
    _LOG.addHandler(handler)
    try:
        yield
    finally:
        _LOG.removeHandler(handler)


@contextmanager
def reasons_collected() -> Iterator[list[str]]:
    """A bucket for the warnings logged while one request is handled (in this context)."""
    bucket: list[str] = []
    token = _REASONS.set(bucket)
    try:
        yield bucket
    finally:
        _REASONS.reset(token)
