"""Issue 8 §3: decoding comes before authentication, so a hostile body must stay cheap.

The two worst cases the issue names: 1 MiB of ``%41`` (every byte decoded), and 990 fields
of 32-deep ``a[]...[]`` (32,000 containers). The second is now refused by
``Limits.max_containers``; the first is decoded in a worker thread by ``ahandle`` so that
the loop keeps answering other requests meanwhile. Their cost is measured in
``bench/bench_worst_case.py`` (figures in ``docs/benchmarks.md``).
"""

from __future__ import annotations

import asyncio

import pytest

from b24botevents import Dispatcher, LimitExceeded, Limits
from b24botevents.dispatcher import OFF_LOOP_DECODE_BYTES
from b24botevents.wire import to_tree
from dispatch_helpers import FORM

TOKEN = "0123456789abcdef0123456789abcdef"


def percent_body(size: int = (1 << 20) - 64) -> bytes:
    """A forged event whose one value is ``size`` bytes of ``%41``."""
    head = b"event=ONIMBOTDELETE&auth[application_token]=" + b"f" * 32 + b"&a="
    return head + b"%41" * ((size - len(head)) // 3)


def deep_body(fields: int = 990, depth: int = 32) -> bytes:
    return "&".join(f"a{index}" + "[]" * (depth - 1) + "=1" for index in range(fields)).encode()


def test_990_fields_32_deep_is_refused_by_the_container_limit() -> None:
    with pytest.raises(LimitExceeded, match="max_containers=2000") as caught:
        to_tree(deep_body(), content_type=FORM)
    assert caught.value.limit == "max_containers"
    assert Dispatcher(application_token=TOKEN).handle(deep_body(), content_type=FORM).status == 413


def test_a_json_body_with_too_many_containers_is_refused() -> None:
    body = '{"a": [' + ",".join(["[[[1]]]"] * 900) + "]}"  # 900 fields, 2,701 containers
    with pytest.raises(LimitExceeded, match="max_containers") as caught:
        to_tree(body, content_type="application/json")
    assert caught.value.limit == "max_containers"


def test_the_container_limit_is_configurable() -> None:
    loose = Limits(max_containers=40_000)
    tree = to_tree(deep_body(), content_type=FORM, limits=loose)
    assert len(tree) == 990


def test_1_mib_of_percent_escapes_is_decoded_and_refused_as_forged() -> None:
    body = percent_body()
    assert len(body) <= 1 << 20
    assert Dispatcher(application_token=TOKEN).handle(body, content_type=FORM).status == 403


def test_the_loop_answers_a_small_request_while_large_bodies_are_decoded() -> None:
    """Four 1 MiB bodies arrive first; a small genuine event still finishes before them."""
    dp = Dispatcher(application_token=TOKEN)
    finished: list[str] = []
    small = b"event=ONCUSTOMEVENT&auth[application_token]=" + TOKEN.encode()
    assert len(percent_body()) >= OFF_LOOP_DECODE_BYTES > len(small)

    async def one(name: str, body: bytes) -> int:
        response = await dp.ahandle(body, content_type=FORM)
        finished.append(name)
        return response.status

    async def scenario() -> list[int]:
        large = [asyncio.create_task(one(f"large{i}", percent_body())) for i in range(4)]
        await asyncio.sleep(0)  # the large ones have started
        quick = asyncio.create_task(one("small", small))
        return await asyncio.gather(quick, *large)

    statuses = asyncio.run(scenario())
    assert statuses == [200, 403, 403, 403, 403]
    # Without the hand-off, each large body held the loop for its whole decoding, and the
    # small request came last.
    assert finished.index("small") < 3
