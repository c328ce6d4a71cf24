"""``envelope.py``: what verification reads from a tree, and the replay window on it.

``max_age`` is checked on the envelope, before any model is built: a stale body is refused
(403) whatever else is wrong with it, and nothing is spent on building its event.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from b24botevents import Dispatcher, Event, MemoryPortalStore, PortalRecord, VerificationFailed
from b24botevents.convert import event_from_tree
from b24botevents.verify import Envelope, check_age, read_envelope
from dispatch_helpers import DOMAIN, MEMBER, TOKEN, Runner, bot_delete_tree, form, now_ts

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _envelope(ts: object) -> Envelope:
    return read_envelope({"event": "ONIMBOTDELETE", "ts": ts, "auth": {"member_id": "m"}})


@pytest.mark.parametrize(
    "ts", [int(NOW.timestamp()), str(int(NOW.timestamp())), "2026-03-01T14:00:00+02:00"]
)
def test_check_age_reads_unix_seconds_and_iso_dates(ts: object) -> None:
    check_age(_envelope(ts), timedelta(seconds=1), now=NOW)


@pytest.mark.parametrize("ts", [None, "", "0", 0, "abc", {}, [], "9" * 30])
def test_check_age_refuses_a_missing_or_unreadable_ts(ts: object) -> None:
    with pytest.raises(VerificationFailed, match="no usable ts"):
        check_age(_envelope(ts), timedelta(days=3650), now=NOW)


def test_check_age_refuses_a_ts_outside_the_window_either_way() -> None:
    for shift in (timedelta(minutes=-10), timedelta(minutes=10)):
        with pytest.raises(VerificationFailed, match="away from now"):
            check_age(_envelope(int((NOW + shift).timestamp())), timedelta(minutes=5), now=NOW)


def test_a_str_subclass_event_code_reads_like_a_str() -> None:
    class Code(str):
        pass

    assert read_envelope({"event": Code("onappinstall")}).code == "ONAPPINSTALL"
    assert read_envelope({"event": 5}).code == ""


def _spying(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    built: list[object] = []

    def spy(tree: Any) -> Event:
        built.append(tree)
        return event_from_tree(tree)

    monkeypatch.setattr("b24botevents.dispatcher.event_from_tree", spy)
    return built


def test_a_stale_malformed_body_is_refused_before_its_model_is_built(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _spying(monkeypatch)
    dp = Dispatcher(
        portal_store=MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, TOKEN)]), max_age=60
    )
    tree = bot_delete_tree(ts=now_ts() - 3600)
    tree["data"]["BOT_ID"] = "not-an-int"
    assert run(dp, form(tree)).status == 403
    assert built == []


@pytest.mark.parametrize("ts", ["abc", "2026-13-45"])
def test_an_unreadable_ts_is_refused_like_a_missing_one_when_max_age_is_set(
    run: Runner, monkeypatch: pytest.MonkeyPatch, ts: str
) -> None:
    built = _spying(monkeypatch)
    dp = Dispatcher(
        portal_store=MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, TOKEN)]), max_age=60
    )
    tree = bot_delete_tree()
    tree["ts"] = ts
    assert run(dp, form(tree)).status == 403
    assert built == []
    # Without a replay window the same body reaches the model, which refuses its ts.
    dp = Dispatcher(portal_store=MemoryPortalStore([PortalRecord(MEMBER, DOMAIN, TOKEN)]))
    assert run(dp, form(tree)).status == 400
    assert len(built) == 1
