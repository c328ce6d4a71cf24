"""One refusal, one short line: what a request chose (event code, ``member_id``, domain,
an id key) reaches a log line bounded and escaped.

Each test sends one hostile body through ``handle`` and ``ahandle`` and checks every
record of the ``b24botevents`` logger at DEBUG, and the answer: short, printable (no
newline, carriage return, control character or lone surrogate), so one request can
neither flood a log nor forge a second line in it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from b24botevents import Dispatcher, Event
from b24botevents.stores import MemoryPortalStore
from b24botevents.testing import Portal
from b24botevents.wire import encode_form

from .log_capture import b24_records

FORM = "application/x-www-form-urlencoded"
SHORT = 300  # a log line or an answer, however long what the request sent
HUGE = 200_000
FORGED = "\n2026-01-01 00:00:00,000 INFO b24botevents: accepted ONIMBOTDELETE from trusted"


def assert_one_short_line_each(dp: Dispatcher, body: Any, status: int) -> None:
    """``body`` is refused with ``status``, in lines that are all short and printable."""
    with b24_records() as records:
        answers = [
            dp.handle(body, content_type=FORM),
            asyncio.run(dp.ahandle(body, content_type=FORM)),
        ]
    assert [answer.status for answer in answers] == [status, status]
    lines = [record.getMessage() for record in records if record.levelno >= logging.DEBUG]
    assert lines, "the refusal was not logged"
    for text in [*lines, *(answer.body.decode("utf-8") for answer in answers)]:
        assert len(text) <= SHORT, f"{len(text)} chars: {text[:120]!r}"
        assert text.isprintable(), repr(text[:120])
        text.encode("utf-8")  # a strict UTF-8 log file can take it


def body(portal: Portal, code: str = "ONIMBOTDELETE", **auth: str) -> str:
    fields = {"member_id": portal.member_id, "application_token": portal.application_token}
    fields.update(auth)
    return encode_form({"event": code, "data": {"BOT_ID": "1"}, "ts": "1", "auth": fields})


def static(portal: Portal, **kwargs: Any) -> Dispatcher:
    return Dispatcher(application_token=portal.application_token, **kwargs)


def test_a_200_kb_event_code_makes_one_short_log_line() -> None:
    portal = Portal.random()
    forged = body(portal, "X" * HUGE, application_token="0" * 32)
    assert_one_short_line_each(static(portal), forged, 403)


def test_a_200_kb_member_id_makes_one_short_log_line() -> None:
    portal = Portal.random()
    forged = body(portal, member_id="m" * HUGE, application_token="0" * 32)
    assert_one_short_line_each(static(portal), forged, 403)


def test_a_200_kb_domain_makes_one_short_log_line() -> None:
    portal = Portal.random()
    store = MemoryPortalStore([portal.record()])
    forged = body(portal, member_id="", domain="d" * HUGE + ".bitrix24.com")
    assert_one_short_line_each(Dispatcher(portal_store=store), forged, 403)


def test_a_newline_in_member_id_cannot_forge_a_second_log_line() -> None:
    portal = Portal.random()
    forged = body(portal, member_id="m" + FORGED, application_token="0" * 32)
    assert_one_short_line_each(static(portal), forged, 403)


def test_a_carriage_return_in_the_domain_cannot_forge_a_second_log_line() -> None:
    portal = Portal.random()
    store = MemoryPortalStore([portal.record()])
    forged = body(portal, member_id="", domain="d.bitrix24.com\r" + FORGED)
    assert_one_short_line_each(Dispatcher(portal_store=store), forged, 403)


def test_a_newline_in_the_event_code_cannot_forge_a_second_log_line() -> None:
    portal = Portal.random()
    forged = body(portal, "ONIMBOTDELETE" + FORGED, application_token="0" * 32)
    assert_one_short_line_each(static(portal), forged, 403)


def test_a_lone_surrogate_in_member_id_is_escaped_in_the_log_line() -> None:
    portal = Portal.random()
    tree = {"event": "ONIMBOTDELETE", "auth": {"member_id": "m\ud800", "application_token": "0"}}
    with b24_records() as records:
        answer = static(portal).handle(tree)
    assert answer.status == 403
    for record in records:
        assert record.getMessage().isprintable()
        record.getMessage().encode("utf-8")


def test_a_stale_event_with_a_200_kb_code_makes_one_short_log_line() -> None:
    portal = Portal.random()
    stale = body(portal, "X" * HUGE)  # the right token, ts=1
    assert_one_short_line_each(static(portal, max_age=timedelta(minutes=5)), stale, 403)


def test_an_install_refused_by_the_hook_with_a_200_kb_member_id_makes_one_short_line() -> None:
    portal = Portal.random()
    dp = Dispatcher(portal_store=MemoryPortalStore(), approve_install=lambda event, replaces: False)
    install = body(portal, "ONAPPINSTALL", member_id="m" * HUGE + FORGED)
    assert_one_short_line_each(dp, install, 403)


def test_a_newline_in_a_bot_id_key_cannot_forge_a_second_log_line() -> None:
    portal = Portal.random()
    tree = {
        "event": "ONIMBOTMESSAGEADD",
        "data": {"BOT": {"1" + FORGED: {"BOT_ID": "1", "BOT_CODE": "b"}}},
        "auth": {"member_id": portal.member_id, "application_token": portal.application_token},
    }
    assert_one_short_line_each(static(portal), encode_form(tree), 400)


def test_a_failing_handler_for_a_200_kb_event_code_logs_one_short_line() -> None:
    portal = Portal.random()
    dp = static(portal)

    @dp.on_unknown
    def crash(event: Event) -> None:
        raise RuntimeError("handler crashed")

    verified = body(portal, "X" * HUGE + FORGED)
    with b24_records() as records:
        answers = [dp.handle(verified), asyncio.run(dp.ahandle(verified))]
    assert [answer.status for answer in answers] == [500, 500]
    failures = [record for record in records if record.levelno >= logging.ERROR]
    assert len(failures) == 2
    for record in failures:
        message = record.getMessage()  # the traceback is attached, not in the message
        assert len(message) <= SHORT, f"{len(message)} chars"
        assert message.isprintable(), repr(message[:120])


def test_an_accepted_event_with_a_hostile_code_logs_short_debug_lines() -> None:
    """Accepted events log at DEBUG too ("no handler for", "dispatched to"): bounded."""
    portal = Portal.random()
    for code in ("X" * HUGE, "ONIMBOTDELETE" + FORGED):
        with b24_records() as records:
            dp = static(portal)
            answers = [
                dp.handle(body(portal, code), content_type=FORM),
                asyncio.run(dp.ahandle(body(portal, code), content_type=FORM)),
            ]
        assert [answer.status for answer in answers] == [200, 200]
        lines = [record.getMessage() for record in records]
        assert any("dispatched to" in line for line in lines)
        for text in lines:
            assert len(text) <= SHORT, f"{len(text)} chars: {text[:120]!r}"
            assert text.isprintable(), repr(text[:120])
