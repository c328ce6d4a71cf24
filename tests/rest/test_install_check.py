"""``OnlineInstallCheck`` / ``AsyncOnlineInstallCheck`` as a ``Dispatcher``'s ``approve_install``.

End to end: an ONAPPINSTALL posted into ``dp.handle`` (sync check) or ``await dp.ahandle``
(the sync check in a worker thread, or the async one awaited), the check asking the fake
Bitrix24's ``app.info`` with the install's own access token, in-process and over real
HTTP on 127.0.0.1. A genuine install is stored with its credentials; anything the portal
does not vouch for (another ``member_id``, another portal's or an unknown token, another
application, a domain claim) and any failure to ask (dropped connection, 500, timeout)
is a 403 with nothing stored. ``then=`` is asked only after the portal vouched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from b24botevents import (
    Dispatcher,
    Event,
    InstallReason,
    InstallRequest,
    MemoryPortalStore,
    Response,
)
from b24botevents.rest import AsyncOnlineInstallCheck, OnlineInstallCheck, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.rest.install_check import CHECK_RETRY
from b24botevents.testing import Portal, app_install_body, app_update_body, sample_body

from .support import (
    FORM,
    MODES,
    Bench,
    RecordingTransport,
    all_log_records,
    leaked,
    open_bench,
)

#: How the check runs: ``dp.handle`` with the sync check, ``dp.ahandle`` with the sync
#: check (in a worker thread) or the async one (awaited). ``dp.handle`` with the async
#: check (run to its end in a loop of its own) has a test of its own.
HOW = ["handle", "ahandle-sync-check", "ahandle-async-check"]


class Then:
    """A ``then=`` hook that records what it was asked and answers ``answer``."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[InstallRequest] = []

    def sync(self, event: Event, request: InstallRequest) -> bool:
        self.asked.append(request)
        return self.answer

    async def async_(self, event: Event, request: InstallRequest) -> bool:
        self.asked.append(request)
        return self.answer


class Setup:
    """A store, a client and a dispatcher whose ``approve_install`` asks the portal."""

    def __init__(
        self, bench: Bench, how: str, then: Then | None = None, **client_options: Any
    ) -> None:
        self.bench = bench
        self.how = how
        self.store = MemoryPortalStore()
        self.client: RestClient = bench.client(self.store, **client_options)
        check: OnlineInstallCheck | AsyncOnlineInstallCheck
        if how.endswith("async-check"):
            check = AsyncOnlineInstallCheck(
                self.client, then=then.async_ if then is not None else None
            )
        else:
            check = OnlineInstallCheck(self.client, then=then.sync if then is not None else None)
        self.dp = Dispatcher(portal_store=self.store, approve_install=check)
        self.replies: list[int | None] = []

        @self.dp.on_message
        def answer(event: Event) -> None:
            self.replies.append(self.client.reply(event, "still here"))

    def post(self, body: str) -> Response:
        if self.how.startswith("handle"):
            return self.dp.handle(body, content_type=FORM)

        async def go() -> Response:
            try:
                return await self.dp.ahandle(body, content_type=FORM)
            finally:
                await self.client.aclose()

        return asyncio.run(go())

    def install(self, portal: Portal, **body: Any) -> Response:
        return self.post(app_install_body(portal=portal, **body))

    def app_info_calls(self) -> list[Any]:
        return self.bench.fake.calls_to("oauth/app.info")


@pytest.fixture(params=MODES)
def bench(request: pytest.FixtureRequest) -> Iterator[Bench]:
    with open_bench(request.param) as opened:
        yield opened


