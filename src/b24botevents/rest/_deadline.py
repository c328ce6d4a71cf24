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

__all__ = ["deadline_transport", "within"]

_DEADLINE: ContextVar[float | None] = ContextVar("b24botevents_rest_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every network operation of the block ends ``seconds`` from now at the latest."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _left(timeout: float | None) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
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
        stream = self._inner.connect_tcp(host, port, _left(timeout), local_address, socket_options)
        return _Stream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport() -> httpx.HTTPTransport:
    """httpx's default sync transport, its network operations held to ``within``.

    The backend is reached through httpx's and httpcore's own attributes; a test checks
    they are still there (``tests/security/test_review_header_drip.py``).
    """
    transport = httpx.HTTPTransport()
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:  # pragma: no cover - a future httpx: fail loudly in the tests
        raise RuntimeError("httpx's transport has no network backend to bound")
    pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport
