"""``RateLimiter``: the client side of Bitrix24's 2 requests per second, per portal.

A call reserves a slot and is told how long to wait for it, so one limiter serves
threads and asyncio tasks alike (each sleeps its own way) and never holds a lock while
anyone waits. It is a token bucket kept as one number per portal (the time the next slot
frees up, GCRA style): ``burst`` calls may go at once, then one every ``1 / rate``
seconds. Portals unseen for a while are forgotten, so the table stays bounded.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RateLimiter"]

#: How many portals the limiter remembers at most; the least recently used go first.
_MAX_KEYS = 10_000


class RateLimiter:
    """At most ``rate`` calls per second per key after a burst of ``burst``.

    ``rate=None`` turns it off (a bench, a fake portal). Bitrix24 documents 2 requests
    per second per application; ``burst`` lets a bot answer a few messages at once.
    """

    def __init__(
        self,
        rate: float | None = 2.0,
        burst: int = 2,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate is not None and (isinstance(rate, bool) or not rate > 0):
            raise ValueError("rate must be a positive number of calls per second, or None")
        if type(burst) is not int or burst < 1:
            raise ValueError("burst must be an int >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._next: OrderedDict[str, float] = OrderedDict()

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r}, burst={self.burst})"

    def reserve(self, key: str) -> float:
        """Take the next slot for ``key``; return how many seconds to wait before using it."""
        rate = self.rate
        if rate is None:
            return 0.0
        interval = 1.0 / rate
        window = (self.burst - 1) * interval
        with self._lock:
            now = self._clock()
            theoretical = max(self._next.pop(key, now), now)
            wait = max(0.0, theoretical - window - now)
            self._next[key] = theoretical + interval
            if len(self._next) > _MAX_KEYS:
                self._next.popitem(last=False)
        return wait
