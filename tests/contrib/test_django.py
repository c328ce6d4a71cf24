"""Django specifics: Django's own upload limits never apply to the view."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import override_settings

from .bodies import DOC_BODY, DOC_BOT_ID, FORM
from .recording import Recorder


@pytest.mark.usefixtures("django_urlconf")
def test_django_upload_limits_do_not_apply(recorder: Recorder) -> None:
    import django.test

    # request.body / request.POST would refuse this body (RequestDataTooBig).
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=16, DATA_UPLOAD_MAX_NUMBER_FIELDS=2):
        client = django.test.Client(enforce_csrf_checks=True)
        response = client.generic("POST", "/b24/events", DOC_BODY, FORM)
    assert (response.status_code, response.content) == (200, b"ok")
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.usefixtures("django_urlconf")
def test_django_under_asgi_reads_a_chunked_body(recorder: Recorder) -> None:
    """Under ASGI Django has received the whole body: no ``wsgi.input`` and no length, but
    its own stream holds the chunked body (it used to be read as empty: a 403)."""
    from django.core.handlers.asgi import ASGIHandler

    parts = [DOC_BODY[:500], DOC_BODY[500:]]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if not parts:  # the client waits for its answer: no disconnect
            await asyncio.Event().wait()
        part = parts.pop(0)
        return {"type": "http.request", "body": part, "more_body": bool(parts)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/b24/events",
        "raw_path": b"/b24/events",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", FORM.encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(ASGIHandler()(scope, receive, send))  # type: ignore[arg-type]
    body = b"".join(bytes(message.get("body", b"")) for message in sent[1:])
    assert (sent[0]["status"], body) == (200, b"ok")
    assert recorder.bot_ids == [DOC_BOT_ID]