@pytest.fixture(params=HOW)
def how(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def known_portal(bench: Bench) -> Portal:
    """Another portal the fake knows (installed there with its own tokens)."""
    portal = Portal.random()
    bench.fake.add_portal(portal)
    return portal


# ---- approved --------------------------------------------------------------------------


def test_a_genuine_install_is_approved_and_stored_with_its_credentials(
    bench: Bench, how: str
) -> None:
    setup = Setup(bench, how)
    portal = bench.portal
    assert setup.install(portal).status == 200
    record = setup.store.get(portal.member_id)
    assert record is not None
    assert (record.domain, record.application_token, record.installed) == (
        portal.domain,
        portal.application_token,
        True,
    )
    assert record.credentials is not None
    assert record.credentials.access_token == portal.access_token
    assert record.credentials.refresh_token == portal.refresh_token
    [call] = setup.app_info_calls()
    assert (call.token, call.token_kind, call.status) == (portal.access_token, "user", 200)
    assert [each.method for each in bench.fake.calls] == ["oauth/app.info"]


@pytest.mark.parametrize("mode", MODES)
def test_the_async_check_also_serves_a_sync_dispatcher(mode: str) -> None:
    with open_bench(mode) as bench:
        setup = Setup(bench, "handle-async-check")
        stranger = bench.portal.evolve(access_token="cd" * 25)
        assert setup.install(stranger).status == 403
        assert setup.store.get(bench.portal.member_id) is None
        assert setup.install(bench.portal).status == 200
        assert setup.store.get(bench.portal.member_id) is not None
        assert len(setup.app_info_calls()) == 2


def test_the_approved_portal_then_gets_its_events_answered(bench: Bench, how: str) -> None:
    setup = Setup(bench, how)
    assert setup.install(bench.portal).status == 200
    assert setup.post(sample_body("ONIMBOTV2MESSAGEADD", portal=bench.portal)).status == 200
    [sent] = bench.fake.messages
    assert (sent.text, sent.member_id) == ("still here", bench.portal.member_id)


def test_a_new_token_needs_then_even_when_bitrix24_vouches(bench: Bench, how: str) -> None:
    """A live token proves whose portal it is, not who sent the event: every user who
    opens the app holds one. So a new application_token for an installed portal is
    refused on the check's word alone, and approved when then= says so."""
    setup = Setup(bench, how)
    assert setup.install(bench.portal).status == 200
    rotated = bench.portal.with_application_token()
    assert setup.post(app_update_body(portal=rotated)).status == 403
    record = setup.store.get(bench.portal.member_id)
    assert record is not None
    assert record.application_token == bench.portal.application_token
    approving = Then(answer=True)
    setup = Setup(bench, how, then=approving)
    setup.store.save(record, expected=None)  # the same portal, in the new setup's store
    assert setup.post(app_update_body(portal=rotated)).status == 200
    [asked] = approving.asked
    assert asked.reason is InstallReason.NEW_TOKEN
    stored = setup.store.get(bench.portal.member_id)
    assert stored is not None
    assert stored.application_token == rotated.application_token


def test_then_is_asked_after_the_portal_vouched_and_its_answer_decides(
    bench: Bench, how: str
) -> None:
    refusing = Then(answer=False)
    setup = Setup(bench, how, then=refusing)
    assert setup.install(bench.portal).status == 403
    assert setup.store.get(bench.portal.member_id) is None
    [asked] = refusing.asked
    assert (asked.reason, asked.member_id, asked.domain) == (
        InstallReason.FIRST_INSTALL,
        bench.portal.member_id,
        bench.portal.domain,
    )
    approving = Then(answer=True)
    setup = Setup(bench, how, then=approving)
    assert setup.install(bench.portal).status == 200
    assert len(approving.asked) == 1
    assert setup.store.get(bench.portal.member_id) is not None


def test_then_is_not_asked_when_the_portal_does_not_vouch(bench: Bench, how: str) -> None:
    then = Then(answer=True)
    setup = Setup(bench, how, then=then)
    forged = bench.portal.evolve(access_token="0" * 50)
    assert setup.install(forged).status == 403
    assert then.asked == []
    assert setup.store.get(bench.portal.member_id) is None


# ---- refused: the portal does not vouch -------------------------------------------------


def test_an_install_naming_another_member_id_is_refused(bench: Bench, how: str) -> None:
    setup = Setup(bench, how)
    claimed = "0123456789abcdef0123456789abcdef"
    assert setup.install(bench.portal, member_id=claimed).status == 403
    assert setup.store.get(claimed) is None
    assert setup.store.get(bench.portal.member_id) is None
    assert setup.store.get_by_domain(bench.portal.domain) is None
    [call] = setup.app_info_calls()
    assert call.member_id == bench.portal.member_id  # the portal answered for itself


def test_an_install_with_another_portals_token_is_refused(bench: Bench, how: str) -> None:
    setup = Setup(bench, how)
    other = known_portal(bench)
    posing = bench.portal.evolve(access_token=other.access_token)
    assert setup.install(posing).status == 403
    assert setup.store.get(bench.portal.member_id) is None
    assert setup.store.get(other.member_id) is None
    [call] = setup.app_info_calls()
    assert (call.member_id, call.status) == (other.member_id, 200)


@pytest.mark.parametrize("known", [True, False], ids=["known-portal", "unknown-portal"])
def test_an_install_with_an_unknown_token_is_refused(bench: Bench, how: str, known: bool) -> None:
    setup = Setup(bench, how)
    portal = bench.portal.evolve(access_token="ab" * 25) if known else Portal.random()
    assert setup.install(portal).status == 403
    assert setup.store.get(portal.member_id) is None
    [call] = setup.app_info_calls()
    assert (call.error, call.status) == ("invalid_token", 401)


def test_an_app_info_of_another_application_is_refused(how: str) -> None:
    with open_bench("in-process", client_id="someone.elses.app") as bench:
        setup = Setup(bench, how)
        assert setup.install(bench.portal).status == 403
        assert setup.store.get(bench.portal.member_id) is None
        [call] = setup.app_info_calls()
        assert call.status == 200  # the portal answered, for another application


def test_an_app_info_of_another_application_is_refused_over_http(how: str) -> None:
    with open_bench("served", client_id="someone.elses.app") as bench:
        setup = Setup(bench, how)
        assert setup.install(bench.portal).status == 403
        assert setup.store.get(bench.portal.member_id) is None
        assert len(setup.app_info_calls()) == 1


def test_a_domain_claim_by_a_stranger_is_refused_and_the_victim_keeps_working(
    bench: Bench, how: str
) -> None:
    setup = Setup(bench, how)
    victim = bench.portal
    assert setup.install(victim).status == 200
    stranger = known_portal(bench)  # a real portal with real tokens of its own
    claim = stranger.evolve(domain=victim.domain)
    assert setup.install(claim).status == 403
    assert setup.store.get(stranger.member_id) is None
    holder = setup.store.get_by_domain(victim.domain)
    assert holder is not None
    assert holder.member_id == victim.member_id
    assert setup.post(sample_body("ONIMBOTMESSAGEADD", portal=victim)).status == 200
    assert [message.member_id for message in bench.fake.messages] == [victim.member_id]


def test_a_stranger_posing_as_the_installed_portal_with_a_new_token_is_refused(
    bench: Bench, how: str
) -> None:
    setup = Setup(bench, how)
    victim = bench.portal
    assert setup.install(victim).status == 200
    before = setup.store.get(victim.member_id)
    stranger = known_portal(bench)
    posing = victim.with_application_token().evolve(access_token=stranger.access_token)
    assert setup.install(posing).status == 403
    assert setup.store.get(victim.member_id) == before
    assert setup.post(sample_body("ONIMBOTV2MESSAGEADD", portal=victim)).status == 200
    assert len(bench.fake.messages) == 1


def _install_block(result: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**result, "install": {**result["install"], **changes}}


#: app.info answers that do not vouch for the install, as a lying portal might give them.
TAMPERED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "not-installed": lambda result: _install_block(result, installed=False),
    "another-domain": lambda result: _install_block(result, domain="elsewhere.bitrix24.com"),
    "another-member": lambda result: _install_block(result, member_id="f" * 32),
    "no-member": lambda result: _install_block(result, member_id=None),
    "no-install-block": lambda result: {k: v for k, v in result.items() if k != "install"},
    "install-not-an-object": lambda result: {**result, "install": "yes"},
    "no-client-id": lambda result: {
        k: v for k, v in result.items() if k not in ("client_id", "CODE")
    },
    "not-an-object": lambda result: [result],
    "null": lambda _result: None,
}


