"""Review: a portal that drips its *headers* holds a sync call far past ``timeout``.

``_driver`` bounds the whole answer with a deadline, but in the sync driver the
deadline is only checked in ``_Body.feed``, i.e. once the status line and headers have
arrived (``http.send(..., stream=True)`` returns after the headers). httpx's own timeout
is per socket read, so a server that sends its status line and then one header byte
every 50 ms is never cut off while it is still "sending headers": the sync call waits
for as long as the server likes. The async driver wraps the whole exchange in
``asyncio.wait_for`` and is not affected (the parametrisation shows the parity gap).

Who: any portal the app calls, i.e. any domain someone installed the app with (a first
install needs no approval without a hook), and with the online install check any
domain named in an unauthenticated ONAPPINSTALL. Each such request ties up a worker
thread of a sync app for as long as the attacker keeps dripping.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest

from b24botevents import MemoryPortalStore, PortalRecord, RestError
from b24botevents.rest import RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from rest.support import app_for

TIMEOUT = 0.25
DRIP = 0.05
DRIP_FOR = 2.0  # seconds of header bytes before the answer completes
MEMBER = "4c5d6e7f8091a23b4c5d6e7f8091a23b"


@contextmanager
def header_dripper() -> Iterator[str]:
    """A raw HTTP server on 127.0.0.1 that drips its response headers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            ends = time.monotonic() + DRIP_FOR
            while time.monotonic() < ends and not stop.is_set():
                conn.sendall(b"X")  # one more byte of the header name "XXX...-Pad"
                time.sleep(DRIP)
            body = b'{"result": 1}'
            conn.sendall(
                b"-Pad: 1\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def run(how: str, client: RestClient, *args: Any, **kwargs: Any) -> Any:
    if how == "sync":
        return client.call(*args, **kwargs)

    async def go() -> Any:
        try:
            return await client.acall(*args, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("how", ["sync", "async"])
def test_dripping_headers_cannot_hold_a_call_past_its_timeout(how: str) -> None:
    store = MemoryPortalStore(
        [PortalRecord(MEMBER, "drip.bitrix24.com", "apptok", credentials=OAuthTokens("acc-1"))]
    )
    with header_dripper() as url:
        client = RestClient(
            portal_store=store,
            app=app_for(url),
            portal_url=url,
            rate=None,
            retry=RetryPolicy(attempts=1),
            timeout=TIMEOUT,
        )
        started = time.monotonic()
        with client, suppress(RestError):
            run(how, client, "imbot.message.add", {"MESSAGE": "hi"}, portal=MEMBER)
        elapsed = time.monotonic() - started
    assert elapsed < 4 * TIMEOUT, (
        f"{how}: the call took {elapsed:.2f}s with timeout={TIMEOUT}s (headers dripped)"
    )
