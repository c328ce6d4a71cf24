"""Internal: the steps a REST call asks its driver to take, and the answers it gets back.

The call logic (``_flow``) is written once, as generators that yield these effects; the
sync and the async driver (``_driver``) each carry them out their own way: an HTTP
request on ``httpx.Client`` or ``httpx.AsyncClient``, a sleep with ``time.sleep`` or
``asyncio.sleep``, a store call inline or in a worker thread, a wait on another caller's
refresh with ``Future.result`` or ``asyncio.wrap_future``. That is how one implementation
serves both, the way sans-I/O protocol libraries do.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen(repr=False)
class HttpRequest:
    """One HTTP request. Its ``repr`` names the method only: URLs and bodies hold secrets."""

    method: str
    url: str
    json: Any = None
    params: Mapping[str, str] | None = None
    #: The REST method (or ``oauth``) for error messages and timeouts.
    purpose: str = ""

    def __repr__(self) -> str:
        return f"HttpRequest({self.method} for {self.purpose!r})"


@attrs.frozen
class HttpReply:
    """What came back: the status, the headers we read (lower-case names) and the body."""

    status: int
    retry_after: str | None
    #: Not in the repr: an OAuth server's answer holds tokens.
    body: bytes = attrs.field(repr=False)


@attrs.frozen
class Sleep:
    """Wait ``seconds`` (rate limit, backoff)."""

    seconds: float


@attrs.frozen(repr=False)
class StoreCall:
    """Call the portal store: inline in sync code, in a thread in async code if it blocks."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        return f"StoreCall({getattr(self.fn, '__name__', 'store')})"


@attrs.frozen
class WaitFor:
    """Wait for another caller's refresh of the same portal to finish."""

    future: Future[Any]
    timeout: float


@attrs.frozen(repr=False)
class Detached:
    """Run ``flow`` to its end even if the caller is cancelled meanwhile; its result.

    A refresh spends the single-use refresh token at the OAuth server's first answer: if
    the caller's task were cancelled between that answer and the write-back, the store
    would keep a dead token. The async driver runs such a flow as a task of its own.
    """

    flow: Generator[Any, Any, Any]

    def __repr__(self) -> str:
        return "Detached(...)"


Effect = HttpRequest | Sleep | StoreCall | WaitFor | Detached
#: A flow: yields effects, is sent their results (or has their exceptions thrown in).
Flow = Generator[Effect, Any, T]
