"""FakeBitrix24 in fetch mode: ``imbot.v2.Event.get`` pages from the events a test pushes.

Every ``site`` test runs through a plain ``httpx.Client`` on the in-process transport and
over real HTTP to the served fake. User events (``ONIMV2*``, ``im.v2.Event.*``) and the
property test of paging are in ``test_fake_bitrix24_user_events.py``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from b24botevents.fetch import parse_fetch_response
from b24botevents.models import Event
from b24botevents.rest import RestError, RetryPolicy, WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.testing import EventOffset, FakeBitrix24, Portal, samples

from .fake_support import MODES, Site, error, open_site, rest, result

GET = "imbot.v2.Event.get"
BOT = 456
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


@pytest.fixture(params=MODES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with open_site(request.param) as opened:
        yield opened


def get(client: httpx.Client, site: Site, **params: Any) -> httpx.Response:
    params.setdefault("botId", BOT)
    return rest(client, GET, site.token, **params)


def ids(page: dict[str, Any]) -> list[int]:
    return [event["eventId"] for event in page["events"]]


def offsets(fake: FakeBitrix24) -> list[int | None]:
    return [record.offset for record in fake.event_offsets]


# -- pages and offsets --------------------------------------------------------------------


def test_pages_come_in_order_and_an_offset_confirms_what_is_below_it(site: Site) -> None:
    pushed = site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 5)
    assert pushed == [1, 2, 3, 4, 5]
    with site.client() as client:
        first = result(get(client, site, limit=2))
        again = result(get(client, site, limit=2))  # no offset: nothing was confirmed
        second = result(get(client, site, offset=first["nextOffset"], limit=10))
        empty = result(get(client, site, offset=second["nextOffset"]))
    assert (ids(first), first["nextOffset"], first["hasMore"]) == ([1, 2], 3, True)
    assert again == first
    assert (ids(second), second["nextOffset"], second["hasMore"]) == ([3, 4, 5], 6, False)
    assert empty == {"events": [], "nextOffset": 6, "hasMore": False}
    assert site.fake.pending_events(site.portal, BOT) == []
    assert site.fake.event_offsets == [
        EventOffset(method=GET, member_id=site.portal.member_id, bot_id=BOT, user_id=None, offset=o)
        for o in (None, None, 3, 6)
    ]


def test_an_answer_has_the_documented_shape(site: Site) -> None:
    site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
    with site.client() as client:
        answer = get(client, site)
    payload = answer.json()
    assert set(payload) == {"result", "time"}
    assert set(payload["result"]) == {"events", "nextOffset", "hasMore"}
    (item,) = payload["result"]["events"]
    assert list(item) == ["eventId", "type", "date", "data"]
    assert (item["eventId"], item["type"]) == (1, "ONIMBOTV2MESSAGEADD")
    assert ISO_WITH_OFFSET.match(item["date"]), item["date"]
    data = item["data"]
    assert {"bot", "message", "chat", "user", "language"} <= set(data)
    assert (data["bot"]["id"], data["bot"]["code"]) == (BOT, f"bot{BOT}")
    assert "auth" not in data["bot"]  # fetch mode: no tokens in the data
    assert isinstance(data["message"]["id"], int)  # native JSON types


V2_CODES = (
    "ONIMBOTV2MESSAGEADD",
    "ONIMBOTV2MESSAGEUPDATE",
    "ONIMBOTV2MESSAGEDELETE",
    "ONIMBOTV2JOINCHAT",
    "ONIMBOTV2COMMANDADD",
    "ONIMBOTV2CONTEXTGET",
    "ONIMBOTV2REACTIONCHANGE",
    "ONIMBOTV2DELETE",
)


def test_every_sample_reads_as_its_typed_event(site: Site) -> None:
    for code in V2_CODES:
        site.fake.push_event(site.portal, BOT, code)
    with site.client() as client:
        page = parse_fetch_response(get(client, site).json())
    assert page.rejected == ()
    assert [event.code for event in page.events] == list(V2_CODES)
    assert [event.event_id for event in page.events] == list(range(1, 9))
    assert all(isinstance(event, Event) and event.auth is None for event in page.events)
    assert page.next_offset == 9


def test_the_kits_fetch_samples_fill_the_events_built_once_per_push(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[str, int, str]] = []

    def fetch_sample_data(code: str, *, bot_id: int, bot_code: str) -> dict[str, Any]:
        asked.append((code, bot_id, bot_code))
        return {"bot": {"id": bot_id, "code": bot_code}, "from": "samples"}

    monkeypatch.setattr(samples, "fetch_sample_data", fetch_sample_data)
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    fake.add_bot(portal, BOT, code="support_bot", event_mode="fetch")
    fake.push_events(portal, BOT, "ONIMBOTV2JOINCHAT", 3)
    assert asked == [("ONIMBOTV2JOINCHAT", BOT, "support_bot")]  # built once for all three


def test_data_and_date_given_are_served_as_given(site: Site) -> None:
    when = datetime(2025, 1, 15, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    data = {"bot": {"id": BOT}, "dialogId": "chat5", "flags": [True, None, 1.5]}
    site.fake.push_event(site.portal, BOT, "ONIMBOTV2JOINCHAT", data, date=when)
    site.fake.push_event(site.portal, BOT, "ONIMBOTV2CUSTOM", {"x": 1}, date="2026-01-01T00:00:00Z")
    data["dialogId"] = "changed later"  # copied when pushed
    with site.client() as client:
        page = result(get(client, site))
    first, second = page["events"]
    assert first == {
        "eventId": 1,
        "type": "ONIMBOTV2JOINCHAT",
        "date": "2025-01-15T10:30:00+02:00",
        "data": {"bot": {"id": BOT}, "dialogId": "chat5", "flags": [True, None, 1.5]},
    }
    assert (second["type"], second["date"], second["data"]) == (
        "ONIMBOTV2CUSTOM",
        "2026-01-01T00:00:00Z",
        {"x": 1},
    )


def test_limit_defaults_to_100_and_goes_up_to_1000(site: Site) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 1500)
    with site.client() as client:
        default = result(get(client, site))
        most = result(get(client, site, limit=1000))
        rest_of_it = result(get(client, site, offset=most["nextOffset"], limit="1000"))
    assert ids(default) == list(range(1, 101))
    assert ids(most) == list(range(1, 1001))
    assert most["hasMore"] is True
    assert ids(rest_of_it) == list(range(1001, 1501))
    assert rest_of_it["hasMore"] is False


def test_offsets_that_are_stale_or_ahead_confirm_only_what_is_queued(site: Site) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 4)
    with site.client() as client:
        assert ids(result(get(client, site, offset=3))) == [3, 4]
        stale = result(get(client, site, offset=1))  # an old offset confirms nothing new
        assert ids(stale) == [3, 4]
        ahead = result(get(client, site, offset=50))
        assert ahead == {"events": [], "nextOffset": 50, "hasMore": False}
        assert result(get(client, site, offset=7))["nextOffset"] == 50  # never goes back
        fresh = site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
        assert ids(result(get(client, site))) == [fresh]  # queued afterwards: served
        # An offset ahead of the queue confirms later events below it, unseen: a poller
        # that makes offsets up loses events, and pending_events shows it.
        assert ids(result(get(client, site, offset=50))) == []
    assert fresh == 5
    assert site.fake.pending_events(site.portal, BOT) == []


def test_a_queue_never_polled_answers_offset_1(site: Site) -> None:
    site.fake.add_bot(site.portal, BOT, event_mode="fetch")
    with site.client() as client:
        assert result(get(client, site)) == {"events": [], "nextOffset": 1, "hasMore": False}


def test_each_bot_has_its_own_queue_and_ids_increase_per_portal(site: Site) -> None:
    other = Portal.random()
    site.fake.add_portal(other)
    a = site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
    b = site.fake.push_events(site.portal, 457, "ONIMBOTV2MESSAGEADD", 2)
    c = site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
    elsewhere = site.fake.push_event(other, BOT, "ONIMBOTV2MESSAGEADD")
    assert (a, b, c, elsewhere) == (1, [2, 3], 4, 1)
    with site.client() as client:
        assert ids(result(get(client, site))) == [1, 4]
        assert ids(result(get(client, site, botId=457, offset=3))) == [3]
    assert site.fake.pending_events(site.portal, BOT) == [1, 4]
    assert site.fake.pending_events(site.portal, 457) == [3]
    assert site.fake.pending_events(other, BOT) == [1]
    bot = next(b for b in site.fake.bots if b.bot_id == 457)
    assert (bot.event_mode, bot.registered_by, bot.version) == ("fetch", "app", 2)


def test_the_bots_own_token_polls_too(site: Site) -> None:
    site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
    token = site.portal.bot_auth(BOT)["access_token"]
    with site.client() as client:
        page = result(rest(client, GET, token, botId=BOT))
    assert ids(page) == [1]
    assert site.fake.calls[0].token_kind == "bot"


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "INVALID_ARGUMENT"),
        ({"limit": 1001}, "INVALID_ARGUMENT"),
        ({"limit": "many"}, "INVALID_ARGUMENT"),
        ({"offset": "next"}, "INVALID_ARGUMENT"),
        ({"botId": None}, "BOT_ID_REQUIRED"),
        ({"botId": 999}, "BOT_NOT_FOUND"),
    ],
)
def test_refused_calls_confirm_nothing(site: Site, params: dict[str, Any], code: str) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 3)
    with site.client() as client:
        error(get(client, site, **{"offset": 3, **params}), 400, code)
    assert site.fake.pending_events(site.portal, BOT) == [1, 2, 3]
    assert site.fake.event_offsets == []


def test_over_a_webhook_the_bot_token_is_required_and_must_be_the_bots(site: Site) -> None:
    token = site.fake.bot_token(site.portal, BOT)
    site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
    site.fake.push_event(site.portal, 457, "ONIMBOTV2MESSAGEADD")  # the application's bot
    hook = site.webhook_path() + GET
    with site.client() as client:
        missing = client.post(hook, json={"botId": BOT})
        wrong = client.post(hook, json={"botId": BOT, "botToken": "not-the-token"})
        apps_bot = client.post(hook, json={"botId": 457, "botToken": token})
        unknown = client.post(hook, json={"botId": 999, "botToken": token})
        ok = client.post(hook, json={"botId": BOT, "botToken": token, "offset": 1})
        by_oauth = get(client, site)  # a webhook's bot is not the OAuth application's
    error(missing, 400, "BOT_TOKEN_NOT_SPECIFIED")
    error(wrong, 403, "BOT_OWNERSHIP_ERROR")
    error(apps_bot, 403, "BOT_OWNERSHIP_ERROR")
    error(unknown, 400, "BOT_NOT_FOUND")
    assert ids(result(ok)) == [1]
    error(by_oauth, 403, "BOT_OWNERSHIP_ERROR")
    assert offsets(site.fake) == [1]
    assert site.fake.calls_to(GET)[-2].bot_token == token  # recorded, masked in repr


# -- batch and the legacy format ----------------------------------------------------------


def test_event_get_works_inside_a_batch_and_offsets_can_chain(site: Site) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 5)
    cmd = {
        "first": f"{GET}?botId={BOT}&limit=2",
        "next": f"{GET}?botId={BOT}&limit=2&offset=$result[first][nextOffset]",
    }
    with site.client() as client:
        answer = result(rest(client, "batch", site.token, cmd=cmd))
    assert answer["result_error"] == []
    assert ids(answer["result"]["first"]) == [1, 2]
    assert ids(answer["result"]["next"]) == [3, 4]
    assert offsets(site.fake) == [None, 3]
    assert site.fake.pending_events(site.portal, BOT) == [3, 4, 5]
    assert [call.in_batch for call in site.fake.calls] == [False, True, True]


def test_the_legacy_format_answers_last_event_id(site: Site) -> None:
    site.fake.legacy_event_format = True
    assert site.fake.legacy_event_format is True
    site.fake.add_bot(site.portal, BOT, event_mode="fetch")
    with site.client() as client:
        never = result(get(client, site))
        site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 3)
        page = result(get(client, site, limit=2))
        last = result(get(client, site, offset=page["lastEventId"] + 1))
        empty = result(get(client, site, offset=last["lastEventId"] + 1))
        site.fake.legacy_event_format = False
        current = result(get(client, site, offset=4))
    assert never == {"events": [], "lastEventId": 0, "hasMore": False}
    assert (ids(page), page["lastEventId"], page["hasMore"]) == ([1, 2], 2, True)
    assert (ids(last), last["lastEventId"]) == ([3], 3)
    assert empty == {"events": [], "lastEventId": 3, "hasMore": False}
    assert current == {"events": [], "nextOffset": 4, "hasMore": False}


# -- the library's client -----------------------------------------------------------------


def test_a_rest_client_on_a_webhook_polls_the_served_fake() -> None:
    with open_site("served") as site:
        url = site.fake.add_webhook(site.portal)
        token = site.fake.bot_token(site.portal, BOT)
        site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 250)
        client = RestClient(webhook=WebhookAuth(url, token), rate=None)
        seen: list[int] = []
        offset: int | None = None
        with client:
            while True:
                params: dict[str, Any] = {"botId": BOT, "limit": 100}
                if offset is not None:
                    params["offset"] = offset
                page = client.call(GET, params)
                seen += ids(page)
                offset = page["nextOffset"]
                if not page["hasMore"]:
                    break
            client.call(GET, {"botId": BOT, "offset": offset})
            with pytest.raises(RestError) as refused:
                client.call(GET, {"botId": 999})
    assert seen == list(range(1, 251))
    assert offsets(site.fake) == [None, 101, 201, 251]
    assert refused.value.code == "BOT_NOT_FOUND"
    assert site.fake.pending_events(site.portal, BOT) == []


# -- faults -------------------------------------------------------------------------------


def test_a_failed_call_confirms_nothing_and_other_methods_are_not_hit(site: Site) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 3)
    site.fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", method=GET, retry_after=1)
    with site.client() as client:
        assert result(rest(client, "server.time", site.token))
        limited = get(client, site, offset=3)
        assert site.fake.pending_events(site.portal, BOT) == [1, 2, 3]
        retried = result(get(client, site, offset=3))
    error(limited, 429, "QUERY_LIMIT_EXCEEDED")
    assert limited.headers["Retry-After"] == "1"
    assert ids(retried) == [3]
    assert offsets(site.fake) == [3]
    assert [call.fault for call in site.fake.calls_to(GET)] == ["fail", None]


def test_a_drop_before_processing_confirms_nothing(site: Site) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 3)
    site.fake.drop_next(method=GET)
    with site.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            get(client, site, offset=2)
        assert site.fake.pending_events(site.portal, BOT) == [1, 2, 3]
        assert ids(result(get(client, site, offset=2))) == [2, 3]
    assert offsets(site.fake) == [2]


def test_a_drop_after_processing_confirms_and_loses_the_page(site: Site) -> None:
    site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 4)
    site.fake.drop_next(method=GET, before_processing=False)
    with site.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            get(client, site, offset=3)
        # The offset took effect although its answer was lost...
        assert site.fake.pending_events(site.portal, BOT) == [3, 4]
        # ... and sending it again serves the lost page once more: nothing is lost.
        assert ids(result(get(client, site, offset=3))) == [3, 4]
    assert offsets(site.fake) == [3, 3]
    assert [call.fault for call in site.fake.calls_to(GET)] == ["drop_after", None]


def test_a_delayed_page_comes_late(site: Site) -> None:
    site.fake.push_event(site.portal, BOT, "ONIMBOTV2MESSAGEADD")
    site.fake.delay_next(0.3, method=GET)
    with site.client() as client:
        begun = time.monotonic()
        assert ids(result(get(client, site))) == [1]
        slow = time.monotonic() - begun
    assert slow >= 0.3


def test_a_stalled_call_still_takes_effect_after_the_client_gave_up() -> None:
    with open_site("served") as site:
        site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 3)
        site.fake.delay_next(0.5, method=GET)
        with site.client(timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
            get(client, site, offset=3)
        assert site.fake.pending_events(site.portal, BOT) == [1, 2, 3]  # still stalled
    # Serving ended after the stalled request finished: its offset was acted on.
    assert site.fake.pending_events(site.portal, BOT) == [3]
    assert offsets(site.fake) == [3]


def test_retried_pages_through_a_rest_client_survive_lost_answers() -> None:
    with open_site("served") as site:
        url = site.fake.add_webhook(site.portal)
        token = site.fake.bot_token(site.portal, BOT)
        site.fake.push_events(site.portal, BOT, "ONIMBOTV2MESSAGEADD", 3)
        site.fake.drop_next(method=GET, before_processing=False)
        site.fake.fail_next(503, "QUERY_LIMIT_EXCEEDED", method=GET)
        retry = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)
        with RestClient(webhook=WebhookAuth(url, token), rate=None, retry=retry) as client:
            page = client.call(GET, {"botId": BOT, "offset": 2}, idempotent=True)
    assert ids(page) == [2, 3]
    assert offsets(site.fake) == [2, 2]  # the lost answer's call confirmed; the 503 did not


# -- pushing ------------------------------------------------------------------------------


def test_pushing_checks_its_arguments() -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    with pytest.raises(KeyError, match="add_portal"):
        fake.push_event(portal, BOT, "ONIMBOTV2MESSAGEADD")
    fake.add_portal(portal)
    fake.add_bot(portal, 5, v=1)
    with pytest.raises(ValueError, match="v1 bot"):
        fake.push_event(portal, 5, "ONIMBOTV2MESSAGEADD")
    with pytest.raises(ValueError, match="timezone-aware"):
        fake.push_event(portal, BOT, "ONIMBOTV2MESSAGEADD", date=datetime(2025, 1, 1))
    with pytest.raises(TypeError, match="JSON"):
        fake.push_event(portal, BOT, "ONIMBOTV2MESSAGEADD", {"when": datetime.now()})
    with pytest.raises(ValueError, match="count"):
        fake.push_events(portal, BOT, "ONIMBOTV2MESSAGEADD", -1)
    with pytest.raises(ValueError, match="bot_id"):
        fake.push_event(portal, 0, "ONIMBOTV2MESSAGEADD")
    with pytest.raises(ValueError, match="code"):
        fake.push_event(portal, BOT, " ")
    assert fake.push_events(portal, BOT, "ONIMBOTV2MESSAGEADD", 0) == []
    assert fake.pending_events(portal, BOT) == []


def test_pushing_tens_of_thousands_is_cheap() -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    begun = time.monotonic()
    pushed = fake.push_events(portal, BOT, "ONIMBOTV2MESSAGEADD", 50_000)
    assert time.monotonic() - begun < 2.0
    assert pushed == list(range(1, 50_001))


def test_pushes_and_polls_from_many_threads_lose_and_repeat_nothing() -> None:
    with open_site("served") as site:
        fake, portal = site.fake, site.portal
        fake.add_bot(portal, BOT, event_mode="fetch")

        def push() -> None:
            for _ in range(50):
                fake.push_events(portal, BOT, "ONIMBOTV2MESSAGEADD", 4, {"n": 1})

        pushers = [threading.Thread(target=push) for _ in range(4)]
        for thread in pushers:
            thread.start()
        seen: list[int] = []
        offset: int | None = None
        deadline = time.monotonic() + 30
        with site.client() as client:
            while len(seen) < 800 and time.monotonic() < deadline:
                params: dict[str, Any] = {"limit": 37}
                if offset is not None:
                    params["offset"] = offset
                page = result(get(client, site, **params))
                seen += ids(page)
                offset = page["nextOffset"]
        for thread in pushers:
            thread.join()
    assert seen == list(range(1, 801))
