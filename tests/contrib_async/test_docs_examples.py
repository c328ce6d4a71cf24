"""The examples in docs/adapters/{asgi,fastapi,aiohttp}.md compile, and run as documented.

Each complete ``app.py`` is executed in a temporary directory (its SQLite file lands
there), then real bodies are posted through the resulting ``app``: an ONAPPINSTALL that
teaches the store the portal's token, then the doc ONIMBOTDELETE body.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import TestClient, TestServer

from b24botevents import Dispatcher, SQLiteTokenStore
from b24botevents.wire import encode_form

from .support import (
    DOC_BODY,
    FORM,
    MEMBER_ID,
    REPO,
    TOKEN,
    WRONG_TOKEN_BODY,
    asgi_lifespan,
)

DOCS = REPO / "docs" / "adapters"
PAGES = ("asgi.md", "fastapi.md", "aiohttp.md")
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
HANDLED = "bot 567 (BOT) deleted on some-domain.bitrix24.com"

INSTALL_BODY = encode_form(
    {
        "event": "ONAPPINSTALL",
        "data": {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "en"},
        "ts": "1772090000",
        "auth": {
            "domain": "some-domain.bitrix24.com",
            "member_id": MEMBER_ID,
            "application_token": TOKEN,
        },
    }
).encode("ascii")


def examples(page: str) -> list[str]:
    return FENCE.findall((DOCS / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_every_python_example_compiles(page: str) -> None:
    found = examples(page)
    assert found, f"{page} has no python example"
    for number, code in enumerate(found):
        compile(code, f"{page}[{number}]", "exec")


@contextmanager
def app_from(page: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Execute the page's ``app.py`` in ``directory`` and yield its ``app``."""
    (code,) = [code for code in examples(page) if '"""app.py' in code]
    monkeypatch.chdir(directory)
    namespace: dict[str, Any] = {"__name__": "app"}
    exec(compile(code, f"{page}:app.py", "exec"), namespace)  # noqa: S102 - our own docs
    try:
        yield namespace["app"]
    finally:
        for value in namespace.values():
            if isinstance(value, Dispatcher):
                store = getattr(value.verifier, "store", None)
                if isinstance(store, SQLiteTokenStore):
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
    assert HANDLED in caplog.messages


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
    assert HANDLED in caplog.messages
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
    assert HANDLED in caplog.messages
