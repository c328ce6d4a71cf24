"""A huge answer: the client stops reading at ``MAX_ANSWER_BYTES``, memory stays bounded.

The attack: a portal address (or the OAuth server's, or a webhook's) answers with an
endless body, with or without a ``Content-Length``, to exhaust the app's memory. The
limit is patched down to 256 KiB for speed; the server sends 16 MiB from one reused
chunk, so the test process's own allocations measure the client. The call fails with
``RestError`` ``INVALID_RESPONSE``, is not retried, writes nothing to the store, and the
peak of traced memory stays far below the answer's size. An answer under the limit
still goes through.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

import b24botevents.rest._driver as driver
from b24botevents import MemoryPortalStore, PortalRecord, PortalStore, RestError
from b24botevents.rest import WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from rest.support import FAST, Answer, Hit, app_for, local_server

LIMIT = 256 * 1024
CHUNK = b" " * (64 * 1024)  # JSON whitespace: a valid start of a never-ending document
TOTAL = 16 * 1024 * 1024
MEMBER = "2a3b4c5d6e7f80912a3b4c5d6e7f8091"
HOW = ["sync", "async"]


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver, "MAX_ANSWER_BYTES", LIMIT)


def huge(sized: bool) -> Callable[[Hit], Answer]:
    def answer(_hit: Hit) -> Answer:
        headers = [("Content-Type", "application/json")]
        if sized:
            headers.append(("Content-Length", str(TOTAL)))
        return 200, headers, (CHUNK for _ in range(TOTAL // len(CHUNK)))

    return answer


def seeded() -> PortalRecord:
    tokens = OAuthTokens("access-huge-CANARY-1", "refresh-huge-CANARY-1")
    return PortalRecord(MEMBER, "huge.bitrix24.com", "apptok", credentials=tokens)


def store() -> MemoryPortalStore:
    tokens = OAuthTokens("access-huge-CANARY-1", "refresh-huge-CANARY-1")
    return MemoryPortalStore(
        [PortalRecord(MEMBER, "huge.bitrix24.com", "apptok", credentials=tokens)]
    )


def run(how: str, client: RestClient, name: str, *args: Any, **kwargs: Any) -> Any:
    if how == "sync":
        return getattr(client, name)(*args, **kwargs)

    async def go() -> Any:
        try:
            return await getattr(client, f"a{name}")(*args, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def peak_while(action: Callable[[], object]) -> tuple[int, Exception | None]:
    """Run ``action``; the peak of traced memory meanwhile, and what it raised."""
    tracemalloc.start()
    raised: Exception | None = None
    try:
        action()
    except Exception as exc:  # returned to the test, which checks it
        raised = exc
    finally:
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, raised


def assert_cut_off(raised: Exception | None, peak: int) -> None:
    assert isinstance(raised, RestError), raised
    assert raised.code == "INVALID_RESPONSE"
    assert peak < TOTAL // 4, f"peak {peak} bytes for a {TOTAL}-byte answer"


@pytest.mark.parametrize("sized", [True, False], ids=["content-length", "until-close"])
@pytest.mark.parametrize("how", HOW)
def test_a_huge_answer_to_a_call_is_cut_off_not_read(how: str, sized: bool) -> None:
    portals = store()
    with local_server(huge(sized)) as server:
        client = RestClient(
            portal_store=portals,
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=FAST,
        )
        with client:
            peak, raised = peak_while(lambda: run(how, client, "call", "app.info", portal=MEMBER))
        assert_cut_off(raised, peak)
        assert len(server.hits) == 1  # not retried, though app.info is idempotent


@pytest.mark.parametrize("how", HOW)
def test_a_huge_answer_to_a_refresh_is_cut_off_and_nothing_is_written(
    portal_store: PortalStore, how: str
) -> None:
    portals = portal_store
    before = portals.save(seeded(), expected=None)
    assert before is not None
    with local_server(huge(True)) as server:
        client = RestClient(
            portal_store=portals,
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=FAST,
        )
        with client:
            peak, raised = peak_while(lambda: run(how, client, "refresh", MEMBER))
        assert_cut_off(raised, peak)
        assert len(server.hits) == 1
    assert portals.get(MEMBER) == before


@pytest.mark.parametrize("how", HOW)
def test_a_huge_answer_to_a_webhook_call_is_cut_off(how: str) -> None:
    with local_server(huge(False)) as server:
        hook = WebhookAuth(f"{server.url}/rest/1/whsecrethuge/")
        with RestClient(webhook=hook, rate=None, retry=FAST) as client:
            peak, raised = peak_while(lambda: run(how, client, "call", "profile"))
        assert_cut_off(raised, peak)


@pytest.mark.parametrize("how", HOW)
def test_an_answer_under_the_limit_is_read_whole(how: str) -> None:
    text = "x" * (LIMIT - 1024)

    def answer(_hit: Hit) -> Answer:
        body = json.dumps({"result": text}).encode()
        assert len(body) <= LIMIT
        return 200, [("Content-Length", str(len(body)))], [body]

    with local_server(answer) as server:
        client = RestClient(
            portal_store=store(),
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=FAST,
        )
        with client:
            assert run(how, client, "call", "profile", portal=MEMBER) == text


# ---- a compressed bomb: small on the wire, huge once decoded -------------------------------

BOMB_SIZE = 48 * 1024 * 1024  # decoded; a few dozen KB on the wire (a few hundred twice)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    decoded = b" " * BOMB_SIZE
    once = gzip.compress(decoded, 9)
    return {"gzip": once, "gzip, gzip": gzip.compress(once, 9)}


def bomb(encoding: str, body: bytes) -> Callable[[Hit], Answer]:
    def answer(_hit: Hit) -> Answer:
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Encoding", encoding),
            ("Content-Length", str(len(body))),
        ]
        return 200, headers, [body]

    return answer


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip"])
@pytest.mark.parametrize("how", HOW)
def test_a_compressed_bomb_is_cut_off_with_bounded_memory(
    how: str, encoding: str, bombs: dict[str, bytes]
) -> None:
    body = bombs[encoding]
    assert len(body) < LIMIT  # small on the wire: only decoding makes it huge
    with local_server(bomb(encoding, body)) as server:
        client = RestClient(
            portal_store=store(),
            app=app_for(server.url),
            portal_url=server.url,
            rate=None,
            retry=FAST,
        )
        with client:
            peak, raised = peak_while(lambda: run(how, client, "call", "app.info", portal=MEMBER))
        assert isinstance(raised, RestError), raised
        assert raised.code == "INVALID_RESPONSE"
        # Bounded by the limit, not by what the answer decodes to.
        assert peak < 32 * LIMIT, f"peak {peak} bytes for a {LIMIT}-byte limit"
