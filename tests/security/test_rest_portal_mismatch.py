"""An event naming one portal's ``member_id`` and another domain cannot steer a reply.

The attack: an event carrying the victim portal's ``member_id`` (and, say, a leaked
application token) but ``auth[domain]`` of the attacker's choosing, so that the answer,
with the victim's stored tokens or the event's bot tokens, goes to the attacker's host or
acts on the victim's portal at the attacker's bidding. Verification refuses the event
(403, no handler runs, nothing is sent); and a handler that builds such an event itself
and calls ``client.reply`` gets ``RestError`` ``PORTAL_MISMATCH`` before any request,
also when a webhook for the attacker's domain is configured. On every store.
"""

from __future__ import annotations

import asyncio

import pytest

from b24botevents import Dispatcher, Event, PortalStore, RestError, parse_event
from b24botevents.rest.client import RestClient
from b24botevents.testing import Portal, sample_body
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from rest.support import CHAT_CODES, FORM, install, open_bench

ATTACKER_DOMAIN = "attacker.bitrix24.com"
CODES = ["ONIMBOTMESSAGEADD", "ONIMCOMMANDADD", "ONIMBOTV2MESSAGEADD", "ONIMBOTV2CONTEXTGET"]


def forged(victim: Portal, code: str) -> str:
    """``code`` signed with the victim's token and ``member_id``, naming another domain."""
    return sample_body(code, portal=victim.evolve(domain=ATTACKER_DOMAIN))


@pytest.mark.parametrize("how", ["handle", "ahandle"])
@pytest.mark.parametrize("code", CHAT_CODES)
def test_verification_refuses_an_event_naming_another_domain_and_nothing_is_sent(
    portal_store: PortalStore, code: str, how: str
) -> None:
    with open_bench("in-process") as bench:
        dp = Dispatcher(portal_store=portal_store)
        install(dp, bench.portal)
        client = bench.client(portal_store)
        handled: list[Event] = []

        @dp.on(code)
        def answer(event: Event) -> None:
            handled.append(event)
            client.reply(event, "at the attacker's bidding")

        body = forged(bench.portal, code)
        if how == "handle":
            status = dp.handle(body, content_type=FORM).status
        else:
            status = asyncio.run(dp.ahandle(body, content_type=FORM)).status
        assert status == 403
        assert handled == []
        assert bench.fake.calls == []


@pytest.mark.parametrize("code", CODES)
def test_a_reply_to_a_hand_built_event_naming_another_domain_is_portal_mismatch(
    portal_store: PortalStore, code: str
) -> None:
    with open_bench("in-process") as bench:
        install(Dispatcher(portal_store=portal_store), bench.portal)
        asked: list[str] = []

        def portal_url(domain: str) -> str:
            asked.append(domain)
            return f"{bench.base_url}/rest/"

        attacker_hook = bench.webhook("a" * 32, host=ATTACKER_DOMAIN)
        clients = [
            bench.client(portal_store, portal_url=portal_url),
            bench.client(portal_store, portal_url=portal_url, prefer_event_tokens=False),
            bench.client(portal_store, portal_url=portal_url, webhook=attacker_hook),
        ]
        event = parse_event(forged(bench.portal, code), content_type=FORM)
        assert (event.member_id, event.domain) == (bench.portal.member_id, ATTACKER_DOMAIN)
        for client in clients:
            for act in (client.reply, client.send):
                with pytest.raises(RestError) as caught:
                    act(event, "hi")
                assert caught.value.code == "PORTAL_MISMATCH"
            with pytest.raises(RestError) as caught:
                client.typing(event)
            assert caught.value.code == "PORTAL_MISMATCH"

            async def go(client: RestClient = client) -> None:
                try:
                    with pytest.raises(RestError) as caught:
                        await client.areply(event, "hi")
                    assert caught.value.code == "PORTAL_MISMATCH"
                finally:
                    await client.aclose()

            asyncio.run(go())
        assert asked == []
        assert bench.fake.calls == []
        record = portal_store.get(bench.portal.member_id)
        assert record is not None
        assert record.domain == bench.portal.domain


def test_the_same_event_with_the_bound_domain_is_answered(portal_store: PortalStore) -> None:
    with open_bench("in-process") as bench:
        install(Dispatcher(portal_store=portal_store), bench.portal)
        client = bench.client(portal_store)
        genuine = sample_body("ONIMBOTV2MESSAGEADD", portal=bench.portal)
        client.reply(parse_event(genuine, content_type=FORM), "hi")
        [call] = bench.fake.calls
        assert (call.member_id, call.status) == (bench.portal.member_id, 200)
