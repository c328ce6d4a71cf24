"""The fake in-process: an ``httpx.MockTransport`` for ``httpx.Client`` and ``AsyncClient``.

The only module of the kit that imports ``httpx`` (the ``[rest]`` extra), and only when
``FakeBitrix24.transport()`` is first called. Requests are answered by path, whatever
their host; a ``delay`` sleeps (``asyncio.sleep`` for an ``AsyncClient``) and a ``drop``
raises ``httpx.RemoteProtocolError``, as a server closing the connection would.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from ._fake_faults import Fault
from ._fake_rest import RestEngine
from ._fake_wire import HttpReply, HttpRequest

__all__ = ["FakeTransport"]


def _request(request: httpx.Request) -> HttpRequest:
    return HttpRequest(
        http_method=request.method,
        path=request.url.path,
        query=request.url.query.decode("ascii", "replace"),
        content_type=request.headers.get("content-type"),
        body=request.content,
    )


def _response(reply: HttpReply | None, request: httpx.Request) -> httpx.Response:
    if reply is None:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    headers = [("Content-Type", reply.content_type), *reply.headers]
    return httpx.Response(reply.status, headers=headers, content=reply.body, request=request)


def _delay(fault: Fault | None) -> float:
    return fault.seconds if fault is not None and fault.kind == "delay" else 0.0


class FakeTransport(httpx.MockTransport):
    """A ``MockTransport`` answering as the fake, sync and async alike."""

    def __init__(self, engine: RestEngine) -> None:
        super().__init__(self._unused)
        self._engine = engine

    @staticmethod
    def _unused(request: httpx.Request) -> httpx.Response:  # pragma: no cover
        raise AssertionError("FakeTransport answers itself")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        fake_request = _request(request)
        fault = self._engine.begin(fake_request)
        if _delay(fault):
            time.sleep(_delay(fault))
        return _response(self._engine.finish(fake_request, fault), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        fake_request = _request(request)
        fault = self._engine.begin(fake_request)
        if _delay(fault):
            await asyncio.sleep(_delay(fault))
        return _response(self._engine.finish(fake_request, fault), request)
