"""A portal bound to a domain that is no public host name: the client sends it nothing.

The attack: get a portal record bound to ``10.0.0.1``, ``localhost``, ``intranet``,
``metadata.internal``, ``printer.local`` or ``portal.example.com:6379`` (through a store
written by anything, or a dispatcher that allows ports) so that the app's calls, with a
token, go to a host inside the network. Every such call is a ``RestError``
``UNSAFE_ENDPOINT`` before any request is built: calls, batches, replies, the install
check; sync and async; on every store.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from b24botevents import Dispatcher, PortalRecord, PortalStore, RestError
from b24botevents.rest import OnlineInstallCheck, check_public_domain
from b24botevents.rest.client import RestClient
from b24botevents.stores import OAuthTokens
from b24botevents.testing import Portal, app_install_body
from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from rest.support import FAST, FORM, RecordingTransport, app_for, chat_event, nothing_transport

UNSAFE = [
    "10.0.0.1",
    "127.0.0.1",
    "169.254.169.254",
    "192.168.1.10",
    "localhost",
    "intranet",
    "portal.localhost",
    "printer.local",
    "metadata.internal",
    "router.lan",
    "nas.home.arpa",
    "portal.bitrix24.com:8443",
    "portal.example.com:6379",
    "127.0.0.1:8080",
]
MEMBER = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TOKEN = "apptok-unsafe-0001"


def client_on(store: PortalStore, transport: RecordingTransport, **options: Any) -> RestClient:
    """A client with the default ``portal_url`` (the bound domain's https URL)."""
    return RestClient(
        portal_store=store,
        app=app_for("https://oauth.bitrix.info"),
        transport=transport,
        async_transport=transport,
        rate=None,
        retry=FAST,
        **options,
    )


def bind(store: PortalStore, domain: str) -> PortalRecord:
    tokens = OAuthTokens("access-unsafe-0001", "refresh-unsafe-0001")
    saved = store.save(PortalRecord(MEMBER, domain, TOKEN, credentials=tokens), expected=None)
    assert saved is not None
    return saved


def assert_unsafe(caught: pytest.ExceptionInfo[RestError]) -> None:
    assert caught.value.code == "UNSAFE_ENDPOINT"
    assert caught.value.status is None


@pytest.mark.parametrize("domain", UNSAFE)
def test_a_call_to_a_portal_bound_to_a_private_host_is_refused_unsent(
    portal_store: PortalStore, domain: str
) -> None:
    bind(portal_store, domain)
    transport = nothing_transport()
    with client_on(portal_store, transport) as client:
        with pytest.raises(RestError) as caught:
            client.call("profile", portal=MEMBER)
        assert_unsafe(caught)
        with pytest.raises(RestError) as caught:
            client.batch([("profile", {}), ("app.info", {})], portal=MEMBER)
        assert_unsafe(caught)
        with pytest.raises(RestError) as caught:
            client.portal_url_for(domain)
        assert_unsafe(caught)

        async def go() -> None:
            try:
                with pytest.raises(RestError) as caught:
                    await client.acall("profile", portal=MEMBER)
                assert_unsafe(caught)
            finally:
                await client.aclose()

        asyncio.run(go())
    assert transport.sent == []


@pytest.mark.parametrize("domain", UNSAFE)
def test_a_reply_to_an_event_of_a_private_host_is_refused_unsent(
    portal_store: PortalStore, domain: str
) -> None:
    bind(portal_store, domain)
    portal = Portal(member_id=MEMBER, domain=domain, application_token=TOKEN)
    transport = nothing_transport()
    with client_on(portal_store, transport) as client:
        for code in ("ONIMBOTV2MESSAGEADD", "ONIMBOTMESSAGEADD", "ONIMCOMMANDADD"):
            event = chat_event(code, portal)  # fresh bot tokens in the event, too
            with pytest.raises(RestError) as caught:
                client.reply(event, "hi")
            assert_unsafe(caught)
            with pytest.raises(RestError) as caught:
                client.typing(event)
            assert_unsafe(caught)
    assert transport.sent == []


def test_a_port_domain_the_dispatcher_let_in_is_still_refused_by_the_client(
    portal_store: PortalStore,
) -> None:
    portal = Portal.random(domain="portal.bitrix24.com:8443")
    dp = Dispatcher(portal_store=portal_store, allow_domain_port=True)
    assert dp.handle(app_install_body(portal=portal), content_type=FORM).status == 200
    record = portal_store.get(portal.member_id)
    assert record is not None
    assert record.domain == "portal.bitrix24.com:8443"
    transport = nothing_transport()
    with client_on(portal_store, transport) as client:
        with pytest.raises(RestError) as caught:
            client.reply(chat_event("ONIMBOTV2MESSAGEADD", portal), "hi")
        assert_unsafe(caught)
    with client_on(portal_store, transport, allow_domain_port=True) as ported:
        assert ported.portal_url_for(record.domain) == "https://portal.bitrix24.com:8443/rest/"
        with pytest.raises(RestError) as caught:
            ported.portal_url_for("127.0.0.1:8443")  # a port does not make an IP public
        assert_unsafe(caught)
    assert transport.sent == []


def test_a_port_domain_install_is_refused_without_allow_domain_port(
    portal_store: PortalStore,
) -> None:
    portal = Portal.random(domain="portal.bitrix24.com:8443")
    dp = Dispatcher(portal_store=portal_store)
    assert dp.handle(app_install_body(portal=portal), content_type=FORM).status == 403
    assert portal_store.get(portal.member_id) is None


@pytest.mark.parametrize("domain", ["10.0.0.1", "localhost", "metadata.internal", "intranet"])
def test_an_install_claiming_a_private_host_is_refused_and_the_host_never_contacted(
    portal_store: PortalStore, domain: str
) -> None:
    """The check asks the OAuth server about the token, never the claimed domain."""
    transport = nothing_transport()
    with client_on(portal_store, transport) as client:
        dp = Dispatcher(portal_store=portal_store, approve_install=OnlineInstallCheck(client))
        portal = Portal.random(domain=domain)
        assert dp.handle(app_install_body(portal=portal), content_type=FORM).status == 403
    assert portal_store.get(portal.member_id) is None
    host = domain.split(":")[0]
    assert all(f"//{host}" not in sent.url for sent in transport.sent), transport.sent


@pytest.mark.parametrize("domain", UNSAFE)
def test_check_public_domain_refuses_every_private_host(domain: str) -> None:
    with pytest.raises(RestError) as caught:
        check_public_domain(domain)
    assert_unsafe(caught)
    assert check_public_domain("portal.bitrix24.com") == "portal.bitrix24.com"


# ---- IPv4 literals in hex: the resolver reads them as addresses ---------------------------

#: Host names that ``socket.inet_aton`` (and so the system resolver) reads as IPv4
#: addresses: the loopback, a private address and the cloud metadata address.
HEX_IPV4 = ["0x7f.0.0.0x1", "127.0.0.0x1", "0x7f.0x1", "10.0.0.0xa", "0xa9.0xfe.0xa9.0xfe"]


@pytest.mark.parametrize("domain", HEX_IPV4)
def test_a_hex_ipv4_literal_is_refused_like_any_ip_address(domain: str) -> None:
    assert len(socket.inet_aton(domain)) == 4  # an address, not a name: no DNS involved
    with pytest.raises(RestError) as caught:
        check_public_domain(domain)
    assert_unsafe(caught)


@contextmanager
def loopback_listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP port on 127.0.0.1 that counts the connections it gets (and closes them)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.05)
    accepted: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, peer = server.accept()
            except OSError:
                continue
            accepted.append(str(peer[0]))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_a_portal_bound_to_a_hex_loopback_address_gets_no_connection(
    portal_store: PortalStore,
) -> None:
    with loopback_listener() as (port, accepted):
        domain = f"0x7f.0.0.0x1:{port}"  # 127.0.0.1, on the listener's port
        bind(portal_store, domain)
        transport_free = RestClient(
            portal_store=portal_store,
            app=app_for("https://oauth.bitrix.info"),
            allow_domain_port=True,
            rate=None,
            retry=FAST,
            timeout=1.0,
        )
        with transport_free as client, pytest.raises(RestError) as caught:
            client.call("profile", portal=MEMBER)
        assert caught.value.code == "UNSAFE_ENDPOINT", caught.value
        assert accepted == []


def test_an_install_claiming_a_hex_loopback_address_is_refused_without_a_connection(
    portal_store: PortalStore,
) -> None:
    with loopback_listener() as (port, accepted):
        checker = RestClient(
            portal_store=portal_store,
            app=app_for("https://oauth.bitrix.info"),
            allow_domain_port=True,
            rate=None,
            retry=FAST,
            timeout=1.0,
        )
        dp = Dispatcher(
            portal_store=portal_store,
            approve_install=OnlineInstallCheck(checker),
            allow_domain_port=True,
        )
        portal = Portal.random(domain=f"0x7f.0.0.0x1:{port}")
        with checker:
            response = dp.handle(app_install_body(portal=portal), content_type=FORM)
        assert response.status == 403
        assert portal_store.get(portal.member_id) is None
        assert accepted == []  # the check never asked 127.0.0.1
