"""FakeBitrix24's user events (``ONIMV2*``: ``im.v2.Event.*``, ``withUserEvents``) and a
property test of ``imbot.v2.Event.get`` paging against a model of the queues.

The ``site`` tests run in-process and served, with a portal whose application has scope
``im`` besides ``imbot`` (what user events need over OAuth).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24botevents.testing import EventOffset, FakeBitrix24, Portal
from b24botevents.testing.fake_bitrix24 import IN_PROCESS_URL

from .fake_support import CLIENT_ID, CLIENT_SECRET, MODES, Site, error, rest, result

GET = "imbot.v2.Event.get"
USER_GET = "im.v2.Event.get"
BOT = 456
MESSAGE = {"message": {"id": 5012, "text": "Hello everyone!"}, "language": "en"}


@contextmanager
def open_im_site(mode: str, scope: str = "imbot,im") -> Iterator[Site]:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random().evolve(scope=scope)
    fake.add_portal(portal)
    fake.add_bot(portal, BOT, event_mode="fetch")
    if mode == "in-process":
        yield Site(fake, portal, IN_PROCESS_URL, mode)
        return
    with fake.serve() as url:
        yield Site(fake, portal, url, mode)


@pytest.fixture(params=MODES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with open_im_site(request.param) as opened:
        yield opened


def ids(page: dict[str, Any]) -> list[int]:
    return [event["eventId"] for event in page["events"]]


def test_user_events_are_recorded_only_while_the_user_is_subscribed(site: Site) -> None:
    fake, portal = site.fake, site.portal
    assert fake.push_user_event(portal, 1, "ONIMV2MESSAGEADD", MESSAGE) is None
    with site.client() as client:
        assert result(rest(client, "im.v2.Event.subscribe", site.token)) is True
        assert result(rest(client, "im.v2.Event.subscribe", site.token)) is True  # idempotent
        first = fake.push_user_event(portal, 1, "ONIMV2MESSAGEADD", MESSAGE)
        assert result(rest(client, "im.v2.Event.unsubscribe", site.token)) is True
        assert fake.push_user_event(portal, 1, "ONIMV2MESSAGEDELETE", {"messageId": 1}) is None
        kept = result(rest(client, USER_GET, site.token))  # recorded before: still there
        confirmed = result(rest(client, USER_GET, site.token, offset=kept["nextOffset"]))
    assert first == 1
    assert kept == {
        "events": [
            {
                "eventId": 1,
                "type": "ONIMV2MESSAGEADD",
                "date": kept["events"][0]["date"],
                "data": MESSAGE,
            }
        ],
        "nextOffset": 2,
        "hasMore": False,
    }
    assert confirmed == {"events": [], "nextOffset": 2, "hasMore": False}
    assert fake.pending_user_events(portal, 1) == []
    assert fake.event_offsets == [
        EventOffset(method=USER_GET, member_id=portal.member_id, bot_id=None, user_id=1, offset=o)
        for o in (None, 2)
    ]


def test_with_user_events_one_stream_in_id_order_and_one_offset_confirms_both(
    site: Site,
) -> None:
    fake, portal = site.fake, site.portal
    fake.subscribe_user(portal, 1)
    assert fake.push_event(portal, BOT, "ONIMBOTV2MESSAGEADD") == 1
    assert fake.push_user_event(portal, 1, "ONIMV2MESSAGEADD", MESSAGE) == 2
    assert fake.push_user_event(portal, 2, "ONIMV2MESSAGEADD", MESSAGE) is None  # not subscribed
    assert fake.push_events(portal, BOT, "ONIMBOTV2MESSAGEADD", 2) == [3, 4]
    assert fake.push_user_event(portal, 1, "ONIMV2JOINCHAT", {"dialogId": "chat5"}) == 5
    with site.client() as client:
        bots_only = result(rest(client, GET, site.token, botId=BOT))
        page = result(rest(client, GET, site.token, botId=BOT, withUserEvents=True, limit=3))
        after = result(
            rest(client, GET, site.token, botId=BOT, withUserEvents="Y", offset=page["nextOffset"])
        )
    assert ids(bots_only) == [1, 3, 4]
    assert [(e["eventId"], e["type"]) for e in page["events"]] == [
        (1, "ONIMBOTV2MESSAGEADD"),
        (2, "ONIMV2MESSAGEADD"),
        (3, "ONIMBOTV2MESSAGEADD"),
    ]
    assert (page["nextOffset"], page["hasMore"]) == (4, True)
    assert (ids(after), after["nextOffset"], after["hasMore"]) == ([4, 5], 6, False)
    assert fake.pending_events(portal, BOT) == [4]
    assert fake.pending_user_events(portal, 1) == [5]
    assert [(o.user_id, o.offset) for o in fake.event_offsets] == [(None, None), (1, None), (1, 4)]


def test_with_user_events_needs_a_subscription_and_scope_im(site: Site) -> None:
    fake, portal = site.fake, site.portal
    fake.push_event(portal, BOT, "ONIMBOTV2MESSAGEADD")
    with site.client() as client:
        unsubscribed = rest(client, GET, site.token, botId=BOT, withUserEvents=True, offset=2)
        plain = result(rest(client, GET, site.token, botId=BOT, withUserEvents=False))
    error(unsubscribed, 400, "USER_NOT_SUBSCRIBED")
    assert ids(plain) == [1]
    assert [o.offset for o in fake.event_offsets] == [None]  # the refused one did nothing

    with open_im_site(site.mode, scope="imbot") as narrow, narrow.client() as client:
        narrow.fake.subscribe_user(narrow.portal, 1)
        no_scope = rest(client, GET, narrow.token, botId=BOT, withUserEvents=True)
        no_user_get = rest(client, USER_GET, narrow.token)
        no_subscribe = rest(client, "im.v2.Event.subscribe", narrow.token)
    error(no_scope, 403, "SCOPE_ERROR")
    error(no_user_get, 403, "insufficient_scope")
    error(no_subscribe, 403, "insufficient_scope")


def test_over_a_webhook_the_user_is_the_webhooks(site: Site) -> None:
    fake, portal = site.fake, site.portal
    token = fake.bot_token(portal, 900)
    hook = site.webhook_path(user_id=7)
    with site.client() as client:
        assert result(client.post(hook + "im.v2.Event.subscribe", json={})) is True
        fake.push_user_event(portal, 7, "ONIMV2REACTIONCHANGE", {"reaction": "like"})
        fake.push_event(portal, 900, "ONIMBOTV2MESSAGEADD")
        page = result(
            client.post(hook + GET, json={"botId": 900, "botToken": token, "withUserEvents": True})
        )
        mine = result(client.post(hook + USER_GET, json={"limit": 1}))
        oauth_user = result(rest(client, USER_GET, site.token))  # user 1: nothing recorded
    assert [e["type"] for e in page["events"]] == ["ONIMV2REACTIONCHANGE", "ONIMBOTV2MESSAGEADD"]
    assert (ids(mine), mine["hasMore"]) == ([1], False)
    assert oauth_user == {"events": [], "nextOffset": 1, "hasMore": False}


def test_im_v2_event_get_checks_limit_and_offset_and_ignores_the_legacy_flag(site: Site) -> None:
    site.fake.subscribe_user(site.portal, 1)
    site.fake.push_user_event(site.portal, 1, "ONIMV2MESSAGEADD", MESSAGE)
    site.fake.legacy_event_format = True
    with site.client() as client:
        error(rest(client, USER_GET, site.token, limit=1001), 400, "INVALID_ARGUMENT")
        error(rest(client, USER_GET, site.token, offset="x"), 400, "INVALID_ARGUMENT")
        page = result(rest(client, USER_GET, site.token, limit=1))
    assert set(page) == {"events", "nextOffset", "hasMore"}


def test_pushing_a_user_event_checks_its_arguments() -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    with pytest.raises(KeyError):
        fake.push_user_event(portal, 1, "ONIMV2MESSAGEADD", MESSAGE)
    with pytest.raises(KeyError):
        fake.subscribe_user(portal)
    fake.add_portal(portal)
    fake.subscribe_user(portal)
    with pytest.raises(TypeError, match="JSON"):
        fake.push_user_event(portal, 1, "ONIMV2MESSAGEADD", {"bad": {1, 2}})
    assert fake.pending_user_events(portal, 1) == []


# -- property: the served ids are exactly the unconfirmed ones, in order, paged by limit --

Op = tuple[Any, ...]

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(0, 4)),
        st.tuples(st.just("push_user")),
        st.tuples(
            st.just("poll"),
            st.one_of(st.just("next"), st.just("none"), st.just("stale"), st.integers(-1, 40)),
            st.integers(1, 6),
            st.booleans(),
        ),
    ),
    max_size=30,
)


class Model:
    """What the queues should hold: unconfirmed ids and how far each was confirmed."""

    def __init__(self) -> None:
        self.next_id = 1
        self.bot: list[int] = []
        self.user: list[int] = []
        self.cursor = {"bot": 1, "user": 1}

    def push(self, kind: str, count: int) -> list[int]:
        new = list(range(self.next_id, self.next_id + count))
        self.next_id += count
        getattr(self, kind).extend(new)
        return new

    def poll(self, offset: int | None, limit: int, with_user: bool) -> dict[str, Any]:
        kinds = ["bot", "user"] if with_user else ["bot"]
        if offset is not None:
            for kind in kinds:
                setattr(self, kind, [i for i in getattr(self, kind) if i >= offset])
                self.cursor[kind] = max(self.cursor[kind], offset)
        view = sorted(i for kind in kinds for i in getattr(self, kind))
        served = view[:limit]
        next_offset = served[-1] + 1 if served else max(self.cursor[kind] for kind in kinds)
        return {"ids": served, "nextOffset": next_offset, "hasMore": len(view) > limit}


@settings(max_examples=150)
@given(ops=OPS)
def test_served_ids_are_exactly_the_unconfirmed_ones_in_order(ops: list[Op]) -> None:
    fake = FakeBitrix24()
    portal = Portal.random().evolve(scope="imbot,im")
    fake.add_portal(portal)
    fake.add_bot(portal, BOT, event_mode="fetch")
    fake.subscribe_user(portal, 1)
    model = Model()
    sent: list[int | None] = []
    last_next: int | None = None
    with httpx.Client(transport=fake.transport(), base_url=IN_PROCESS_URL) as client:
        for op in ops:
            if op[0] == "push":
                assert fake.push_events(portal, BOT, "ONIMBOTV2MESSAGEADD", op[1]) == model.push(
                    "bot", op[1]
                )
            elif op[0] == "push_user":
                assert [fake.push_user_event(portal, 1, "ONIMV2MESSAGEADD", {})] == model.push(
                    "user", 1
                )
            else:
                _, choice, limit, with_user = op
                if choice == "next":
                    offset = last_next
                elif choice == "none":
                    offset = None
                elif choice == "stale":
                    offset = next((o for o in sent if o is not None), None)
                else:
                    offset = choice
                params: dict[str, Any] = {"botId": BOT, "limit": limit}
                if offset is not None:
                    params["offset"] = offset
                if with_user:
                    params["withUserEvents"] = True
                page = result(rest(client, GET, portal.access_token, **params))
                expected = model.poll(offset, limit, with_user)
                assert {"ids": ids(page), **{k: page[k] for k in ("nextOffset", "hasMore")}} == (
                    expected
                )
                assert ids(page) == sorted(ids(page))
                sent.append(offset)
                last_next = page["nextOffset"]
            assert fake.pending_events(portal, BOT) == model.bot
            assert fake.pending_user_events(portal, 1) == model.user
    assert [record.offset for record in fake.event_offsets] == sent
