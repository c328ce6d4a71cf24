"""Handlers that record the events they saw, and dispatchers built around them.

``Recorder`` is the sync handler of the ``dp`` fixture; ``recording_dispatcher`` gives an
async handler and a token store that knows the documented portal.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b24botevents import BotDeleteEvent, BotV2DeleteEvent, Dispatcher, MemoryTokenStore
from b24botevents.models import Event

from .bodies import MEMBER_ID, TOKEN


class Recorder:
    """A thread-safe bot-delete handler recording the bot ids it saw."""

    def __init__(self) -> None:
        self.bot_ids: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, event: BotDeleteEvent | BotV2DeleteEvent) -> None:
        with self._lock:
            self.bot_ids.append(event.bot_id)

    def counts(self) -> Counter[int]:
        with self._lock:
            return Counter(self.bot_ids)


def token_store() -> MemoryTokenStore:
    """A token store that already knows the documented portal's token."""
    return MemoryTokenStore({f"member:{MEMBER_ID}": TOKEN})


@dataclass
class Seen:
    """Bot ids the handlers saw (appended from any thread), and the threads they ran in."""

    bot_ids: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, event: Event) -> None:
        with self.lock:
            self.bot_ids.append(getattr(event, "bot_id", -1))
            self.threads.append(threading.get_ident())


def recording_dispatcher(**kwargs: Any) -> tuple[Dispatcher, Seen]:
    """A Dispatcher verifying against the doc token, with one async handler recording."""
    kwargs.setdefault("token_store", token_store())
    dp = Dispatcher(**kwargs)
    seen = Seen()

    @dp.on("ONIMBOTDELETE")
    async def record(event: Event) -> None:
        seen.add(event)

    return dp, seen
