"""End to end over real HTTP: a waitress server on 127.0.0.1 serving ``WSGIApp(dp)`` and a
Flask app with the blueprint, driven by ``httpx``.

Each app sits behind a ``CountingMiddleware`` that records how many body bytes the app
read from ``wsgi.input``, so that a refused 100 MB upload can be shown not to be read.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from urllib.parse import urlsplit

import attrs
import flask
import httpx
import pytest

from b24botevents import Dispatcher
from b24botevents.contrib.flask import make_blueprint
from b24botevents.contrib.wsgi import WSGIApp

from .bodies import DOC_BODY, DOC_BOT_ID, FORM, MALFORMED, TEXT_PLAIN, form_body
from .recording import Recorder
from .servers import waitress_server
from .streams import CHUNK, CountingMiddleware, WSGIApplication

URL_PATH = "/b24/events"
SLOW_BOT_ID = 999_999
LOAD_REQUESTS = 5_000
LOAD_CONCURRENCY = 50
LOAD_TIMEOUT = 120.0


@attrs.define
class Served:
    url: str
    dp: Dispatcher
    recorder: Recorder
    counter: CountingMiddleware


def build_app(kind: str, dp: Dispatcher) -> WSGIApplication:
    if kind == "wsgi":
        return WSGIApp(dp)
    app = flask.Flask("e2e_flask")
    app.register_blueprint(make_blueprint(dp, url=URL_PATH))
    return app


def http_client() -> httpx.Client:
    # trust_env=False: no proxy from the environment may stand between us and 127.0.0.1.
    return httpx.Client(trust_env=False, timeout=60.0)


@pytest.fixture(params=["wsgi", "flask"])
def served(request: pytest.FixtureRequest, dp: Dispatcher, recorder: Recorder) -> Iterator[Served]:
    counter = CountingMiddleware(build_app(request.param, dp))
    with waitress_server(counter) as base:
        yield Served(base + URL_PATH, dp, recorder, counter)


def post(client: httpx.Client, url: str, body: bytes) -> httpx.Response:
    return client.post(url, content=body, headers={"content-type": FORM})


def test_events_are_handled_exactly_once(served: Served) -> None:
    with http_client() as client:
        first = post(client, served.url, DOC_BODY)
        others = [post(client, served.url, form_body(n)) for n in (1, 2, 3)]
    assert (first.status_code, first.text) == (200, "ok")
    assert first.headers["content-type"] == TEXT_PLAIN
    assert [r.status_code for r in others] == [200, 200, 200]
    assert served.recorder.counts() == {DOC_BOT_ID: 1, 1: 1, 2: 1, 3: 1}


def test_wrong_token_is_403_and_runs_nothing(served: Served) -> None:
    with http_client() as client:
        answer = post(client, served.url, form_body(1, token="f" * 32))
    assert answer.status_code == 403
    assert served.recorder.bot_ids == []


def test_malformed_body_is_400(served: Served) -> None:
    with http_client() as client:
        answer = post(client, served.url, MALFORMED)
    assert answer.status_code == 400
    assert served.recorder.bot_ids == []


def test_get_is_405_with_allow_post(served: Served) -> None:
    with http_client() as client:
        answer = client.get(served.url)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.headers["content-type"] == TEXT_PLAIN


def test_declared_length_over_the_limit_is_413_unread(served: Served) -> None:
    limit = served.dp.max_body_bytes
    with http_client() as client:
        answer = post(client, served.url, b"a" * (limit + 1))
    assert answer.status_code == 413
    assert served.counter.bytes_read == [0]


def test_hundred_megabytes_streamed_without_length_is_413_unbuffered(served: Served) -> None:
    limit = served.dp.max_body_bytes
    sent = 0

    def hundred_megabytes() -> Iterator[bytes]:
        nonlocal sent
        block = b"a" * CHUNK
        for _ in range(100 * 1024 * 1024 // CHUNK):
            sent += len(block)
            yield block

    with http_client() as client:
        answer = client.post(
            served.url, content=hundred_megabytes(), headers={"content-type": FORM}
        )
    assert answer.status_code == 413
    assert sent == 100 * 1024 * 1024  # sent chunked, without a Content-Length
    assert len(served.counter.bytes_read) == 1
    assert served.counter.bytes_read[0] <= limit + CHUNK
    assert served.recorder.bot_ids == []


def test_a_slow_handler_does_not_block_other_requests(served: Served) -> None:
    slow_started = threading.Event()

    @served.dp.on_bot_delete
    def slow(event: object) -> None:
        if getattr(event, "bot_id", None) == SLOW_BOT_ID:
            slow_started.set()
            time.sleep(1.0)

    finished: list[str] = []
    lock = threading.Lock()

    def send(label: str, bot_id: int, client: httpx.Client) -> int:
        status = post(client, served.url, form_body(bot_id)).status_code
        with lock:
            finished.append(label)
        return status

    with http_client() as client, ThreadPoolExecutor(6) as pool:
        slow_future = pool.submit(send, "slow", SLOW_BOT_ID, client)
        assert slow_started.wait(10)
        fast = [pool.submit(send, f"fast{n}", n, client) for n in range(5)]
        statuses = [f.result(timeout=30) for f in fast] + [slow_future.result(timeout=30)]
    assert statuses == [200] * 6
    assert finished[-1] == "slow"  # all five fast ones completed first
    assert sorted(finished[:-1]) == [f"fast{n}" for n in range(5)]
    assert served.recorder.counts() == {SLOW_BOT_ID: 1, 0: 1, 1: 1, 2: 1, 3: 1, 4: 1}


class ConnectionPerThread:
    """One keep-alive ``http.client`` connection per worker thread (closed together)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port
        self.path = parts.path
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post(self, body: bytes) -> int:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        conn.request("POST", self.path, body=body, headers={"content-type": FORM})
        response = conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()


@pytest.mark.slow
def test_load_every_event_is_accepted_and_counted_once(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    bodies = [form_body(1000 + n) for n in range(LOAD_REQUESTS)]
    connections = ConnectionPerThread(served.url)
    started = time.monotonic()
    with ThreadPoolExecutor(LOAD_CONCURRENCY) as pool:
        futures = [pool.submit(connections.post, body) for body in bodies]
        done, not_done = wait_futures(futures, timeout=LOAD_TIMEOUT)
        for future in not_done:
            future.cancel()
    elapsed = time.monotonic() - started
    connections.close()
    errors = [f.exception() for f in done if f.exception() is not None]
    statuses = Counter(f.result() for f in done if f.exception() is None)
    with capsys.disabled():
        print(
            f"\n[load] {LOAD_REQUESTS} requests, {LOAD_CONCURRENCY} at a time: "
            f"{elapsed:.1f}s, {LOAD_REQUESTS / elapsed:.0f} req/s, {len(errors)} errors, "
            f"statuses {dict(statuses)}"
        )
    assert not_done == set()
    assert errors == []
    assert statuses == {200: LOAD_REQUESTS}
    counts = served.recorder.counts()
    assert set(counts) == {1000 + n for n in range(LOAD_REQUESTS)}
    assert set(counts.values()) == {1}  # every accepted event handled exactly once
