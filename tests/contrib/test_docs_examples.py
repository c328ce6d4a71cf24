"""The examples in docs/adapters/*.md compile, and run as documented.

wsgi.md and flask.md are imported as ``bot_app`` from a temporary directory and driven
through a test client; django.md's one-file project runs in a subprocess (it configures
Django's settings itself), both as ``python bot_app.py check`` and as an imported module.
The complete ``app.py`` of asgi.md, fastapi.md and aiohttp.md is executed in a temporary
directory and served real bodies. Every run posts an ONAPPINSTALL that teaches the store
the portal's token, then the doc ONIMBOTDELETE body; the SQLite file lands in the
temporary directory.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import werkzeug.test
from aiohttp.test_utils import TestClient, TestServer

import b24botevents
from b24botevents import Dispatcher, SQLitePortalStore

from .bodies import DOC_BODY, FORM, REPO, WRONG_TOKEN_BODY, form_body, install_body
from .servers import asgi_lifespan

DOCS = REPO / "docs" / "adapters"
PAGES = ("wsgi.md", "flask.md", "django.md", "asgi.md", "fastapi.md", "aiohttp.md")
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
SRC = Path(b24botevents.__file__).resolve().parents[1]
DELETED_LINE = "bot 567 (BOT) deleted on some-domain.bitrix24.com"
INSTALL_BODY = install_body()


def python_blocks(page: str) -> list[str]:
    return FENCE.findall((DOCS / page).read_text("utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_every_python_example_compiles(page: str) -> None:
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python example"
    for number, block in enumerate(blocks):
        assert compile(block, f"{page}[{number}]", "exec") is not None


# ---- wsgi.md, flask.md, django.md -------------------------------------------------------


@pytest.fixture
def bot_app(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    """The page's first python block saved as bot_app.py in a temp dir and imported."""
    page: str = request.param
    (tmp_path / "bot_app.py").write_text(python_blocks(page)[0], "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert "bot_app" not in sys.modules
    module = importlib.import_module("bot_app")
    try:
        yield module
    finally:
        dp = module.dp
        atexit.unregister(dp.close)
        if hasattr(module.app, "close"):
            atexit.unregister(module.app.close)
        dp.close(timeout=10)
        dp.verifier.store.close()
        del sys.modules["bot_app"]  # not monkeypatch.delitem: its undo would restore it


def exercise(client: werkzeug.test.Client, url: str) -> list[tuple[int, bytes]]:
    answers = []
    for body in (install_body(), DOC_BODY, form_body(1, token="0" * 32)):
        response = client.post(url, data=body, content_type=FORM)
        answers.append((response.status_code, response.get_data()))
    response = client.get(url)
    answers.append((response.status_code, response.get_data()[:18]))
    return answers


EXPECTED = [
    (200, b"accepted"),
    (200, b"accepted"),
    (403, b"forbidden: the event could not be verified"),
    (405, b"method not allowed"),
]


@pytest.mark.parametrize("bot_app", ["wsgi.md"], indirect=True)
def test_the_wsgi_example_runs(bot_app: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")
    answers = exercise(werkzeug.test.Client(bot_app.app), "/")
    assert bot_app.app.close(timeout=10) is True
    assert answers == EXPECTED
    assert [r.getMessage() for r in caplog.records if r.name == "bot_app"] == [DELETED_LINE]
    assert Path("tokens.sqlite3").exists()  # in the temp dir


@pytest.mark.parametrize("bot_app", ["flask.md"], indirect=True)
def test_the_flask_example_runs(bot_app: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")
    answers = exercise(bot_app.app.test_client(), "/bitrix24/events")
    assert bot_app.dp.close(timeout=10) is True
    assert answers == EXPECTED
    assert [r.getMessage() for r in caplog.records if r.name == "bot_app"] == [DELETED_LINE]


DJANGO_DRIVER = """
import json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s|%(message)s")
import bot_app
from django.test import Client
client = Client(HTTP_HOST="localhost")
answers = []
for body in [bytes.fromhex(h) for h in sys.argv[1:]]:
    r = client.generic("POST", "/bitrix24/events", body, "application/x-www-form-urlencoded")
    answers.append([r.status_code, r.content.decode()])
r = client.get("/bitrix24/events")
answers.append([r.status_code, r.content.decode()[:18]])
answers.append(bot_app.dp.close(timeout=10))
print(json.dumps(answers))
"""


def run_python(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(cwd)])}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_django_example_runs(tmp_path: Path) -> None:
    (tmp_path / "bot_app.py").write_text(python_blocks("django.md")[0], "utf-8")
    check = run_python(["bot_app.py", "check"], tmp_path)
    assert check.returncode == 0, check.stderr
    assert "no issues" in check.stdout
    bodies = [install_body(), DOC_BODY, form_body(1, token="0" * 32)]
    run = run_python(["-c", DJANGO_DRIVER, *(b.hex() for b in bodies)], tmp_path)
    assert run.returncode == 0, run.stderr
    *answers, closed = json.loads(run.stdout)
    assert [(status, text.encode()) for status, text in answers] == EXPECTED
    assert closed is True
    assert f"bot_app|{DELETED_LINE}" in run.stderr.splitlines()


def test_the_django_example_serves_the_url_with_a_trailing_slash(tmp_path: Path) -> None:
    """The same requests to ``/bitrix24/events/``: answered, not a 404 or a redirect."""
    (tmp_path / "bot_app.py").write_text(python_blocks("django.md")[0], "utf-8")
    driver = DJANGO_DRIVER.replace('"/bitrix24/events"', '"/bitrix24/events/"')
    bodies = [install_body(), DOC_BODY, form_body(1, token="0" * 32)]
    run = run_python(["-c", driver, *(b.hex() for b in bodies)], tmp_path)
    assert run.returncode == 0, run.stderr
    *answers, closed = json.loads(run.stdout)
    assert [(status, text.encode()) for status, text in answers] == EXPECTED
    assert closed is True


# ---- asgi.md, fastapi.md, aiohttp.md ----------------------------------------------------


@contextmanager
def app_from(page: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Execute the page's ``app.py`` in ``directory`` and yield its ``app``."""
    (code,) = [code for code in python_blocks(page) if '"""app.py' in code]
    monkeypatch.chdir(directory)
    namespace: dict[str, Any] = {"__name__": "app"}
    exec(compile(code, f"{page}:app.py", "exec"), namespace)  # noqa: S102 - our own docs
    try:
        yield namespace["app"]
    finally:
        for value in namespace.values():
            if isinstance(value, Dispatcher):
                store = getattr(value.verifier, "store", None)
                if isinstance(store, SQLitePortalStore):
                    store.close()
    assert (directory / "tokens.sqlite3").exists()


async def post(client: httpx.AsyncClient, path: str, body: bytes) -> httpx.Response:
    return await client.post(path, content=body, headers={"content-type": FORM})


def test_the_asgi_example_serves_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")

    async def main(app: Any) -> list[tuple[int, str]]:
        async with asgi_lifespan(app):  # shutdown waits for the background handler
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
                answers = [await post(client, "/", body) for body in (INSTALL_BODY, DOC_BODY)]
                answers.append(await post(client, "/", WRONG_TOKEN_BODY))
                answers.append(await client.get("/"))
        return [(answer.status_code, answer.text) for answer in answers]

    with app_from("asgi.md", tmp_path, monkeypatch) as app:
        answers = asyncio.run(main(app))
    assert [status for status, _ in answers] == [200, 200, 403, 405]
    assert answers[1] == (200, "accepted")
    assert DELETED_LINE in caplog.messages


def test_the_fastapi_example_serves_events_and_the_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")

    async def main(app: Any) -> list[httpx.Response]:
        async with asgi_lifespan(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
                return [
                    await post(client, "/bitrix24/events", INSTALL_BODY),
                    await post(client, "/bitrix24/events", DOC_BODY),
                    await post(client, "/bitrix24/custom", DOC_BODY),
                    await post(client, "/bitrix24/custom", WRONG_TOKEN_BODY),
                ]

    with app_from("fastapi.md", tmp_path, monkeypatch) as app:
        install, event, custom, forged = asyncio.run(main(app))
    assert (install.status_code, event.status_code, event.text) == (200, 200, "accepted")
    assert (custom.status_code, custom.json()) == (200, {"received": "ONIMBOTDELETE"})
    assert forged.status_code == 403
    assert DELETED_LINE in caplog.messages
    assert "ONIMBOTDELETE from some-domain.bitrix24.com" in caplog.messages


def test_the_aiohttp_example_serves_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot_app")

    async def main(app: Any) -> list[tuple[int, str]]:
        answers = []
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            for body in (INSTALL_BODY, DOC_BODY, WRONG_TOKEN_BODY):
                response = await client.post(
                    "/bitrix24/events", data=body, headers={"Content-Type": FORM}
                )
                answers.append((response.status, await response.text()))
        return answers  # the client closed: on_shutdown waited for the handler

    with app_from("aiohttp.md", tmp_path, monkeypatch) as app:
        answers = asyncio.run(main(app))
    assert [status for status, _ in answers] == [200, 200, 403]
    assert answers[1] == (200, "accepted")
    assert DELETED_LINE in caplog.messages
