"""Review 10: a deeply nested ``Event.get`` answer kills the poller with ``RecursionError``.

``rest._answers.decode_answer`` catches ``ValueError``/``UnicodeDecodeError`` from
``json.loads``, but a JSON nesting deeper than the interpreter's recursion limit raises
``RecursionError`` (a ``RuntimeError``). It leaves ``RestClient.call`` as it is, so the
poller's ``run()`` neither retries it (as it does "answers that are not Bitrix24's JSON")
nor lets ``on_error`` have the one item (as ``Limits`` would for a deep item): the loop
dies, and the same unacknowledged page kills every restart. A bounded answer (32 MiB) is
plenty for 100 000 levels.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from b24botevents.rest import RestClient
from poller.support import FAST, poll_rig

_DEPTH = 100_000


class _DeepOnce(httpx.BaseTransport):
    """The fake's transport; the first ``Event.get`` answer gets one deeply nested value
    in its first item's ``data``."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.done = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.done or "imbot.v2.Event.get" not in str(request.url):
            return response
        response.read()
        body = response.json()
        events = body["result"]["events"]
        if not events:
            return httpx.Response(response.status_code, json=body)
        self.done = True
        events[0]["data"]["deep"] = "__DEEP__"
        text = json.dumps(body).replace('"__DEEP__"', "[" * _DEPTH + "]" * _DEPTH)
        return httpx.Response(
            response.status_code,
            content=text.encode(),
            headers={"Content-Type": "application/json"},
        )


def test_a_deeply_nested_answer_does_not_end_the_poller() -> None:
    with poll_rig() as rig:
        ids = rig.push(2)
        assert rig.client.webhook is not None
        client = RestClient(
            webhook=rig.client.webhook,
            transport=_DeepOnce(rig.fake.transport()),
            rate=None,
            retry=FAST,
        )
        failed: list[Any] = []
        poller = rig.poller(client=client, on_error=lambda item, exc: failed.append(item))
        raised: list[BaseException] = []

        def run() -> None:
            try:
                poller.run(handle_signals=False)
            except BaseException as exc:
                raised.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10.0
        while ids[1] not in rig.seen_ids and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        poller.stop()
        thread.join(10.0)
        client.close()
        assert not thread.is_alive()
        assert [type(exc).__name__ for exc in raised] == []
        assert ids[1] in rig.seen_ids  # the poll went on past the bad answer
