"""Internal: how sync and async callables are run without blocking an event loop.

Handlers, error hooks, the install hook and store calls all go through here, so there is
one place that decides what runs in the loop and what goes to a worker thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def is_async(fn: Callable[..., object]) -> bool:
    """True for a coroutine function, or an object whose ``__call__`` is one."""
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - async __call__ on an instance
    return call is not None and inspect.iscoroutinefunction(call)


def run_coroutine(awaitable: Awaitable[T]) -> T:
    """Run an awaitable to completion from synchronous code (not inside a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(awaitable):
            awaitable.close()  # never awaited otherwise; avoid the RuntimeWarning
        raise RuntimeError(
            "an async handler cannot run from dispatch() inside a running event loop; "
            "use 'await adispatch(event)' (or 'await ahandle(...)')"
        )

    async def wait() -> T:
        return await awaitable

    return asyncio.run(wait())


def call_sync(fn: Callable[..., object], *args: Any) -> object:
    """Call sync or async ``fn`` from synchronous code; an awaitable result is run through."""
    outcome = fn(*args)
    if outcome is not None and inspect.isawaitable(outcome):
        return run_coroutine(outcome)
    return outcome


async def run_off_loop(executor: Executor | None, fn: Callable[..., T], *args: Any) -> T:
    """Run sync ``fn`` in ``executor`` (default: the loop's pool) with the caller's context."""
    call = functools.partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(executor, call)


async def call_off_loop(
    fn: Callable[..., object], args: tuple[Any, ...], executor: Executor | None
) -> object:
    """Call sync or async ``fn`` without blocking the running loop.

    Async callables are awaited in the loop; sync ones run in ``executor`` through
    ``run_off_loop``. An awaitable that a sync callable returns is awaited too.
    """
    outcome = fn(*args) if is_async(fn) else await run_off_loop(executor, fn, *args)
    if outcome is not None and inspect.isawaitable(outcome):
        outcome = await outcome
    return outcome


class LazyPool:
    """A thread pool created on first use, so a dispatcher that never needs one has none.

    The dispatcher keeps two: one for store calls and one for sync handlers, so that slow
    handlers can never hold up the verification of the next event.
    """

    def __init__(self, max_workers: int, name: str) -> None:
        self.max_workers = max_workers
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self) -> ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix=self._name)
                pool = self._pool
        return pool
