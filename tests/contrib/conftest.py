"""Shared fixtures: Django settings (configured once), a recording dispatcher, the sync
adapter ``driver`` (``sync_drivers``), and the checks that no uvicorn thread outlives a
test.

No pytest-asyncio configuration is needed (or set): every async test runs its own event
loop with ``asyncio.run``, and servers run in threads the tests start and join themselves.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator

import django
import pytest
from django.conf import settings
from django.urls import clear_url_caches, path

from b24botevents import Dispatcher, Limits
from b24botevents.contrib.django import make_view

from . import django_urls
from .bodies import TOKEN
from .recording import Recorder
from .sync_drivers import DRIVERS, PATH, Driver, make_driver

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


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest, dp: Dispatcher) -> Driver:
    """Each adapter in turn, through its framework's own test client."""
    name: str = request.param
    if name == "django":
        request.getfixturevalue("django_urlconf")
    return make_driver(name, dp)


@pytest.fixture(autouse=True)
def no_server_left_running() -> Iterator[None]:
    """Every uvicorn thread a test starts is stopped and joined by the end of it."""
    yield
    left = [thread.name for thread in threading.enumerate() if thread.name == "uvicorn"]
    assert not left, f"uvicorn threads still running: {left}"


@pytest.fixture
def fast_httpcore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make httpcore's per-request ``import sniffio`` fail at once when sniffio is absent.

    httpcore tries that import several times per request; without sniffio installed each
    failed import searches ``sys.path`` (about half the client's time in a load test). A
    ``None`` entry in ``sys.modules`` makes it fail immediately, exactly as it would anyway.
    """
    if importlib.util.find_spec("sniffio") is None:
        monkeypatch.setitem(sys.modules, "sniffio", None)
