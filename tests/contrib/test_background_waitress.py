"""Background mode over real HTTP: ``Dispatcher(background=True, max_in_flight=4)`` behind
``WSGIApp`` and the Flask blueprint on a waitress server.

Slow handlers wait on a gate the test opens, so "the answer came first" is an ordering
fact, not a timing guess.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import attrs
import flask
import httpx
import pytest

from b24botevents import AnyBotDeleteEvent, Dispatcher, Event
from b24botevents.contrib.flask import make_blueprint
from b24botevents.contrib.wsgi import WSGIApp

from .bodies import FORM, TOKEN, form_body
from .servers import waitress_server

MAX_IN_FLIGHT = 4
URL_PATH = "/b24/events"


@attrs.define
class Gated:
    """Handlers for bot ids in ``gated`` wait until ``gate`` opens; all record themselves."""

    gate: threading.Event = attrs.Factory(threading.Event)
    gated: set[int] = attrs.Factory(set)
    started: list[int] = attrs.Factory(list)
    finished: list[int] = attrs.Factory(list)
    lock: threading.Lock = attrs.Factory(threading.Lock)

    def __call__(self, event: AnyBotDeleteEvent) -> None:
        with self.lock:
            self.started.append(event.bot_id)
        if event.bot_id in self.gated:
            assert self.gate.wait(30), "the test never opened the gate"
        with self.lock:
            self.finished.append(event.bot_id)


@attrs.define
class Served:
    url: str
    dp: Dispatcher
    app: WSGIApp | flask.Flask
    handler: Gated

    def close(self, timeout: float) -> bool:
        """``WSGIApp.close`` for the plain app; ``Dispatcher.close`` behind Flask."""
        if isinstance(self.app, WSGIApp):
            return self.app.close(timeout)
        return self.dp.close(timeout)


@pytest.fixture(params=["wsgi", "flask"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    dp = Dispatcher(application_token=TOKEN, background=True, max_in_flight=MAX_IN_FLIGHT)
    handler = Gated()
    dp.on_bot_delete(handler)
    app: WSGIApp | flask.Flask
    if request.param == "wsgi":
        app = WSGIApp(dp)
    else:
        app = flask.Flask("background_flask")
        app.register_blueprint(make_blueprint(dp, url=URL_PATH))
    with waitress_server(app) as base:
        try:
            yield Served(base + URL_PATH, dp, app, handler)
        finally:
            handler.gate.set()
            dp.close(timeout=10)


def post(client: httpx.Client, url: str, body: bytes) -> httpx.Response:
    return client.post(url, content=body, headers={"content-type": FORM})


def client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=30.0)


def test_the_answer_arrives_before_a_slow_handler_finishes(served: Served) -> None:
    served.handler.gated.add(1)
    with client() as http:
        answer = post(http, served.url, form_body(1))
    assert (answer.status_code, answer.text) == (200, "accepted")
    assert served.handler.finished == []  # still waiting on the gate
    served.handler.gate.set()
    assert served.close(timeout=10) is True
    assert served.handler.finished == [1]


def test_past_max_in_flight_events_run_inline_and_none_is_dropped(served: Served) -> None:
    slow = list(range(1, MAX_IN_FLIGHT + 1))
    served.handler.gated.update(slow)
    with client() as http:
        accepted = [post(http, served.url, form_body(n)) for n in slow]
        # Every background slot is taken by a handler waiting on the gate.
        inline = [post(http, served.url, form_body(n)) for n in (101, 102)]
        finished_before_release = list(served.handler.finished)
    assert [(r.status_code, r.text) for r in accepted] == [(200, "accepted")] * MAX_IN_FLIGHT
    assert [(r.status_code, r.text) for r in inline] == [(200, "ok")] * 2
    assert finished_before_release == [101, 102]  # handled before their answers
    served.handler.gate.set()
    assert served.close(timeout=10) is True
    assert sorted(served.handler.finished) == [*slow, 101, 102]


def test_close_waits_for_in_flight_handlers(served: Served) -> None:
    slow = list(range(1, MAX_IN_FLIGHT + 1))
    served.handler.gated.update(slow)
    with client() as http:
        answers = [post(http, served.url, form_body(n)) for n in slow]
    assert {r.text for r in answers} == {"accepted"}
    assert served.handler.finished == []
    opener = threading.Timer(0.3, served.handler.gate.set)
    opener.start()
    try:
        assert served.close(timeout=10) is True
        assert sorted(served.handler.finished) == slow  # all done when close returned
    finally:
        opener.cancel()
        opener.join()


def test_events_after_close_run_inline(served: Served) -> None:
    assert served.close(timeout=10) is True
    with client() as http:
        answer = post(http, served.url, form_body(7))
    assert (answer.status_code, answer.text) == (200, "ok")
    assert served.handler.finished == [7]


def test_a_background_error_reaches_on_error(served: Served) -> None:
    seen: list[tuple[int, str]] = []
    hooked = threading.Event()

    @served.dp.on("ONIMBOTDELETE")
    def fail(event: AnyBotDeleteEvent) -> None:
        raise RuntimeError(f"boom {event.bot_id}")

    @served.dp.on_error
    def hook(event: Event, exc: Exception) -> None:
        seen.append((getattr(event, "bot_id", -1), str(exc)))
        hooked.set()

    with client() as http:
        answer = post(http, served.url, form_body(42))
    assert (answer.status_code, answer.text) == (200, "accepted")
    assert served.close(timeout=10) is True
    assert hooked.is_set()
    assert seen == [(42, "boom 42")]
    assert served.handler.finished == [42]  # the other handler still ran
