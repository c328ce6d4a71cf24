"""Internal: one deadline for a whole sync HTTP exchange, not one timeout per socket read.

httpx's timeouts bound each read and write, so a server that drips its headers a byte at
a time, each within the read timeout, could hold a sync call for hours. The sync client's
transport is httpx's own, with its network backend wrapped: every connect, read and
write is given at most the time left before the exchange's deadline (``within``), and
none at all once it has passed. A ``ContextVar`` carries the deadline, so threads sharing
one pool each keep their own. (The async driver needs none of this: it bounds the whole
exchange with ``asyncio.wait_for``.)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

__all__ = ["bound", "deadline_transport", "environment_mounts", "within"]

_DEADLINE: ContextVar[float | None] = ContextVar("b24botevents_rest_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every network operation of the block ends ``seconds`` from now at the latest."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _left(timeout: float | None, *, connecting: bool = False) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        if connecting:  # nothing was sent: say so, so that the call may be retried
            raise httpcore.ConnectTimeout("no time was left to connect")
        raise httpcore.ReadTimeout("the exchange took longer than its timeout in all")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, connecting=True)
        stream = self._inner.connect_tcp(host, port, left, local_address, socket_options)
        return _Stream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, connecting=True)
        return _Stream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound(transport: httpx.BaseTransport) -> httpx.BaseTransport:
    """``transport`` with its network operations held to ``within``, when it is httpx's
    own ``HTTPTransport`` (any other transport, a test's mock, is left as it is).

    The backend is reached through httpx's and httpcore's own attributes; a test checks
    they are still there (``tests/security/test_review_header_drip.py``).
    """
    if not isinstance(transport, httpx.HTTPTransport):
        return transport
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:  # pragma: no cover - a future httpx: fail loudly in the tests
        raise RuntimeError("httpx's transport has no network backend to bound")
    if not isinstance(backend, _Backend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport


def deadline_transport(proxy: str | None = None) -> httpx.BaseTransport:
    """httpx's default sync transport (through ``proxy``, if given), held to ``within``."""
    return bound(httpx.HTTPTransport(proxy=proxy))


def environment_mounts() -> dict[str, httpx.BaseTransport | None]:
    """Transports for the proxies the environment names (``HTTPS_PROXY``, ``NO_PROXY``
    ...), as httpx would use them without a transport of ours: each held to ``within``.
    """
    try:
        from httpx._utils import get_environment_proxies
    except ImportError:  # pragma: no cover - a future httpx
        return {}
    mounts: dict[str, httpx.BaseTransport | None] = {}
    for pattern, proxy in get_environment_proxies().items():
        mounts[pattern] = None if proxy is None else deadline_transport(proxy)
    return mounts
