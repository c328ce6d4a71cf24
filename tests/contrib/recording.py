"""Handlers that record the events they saw, and dispatchers built around them.

``Recorder`` is the sync handler of the ``dp`` fixture; ``recording_dispatcher`` gives an
async handler and a portal store that knows the documented portal.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b24botevents import BotDeleteEvent, BotV2DeleteEvent, Dispatcher, MemoryPortalStore
from b24botevents.models import Event

from .bodies import DOC_PORTAL


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


def portal_store() -> MemoryPortalStore:
    """A portal store in which the documented portal is already installed."""
    return MemoryPortalStore([DOC_PORTAL.record()])


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
    """A Dispatcher verifying against the doc portal, with one async handler recording."""
    kwargs.setdefault("portal_store", portal_store())
    dp = Dispatcher(**kwargs)
    seen = Seen()

    @dp.on("ONIMBOTDELETE")
    async def record(event: Event) -> None:
        seen.add(event)

    return dp, seen
