"""A token that is not valid Unicode (a lone surrogate, from a hand-built tree or a store
that holds one) is a refusal, 403, never a 500; it matches nothing, not even itself, and is
never stored. Every test runs through ``handle`` and ``ahandle``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from b24botevents import Dispatcher, Response
from b24botevents.stores import MemoryTokenStore

Runner = Callable[[Dispatcher, Any], Response]
MEMBER = "m"
TOKEN = "0123456789abcdef0123456789abcdef"
SURROGATE = "\ud800"


def run_sync(dp: Dispatcher, body: Any) -> Response:
    return dp.handle(body)


def run_async(dp: Dispatcher, body: Any) -> Response:
    return asyncio.run(dp.ahandle(body))


@pytest.fixture(params=[run_sync, run_async], ids=["handle", "ahandle"])
def run(request: pytest.FixtureRequest) -> Runner:
    runner: Runner = request.param
    return runner


def tree(token: str, code: str = "ONCUSTOMEVENT") -> dict[str, Any]:
    return {"event": code, "auth": {"member_id": MEMBER, "application_token": token}}


def test_a_lone_surrogate_token_is_refused_by_a_static_token(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    assert run(dp, tree(SURROGATE)).status == 403
    assert run(dp, tree(TOKEN[:-1] + SURROGATE)).status == 403


def test_a_lone_surrogate_token_is_refused_by_a_rotation_list(run: Runner) -> None:
    dp = Dispatcher(application_token=["é" * 32, TOKEN])  # a non-ASCII token: bytes compared
    assert run(dp, tree(SURROGATE)).status == 403
    assert run(dp, tree("é" * 32)).status == 200  # still verified as before


def test_a_lone_surrogate_token_is_refused_by_a_stored_token(run: Runner) -> None:
    dp = Dispatcher(token_store=MemoryTokenStore({f"member:{MEMBER}": TOKEN}))
    assert run(dp, tree(SURROGATE)).status == 403


def test_a_stored_lone_surrogate_token_refuses_a_real_token(run: Runner) -> None:
    dp = Dispatcher(token_store=MemoryTokenStore({f"member:{MEMBER}": "\udc00"}))
    assert run(dp, tree(TOKEN)).status == 403
    assert run(dp, tree("é")).status == 403


def test_a_lone_surrogate_token_does_not_match_itself(run: Runner) -> None:
    static = Dispatcher(application_token=SURROGATE)
    stored = Dispatcher(token_store=MemoryTokenStore({f"member:{MEMBER}": SURROGATE}))
    assert run(static, tree(SURROGATE)).status == 403
    assert run(stored, tree(SURROGATE)).status == 403


def test_an_install_with_a_lone_surrogate_token_is_refused_and_stores_nothing(
    run: Runner,
) -> None:
    store = MemoryTokenStore()
    dp = Dispatcher(token_store=store)
    assert run(dp, tree(SURROGATE, "ONAPPINSTALL")).status == 403
    assert store.get(f"member:{MEMBER}") is None
    assert run(dp, tree(TOKEN, "ONAPPINSTALL")).status == 200  # a real install still works


def test_an_approved_update_to_a_lone_surrogate_token_is_refused_and_keeps_the_old_one(
    run: Runner,
) -> None:
    store = MemoryTokenStore({f"member:{MEMBER}": TOKEN})
    dp = Dispatcher(token_store=store, approve_install=lambda event, replaces: True)
    assert run(dp, tree(SURROGATE, "ONAPPUPDATE")).status == 403
    assert store.get(f"member:{MEMBER}") == TOKEN
