"""``make_verifier``: where the expected tokens come from is always explicit; verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from b24botevents import Deduplicator, MemoryPortalStore, PortalRecord
from b24botevents.verify import (
    ACCEPT,
    NoVerifier,
    PortalVerifier,
    StaticVerifier,
    Verdict,
    make_verifier,
    read_envelope,
)


def test_each_source_gives_its_verifier() -> None:
    assert isinstance(make_verifier(portal_store=MemoryPortalStore()), PortalVerifier)
    assert isinstance(make_verifier(application_token="t"), StaticVerifier)
    assert isinstance(make_verifier(verify=False), NoVerifier)
    store = make_verifier(portal_store=MemoryPortalStore(), approve_install=lambda e, r: True)
    assert isinstance(store, PortalVerifier)
    assert store.approval


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "say where the expected application_token comes from"),
        ({"portal_store": MemoryPortalStore(), "application_token": "t"}, "not both"),
        ({"verify": False, "application_token": "t"}, "contradicts"),
        ({"application_token": "t", "approve_install": print}, "needs portal_store"),
        ({"verify": False, "approve_install": print}, "needs portal_store"),
    ],
)
def test_ambiguous_or_contradictory_sources_are_refused(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_verifier(**kwargs)


def test_verify_must_be_a_bool() -> None:
    with pytest.raises(TypeError):
        make_verifier(verify=1)  # type: ignore[arg-type]


class _NoBlockingFlag:
    def get(self, portal: str) -> str | None:
        return None

    def set(self, portal: str, token: str) -> None:
        pass

    def delete(self, portal: str) -> None:
        pass

    def claim(self, key: str, ttl: float) -> bool:
        return True

    def release(self, key: str) -> None:
        pass


def test_a_store_that_does_not_declare_blocking_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="_NoBlockingFlag must declare `blocking"):
        make_verifier(portal_store=_NoBlockingFlag())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="_NoBlockingFlag must declare `blocking"):
        Deduplicator(_NoBlockingFlag())  # type: ignore[arg-type]


def test_an_ordinary_accepted_event_shares_the_immutable_accept_verdict() -> None:
    store = MemoryPortalStore([PortalRecord("m", "m.bitrix24.com", "t")])
    envelope = read_envelope(
        {"event": "ONIMBOTDELETE", "auth": {"member_id": "m", "application_token": "t"}}
    )
    assert make_verifier(portal_store=store).check(envelope) is ACCEPT
    assert make_verifier(application_token="t").check(envelope) is ACCEPT
    assert make_verifier(verify=False).check(envelope) is ACCEPT
    assert not ACCEPT.effects
    with pytest.raises(AttributeError, match="immutable"):
        ACCEPT.effects = True


def test_lifecycle_verdicts_that_write_have_effects_so_the_store_work_runs() -> None:
    store = MemoryPortalStore([PortalRecord("m", "m.bitrix24.com", "t")])
    verifier = make_verifier(portal_store=store)
    for code, member_id in (("ONAPPINSTALL", "new"), ("ONAPPUNINSTALL", "m")):
        auth = {"member_id": member_id, "domain": "m.bitrix24.com", "application_token": "t"}
        if member_id == "new":
            auth["domain"] = "new.bitrix24.com"
        envelope = read_envelope({"event": code, "auth": auth})
        verdict = verifier.check(envelope)
        assert verdict.effects, code
        assert verdict.write is not None
        assert verdict.envelope is envelope
    # An update that repeats what is stored writes nothing: the shared ACCEPT.
    repeat = {"member_id": "m", "domain": "m.bitrix24.com", "application_token": "t"}
    assert verifier.check(read_envelope({"event": "ONAPPUPDATE", "auth": repeat})) is ACCEPT
    assert Verdict(None, effects=True).effects
    assert "effects=True" in repr(Verdict(None, effects=True))
