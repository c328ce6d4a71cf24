"""FastAPI specifics: ``event_dependency``, routing, OpenAPI and the router's lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from b24botevents import (
    AnyBotDeleteEvent,
    BotDeleteEvent,
    Deduplicator,
    Dispatcher,
    Event,
    Limits,
    MemoryDedupStore,
)
from b24botevents.contrib.fastapi import event_dependency, make_router

from .async_drivers import Message, fastapi_app
from .bodies import DOC_BODY, FORM, MEMBER_ID, TOKEN, WRONG_TOKEN_BODY, form_body
from .recording import portal_store, recording_dispatcher
from .servers import asgi_lifespan


def user_app(dp: Dispatcher) -> tuple[FastAPI, list[Event]]:
    """An app with the user's own endpoint taking the event from the dependency."""
    app = FastAPI()
    received: list[Event] = []

    @app.post("/mine")
    async def mine(event: Event = Depends(event_dependency(dp))) -> dict[str, Any]:  # noqa: B008
        received.append(event)
        assert isinstance(event, BotDeleteEvent)
        return {"code": event.code, "bot_id": event.bot_id, "member_id": event.member_id}

    return app, received


def post(app: Any, path: str, body: bytes, content_type: str = FORM) -> httpx.Response:
    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post(path, content=body, headers={"content-type": content_type})

    return asyncio.run(main())


def test_dependency_hands_the_verified_typed_event_to_the_endpoint() -> None:
    app, received = user_app(Dispatcher(portal_store=portal_store()))
    response = post(app, "/mine", DOC_BODY)
    assert response.status_code == 200
    assert response.json() == {"code": "ONIMBOTDELETE", "bot_id": 567, "member_id": MEMBER_ID}
    assert len(received) == 1
    assert isinstance(received[0], BotDeleteEvent)


def test_dependency_refuses_a_wrong_token_with_403_and_the_endpoint_never_runs() -> None:
    app, received = user_app(Dispatcher(application_token=TOKEN))
    response = post(app, "/mine", WRONG_TOKEN_BODY)
    assert response.status_code == 403
    assert response.json() == {"detail": "forbidden: the event could not be verified"}
    assert received == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"a[b=1", FORM, 400),
        (DOC_BODY, "text/html", 415),
        (DOC_BODY + b"&pad=" + b"x" * 2048, FORM, 413),
    ],
)
def test_dependency_refusals_carry_the_core_status_and_text(
    body: bytes, content_type: str, status: int
) -> None:
    dp = Dispatcher(application_token=TOKEN, limits=Limits(max_body_bytes=2048))
    app, received = user_app(dp)
    response = post(app, "/mine", body, content_type)
    assert response.status_code == status
    assert response.json()["detail"].split(":")[0] in {
        "bad request",
        "unsupported media type",
        "payload too large",
    }
    assert received == []


def test_dependency_answers_a_duplicate_delivery_without_running_the_endpoint() -> None:
    dp = Dispatcher(application_token=TOKEN, dedup=Deduplicator(MemoryDedupStore()))
    app, received = user_app(dp)
    first = post(app, "/mine", DOC_BODY)
    again = post(app, "/mine", DOC_BODY)
    assert first.status_code == 200
    assert (again.status_code, again.json()) == (200, {"detail": "duplicate"})
    assert len(received) == 1


def test_dependency_runs_the_dispatchers_own_handlers_first() -> None:
    dp, seen = recording_dispatcher()
    app, received = user_app(dp)
    assert post(app, "/mine", form_body(12)).status_code == 200
    assert seen.bot_ids == [12]
    assert [getattr(event, "bot_id", None) for event in received] == [12]


def test_dependency_refuses_a_background_dispatcher() -> None:
    with pytest.raises(ValueError, match="background=False"):
        event_dependency(Dispatcher(application_token=TOKEN, background=True))


def test_router_mounts_at_its_path_and_only_post_is_in_the_openapi_schema() -> None:
    dp, seen = recording_dispatcher()
    app = FastAPI()
    app.include_router(make_router(dp, path="/bitrix/events"))
    assert post(app, "/bitrix/events", DOC_BODY).status_code == 200
    assert post(app, "/", DOC_BODY).status_code == 404
    assert seen.bot_ids == [567]
    paths = app.openapi()["paths"]
    assert list(paths) == ["/bitrix/events"]
    assert list(paths["/bitrix/events"]) == ["post"]


def test_router_answers_even_unusual_methods_with_the_core_405() -> None:
    dp, _ = recording_dispatcher()

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=fastapi_app(dp))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return [await client.request(m, "/events") for m in ("OPTIONS", "PATCH", "PURGE")]

    for response in asyncio.run(main()):
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.text.startswith("method not allowed")


def test_router_does_not_dispatch_the_part_of_a_body_sent_before_a_disconnect() -> None:
    dp, seen = recording_dispatcher()
    app = fastapi_app(dp, path="/")
    body = form_body(5) + b"&extra=1"  # a prefix of it is itself a complete event
    messages: list[Message] = [
        {"type": "http.request", "body": body[: len(body) - 8], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", FORM.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert seen.bot_ids == []


def test_router_lifespan_merges_with_the_apps_and_waits_for_background_handlers() -> None:
    dp = Dispatcher(portal_store=portal_store(), background=True)
    log: list[str] = []
    release = asyncio.Event()

    @dp.on_bot_delete
    async def slow(event: AnyBotDeleteEvent) -> None:
        await release.wait()
        await asyncio.sleep(0.3)
        log.append(f"handled {event.bot_id}")

    @asynccontextmanager
    async def users_lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.append("user startup")
        yield
        log.append("user shutdown")

    app = FastAPI(lifespan=users_lifespan)
    app.include_router(make_router(dp, path="/events"))

    async def main() -> None:
        async with asgi_lifespan(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                response = await client.post(
                    "/events", content=DOC_BODY, headers={"content-type": FORM}
                )
            assert (response.status_code, response.text) == (200, "accepted")
            log.append("answered")
            release.set()
        log.append("shut down")

    asyncio.run(main())
    # The router's shutdown (nested inside the app's) waited for the handler.
    assert log == ["user startup", "answered", "handled 567", "user shutdown", "shut down"]
