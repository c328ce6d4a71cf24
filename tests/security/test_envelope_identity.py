"""The portal an event names is read strictly: no value can pass for another, or for none.

Found by an adversarial pass over the portal record: a JSON number in ``auth[domain]`` was
read as "no domain" (so the bound-domain check was skipped) while handlers saw it as text;
a number in ``auth[member_id]`` made the event verify by domain alone; and lower-casing
before the ASCII check let the Kelvin sign pass for a ``k``. Run on every store.
"""

from __future__ import annotations

from typing import Any

import pytest

from b24botevents import Dispatcher, Event, PortalRecord, PortalStore
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from dispatch_fixtures import run as run
from dispatch_helpers import Runner

MEMBER = "kk0000000000000000000000000000aa"
DOMAIN = "kk.bitrix24.com"
TOKEN = "c" * 32
KELVIN = "\u212a"  # lower-cases to an ASCII "k"


def event(auth: dict[str, Any], code: str = "ONIMBOTV2JOINCHAT") -> dict[str, Any]:
    return {"event": code, "data": {"bot": {"id": "1", "code": "x"}}, "auth": auth}


def installed(store: PortalStore, run_: Runner) -> tuple[Dispatcher, list[Event]]:
    assert store.save(PortalRecord(MEMBER, DOMAIN, TOKEN), expected=None) is not None
    dp = Dispatcher(portal_store=store)
    seen: list[Event] = []
    dp.on_unknown(seen.append)
    dp.on("ONIMBOTV2JOINCHAT", "ONAPPUNINSTALL", "ONAPPINSTALL")(seen.append)
    return dp, seen


@pytest.mark.parametrize("domain", [127.1, 1e3, 127, True, ["kk.bitrix24.com"], {"a": 1}])
def test_a_domain_that_is_not_text_cannot_skip_the_bound_domain_check(
    portal_store: PortalStore, run: Runner, domain: Any
) -> None:
    dp, seen = installed(portal_store, run)
    auth = {"member_id": MEMBER, "domain": domain, "application_token": TOKEN}
    assert run(dp, event(auth)).status == 403
    assert run(dp, event(auth, "ONAPPUNINSTALL")).status == 403
    assert seen == []
    record = portal_store.get(MEMBER)
    assert record is not None
    assert record.installed


@pytest.mark.parametrize("member_id", [1.5, True, ["x"], {"a": 1}])
def test_a_member_id_that_is_not_text_cannot_verify_by_domain_alone(
    portal_store: PortalStore, run: Runner, member_id: Any
) -> None:
    dp, seen = installed(portal_store, run)
    auth = {"member_id": member_id, "domain": DOMAIN, "application_token": TOKEN}
    assert run(dp, event(auth)).status == 403
    assert seen == []


def test_an_empty_member_id_verifies_by_domain_and_reaches_handlers_without_one(
    portal_store: PortalStore, run: Runner
) -> None:
    dp, seen = installed(portal_store, run)
    auth = {"member_id": "", "domain": DOMAIN, "application_token": TOKEN}
    assert run(dp, event(auth)).status == 200
    assert [e.member_id for e in seen] == [None]


def test_a_kelvin_sign_domain_does_not_pass_for_its_ascii_lookalike(
    portal_store: PortalStore, run: Runner
) -> None:
    dp, seen = installed(portal_store, run)
    for domain in (KELVIN * 2 + ".bitrix24.com", "k" + KELVIN + ".BITRIX24.COM"):
        by_member = {"member_id": MEMBER, "domain": domain, "application_token": TOKEN}
        by_domain = {"domain": domain, "application_token": TOKEN}
        assert run(dp, event(by_member)).status == 403
        assert run(dp, event(by_domain)).status == 403
    newcomer = {
        "member_id": "newcomer",
        "domain": KELVIN + "a.bitrix24.com",
        "application_token": TOKEN,
    }
    assert run(dp, event(newcomer, "ONAPPINSTALL")).status == 403
    assert portal_store.get("newcomer") is None
    assert portal_store.get_by_domain("ka.bitrix24.com") is None
    assert seen == []


def test_an_upper_case_ascii_domain_is_the_same_host(
    portal_store: PortalStore, run: Runner
) -> None:
    dp, seen = installed(portal_store, run)
    assert run(dp, event({"domain": DOMAIN.upper(), "application_token": TOKEN})).status == 200
    assert len(seen) == 1


class _CountingStore:
    """A store that records every lookup, to show that oversized keys never reach it."""

    blocking = False

    def __init__(self, inner: PortalStore) -> None:
        self.inner = inner
        self.lookups: list[int] = []

    def get(self, member_id: str) -> PortalRecord | None:
        self.lookups.append(len(member_id))
        return self.inner.get(member_id)

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        self.lookups.append(len(domain))
        return self.inner.get_by_domain(domain)

    def save(self, record: PortalRecord, **kwargs: Any) -> PortalRecord | None:
        return self.inner.save(record, **kwargs)

    def delete(self, member_id: str, **kwargs: Any) -> bool:
        return self.inner.delete(member_id, **kwargs)


def test_a_megabyte_member_id_or_domain_never_reaches_the_store(
    portal_store: PortalStore, run: Runner
) -> None:
    counting = _CountingStore(portal_store)
    dp = Dispatcher(portal_store=counting)
    huge = "m" * 500_000
    assert run(dp, event({"member_id": huge, "application_token": TOKEN})).status == 403
    assert run(dp, event({"domain": huge + ".com", "application_token": TOKEN})).status == 403
    assert counting.lookups == []
