"""Bodies, counting streams, recording handlers and a real waitress server for the tests."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import waitress  # type: ignore[import-untyped]
from waitress import wasyncore

from b24botevents import BotDeleteEvent, BotV2DeleteEvent
from b24botevents.wire import encode_form, parse_form

#: The ONIMBOTDELETE body rendered by PHP's http_build_query from the documented example
#: (tests/data/examples/ONIMBOTDELETE.derived-http_build_query.txt).
DOC_BODY = (
    b"event=ONIMBOTDELETE&event_handler_id=439&data%5BBOT_ID%5D=567&data%5BBOT_CODE%5D=BOT"
    b"&ts=1772090363&auth%5Baccess_token%5D=0b02a0690000071b0008440001b0007a16b39202c2490f015"
    b"&auth%5Bexpires%5D=1772093963&auth%5Bexpires_in%5D=3600&auth%5Bscope%5D=imbot"
    b"&auth%5Bdomain%5D=some-domain.bitrix24.com"
    b"&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F&auth%5Bstatus%5D=F"
    b"&auth%5Bclient_endpoint%5D=https%3A%2F%2Fsome-domain.bitrix24.com%2Frest%2F"
    b"&auth%5Bmember_id%5D=bac1cd5c8940947a75e0d71b1a84e348&auth%5Buser_id%5D=27"
    b"&auth%5Bapplication_token%5D=831c76b092f9f135d9b6b36c3a720757"
)
TOKEN = "831c76b092f9f135d9b6b36c3a720757"
MEMBER_ID = "bac1cd5c8940947a75e0d71b1a84e348"
DOC_BOT_ID = 567
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TEXT_PLAIN = "text/plain; charset=utf-8"
#: The chunk size of ``read_wsgi_body``: a refused body may be read up to one chunk past
#: the limit, never more.
CHUNK = 64 * 1024
MALFORMED = b"a[b=1"


def doc_tree() -> dict[str, Any]:
    """The documented ONIMBOTDELETE body as a decoded tree (a fresh copy each call)."""
    return parse_form(DOC_BODY)


def bot_delete_tree(bot_id: int, *, token: str = TOKEN) -> dict[str, Any]:
    tree = doc_tree()
    tree["data"]["BOT_ID"] = str(bot_id)
    tree["data"]["BOT_CODE"] = f"bot{bot_id}"
    tree["auth"]["application_token"] = token
    return tree


def bot_delete_body(bot_id: int, *, token: str = TOKEN) -> bytes:
    """An ONIMBOTDELETE form body for ``bot_id``, encoded as PHP would."""
    return encode_form(bot_delete_tree(bot_id, token=token)).encode("ascii")


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


@contextmanager
def waitress_server(app: WSGIApplication, *, threads: int = 8) -> Iterator[str]:
    """Serve ``app`` with a real waitress server on 127.0.0.1; yield its base URL.

    The event loop runs in a daemon thread a step at a time so that it stops on request;
    the channels, the listening socket and the worker threads are closed at exit.
    """
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    socket_map = server._map
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=socket_map, use_poll=True, count=1)

    thread = threading.Thread(target=loop, name="waitress-test-loop", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)
        for channel in list(socket_map.values()):
            if channel is not server and channel is not server.trigger:
                channel.close()
        server.close()  # the listening socket and the trigger
        server.task_dispatcher.shutdown()


def install_tree(*, token: str = TOKEN) -> dict[str, Any]:
    """ONAPPINSTALL for the documented portal: what teaches a token store its token."""
    auth = doc_tree()["auth"]
    auth["application_token"] = token
    auth["refresh_token"] = "4s386p3q0tr8dy89xvmt96234v3dljg8"
    return {
        "event": "ONAPPINSTALL",
        "data": {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "en"},
        "ts": "1772090000",
        "auth": auth,
    }


def install_body(*, token: str = TOKEN) -> bytes:
    return encode_form(install_tree(token=token)).encode("ascii")
