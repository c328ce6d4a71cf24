"""The handler URL is served with and without a trailing slash, by every adapter, with no
redirect: the Bitrix24 queue server follows none, and a handler registered as
``.../events/`` may be called as ``.../events`` (and the other way round).

Before: FastAPI answered the other form with a 307 and aiohttp with a 404.
"""

from __future__ import annotations

import asyncio

import django.test
import flask
import httpx
import pytest
import werkzeug.test
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from django.urls import clear_url_caches, re_path

from b24botevents import Dispatcher
from b24botevents.contrib.aiohttp import setup
from b24botevents.contrib.asgi import ASGIApp
from b24botevents.contrib.django import make_view
from b24botevents.contrib.flask import view
from b24botevents.contrib.wsgi import WSGIApp

from . import django_urls
from .async_drivers import ASGI, fastapi_app
from .bodies import DOC_BODY, DOC_BOT_ID, FORM
from .recording import Recorder

URLS = ["/events", "/events/"]


def werkzeug_post(app: object, url: str) -> int:
    client = werkzeug.test.Client(app)  # type: ignore[arg-type]
    return client.post(url, data=DOC_BODY, content_type=FORM).status_code


def httpx_post(app: ASGI, url: str) -> int:
    async def main() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(url, content=DOC_BODY, headers={"content-type": FORM})
            return response.status_code

    return asyncio.run(main())


@pytest.mark.parametrize("url", URLS)
def test_wsgi_app_serves_either_form(dp: Dispatcher, recorder: Recorder, url: str) -> None:
    assert werkzeug_post(WSGIApp(dp), url) == 200
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.parametrize("url", URLS)
def test_flask_view_mounted_as_documented_serves_either_form(
    dp: Dispatcher, recorder: Recorder, url: str
) -> None:
    app = flask.Flask("slashes")
    app.add_url_rule("/events", view_func=view(dp), strict_slashes=False)
    assert werkzeug_post(app, url) == 200
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.parametrize("url", URLS)
def test_django_view_mounted_as_documented_serves_either_form(
    dp: Dispatcher, recorder: Recorder, url: str
) -> None:
    """With ``CommonMiddleware`` (``APPEND_SLASH``), as in docs/adapters/django.md."""
    django_urls.urlpatterns[:] = [re_path(r"^events/?$", make_view(dp))]
    clear_url_caches()
    try:
        client = django.test.Client()
        assert client.generic("POST", url, DOC_BODY, FORM).status_code == 200
    finally:
        django_urls.urlpatterns.clear()
        clear_url_caches()
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.parametrize("url", URLS)
def test_asgi_app_serves_either_form(dp: Dispatcher, recorder: Recorder, url: str) -> None:
    assert httpx_post(ASGIApp(dp), url) == 200
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.parametrize("path", URLS)
@pytest.mark.parametrize("url", URLS)
def test_fastapi_router_serves_either_form_without_a_redirect(
    dp: Dispatcher, recorder: Recorder, path: str, url: str
) -> None:
    assert httpx_post(fastapi_app(dp, path=path), url) == 200
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.parametrize("url", URLS)
def test_fastapi_router_answers_either_form_with_the_core_405(dp: Dispatcher, url: str) -> None:
    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=fastapi_app(dp, path="/events"))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request("PATCH", url)

    response = asyncio.run(main())
    assert (response.status_code, response.headers["allow"]) == (405, "POST")


@pytest.mark.parametrize("path", URLS)
@pytest.mark.parametrize("url", URLS)
def test_aiohttp_setup_serves_either_form(
    dp: Dispatcher, recorder: Recorder, path: str, url: str
) -> None:
    async def main() -> int:
        app = web.Application()
        setup(app, dp, path=path)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            response = await client.post(url, data=DOC_BODY, headers={"Content-Type": FORM})
            status: int = response.status
            return status

    assert asyncio.run(main()) == 200
    assert recorder.bot_ids == [DOC_BOT_ID]


def test_the_root_path_has_one_form(dp: Dispatcher) -> None:
    app = web.Application()
    route = setup(app, dp)
    assert [resource.canonical for resource in app.router.resources()] == ["/"]
    assert route.resource is not None
    assert route.resource.canonical == "/"
