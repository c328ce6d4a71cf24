"""``ASGIApp`` specifics: the lifespan (startup completes, shutdown waits for background
handlers) and a body cut short by a disconnect (answered 400, never dispatched)."""

from __future__ import annotations

import asyncio

import httpx

from b24botevents import AnyBotDeleteEvent, Dispatcher
from b24botevents.contrib.asgi import ASGIApp

from .async_drivers import Message
from .bodies import DOC_BODY, FORM, form_body
from .recording import portal_store, recording_dispatcher
from .servers import asgi_lifespan


def background_dispatcher(
    log: list[str], release: asyncio.Event | None = None, delay: float = 0.3
) -> Dispatcher:
    """Handlers wait for ``release`` (if given), then stay busy ``delay`` seconds more."""
    dp = Dispatcher(portal_store=portal_store(), background=True)

    @dp.on_bot_delete
    async def slow(event: AnyBotDeleteEvent) -> None:
        if release is not None:
            await release.wait()
        await asyncio.sleep(delay)
        log.append(f"handled {event.bot_id}")

    return dp


def test_startup_completes_and_shutdown_completes_with_nothing_in_flight() -> None:
    app = ASGIApp(Dispatcher(portal_store=portal_store()))

    async def main() -> list[str]:
        async with asgi_lifespan(app) as sent:
            assert sent == ["lifespan.startup.complete"]
        return sent

    assert asyncio.run(main()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_shutdown_waits_for_a_slow_background_handler() -> None:
    log: list[str] = []
    release = asyncio.Event()
    app = ASGIApp(background_dispatcher(log, release))

    async def main() -> None:
        async with asgi_lifespan(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                for bot_id in (1, 2):
                    response = await client.post(
                        "/", content=form_body(bot_id), headers={"content-type": FORM}
                    )
                    assert (response.status_code, response.text) == (200, "accepted")
            log.append("answered")
            release.set()  # the handlers can finish now, but not before the shutdown starts
        log.append("shutdown complete")

    asyncio.run(main())
    assert log[0] == "answered"
    assert sorted(log[1:3]) == ["handled 1", "handled 2"]
    assert log[3:] == ["shutdown complete"]


def test_after_shutdown_events_are_handled_inline_not_dropped() -> None:
    log: list[str] = []
    dp = background_dispatcher(log, delay=0)
    app = ASGIApp(dp)

    async def main() -> httpx.Response:
        async with asgi_lifespan(app):
            pass
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post("/", content=DOC_BODY, headers={"content-type": FORM})

    response = asyncio.run(main())
    assert (response.status_code, response.text) == (200, "ok")
    assert log == ["handled 567"]


def test_asgi_app_does_not_dispatch_a_body_cut_short_by_a_disconnect() -> None:
    dp, seen = recording_dispatcher()
    body = form_body(5) + b"&extra=1"  # a prefix of it is itself a complete event
    messages: list[Message] = [
        {"type": "http.request", "body": body[:-8], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", FORM.encode())]}
    asyncio.run(ASGIApp(dp)(scope, receive, send))
    assert sent[0]["status"] == 400
    assert sent[1]["body"].startswith(b"bad request: the body ended")
    assert seen.bot_ids == []
