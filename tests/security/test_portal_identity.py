"""Issue 8 §1: each portal is one record, its identity bound at install, on every store.

One scenario per test, named for the attack, run against memory, SQLite and a real Redis
and through ``handle`` and ``ahandle``. Each fails on the store of ``main`` before the
portal record existed (``member:``/``domain:`` keys written by whichever event came last).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from b24botevents import (
    Deduplicator,
    Dispatcher,
    Event,
    InstallReason,
    InstallRequest,
    MemoryDedupStore,
    PortalRecord,
    PortalStore,
)
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from dispatch_fixtures import run as run
from dispatch_helpers import (
    FORM,
    MEMBER,
    Runner,
    bot_delete_body,
    install_body,
    uninstall_body,
    update_body,
    v2_delete_body,
)

VICTIM = "victim0000000000000000000000000a"
VICTIM_DOMAIN = "victim.bitrix24.com"
VICTIM_TOKEN = "b" * 32
ATTACKER = "attacker00000000000000000000000b"
ATTACKER_DOMAIN = "attacker.bitrix24.com"
ATTACKER_TOKEN = "a" * 32


def install(store: PortalStore, member: str, domain: str, token: str) -> PortalRecord:
    saved = store.save(PortalRecord(member, domain, token), expected=None)
    assert saved is not None
    return saved


def victim_installed(store: PortalStore) -> PortalRecord:
    return install(store, VICTIM, VICTIM_DOMAIN, VICTIM_TOKEN)


def recorder(dp: Dispatcher) -> list[Event]:
    """Record every event that reaches a handler (the ones used here, and unknown ones)."""
    seen: list[Event] = []
    dp.on("ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL", "ONIMBOTDELETE", "ONIMBOTV2DELETE")(
        seen.append
    )
    dp.on_unknown(seen.append)
    return seen


def v2_as(domain: str, token: str) -> bytes:
    return v2_delete_body(domain=domain, token=token)


def assert_victim_intact(store: PortalStore) -> None:
    record = store.get(VICTIM)
    assert record is not None
    assert (record.domain, record.application_token, record.installed) == (
        VICTIM_DOMAIN,
        VICTIM_TOKEN,
        True,
    )
    assert store.get_by_domain(VICTIM_DOMAIN) == record


def approver(answer: bool, asked: list[InstallRequest]) -> Callable[[Any, InstallRequest], bool]:
    def approve(event: Any, request: InstallRequest) -> bool:
        asked.append(request)
        return answer

    return approve


# ---- domain takeover -------------------------------------------------------------------


def test_an_install_for_another_member_cannot_take_over_a_bound_domain(
    portal_store: PortalStore, run: Runner
) -> None:
    """The issue's opening attack: after it, v2 events of the victim were the attacker's."""
    dp = Dispatcher(portal_store=portal_store)
    assert (
        run(dp, install_body(member_id=VICTIM, domain=VICTIM_DOMAIN, token=VICTIM_TOKEN)).status
        == 200
    )
    seen = recorder(dp)
    takeover = install_body(member_id=ATTACKER, domain=VICTIM_DOMAIN, token=ATTACKER_TOKEN)
    assert run(dp, takeover).status == 403
    assert portal_store.get(ATTACKER) is None
    assert run(dp, v2_as(VICTIM_DOMAIN, ATTACKER_TOKEN)).status == 403  # forged v2 refused
    assert run(dp, v2_as(VICTIM_DOMAIN, VICTIM_TOKEN)).status == 200  # the victim's still pass
    assert [event.domain for event in seen] == [VICTIM_DOMAIN]
    assert_victim_intact(portal_store)


@pytest.mark.parametrize("answer", [True, False])
def test_a_domain_claim_asks_the_hook_and_says_it_is_a_claim_not_a_first_install(
    portal_store: PortalStore, run: Runner, answer: bool
) -> None:
    victim_installed(portal_store)
    asked: list[InstallRequest] = []
    dp = Dispatcher(portal_store=portal_store, approve_install=approver(answer, asked))
    claim = install_body(member_id=ATTACKER, domain=VICTIM_DOMAIN, token=ATTACKER_TOKEN)
    assert run(dp, claim).status == (200 if answer else 403)
    (request,) = asked
    assert request.reason is InstallReason.DOMAIN_CLAIM
    assert request.domain_claim
    assert not request.first_install
    assert (request.member_id, request.domain, request.domain_holder) == (
        ATTACKER,
        VICTIM_DOMAIN,
        VICTIM,
    )
    if not answer:
        assert_victim_intact(portal_store)
        assert portal_store.get(ATTACKER) is None
        return
    # Approved: the domain moved, and the portal that held it is no longer installed.
    holder = portal_store.get_by_domain(VICTIM_DOMAIN)
    assert holder is not None
    assert holder.member_id == ATTACKER
    previous = portal_store.get(VICTIM)
    assert previous is not None
    assert not previous.installed
    assert (
        run(dp, bot_delete_body(member_id=VICTIM, domain=VICTIM_DOMAIN, token=VICTIM_TOKEN)).status
        == 403
    )


def test_an_update_of_portal_b_never_touches_portal_a_whatever_domain_it_carries(
    portal_store: PortalStore, run: Runner
) -> None:
    victim_installed(portal_store)
    install(portal_store, ATTACKER, ATTACKER_DOMAIN, ATTACKER_TOKEN)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorder(dp)
    as_victim = {"member_id": ATTACKER, "domain": VICTIM_DOMAIN, "token": ATTACKER_TOKEN}
    assert run(dp, update_body(**as_victim)).status == 403
    assert run(dp, install_body(**as_victim)).status == 403
    assert seen == []
    assert_victim_intact(portal_store)


def test_an_uninstall_of_portal_b_carrying_portal_a_s_domain_touches_nothing(
    portal_store: PortalStore, run: Runner
) -> None:
    victim_installed(portal_store)
    install(portal_store, ATTACKER, ATTACKER_DOMAIN, ATTACKER_TOKEN)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorder(dp)
    forged = uninstall_body(member_id=ATTACKER, domain=VICTIM_DOMAIN, token=ATTACKER_TOKEN)
    assert run(dp, forged).status == 403
    assert seen == []
    assert_victim_intact(portal_store)
    attacker = portal_store.get(ATTACKER)
    assert attacker is not None
    assert attacker.installed


def test_a_verified_member_cannot_reach_handlers_as_another_portal_s_domain(
    portal_store: PortalStore, run: Runner
) -> None:
    victim_installed(portal_store)
    install(portal_store, ATTACKER, ATTACKER_DOMAIN, ATTACKER_TOKEN)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorder(dp)
    for domain in (VICTIM_DOMAIN, "unbound.bitrix24.com"):
        forged = bot_delete_body(member_id=ATTACKER, domain=domain, token=ATTACKER_TOKEN)
        assert run(dp, forged).status == 403
    assert seen == []
    genuine = bot_delete_body(
        member_id=ATTACKER, domain=ATTACKER_DOMAIN.upper(), token=ATTACKER_TOKEN
    )
    assert run(dp, genuine).status == 200
    assert [event.domain for event in seen] == [ATTACKER_DOMAIN.upper()]


# ---- a real domain change --------------------------------------------------------------


def test_a_domain_change_is_refused_without_the_hook(
    portal_store: PortalStore, run: Runner
) -> None:
    victim_installed(portal_store)
    dp = Dispatcher(portal_store=portal_store)
    moved = update_body(member_id=VICTIM, domain="renamed.bitrix24.com", token=VICTIM_TOKEN)
    assert run(dp, moved).status == 403
    assert_victim_intact(portal_store)


def test_a_domain_change_approved_by_the_hook_moves_the_binding(
    portal_store: PortalStore, run: Runner
) -> None:
    victim_installed(portal_store)
    asked: list[InstallRequest] = []
    dp = Dispatcher(portal_store=portal_store, approve_install=approver(True, asked))
    moved = update_body(member_id=VICTIM, domain="renamed.bitrix24.com", token=VICTIM_TOKEN)
    assert run(dp, moved).status == 200
    assert [(r.reason, r.domain_holder, r.replaces_token) for r in asked] == [
        (InstallReason.DOMAIN_CHANGE, None, False)
    ]
    assert portal_store.get_by_domain(VICTIM_DOMAIN) is None
    record = portal_store.get_by_domain("renamed.bitrix24.com")
    assert record is not None
    assert record.member_id == VICTIM
    # Events now verify under the new domain only.
    assert run(dp, v2_as("renamed.bitrix24.com", VICTIM_TOKEN)).status == 200
    assert run(dp, v2_as(VICTIM_DOMAIN, VICTIM_TOKEN)).status == 403


def test_an_explicit_compare_and_set_write_changes_the_domain(portal_store: PortalStore) -> None:
    record = victim_installed(portal_store)
    moved = portal_store.save(
        record.evolve(domain="renamed.bitrix24.com"), expected=record.revision
    )
    assert moved is not None
    assert moved.revision == record.revision + 1
    # A second write from the stale revision loses.
    assert (
        portal_store.save(record.evolve(domain="other.bitrix24.com"), expected=record.revision)
        is None
    )
    assert portal_store.get_by_domain("renamed.bitrix24.com") == moved


# ---- validation before anything is stored ----------------------------------------------

BAD_MEMBER_IDS = {
    "too long": "a" * 65,
    "colon": "member:victim",
    "newline": "m\n2026-01-01 INFO forged",
    "space": "m m",
    "slash": "../etc",
    "unicode": "мемб",
    "nul": "m\x00",
}
BAD_DOMAINS = {
    "label over 63": "a" * 64 + ".bitrix24.com",
    "over 253": ".".join(["a" * 60] * 5),
    "underscore": "a_b.bitrix24.com",
    "leading hyphen": "-a.bitrix24.com",
    "trailing hyphen": "a-.bitrix24.com",
    "empty label": "a..bitrix24.com",
    "trailing dot": "a.bitrix24.com.",
    "port": "a.bitrix24.com:8080",
    "path": "a.bitrix24.com/rest",
    "userinfo": "user@a.bitrix24.com",
    "unicode": "портал.bitrix24.ru",
    "space": "a b.bitrix24.com",
    "newline": "a.bitrix24.com\nx",
}


@pytest.mark.parametrize("member_id", list(BAD_MEMBER_IDS.values()), ids=list(BAD_MEMBER_IDS))
def test_an_install_with_a_malformed_member_id_is_refused_and_writes_nothing(
    portal_store: PortalStore, run: Runner, member_id: str
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    seen = recorder(dp)
    assert run(dp, install_body(member_id=member_id, domain=VICTIM_DOMAIN)).status == 403
    assert seen == []
    assert portal_store.get_by_domain(VICTIM_DOMAIN) is None


@pytest.mark.parametrize("domain", list(BAD_DOMAINS.values()), ids=list(BAD_DOMAINS))
def test_an_install_with_a_domain_that_is_not_a_host_name_is_refused_and_writes_nothing(
    portal_store: PortalStore, run: Runner, domain: str
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    seen = recorder(dp)
    assert run(dp, install_body(member_id=VICTIM, domain=domain)).status == 403
    assert seen == []
    assert portal_store.get(VICTIM) is None


def test_a_port_is_accepted_only_where_it_is_allowed(
    portal_store: PortalStore, run: Runner
) -> None:
    strict = Dispatcher(portal_store=portal_store)
    assert run(strict, install_body(member_id=VICTIM, domain="127.0.0.1:8443")).status == 403
    lenient = Dispatcher(portal_store=portal_store, allow_domain_port=True)
    assert run(lenient, install_body(member_id=VICTIM, domain="127.0.0.1:8443")).status == 200
    assert run(lenient, install_body(member_id=ATTACKER, domain="b.test:99999")).status == 403


# ---- uninstall -------------------------------------------------------------------------


def test_an_uninstalled_token_verifies_nothing_even_while_its_handlers_still_run(
    portal_store: PortalStore,
) -> None:
    """Today a reinstall during a slow background uninstall handler is wiped afterwards."""
    release = threading.Event()
    entered = threading.Event()
    dp = Dispatcher(portal_store=portal_store, background=True)

    @dp.on_app_uninstall
    def slow(event: Event) -> None:
        entered.set()
        release.wait(10)

    assert dp.handle(install_body(), content_type=FORM).status == 200
    assert dp.handle(uninstall_body(), content_type=FORM).status == 200
    assert entered.wait(10)
    # The handler is still running: the old token is already dead ...
    assert dp.handle(bot_delete_body(), content_type=FORM).status == 403
    # ... and the portal can reinstall with a new token at once.
    assert dp.handle(install_body(token="c" * 32), content_type=FORM).status == 200
    release.set()
    assert dp.close(10)
    assert dp.handle(bot_delete_body(token="c" * 32), content_type=FORM).status == 200
    assert dp.handle(bot_delete_body(), content_type=FORM).status == 403


def test_an_async_reinstall_during_a_slow_background_uninstall_handler_is_kept(
    portal_store: PortalStore,
) -> None:
    async def scenario() -> list[int]:
        release = asyncio.Event()
        dp = Dispatcher(portal_store=portal_store, background=True)

        @dp.on_app_uninstall
        async def slow(event: Event) -> None:
            await release.wait()

        statuses = [
            (await dp.ahandle(install_body(), content_type=FORM)).status,
            (await dp.ahandle(uninstall_body(), content_type=FORM)).status,
            (await dp.ahandle(bot_delete_body(), content_type=FORM)).status,
            (await dp.ahandle(install_body(token="c" * 32), content_type=FORM)).status,
        ]
        release.set()
        await dp.aclose(10)
        statuses.append(
            (await dp.ahandle(bot_delete_body(token="c" * 32), content_type=FORM)).status
        )
        return statuses

    assert asyncio.run(scenario()) == [200, 200, 403, 200, 200]


def test_repeating_the_same_uninstall_answers_200_and_runs_nothing_again(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    seen = recorder(dp)
    first = run(dp, uninstall_body())
    again = run(dp, uninstall_body())
    assert (first.status, again.status, again.body) == (200, 200, b"duplicate")
    assert [event.code for event in seen] == ["ONAPPUNINSTALL"]
    # A forged "repeat" with another token is still refused.
    assert run(dp, uninstall_body(token=ATTACKER_TOKEN)).status == 403


# ---- dispatchers racing on one store ---------------------------------------------------


def test_racing_installs_for_one_domain_from_many_dispatchers_leave_one_owner(
    portal_store: PortalStore,
) -> None:
    """Eight dispatchers (threads) install eight members on one domain at the same moment."""
    barrier = threading.Barrier(8)
    statuses: dict[str, int] = {}

    def attempt(index: int) -> None:
        dp = Dispatcher(portal_store=portal_store)
        member = f"racer{index}"
        body = install_body(member_id=member, domain=VICTIM_DOMAIN, token=f"{index}" * 32)
        barrier.wait(10)
        statuses[member] = dp.handle(body, content_type=FORM).status

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [member for member, status in statuses.items() if status == 200]
    assert len(statuses) == 8
    assert len(winners) == 1
    holder = portal_store.get_by_domain(VICTIM_DOMAIN)
    assert holder is not None
    assert holder.member_id == winners[0]
    assert all(portal_store.get(m) is None for m in statuses if m != winners[0])


def test_a_stale_uninstall_cannot_remove_a_record_reinstalled_since(
    portal_store: PortalStore,
) -> None:
    """The uninstall's write is compare-and-set on the revision it verified against."""
    record = victim_installed(portal_store)
    reinstalled = portal_store.save(
        record.evolve(application_token="c" * 32), expected=record.revision
    )
    assert reinstalled is not None
    stale = portal_store.save(record.evolve(installed=False), expected=record.revision)
    assert stale is None
    current = portal_store.get(VICTIM)
    assert current is not None
    assert current.installed
    assert current.application_token == "c" * 32


