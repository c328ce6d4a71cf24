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
from b24botevents.stores import MemoryPortalStore, PortalRecord

Runner = Callable[[Dispatcher, Any], Response]
MEMBER = "m"
DOMAIN = "m.bitrix24.com"
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
    auth = {"member_id": MEMBER, "domain": DOMAIN, "application_token": token}
    return {"event": code, "auth": auth}


def test_a_lone_surrogate_token_is_refused_by_a_static_token(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    assert run(dp, tree(SURROGATE)).status == 403
    assert run(dp, tree(TOKEN[:-1] + SURROGATE)).status == 403


def test_a_lone_surrogate_token_is_refused_by_a_rotation_list(run: Runner) -> None:
    dp = Dispatcher(application_token=["é" * 32, TOKEN])  # a non-ASCII token: bytes compared
    assert run(dp, tree(SURROGATE)).status == 403
    assert run(dp, tree("é" * 32)).status == 200  # still verified as before


def test_a_lone_surrogate_token_is_refused_by_a_stored_token(run: Runner) -> None:
    dp = Dispatcher(portal_store=MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, TOKEN)]))
    assert run(dp, tree(SURROGATE)).status == 403


@pytest.mark.parametrize("token", ["\udc00", SURROGATE, TOKEN + SURROGATE])
def test_a_lone_surrogate_token_can_never_be_stored(token: str) -> None:
    with pytest.raises(ValueError, match="valid Unicode"):
        PortalRecord(MEMBER, DOMAIN, token)


def test_a_lone_surrogate_token_does_not_match_itself(run: Runner) -> None:
    static = Dispatcher(application_token=SURROGATE)
    assert run(static, tree(SURROGATE)).status == 403


def test_an_install_with_a_lone_surrogate_token_is_refused_and_stores_nothing(
    run: Runner,
) -> None:
    store = MemoryPortalStore()
    dp = Dispatcher(portal_store=store)
    assert run(dp, tree(SURROGATE, "ONAPPINSTALL")).status == 403
    assert store.get(MEMBER) is None
    assert run(dp, tree(TOKEN, "ONAPPINSTALL")).status == 200  # a real install still works


def test_an_approved_update_to_a_lone_surrogate_token_is_refused_and_keeps_the_old_one(
    run: Runner,
) -> None:
    store = MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, TOKEN)])
    dp = Dispatcher(portal_store=store, approve_install=lambda event, request: True)
    assert run(dp, tree(SURROGATE, "ONAPPUPDATE")).status == 403
    record = store.get(MEMBER)
    assert record is not None
    assert record.application_token == TOKEN
