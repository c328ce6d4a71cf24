"""``PortalClient``: install, post and bot_delete into a real ``Dispatcher``, sync and async."""

from __future__ import annotations

import asyncio

import pytest

from b24botevents import (
    AnyBotDeleteEvent,
    AppUninstallEvent,
    Dispatcher,
    Event,
    MemoryPortalStore,
    Response,
)
from b24botevents.testing import Portal, PortalClient, bot_delete_body, sample_body


def recording_dispatcher() -> tuple[Dispatcher, list[Event]]:
    dp = Dispatcher(portal_store=MemoryPortalStore())
    seen: list[Event] = []

    @dp.on_bot_delete
    def deleted(event: AnyBotDeleteEvent) -> None:
        seen.append(event)

    @dp.on_app_uninstall
    def uninstalled(event: AppUninstallEvent) -> None:
        seen.append(event)

    @dp.on_unknown
    def other(event: Event) -> None:
        if event.code not in ("ONAPPINSTALL", "ONAPPUPDATE"):  # no handler: lands here
            seen.append(event)

    return dp, seen


def test_install_then_bot_delete_v1_and_v2() -> None:
    dp, seen = recording_dispatcher()
    client = PortalClient()
    assert client.install(dp).status == 200
    assert client.bot_delete(dp, 567, "BOT").status == 200
    assert client.bot_delete(dp, 456, "support_bot", version=2).status == 200
    minimal = client.bot_delete(dp, 457, "x", version=2, with_user_tokens=False)
    assert minimal.status == 200  # verified by domain: the install stored both keys
    assert [(e.code, getattr(e, "bot_id", None)) for e in seen] == [
        ("ONIMBOTDELETE", 567),
        ("ONIMBOTV2DELETE", 456),
        ("ONIMBOTV2DELETE", 457),
    ]


def test_events_before_install_are_refused() -> None:
    dp, seen = recording_dispatcher()
    response = PortalClient().bot_delete(dp, 1, "B")
    assert response.status == 403
    assert seen == []


def test_another_portals_token_is_refused() -> None:
    dp, seen = recording_dispatcher()
    client = PortalClient()
    client.install(dp)
    forged = bot_delete_body(1, "B", portal=client.portal.with_application_token())
    assert client.post(dp, forged).status == 403
    assert seen == []


def test_post_a_code_with_data_or_with_its_sample() -> None:
    dp, seen = recording_dispatcher()
    client = PortalClient()
    client.install(dp)
    response = client.post(dp, "ONCRMDEALADD", {"FIELDS": {"ID": "7"}}, user_id=5, handler_id=9)
    assert response.status == 200
    assert client.post(dp, "ONIMBOTMESSAGEADD").status == 200
    assert [event.code for event in seen] == ["ONCRMDEALADD", "ONIMBOTMESSAGEADD"]
    assert seen[0].data == {"FIELDS": {"ID": "7"}}
    assert seen[0].handler_id == 9
    assert seen[0].auth is not None
    assert seen[0].auth.user_id == 5


def test_post_ready_bodies_form_bytes_and_json() -> None:
    dp, seen = recording_dispatcher()
    client = PortalClient(Portal.random())
    client.install(dp)
    body = sample_body("ONIMBOTDELETE", portal=client.portal)
    assert client.post(dp, body).status == 200
    assert client.post(dp, body.encode()).status == 200
    json_body = '{"event": "ONIMBOTDELETE", "data": {"BOT_ID": 3, "BOT_CODE": "J"}, "auth": %s}'
    import json

    assert client.post(dp, json_body % json.dumps(client.portal.auth())).status == 200
    assert [getattr(event, "bot_id", None) for event in seen] == [567, 567, 3]


def test_post_refuses_options_that_only_go_with_a_code() -> None:
    dp, _ = recording_dispatcher()
    client = PortalClient()
    with pytest.raises(TypeError, match="event code"):
        client.post(dp, "event=ONX&ts=1", {"A": "1"})


def test_install_asserts_a_200() -> None:
    dp = Dispatcher(application_token="not-this-portals")
    with pytest.raises(AssertionError, match="403"):
        PortalClient().install(dp)


def test_uninstall_forgets_the_portal() -> None:
    dp, seen = recording_dispatcher()
    client = PortalClient()
    client.install(dp)
    assert client.update(dp).status == 200
    assert client.uninstall(dp, clean=True).status == 200
    assert client.bot_delete(dp, 1, "B").status == 403
    assert isinstance(seen[-1], AppUninstallEvent)
    assert seen[-1].data.clean is True


def test_async_variants_go_through_ahandle() -> None:
    dp, seen = recording_dispatcher()
    client = PortalClient()

    async def scenario() -> list[Response]:
        return [
            await client.ainstall(dp),
            await client.abot_delete(dp, 567, "BOT"),
            await client.abot_delete(dp, 456, "support_bot", version=2),
            await client.apost(dp, "ONIMBOTJOINCHAT"),
            await client.aupdate(dp),
            await client.auninstall(dp),
            await client.abot_delete(dp, 1, "gone"),
        ]

    statuses = [response.status for response in asyncio.run(scenario())]
    assert statuses == [200, 200, 200, 200, 200, 200, 403]
    assert [event.code for event in seen] == [
        "ONIMBOTDELETE",
        "ONIMBOTV2DELETE",
        "ONIMBOTJOINCHAT",
        "ONAPPUNINSTALL",
    ]


def test_client_repr_shows_no_token() -> None:
    client = PortalClient()
    for token in client.portal.tokens():
        assert token not in repr(client)
    assert client.portal.member_id in repr(client)