def test_an_approved_claim_cannot_evict_a_portal_the_hook_was_not_asked_about(
    portal_store: PortalStore, run: Runner
) -> None:
    """While the hook deliberates, the holder uninstalls and a third portal installs."""
    victim_installed(portal_store)
    install(portal_store, ATTACKER, ATTACKER_DOMAIN, ATTACKER_TOKEN)
    third = "third000000000000000000000000000"
    asked: list[InstallRequest] = []

    def slow_hook(event: Any, request: InstallRequest) -> bool:
        asked.append(request)
        current = portal_store.get(VICTIM)
        assert current is not None
        assert portal_store.save(current.evolve(installed=False), expected=current.revision)
        install(portal_store, third, VICTIM_DOMAIN, "d" * 32)
        return True

    dp = Dispatcher(portal_store=portal_store, approve_install=slow_hook)
    claim = update_body(member_id=ATTACKER, domain=VICTIM_DOMAIN, token=ATTACKER_TOKEN)
    assert run(dp, claim).status == 403
    assert [(r.reason, r.domain_holder) for r in asked] == [(InstallReason.DOMAIN_CLAIM, VICTIM)]
    holder = portal_store.get_by_domain(VICTIM_DOMAIN)
    assert holder is not None
    assert holder.member_id == third
    attacker = portal_store.get(ATTACKER)
    assert attacker is not None
    assert attacker.domain == ATTACKER_DOMAIN


def test_a_replayed_install_within_the_dedup_ttl_writes_nothing(
    portal_store: PortalStore, run: Runner
) -> None:
    """Dedup is claimed before the record write: a replay cannot reinstall a portal."""
    dp = Dispatcher(portal_store=portal_store, dedup=Deduplicator(MemoryDedupStore()))
    body = install_body()
    assert run(dp, body).status == 200
    assert run(dp, uninstall_body()).status == 200
    replay = run(dp, body)
    assert (replay.status, replay.body) == (200, b"duplicate")
    record = portal_store.get(MEMBER)
    assert record is not None
    assert not record.installed
