"""An event rebuilt from ``to_dict(event, redact=True)`` carries ``'***'`` for every token.

That is how an event travels through a task queue without its secrets. A reply to it must
not take ``'***'`` for the bot's own token (and send it to Bitrix24): it replies with the
portal's stored credentials, exactly as with ``prefer_event_tokens=False``.
"""

from __future__ import annotations

import pytest

from b24botevents import MemoryPortalStore, parse_event, to_dict
from b24botevents.rest import reply_target
from b24botevents.testing import sample_body
from rest.support import FORM, chat_event, open_bench

CODES = ["ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD", "ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD"]


@pytest.mark.parametrize("code", CODES)
def test_a_redacted_event_has_no_event_tokens(code: str) -> None:
    event = parse_event(sample_body(code), content_type=FORM)
    assert reply_target(event).tokens is not None  # the real event has the bot's token
    rebuilt = parse_event(to_dict(event, redact=True))
    assert reply_target(rebuilt).tokens is None


@pytest.mark.parametrize("code", ["ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD"])
def test_a_reply_to_a_redacted_event_uses_the_stored_token(code: str) -> None:
    with open_bench("in-process") as bench:
        store = MemoryPortalStore()
        bench.installed(store)
        client = bench.client(store)
        rebuilt = parse_event(to_dict(chat_event(code, bench.portal), redact=True))
        client.reply(rebuilt, "hello")
        [call] = bench.fake.calls
        assert call.token != "***"
        assert (call.token_kind, call.status) == ("user", 200)
        record = store.get(bench.portal.member_id)
        assert record is not None
        assert record.credentials is not None
        assert call.token == record.credentials.access_token
