"""Drivers for the sync adapter matrix: each adapter through its framework's own test
client (werkzeug's for ``WSGIApp`` and Flask, ``django.test.Client`` for Django)."""

from __future__ import annotations

from typing import Any, Protocol

import attrs
import django.test
import flask
import werkzeug.test

from b24botevents import Dispatcher
from b24botevents.contrib.flask import make_blueprint, view
from b24botevents.contrib.wsgi import WSGIApp

from .bodies import FORM
from .streams import CountingStream

PATH = "/b24/events"
DRIVERS = ("wsgi", "flask-blueprint", "flask-view", "django")


@attrs.frozen
class Answer:
    """An HTTP answer as a test client saw it; header names in lower case."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Driver(Protocol):
    """Sends requests to one adapter through its framework's test client."""

    name: str

    def post(self, body: bytes, content_type: str = FORM) -> Answer: ...

    def send(self, method: str) -> Answer: ...

    def post_stream(
        self,
        stream: CountingStream,
        content_type: str = FORM,
        *,
        declared: int | None = None,
        terminated: bool = True,
    ) -> Answer:
        """POST from ``stream`` as ``wsgi.input``; without ``declared`` there is no
        Content-Length. ``terminated`` sets ``wsgi.input_terminated``: the server ends the
        stream itself (what a chunked upload looks like to the app)."""
        ...


def _stream_environ(
    stream: CountingStream, content_type: str, declared: int | None, terminated: bool
) -> dict[str, Any]:
    environ: dict[str, Any] = {"CONTENT_TYPE": content_type, "wsgi.input": stream}
    if terminated:
        environ["wsgi.input_terminated"] = True
    if declared is not None:
        environ["CONTENT_LENGTH"] = str(declared)
    return environ


class WerkzeugDriver:
    """For ``WSGIApp`` (werkzeug's test ``Client``) and Flask (``app.test_client()``)."""

    def __init__(self, name: str, client: werkzeug.test.Client, url: str = PATH) -> None:
        self.name = name
        self.client = client
        self.url = url

    @staticmethod
    def _answer(response: werkzeug.test.TestResponse) -> Answer:
        headers = {key.lower(): value for key, value in response.headers.items()}
        return Answer(response.status_code, headers, response.get_data())

    def post(self, body: bytes, content_type: str = FORM) -> Answer:
        return self._answer(
            self.client.open(self.url, method="POST", data=body, content_type=content_type)
        )

    def send(self, method: str) -> Answer:
        return self._answer(self.client.open(self.url, method=method))

    def post_stream(
        self,
        stream: CountingStream,
        content_type: str = FORM,
        *,
        declared: int | None = None,
        terminated: bool = True,
    ) -> Answer:
        # No data and no content_type argument: the builder then sets no CONTENT_LENGTH.
        environ = _stream_environ(stream, content_type, declared, terminated)
        return self._answer(self.client.open(self.url, method="POST", environ_overrides=environ))


class DjangoDriver:
    """For ``make_view`` through ``django.test.Client`` with CSRF checks on."""

    name = "django"

    def __init__(self, client: django.test.Client, url: str = PATH) -> None:
        self.client = client
        self.url = url

    @staticmethod
    def _answer(response: Any) -> Answer:
        headers = {key.lower(): value for key, value in response.headers.items()}
        return Answer(response.status_code, headers, response.content)

    def post(self, body: bytes, content_type: str = FORM) -> Answer:
        return self._answer(self.client.generic("POST", self.url, body, content_type))

    def send(self, method: str) -> Answer:
        return self._answer(self.client.generic(method, self.url))

    def post_stream(
        self,
        stream: CountingStream,
        content_type: str = FORM,
        *,
        declared: int | None = None,
        terminated: bool = True,
    ) -> Answer:
        # Empty data: the client sets no CONTENT_LENGTH or wsgi.input of its own.
        environ = _stream_environ(stream, content_type, declared, terminated)
        return self._answer(self.client.generic("POST", self.url, b"", **environ))


def make_driver(name: str, dp: Dispatcher) -> Driver:
    if name == "wsgi":
        return WerkzeugDriver(name, werkzeug.test.Client(WSGIApp(dp)))
    if name == "flask-blueprint":
        app = flask.Flask("blueprint_app")
        app.register_blueprint(make_blueprint(dp, url="/events"), url_prefix="/b24")
        return WerkzeugDriver(name, app.test_client())
    if name == "flask-view":
        app = flask.Flask("view_app")
        app.add_url_rule(PATH, view_func=view(dp))
        return WerkzeugDriver(name, app.test_client())
    if name == "django":
        return DjangoDriver(django.test.Client(enforce_csrf_checks=True))
    raise ValueError(name)