def rewriting(tamper: Callable[[dict[str, Any]], Any]) -> Callable[..., httpx.Response]:
    def lie(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if not request.url.path.endswith("app.info.json"):
            return response
        response.read()
        result = json.loads(response.content)["result"]
        return httpx.Response(200, json={"result": tamper(result)}, request=request)

    return lie


@pytest.mark.parametrize("tamper", sorted(TAMPERED))
def test_an_app_info_answer_that_does_not_vouch_is_refused(how: str, tamper: str) -> None:
    with open_bench("in-process") as bench:
        lying = RecordingTransport(bench.fake.transport(), rewrite=rewriting(TAMPERED[tamper]))
        setup = Setup(bench, how, transport=lying, async_transport=lying)
        assert setup.install(bench.portal).status == 403
        assert setup.store.get(bench.portal.member_id) is None
        assert len(lying.sent) == 1


def test_the_same_answer_rewritten_unchanged_is_approved(how: str) -> None:
    with open_bench("in-process") as bench:
        honest = RecordingTransport(bench.fake.transport(), rewrite=rewriting(lambda r: r))
        setup = Setup(bench, how, transport=honest, async_transport=honest)
        assert setup.install(bench.portal).status == 200
        assert len(honest.sent) == 1


# ---- refused: no answer (fail closed) ---------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "fault"),
    [
        ("in-process", "drop"),
        ("in-process", "drop-after"),
        ("in-process", "500"),
        ("in-process", "503"),
        ("served", "drop"),
        ("served", "500"),
    ],
)
def test_no_answer_from_app_info_refuses_and_a_resend_passes(
    how: str, mode: str, fault: str
) -> None:
    with open_bench(mode) as bench:
        setup = Setup(bench, how)
        # A 503 means "not run" and is retried; a lost answer or a 500 is not: one
        # forged install must not fan out into several requests.
        times = CHECK_RETRY.attempts if fault == "503" else 1
        if fault == "drop":
            bench.fake.drop_next(method="oauth/app.info", times=times)
        elif fault == "drop-after":
            bench.fake.drop_next(method="oauth/app.info", times=times, before_processing=False)
        else:
            bench.fake.fail_next(int(fault), None, method="oauth/app.info", times=times)
        assert setup.install(bench.portal).status == 403
        assert setup.store.get(bench.portal.member_id) is None
        assert len(setup.app_info_calls()) == times
        assert setup.install(bench.portal).status == 200  # the faults are spent
        assert setup.store.get(bench.portal.member_id) is not None


