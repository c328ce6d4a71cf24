"""Shared fixtures: Django settings (configured once), a recording dispatcher, and one
``Driver`` per adapter that posts through that framework's own test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import attrs
import django
import django.test
import flask
import pytest
import werkzeug.test
from django.conf import settings
from django.urls import clear_url_caches, path

from b24botevents import Dispatcher, Limits
from b24botevents.contrib.django import make_view
from b24botevents.contrib.flask import make_blueprint, view
from b24botevents.contrib.wsgi import WSGIApp

from . import django_urls
from .helpers import FORM, TOKEN, CountingStream, Recorder

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="b24botevents-tests-only",
        ROOT_URLCONF=django_urls.__name__,
        ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()

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


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def limits() -> Limits | None:
    """Override by parametrizing a test with ``limits``."""
    return None


@pytest.fixture
def background() -> bool:
    """Override by parametrizing a test with ``background``."""
    return False


@pytest.fixture
def dp(recorder: Recorder, limits: Limits | None, background: bool) -> Iterator[Dispatcher]:
    """A dispatcher with the documented token, recording every bot-delete event."""
    dispatcher = Dispatcher(application_token=TOKEN, limits=limits, background=background)
    dispatcher.on_bot_delete(recorder)
    yield dispatcher
    assert dispatcher.close(timeout=10)


@pytest.fixture
def django_urlconf(dp: Dispatcher) -> Iterator[None]:
    """Route ``PATH`` to ``make_view(dp)`` in the test project's ROOT_URLCONF."""
    django_urls.urlpatterns[:] = [path(PATH.lstrip("/"), make_view(dp))]
    clear_url_caches()
    yield
    django_urls.urlpatterns.clear()
    clear_url_caches()


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


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest, dp: Dispatcher) -> Driver:
    """Each adapter in turn, through its framework's own test client."""
    name: str = request.param
    if name == "django":
        request.getfixturevalue("django_urlconf")
    return make_driver(name, dp)
