"""aiohttp specifics: exact reading bounds, ``client_max_size``, mounting and shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

from aiohttp import StreamReader, web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from multidict import CIMultiDict

from b24botevents import AnyBotDeleteEvent, Dispatcher, Limits
from b24botevents.contrib.aiohttp import CHUNK_SIZE, make_handler, setup

from .async_drivers import Pulled
from .bodies import DOC_BODY, FORM, form_body
from .recording import portal_store, recording_dispatcher


class ScriptedStream:
    """Stands in for ``request.content``: hands out ``chunks`` and counts what was taken.

    With ``lost=True`` the connection is lost after the last chunk, as aiohttp reports it.
    """

    def __init__(self, chunks: list[bytes], *, lost: bool = False) -> None:
        self.chunks = chunks
        self.lost = lost
        self.pulled = Pulled()

    def iter_chunked(self, n: int) -> AsyncIterator[bytes]:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in self.chunks:
                for start in range(0, len(chunk), n):
                    piece = chunk[start : start + n]
                    self.pulled.note(len(piece))
                    yield piece
            if self.lost:
                raise ConnectionResetError("Connection lost")

        return chunks()


def call(
    dp: Dispatcher,
    chunks: list[bytes],
    headers: dict[str, str],
    *,
    chunk_size: int,
    lost: bool = False,
) -> tuple[web.StreamResponse, Pulled]:
    stream = ScriptedStream(chunks, lost=lost)
    request = make_mocked_request(
        "POST", "/", headers=CIMultiDict(headers), payload=cast(StreamReader, stream)
    )
    handler = make_handler(dp, chunk_size=chunk_size)

    async def main() -> web.StreamResponse:
        return await handler(request)

    return asyncio.run(main()), stream.pulled


def test_handler_takes_at_most_the_limit_plus_one_chunk_of_an_undeclared_body() -> None:
    dp, seen = recording_dispatcher(limits=Limits(max_body_bytes=10_000))
    response, pulled = call(dp, [b"x" * 1_000_000], {"Content-Type": FORM}, chunk_size=1024)
    assert response.status == 413
    assert pulled.bytes <= 10_000 + 1024
    assert pulled.bytes == 10 * 1024  # the tenth chunk crossed the limit: stop there
    assert seen.bot_ids == []


def test_handler_refuses_a_declared_oversized_body_without_reading() -> None:
    dp, _ = recording_dispatcher(limits=Limits(max_body_bytes=10_000))
    headers = {"Content-Type": FORM, "Content-Length": "10001"}
    response, pulled = call(dp, [b"x" * 10_001], headers, chunk_size=1024)
    assert response.status == 413
    assert pulled.messages == 0


def test_handler_reads_a_body_in_many_chunks() -> None:
    dp, seen = recording_dispatcher()
    body = form_body(8)
    response, pulled = call(dp, [body], {"Content-Type": FORM}, chunk_size=7)
    assert response.status == 200
    assert pulled.bytes == len(body)
    assert seen.bot_ids == [8]


def test_handler_does_not_dispatch_the_part_of_a_body_sent_before_a_disconnect() -> None:
    dp, seen = recording_dispatcher()
    body = form_body(5)  # complete: only the lost connection says the body was cut short
    response, _ = call(dp, [body], {"Content-Type": FORM}, chunk_size=1024, lost=True)
    assert response.status == 400
    assert seen.bot_ids == []


def test_the_dispatchers_limit_applies_not_client_max_size() -> None:
    # aiohttp's client_max_size only guards read()/post(), which the adapter never calls:
    # a body over client_max_size but within the dispatcher's limit is accepted.
    dp, seen = recording_dispatcher()
    body = DOC_BODY + b"&pad=" + b"x" * 4096

    async def main() -> int:
        app = web.Application(client_max_size=1024)
        setup(app, dp, path="/b24/events")
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            response = await client.post("/b24/events", data=body, headers={"Content-Type": FORM})
            missing = await client.post("/", data=body, headers={"Content-Type": FORM})
            assert missing.status == 404
            status: int = response.status
            return status

    assert asyncio.run(main()) == 200
    assert seen.bot_ids == [567]


def test_setup_returns_the_route_for_every_method() -> None:
    app = web.Application()
    route = setup(app, Dispatcher(portal_store=portal_store()), path="/hook")
    assert route.method == "*"
    assert route.resource is not None
    assert route.resource.canonical == "/hook"


def test_shutdown_waits_for_background_handlers_before_cleanup() -> None:
    dp = Dispatcher(portal_store=portal_store(), background=True)
    log: list[str] = []
    release = asyncio.Event()

    @dp.on_bot_delete
    async def slow(event: AnyBotDeleteEvent) -> None:
        await release.wait()
        await asyncio.sleep(0.3)
        log.append(f"handled {event.bot_id}")

    async def cleanup(app: web.Application) -> None:
        log.append("cleanup")  # where a user would close what handlers use

    async def main() -> None:
        app = web.Application()
        setup(app, dp)
        app.on_cleanup.append(cleanup)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            response = await client.post("/", data=DOC_BODY, headers={"Content-Type": FORM})
            assert (response.status, await response.text()) == (200, "accepted")
            log.append("answered")
            release.set()
        log.append("closed")

    asyncio.run(main())
    assert log == ["answered", "handled 567", "cleanup", "closed"]


def test_chunk_size_is_the_default_read_size() -> None:
    assert CHUNK_SIZE == 64 * 1024
