"""The same requests through every async adapter, each via its real client.

Drivers: ``ASGIApp`` with a scripted receive/send, ``ASGIApp`` and the FastAPI router
through ``httpx.ASGITransport``, and aiohttp's ``TestServer``/``TestClient``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from b24botevents import Limits

from .async_drivers import DRIVERS, Driver, Reply
from .bodies import DOC_BODY, DOC_BODY_FILE, FORM, JSON, WRONG_TOKEN_BODY, form_body, json_body
from .recording import recording_dispatcher

LIMIT = 4096
DRIVER_NAMES = sorted(DRIVERS)


def run(
    name: str, scenario: Callable[[Driver], Awaitable[Reply]], **dispatcher: Any
) -> tuple[Reply, list[int]]:
    """Build a recording dispatcher and the named driver, run ``scenario`` in a new loop."""
    dp, seen = recording_dispatcher(**dispatcher)
    driver = DRIVERS[name](dp)
    reply = asyncio.run(_await(scenario(driver)))
    reply.chunk_size = driver.chunk_size
    return reply, seen.bot_ids


async def _await(reply: Awaitable[Reply]) -> Reply:
    return await reply


def test_the_doc_body_is_the_spec_example() -> None:
    assert Path(DOC_BODY_FILE).read_bytes().strip() == DOC_BODY


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_doc_body_with_the_right_token_runs_the_handler_once(name: str) -> None:
    reply, seen = run(name, lambda d: d.request("POST", DOC_BODY, {"content-type": FORM}))
    assert (reply.status, reply.text) == (200, "ok")
    assert reply.headers["content-type"].startswith("text/plain")
    assert seen == [567]


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_form_body_without_a_content_type_is_still_decoded(name: str) -> None:
    reply, seen = run(name, lambda d: d.request("POST", form_body(31), {}))
    assert (reply.status, seen) == (200, [31])


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_wrong_token_is_403_and_runs_nothing(name: str) -> None:
    reply, seen = run(name, lambda d: d.request("POST", WRONG_TOKEN_BODY, {"content-type": FORM}))
    assert reply.status == 403
    assert "forbidden" in reply.text
    assert "831c76b0" not in reply.text
    assert seen == []


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_malformed_body_is_400(name: str) -> None:
    reply, seen = run(name, lambda d: d.request("POST", b"a[b=1", {"content-type": FORM}))
    assert reply.status == 400
    assert reply.text.startswith("bad request: malformed key")
    assert seen == []


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_html_body_is_415(name: str) -> None:
    reply, seen = run(name, lambda d: d.request("POST", DOC_BODY, {"content-type": "text/html"}))
    assert reply.status == 415
    assert seen == []


@pytest.mark.parametrize("name", DRIVER_NAMES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405_with_allow_post_and_nothing_read(name: str, method: str) -> None:
    reply, seen = run(name, lambda d: d.request(method, DOC_BODY, {"content-type": FORM}))
    assert reply.status == 405
    assert reply.headers["allow"] == "POST"
    assert reply.text == "method not allowed: Bitrix24 delivers events with POST"
    assert reply.pulled.bytes == 0
    assert seen == []


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_json_body_is_handled(name: str) -> None:
    reply, seen = run(name, lambda d: d.request("POST", json_body(4242), {"content-type": JSON}))
    assert (reply.status, reply.text, seen) == (200, "ok", [4242])


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_declared_length_over_the_limit_is_413_before_receiving_anything(name: str) -> None:
    body = DOC_BODY + b"&pad=" + b"x" * LIMIT
    reply, seen = run(
        name,
        lambda d: d.request("POST", body, {"content-type": FORM}),
        limits=Limits(max_body_bytes=LIMIT),
    )
    assert reply.status == 413
    assert f"max_body_bytes={LIMIT}" in reply.text
    assert reply.pulled.bytes == 0
    assert seen == []


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_chunked_body_over_the_limit_is_413_and_never_buffered(name: str) -> None:
    chunk = b"x" * 1024
    count = 1024  # 1 MiB offered, 256 times the limit
    reply, seen = run(
        name,
        lambda d: d.stream([chunk] * count, {"content-type": FORM}),
        limits=Limits(max_body_bytes=LIMIT),
    )
    assert reply.status == 413
    assert seen == []
    # Reading stops at the first chunk past the limit: the limit plus one chunk at most
    # (a chunk is what the adapter asks for, or else the largest the server delivered).
    one_chunk = reply.chunk_size or reply.pulled.largest
    assert 0 < reply.pulled.bytes <= LIMIT + one_chunk
    assert reply.pulled.bytes < len(chunk) * count // 8


@pytest.mark.parametrize("name", DRIVER_NAMES)
def test_chunked_body_under_the_limit_is_handled(name: str) -> None:
    body = form_body(77)
    parts = [body[i : i + 50] for i in range(0, len(body), 50)]
    reply, seen = run(name, lambda d: d.stream(parts, {"content-type": FORM}))
    assert (reply.status, seen) == (200, [77])
    assert reply.pulled.bytes == len(body)