def test_an_app_info_that_times_out_refuses(how: str) -> None:
    with open_bench("served") as bench:
        setup = Setup(bench, how, timeout=0.1, retry=RetryPolicy(2, 0.001, 0.01))
        bench.fake.delay_next(0.3, method="oauth/app.info", times=2)
        with all_log_records() as records:
            assert setup.install(bench.portal).status == 403
        assert setup.store.get(bench.portal.member_id) is None
        # The fake records a delayed call only once it answers: no count of calls here.
        lines = [record.getMessage() for record in records]
        assert any(line.endswith("app.info failed: TIMEOUT") for line in lines), lines


def test_an_unreachable_portal_refuses(how: str) -> None:
    with open_bench("served") as bench:
        url = bench.base_url
    # The fake is gone: nothing listens at its address any more.
    with open_bench("in-process") as offline:
        setup = Setup(offline, how, portal_url=url, in_process=False)
        assert setup.install(offline.portal).status == 403
        assert setup.store.get(offline.portal.member_id) is None
        assert offline.fake.calls == []


def test_an_install_without_an_access_token_is_refused_without_asking(
    bench: Bench, how: str
) -> None:
    setup = Setup(bench, how)
    body = app_install_body(portal=bench.portal).replace("auth%5Baccess_token%5D=", "x=")
    assert setup.post(body).status == 403
    assert setup.store.get(bench.portal.member_id) is None
    assert bench.fake.calls == []


# ---- what the refusal says --------------------------------------------------------------


def test_the_refusal_log_line_is_short_and_holds_no_token(bench: Bench, how: str) -> None:
    setup = Setup(bench, how)
    other = known_portal(bench)
    posing = bench.portal.evolve(access_token=other.access_token)
    with all_log_records() as records:
        assert setup.install(posing).status == 403
    refusals = [
        record
        for record in records
        if record.name == "b24botevents.rest" and "install check" in record.getMessage()
    ]
    [refusal] = refusals
    line = refusal.getMessage()
    assert refusal.levelno == logging.WARNING
    assert len(line) < 200
    assert "\n" not in line
    assert bench.portal.member_id in line
    assert "member_id" in line  # says why
    hidden = (*bench.secrets(), *other.tokens(), posing.access_token)
    assert leaked((record.getMessage() for record in records), hidden) == []


def test_the_check_needs_the_apps_client_id() -> None:
    with open_bench("in-process") as bench:
        client = bench.client(webhook=bench.webhook("t" * 32))
        with pytest.raises(ValueError, match="client_id"):
            OnlineInstallCheck(client)
        with pytest.raises(ValueError, match="client_id"):
            AsyncOnlineInstallCheck(client)
        with pytest.raises(ValueError, match="server_url"):
            OnlineInstallCheck(client, client_id="local.app.replies")
        check = OnlineInstallCheck(
            client, client_id="local.app.replies", server_url="https://oauth.bitrix.info/rest/"
        )
        assert repr(check) == "OnlineInstallCheck(client_id='local.app.replies')"
