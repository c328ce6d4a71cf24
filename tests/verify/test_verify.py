"""Verification of ``auth[application_token]`` in ``handle``/``ahandle``.

The per-portal flow (install stores, events verify, uninstall deletes) runs against every
real portal store (memory, SQLite file, Redis) and through both entry points. A refused
event must run no handler at all: each dispatcher here registers a catch-all recorder.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from b24botevents import (
    AppInstallEvent,
    AppUpdateEvent,
    BotV2DeleteEvent,
    Dispatcher,
    Event,
    InstallReason,
    InstallRequest,
    MemoryPortalStore,
    PortalRecord,
    PortalStore,
)
from b24botevents.convert import event_from_tree
from dispatch_helpers import (
    BOT_SECRET,
    DOMAIN,
    FORM,
    MEMBER,
    OTHER_TOKEN,
    TOKEN,
    Runner,
    bot_delete_body,
    bot_delete_tree,
    form,
    install_body,
    lifecycle_tree,
    now_ts,
    uninstall_body,
    update_body,
    v2_delete_body,
    v2_delete_tree,
)

ALL_CODES = ("ONIMBOTDELETE", "ONIMBOTV2DELETE", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL")


def recorded(dp: Dispatcher) -> list[Event]:
    """Register a recorder for every code used here and for unknown ones."""
    seen: list[Event] = []
    for code in ALL_CODES:
        dp.on(code)(seen.append)
    dp.on_unknown(seen.append)
    return seen


def _approver(
    answer: bool, asked: list[tuple[Event, InstallRequest]]
) -> Callable[[Any, InstallRequest], bool]:
    def approve(event: Any, request: InstallRequest) -> bool:
        asked.append((event, request))
        return answer

    return approve


def seed(
    store: PortalStore, *, member: str = MEMBER, domain: str = DOMAIN, token: str = TOKEN
) -> None:
    """Install a portal directly in the store."""
    assert store.save(PortalRecord(member, domain, token), expected=None) is not None


def token_of(store: PortalStore, member: str = MEMBER) -> str | None:
    """The token an installed portal verifies with, or None."""
    record = store.get(member)
    return record.application_token if record is not None and record.installed else None


def domain_token(store: PortalStore, domain: str = DOMAIN) -> str | None:
    """The token of the installed portal bound to ``domain``, or None."""
    record = store.get_by_domain(domain)
    return None if record is None else record.application_token


# ---- construction ----------------------------------------------------------------------


def test_no_token_source_raises() -> None:
    with pytest.raises(ValueError, match="verify=False"):
        Dispatcher()


def test_verification_is_on_by_default() -> None:
    dp = Dispatcher(portal_store=MemoryPortalStore())
    seen = recorded(dp)
    assert dp.handle(bot_delete_body(), content_type=FORM).status == 403
    assert seen == []


def test_portal_store_and_application_token_raises() -> None:
    with pytest.raises(ValueError, match="not both"):
        Dispatcher(portal_store=MemoryPortalStore(), application_token="t")


@pytest.mark.parametrize(
    "kwargs", [{"application_token": "t"}, {"portal_store": MemoryPortalStore()}], ids=repr
)
def test_verify_false_with_a_token_source_raises(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="verify=False"):
        Dispatcher(verify=False, **kwargs)


@pytest.mark.parametrize("kwargs", [{"application_token": "t"}, {"verify": False}, {}], ids=repr)
def test_approve_install_without_portal_store_raises(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message depends on what else is missing
        Dispatcher(approve_install=lambda event, replaces: True, **kwargs)
    if kwargs:
        with pytest.raises(ValueError, match="approve_install"):
            Dispatcher(approve_install=lambda event, replaces: True, **kwargs)


@pytest.mark.parametrize("tokens", ["", [], ["ok", ""]], ids=repr)
def test_empty_static_tokens_raise(tokens: Any) -> None:
    with pytest.raises(ValueError, match="application_token"):
        Dispatcher(application_token=tokens)


def test_verify_must_be_a_bool() -> None:
    truthy: Any = "no"
    with pytest.raises(TypeError):
        Dispatcher(verify=truthy)


@pytest.mark.parametrize("max_age", [0, -1, timedelta(0)], ids=repr)
def test_max_age_must_be_positive(max_age: Any) -> None:
    with pytest.raises(ValueError, match="max_age"):
        Dispatcher(verify=False, max_age=max_age)


# ---- per-portal records in a store: install, verify, uninstall -------------------------


def test_install_stores_one_record_bound_to_member_and_domain(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    # The domain is matched case-insensitively: stored lowercased.
    response = run(dp, install_body(domain=DOMAIN.upper()))
    assert (response.status, response.body) == (200, b"ok")
    assert [type(e) for e in seen] == [AppInstallEvent]
    record = portal_store.get(MEMBER)
    assert record is not None
    assert (record.member_id, record.domain, record.application_token) == (MEMBER, DOMAIN, TOKEN)
    assert (record.installed, record.revision) == (True, 1)
    assert portal_store.get_by_domain(DOMAIN) == record


def test_after_install_the_token_passes_and_another_is_403(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    seen = recorded(dp)
    assert run(dp, bot_delete_body()).status == 200
    assert run(dp, v2_delete_body()).status == 200  # v2 envelope: domain only
    assert run(dp, v2_delete_body(domain=DOMAIN.title())).status == 200
    assert [e.code for e in seen] == ["ONIMBOTDELETE", "ONIMBOTV2DELETE", "ONIMBOTV2DELETE"]
    seen.clear()
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, v2_delete_body(token=OTHER_TOKEN)).status == 403
    assert seen == []


def test_reinstall_with_the_same_token_passes_and_writes_nothing(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    assert run(dp, install_body()).status == 200
    assert token_of(portal_store) == TOKEN
    record = portal_store.get(MEMBER)
    assert record is not None
    assert record.revision == 1


def test_install_with_a_different_token_is_refused_without_a_hook(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    seen = recorded(dp)
    assert run(dp, install_body(token=OTHER_TOKEN)).status == 403
    assert seen == []
    assert token_of(portal_store) == TOKEN
    assert domain_token(portal_store) == TOKEN


def test_uninstall_marks_the_portal_uninstalled_before_its_handlers_run(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    during: list[tuple[bool | None, str | None]] = []

    @dp.on_app_uninstall
    def uninstalled(event: Event) -> None:
        record = portal_store.get(MEMBER)
        during.append((None if record is None else record.installed, domain_token(portal_store)))

    assert run(dp, uninstall_body()).status == 200
    assert during == [(False, None)]
    record = portal_store.get(MEMBER)
    assert record is not None
    assert not record.installed
    assert portal_store.get_by_domain(DOMAIN) is None
    seen = recorded(dp)
    assert run(dp, bot_delete_body()).status == 403
    assert run(dp, v2_delete_body()).status == 403
    # The same uninstall again: 200, handlers not run again.
    assert (run(dp, uninstall_body()).status, run(dp, uninstall_body()).body) == (200, b"duplicate")
    assert seen == []
    assert during == [(False, None)]
    # A reinstall with a new token works at once.
    assert run(dp, install_body(token=OTHER_TOKEN)).status == 200
    assert token_of(portal_store) == OTHER_TOKEN


def test_uninstall_with_a_wrong_token_changes_nothing(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    seen = recorded(dp)
    assert run(dp, uninstall_body(token=OTHER_TOKEN)).status == 403
    assert seen == []
    assert token_of(portal_store) == TOKEN
    assert run(dp, bot_delete_body()).status == 200


def test_update_with_the_stored_token(portal_store: PortalStore, run: Runner) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    seen = recorded(dp)
    assert run(dp, update_body()).status == 200
    assert [type(e) for e in seen] == [AppUpdateEvent]
    assert token_of(portal_store) == TOKEN


def test_update_with_a_different_token_is_refused_without_a_hook(
    portal_store: PortalStore, run: Runner
) -> None:
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, install_body()).status == 200
    seen = recorded(dp)
    assert run(dp, update_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, update_body(member_id="unknown-portal", domain="x.bitrix24.com")).status == 403
    assert seen == []
    assert token_of(portal_store) == TOKEN
    assert portal_store.get("unknown-portal") is None


def test_lookup_is_by_domain_only_when_there_is_no_member_id(
    portal_store: PortalStore, run: Runner
) -> None:
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    assert run(dp, bot_delete_body(member_id=None)).status == 200
    assert run(dp, v2_delete_body(domain=DOMAIN.upper())).status == 200
    assert len(seen) == 2
    # With a member_id the portal is that member's record: another member is unknown.
    assert run(dp, bot_delete_body(member_id="another-member")).status == 403
    assert len(seen) == 2


def test_a_member_id_is_verified_against_its_own_record_only(
    portal_store: PortalStore, run: Runner
) -> None:
    seed(portal_store)
    seed(portal_store, member="other-member", domain="other.bitrix24.com", token=OTHER_TOKEN)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    assert run(dp, bot_delete_body()).status == 200
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, v2_delete_body(domain="other.bitrix24.com", token=OTHER_TOKEN)).status == 200
    assert len(seen) == 2


def test_install_without_member_id_is_refused(portal_store: PortalStore, run: Runner) -> None:
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    assert run(dp, install_body(member_id=None)).status == 403
    assert seen == []
    assert portal_store.get_by_domain(DOMAIN) is None


# ---- approve_install -------------------------------------------------------------------


def test_first_install_asks_the_hook_which_may_refuse(
    portal_store: PortalStore, run: Runner
) -> None:
    asked: list[tuple[Event, InstallRequest]] = []
    dp = Dispatcher(portal_store=portal_store, approve_install=_approver(False, asked))
    seen = recorded(dp)
    response = run(dp, install_body())
    assert response.status == 403
    assert len(asked) == 1
    event, request = asked[0]
    assert isinstance(event, AppInstallEvent)
    assert event.member_id == MEMBER
    assert event.auth is not None
    assert event.auth.application_token == TOKEN
    assert request == InstallRequest(InstallReason.FIRST_INSTALL, MEMBER, DOMAIN)
    assert request.first_install
    assert not request.replaces_token
    assert not request.domain_claim
    assert seen == []
    assert portal_store.get(MEMBER) is None
    assert portal_store.get_by_domain(DOMAIN) is None
    assert run(dp, bot_delete_body()).status == 403


def test_first_install_approved_by_the_hook_is_stored(
    portal_store: PortalStore, run: Runner
) -> None:
    asked: list[tuple[Event, InstallRequest]] = []
    dp = Dispatcher(portal_store=portal_store, approve_install=_approver(True, asked))
    seen = recorded(dp)
    assert run(dp, install_body()).status == 200
    assert [request.reason for _, request in asked] == [InstallReason.FIRST_INSTALL]
    assert [type(e) for e in seen] == [AppInstallEvent]
    assert token_of(portal_store) == TOKEN
    assert domain_token(portal_store) == TOKEN


@pytest.mark.parametrize("answer", [True, False])
def test_install_with_a_different_token_asks_the_hook(
    portal_store: PortalStore, run: Runner, answer: bool
) -> None:
    asked: list[tuple[Event, InstallRequest]] = []
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store, approve_install=_approver(answer, asked))
    seen = recorded(dp)
    response = run(dp, install_body(token=OTHER_TOKEN))
    assert [request.reason for _, request in asked] == [InstallReason.NEW_TOKEN]
    assert [request.replaces_token for _, request in asked] == [True]
    expected = OTHER_TOKEN if answer else TOKEN
    assert response.status == (200 if answer else 403)
    assert len(seen) == (1 if answer else 0)
    assert token_of(portal_store) == expected
    assert domain_token(portal_store) == expected
    # whichever token is stored now is the one that passes
    assert run(dp, bot_delete_body(token=expected)).status == 200
    assert run(dp, bot_delete_body(token=TOKEN if answer else OTHER_TOKEN)).status == 403


@pytest.mark.parametrize("answer", [True, False])
def test_update_with_a_different_token_asks_the_hook(
    portal_store: PortalStore, run: Runner, answer: bool
) -> None:
    asked: list[tuple[Event, InstallRequest]] = []
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store, approve_install=_approver(answer, asked))
    seen = recorded(dp)
    response = run(dp, update_body(token=OTHER_TOKEN))
    assert len(asked) == 1
    assert isinstance(asked[0][0], AppUpdateEvent)
    assert asked[0][1].replaces_token is True
    assert response.status == (200 if answer else 403)
    assert len(seen) == (1 if answer else 0)
    assert token_of(portal_store) == (OTHER_TOKEN if answer else TOKEN)
    if answer:
        assert domain_token(portal_store) == OTHER_TOKEN


def test_update_with_the_stored_token_does_not_ask(portal_store: PortalStore, run: Runner) -> None:
    asked: list[tuple[Event, InstallRequest]] = []
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store, approve_install=_approver(False, asked))
    assert run(dp, update_body()).status == 200
    assert asked == []


def test_hook_is_not_asked_for_other_events(portal_store: PortalStore, run: Runner) -> None:
    asked: list[tuple[Event, InstallRequest]] = []
    dp = Dispatcher(portal_store=portal_store, approve_install=_approver(True, asked))
    assert run(dp, bot_delete_body()).status == 403  # unknown portal, hook or not
    seed(portal_store)
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, uninstall_body(token=OTHER_TOKEN)).status == 403
    assert asked == []


def test_hook_answer_must_be_true(run: Runner) -> None:
    store = MemoryPortalStore()
    dp = Dispatcher(portal_store=store, approve_install=lambda event, request: None)  # type: ignore[arg-type,return-value]
    assert run(dp, install_body()).status == 403
    assert store.get(MEMBER) is None


@pytest.mark.parametrize("answer", [True, False])
def test_async_hook_in_ahandle(portal_store: PortalStore, answer: bool) -> None:
    asked: list[InstallReason] = []

    async def approve(event: AppInstallEvent | AppUpdateEvent, request: InstallRequest) -> bool:
        await asyncio.sleep(0)
        asked.append(request.reason)
        return answer

    dp = Dispatcher(portal_store=portal_store, approve_install=approve)
    seen = recorded(dp)
    response = asyncio.run(dp.ahandle(install_body(), content_type=FORM))
    assert asked == [InstallReason.FIRST_INSTALL]
    assert response.status == (200 if answer else 403)
    assert len(seen) == (1 if answer else 0)
    assert token_of(portal_store) == (TOKEN if answer else None)


def test_async_hook_in_sync_handle() -> None:
    store = MemoryPortalStore()

    async def approve(event: AppInstallEvent | AppUpdateEvent, request: InstallRequest) -> bool:
        await asyncio.sleep(0)
        return True

    dp = Dispatcher(portal_store=store, approve_install=approve)
    assert dp.handle(install_body(), content_type=FORM).status == 200
    assert token_of(store) == TOKEN


# ---- refusals: nothing runs ------------------------------------------------------------


def _no_auth() -> dict[str, Any]:
    tree = bot_delete_tree()
    del tree["auth"]
    return tree


def _auth_not_a_mapping() -> dict[str, Any]:
    tree = bot_delete_tree()
    tree["auth"] = TOKEN
    return tree


REFUSED_BODIES: dict[str, Callable[[], bytes]] = {
    "no-auth": lambda: form(_no_auth()),
    "auth-is-a-string": lambda: form(_auth_not_a_mapping()),
    "no-application-token": lambda: bot_delete_body(token=None),
    "empty-application-token": lambda: bot_delete_body(token=""),
    "no-member-id-no-domain": lambda: bot_delete_body(member_id=None, domain=None),
    "unknown-portal": lambda: bot_delete_body(member_id="some-other-portal"),
    "unknown-domain": lambda: v2_delete_body(domain="other.bitrix24.com"),
    "mismatch": lambda: bot_delete_body(token=OTHER_TOKEN),
    "mismatch-prefix": lambda: bot_delete_body(token=TOKEN[:-1]),
    "mismatch-longer": lambda: bot_delete_body(token=TOKEN + "0"),
    "mismatch-case": lambda: bot_delete_body(token=TOKEN.upper()),
    "install-no-token": lambda: install_body(token=None),
    "install-no-portal": lambda: install_body(member_id=None, domain=None),
    "update-no-token": lambda: update_body(token=None),
    "uninstall-no-portal": lambda: uninstall_body(member_id=None, domain=None),
}


@pytest.mark.parametrize("case", sorted(REFUSED_BODIES))
def test_refused_events_get_403_and_run_nothing(
    portal_store: PortalStore, run: Runner, case: str
) -> None:
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    response = run(dp, REFUSED_BODIES[case]())
    assert (response.status, response.body) == (403, b"forbidden: the event could not be verified")
    assert response.result is None
    assert seen == []
    assert token_of(portal_store) == TOKEN  # nothing was replaced or deleted


# ---- v2: only the top-level auth counts ------------------------------------------------


def test_v2_right_bot_auth_but_wrong_top_level_is_403(
    portal_store: PortalStore, run: Runner
) -> None:
    # Both keys are known, so data[bot][auth] (which names the portal by member_id too)
    # would pass if it were consulted at all.
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    assert run(dp, v2_delete_body(token=OTHER_TOKEN, bot_token=TOKEN)).status == 403
    assert run(dp, v2_delete_body(token=None, bot_token=TOKEN)).status == 403
    assert run(dp, v2_delete_body(token=None, domain=None, bot_token=TOKEN)).status == 403
    tree = v2_delete_tree(bot_token=TOKEN)
    del tree["auth"]
    assert run(dp, form(tree)).status == 403
    assert seen == []


def test_v2_right_top_level_but_wrong_bot_auth_is_200(
    portal_store: PortalStore, run: Runner
) -> None:
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store)
    seen = recorded(dp)
    assert run(dp, v2_delete_body(token=TOKEN, bot_token=OTHER_TOKEN)).status == 200
    assert len(seen) == 1
    event = seen[0]
    assert isinstance(event, BotV2DeleteEvent)
    assert (event.bot_id, event.bot_code) == (456, "support_bot")
    assert event.data.bot.auth is not None
    assert event.data.bot.auth.application_token == OTHER_TOKEN


def test_v2_bot_auth_is_ignored_in_static_mode_too(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    seen = recorded(dp)
    assert run(dp, v2_delete_body(token=OTHER_TOKEN, bot_token=TOKEN)).status == 403
    assert run(dp, v2_delete_body(token=None, bot_token=TOKEN)).status == 403
    assert run(dp, v2_delete_body(token=TOKEN, bot_token=BOT_SECRET)).status == 200
    assert len(seen) == 1


# ---- static tokens ---------------------------------------------------------------------


def test_static_token(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    seen = recorded(dp)
    assert run(dp, bot_delete_body()).status == 200
    assert run(dp, bot_delete_body(member_id="any-portal")).status == 200
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, bot_delete_body(token=None)).status == 403
    assert run(dp, form(_no_auth())).status == 403
    assert len(seen) == 2


def test_static_tokens_rotation(run: Runner) -> None:
    dp = Dispatcher(application_token=["old-CANARY-token", "new-CANARY-token"])
    seen = recorded(dp)
    assert run(dp, bot_delete_body(token="old-CANARY-token")).status == 200
    assert run(dp, bot_delete_body(token="new-CANARY-token")).status == 200
    assert run(dp, bot_delete_body(token="third-CANARY-token")).status == 403
    assert len(seen) == 2


def test_static_tokens_from_any_iterable(run: Runner) -> None:
    dp = Dispatcher(application_token=iter(("a-CANARY", "b-CANARY")))
    assert run(dp, bot_delete_body(token="b-CANARY")).status == 200
    assert run(dp, bot_delete_body(token="a-CANARY")).status == 200


def test_static_mode_verifies_install_events(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    seen = recorded(dp)
    assert run(dp, install_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, update_body(token=OTHER_TOKEN)).status == 403
    assert run(dp, uninstall_body(token=OTHER_TOKEN)).status == 403
    assert seen == []
    assert run(dp, install_body()).status == 200
    assert run(dp, uninstall_body()).status == 200
    assert run(dp, uninstall_body()).status == 200  # nothing is stored or deleted
    assert len(seen) == 3


# ---- max_age ---------------------------------------------------------------------------


def test_max_age_is_off_by_default(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    seen = recorded(dp)
    assert run(dp, bot_delete_body(ts=1_000_000_000)).status == 200  # 2001
    assert run(dp, bot_delete_body(ts=None)).status == 200
    assert len(seen) == 2


@pytest.mark.parametrize("max_age", [300, 300.0, timedelta(minutes=5)], ids=repr)
def test_max_age(run: Runner, max_age: float | timedelta) -> None:
    dp = Dispatcher(application_token=TOKEN, max_age=max_age)
    seen = recorded(dp)
    assert run(dp, bot_delete_body(ts=now_ts() - 3600)).status == 403
    assert run(dp, bot_delete_body(ts=1_000_000_000)).status == 403
    assert run(dp, bot_delete_body(ts=None)).status == 403
    assert seen == []
    assert run(dp, bot_delete_body(ts=now_ts())).status == 200
    assert run(dp, bot_delete_body(ts=now_ts() - 10)).status == 200
    assert len(seen) == 2


def test_max_age_with_a_store_and_without_verification(
    portal_store: PortalStore, run: Runner
) -> None:
    seed(portal_store)
    for dp in (
        Dispatcher(portal_store=portal_store, max_age=60),
        Dispatcher(verify=False, max_age=60),
    ):
        seen = recorded(dp)
        assert run(dp, bot_delete_body(ts=now_ts() - 3600)).status == 403
        assert run(dp, bot_delete_body(ts=None)).status == 403
        assert run(dp, bot_delete_body(ts=now_ts())).status == 200
        assert len(seen) == 1


def test_old_install_is_refused_and_stores_nothing(run: Runner) -> None:
    store = MemoryPortalStore()
    dp = Dispatcher(portal_store=store, max_age=60)
    tree = lifecycle_tree("ONAPPINSTALL")  # ts 1696527000 (2023)
    assert run(dp, form(tree)).status == 403
    assert store.get(MEMBER) is None


# ---- verification comes before building the event --------------------------------------


def _schema_broken(**kwargs: Any) -> bytes:
    tree = bot_delete_tree(**kwargs)
    tree["data"]["BOT_ID"] = "not-an-int"
    tree["ts"] = "not-a-time"
    return form(tree)


@pytest.mark.parametrize(
    "kwargs",
    [{"token": OTHER_TOKEN}, {"token": None}, {"member_id": "unknown"}],
    ids=["wrong-token", "no-token", "unknown-portal"],
)
def test_wrong_token_and_schema_error_is_403_not_400(
    run: Runner, kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[object] = []

    def spy(tree: Any) -> Event:
        built.append(tree)
        return event_from_tree(tree)

    monkeypatch.setattr("b24botevents.dispatcher.event_from_tree", spy)
    dp = Dispatcher(portal_store=MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, TOKEN)]))
    assert run(dp, _schema_broken(**kwargs)).status == 403
    assert built == []  # refused on the decoded tree, no model was built
    response = run(dp, _schema_broken())
    assert response.status == 400
    assert len(built) == 1


def test_static_wrong_token_and_schema_error_is_403(run: Runner) -> None:
    dp = Dispatcher(application_token=TOKEN)
    assert run(dp, _schema_broken(token=OTHER_TOKEN)).status == 403
    assert run(dp, _schema_broken()).status == 400


# ---- constant-time comparison ----------------------------------------------------------


class CompareSpy:
    """Wraps the real ``hmac.compare_digest`` and records its arguments."""

    def __init__(self, real: Callable[[Any, Any], bool]) -> None:
        self.real = real
        self.calls: list[tuple[Any, Any]] = []

    def __call__(self, a: Any, b: Any) -> bool:
        self.calls.append((a, b))
        return self.real(a, b)


@pytest.fixture
def compare_spy(monkeypatch: pytest.MonkeyPatch) -> CompareSpy:
    spy = CompareSpy(hmac.compare_digest)
    monkeypatch.setattr("hmac.compare_digest", spy)  # the one module every verifier uses
    return spy


def _as_text(value: Any) -> str:
    return value.decode() if isinstance(value, (bytes, bytearray)) else str(value)


def test_store_tokens_are_compared_with_compare_digest(
    portal_store: PortalStore, run: Runner, compare_spy: CompareSpy
) -> None:
    seed(portal_store)
    dp = Dispatcher(portal_store=portal_store)
    assert run(dp, bot_delete_body()).status == 200
    assert [(_as_text(a), _as_text(b)) for a, b in compare_spy.calls] == [(TOKEN, TOKEN)]
    compare_spy.calls.clear()
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert [(_as_text(a), _as_text(b)) for a, b in compare_spy.calls] == [(TOKEN, OTHER_TOKEN)]


def test_static_tokens_are_compared_with_compare_digest_all_of_them(
    run: Runner, compare_spy: CompareSpy
) -> None:
    dp = Dispatcher(application_token=["first-CANARY", "second-CANARY"])
    assert run(dp, bot_delete_body(token="first-CANARY")).status == 200
    # every configured token is compared, so the time says nothing about which matched
    pairs = sorted((_as_text(a), _as_text(b)) for a, b in compare_spy.calls)
    assert pairs == [("first-CANARY", "first-CANARY"), ("second-CANARY", "first-CANARY")]
    compare_spy.calls.clear()
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert len(compare_spy.calls) == 2


def test_non_ascii_tokens_compare(run: Runner) -> None:
    token = "\u0442\u043e\u043a\u0435\u043d-CANARY-\u00fc"
    dp = Dispatcher(application_token=token)
    assert run(dp, bot_delete_body(token=token)).status == 200
    assert run(dp, bot_delete_body(token=token.replace("\u00fc", "\u00fd"))).status == 403
    assert run(dp, bot_delete_body(token=token.replace("\u043e", "o"))).status == 403
