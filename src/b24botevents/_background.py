"""Internal: handlers that run after the answer (``Dispatcher(background=True)``).

Sync code hands them to a thread pool, async code to ``asyncio`` tasks; at most
``max_in_flight`` run at once in each. A start that finds no free slot (or a closing
runner) is refused, and the caller then runs the work inline: slower, but nothing is
dropped. ``close``/``aclose`` wait, bounded, for what is running.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any

logger = logging.getLogger("b24botevents")

#: How long ``aclose`` waits for cancelled tasks to finish their clean-up.
_UNWIND_SECONDS = 5.0


class Background:
    """Bounded background work: a lazily created thread pool and a set of tasks."""

    def __init__(self, max_in_flight: int) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self.closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._futures: set[Future[None]] = set()
        self._thread_slots = threading.BoundedSemaphore(max_in_flight)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def start_thread(self, fn: Callable[..., object], *args: Any) -> bool:
        """Run ``fn(*args)`` in the pool if a slot is free; False means "run it yourself"."""
        if self.closing or not self._thread_slots.acquire(blocking=False):
            return False
        try:
            future = self._thread_pool().submit(self._in_slot, fn, args)
        except BaseException:
            self._thread_slots.release()
            raise
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return True

    def _in_slot(self, fn: Callable[..., object], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        finally:
            self._thread_slots.release()

    def _thread_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                # One thread per slot, so that every admitted event runs at once, as
                # documented; threads are only started as they are needed.
                self._pool = ThreadPoolExecutor(
                    max_workers=self.max_in_flight, thread_name_prefix="b24botevents"
                )
            return self._pool

    def start_task(self, make: Callable[[], Coroutine[Any, Any, object]]) -> bool:
        """Run the coroutine ``make()`` as a task if a slot is free; False means "await it".

        ``make`` is only called once a slot is taken, so a refused start leaves no
        coroutine un-awaited.
        """
        if self.closing or len(self._tasks) >= self.max_in_flight:
            return False
        task = asyncio.get_running_loop().create_task(make())
        self._tasks.add(task)  # a reference, or the task may vanish mid-flight
        task.add_done_callback(self._tasks.discard)
        return True

    def close(self, timeout: float | None = 30.0) -> bool:
        """Stop taking work and wait (up to ``timeout``) for the threads; True if none is left."""
        self.closing = True
        _, pending = futures_wait(list(self._futures), timeout=timeout)
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=not pending)
        if pending:
            logger.warning("close: %d background handler(s) still running", len(pending))
        return not pending

    async def aclose(self, timeout: float | None = 30.0) -> bool:
        """Stop taking work, wait for tasks (cancelling the late ones), then the threads."""
        self.closing = True
        tasks = set(self._tasks)
        pending: set[asyncio.Task[Any]] = set()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                logger.warning("aclose: cancelled %d background handler(s)", len(pending))
                # Let them unwind (release dedup claims, log) before aclose returns.
                await asyncio.wait(pending, timeout=_UNWIND_SECONDS)
        threads_done = await asyncio.get_running_loop().run_in_executor(None, self.close, timeout)
        return not pending and threads_done
