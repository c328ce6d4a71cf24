"""Counting what a WSGI app reads: a lazy ``wsgi.input`` for the test clients, and a
middleware around a real server's stream."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: The chunk size of ``read_wsgi_body``: a refused body may be read up to one chunk past
#: the limit, never more.
CHUNK = 64 * 1024


class CountingStream:
    """A lazy ``wsgi.input`` of ``total`` bytes (``fill`` repeated) counting what was read."""

    def __init__(self, total: int, fill: bytes = b"a") -> None:
        self.total = total
        self.fill = fill
        self.bytes_read = 0

    @classmethod
    def of(cls, data: bytes) -> CountingStream:
        """A stream of exactly ``data``."""
        return cls(len(data), data)

    def read(self, size: int | None = -1) -> bytes:
        left = self.total - self.bytes_read
        count = left if size is None or size < 0 else min(size, left)
        start = self.bytes_read % len(self.fill)
        repeated = self.fill * (count // len(self.fill) + 2)
        self.bytes_read += count
        return repeated[start : start + count]

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size)


class CountingInput:
    """Wraps a server's ``wsgi.input`` and counts the bytes the app read from it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.bytes_read = 0

    def _count(self, data: bytes) -> bytes:
        self.bytes_read += len(data)
        return data

    def read(self, *args: Any) -> bytes:
        return self._count(self.stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._count(self.stream.readline(*args))

    def readlines(self, *args: Any) -> list[bytes]:
        return [self._count(line) for line in self.stream.readlines(*args)]

    def __iter__(self) -> Iterator[bytes]:
        return (self._count(line) for line in self.stream)


WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class CountingMiddleware:
    """A tiny WSGI middleware recording how many body bytes each request's app read."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.bytes_read: list[int] = []
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        counter = CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = counter
        try:
            return self.app(environ, start_response)
        finally:
            with self._lock:
                self.bytes_read.append(counter.bytes_read)
