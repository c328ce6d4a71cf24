"""``FakeBitrix24.serve(tls=...)``: the fake over HTTPS, with a certificate made at test time.

A self-signed certificate for 127.0.0.1 (``tls_support``, the ``openssl`` tool) is loaded
into a server-side ``ssl.SSLContext``; ``httpx`` clients verify the fake against that
certificate alone. What is checked: the served URL is ``https://``, sync and async calls
work (keep-alive too), the OAuth endpoint and injected faults work over HTTPS, a client
that does not trust the certificate or speaks plain HTTP is refused without harming the
others, a client that never completes its handshake holds up nobody, the block still ends
promptly, and a context that cannot serve is refused before anything listens.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from b24botevents.testing import FakeBitrix24, Portal
from b24botevents.testing.fake_bitrix24 import IN_PROCESS_URL

from .tls_support import Certificate, client_context, make_certificate, server_context

CLIENT_ID = "local.app.tls"
CLIENT_SECRET = "tls-client-SECRET-77"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def served(certificate: Certificate) -> Iterator[tuple[FakeBitrix24, Portal, str]]:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve(tls=server_context(certificate)) as url:
        yield fake, portal, url


def test_the_served_url_is_https_on_127_0_0_1(
    served: tuple[FakeBitrix24, Portal, str],
) -> None:
    fake, _portal, url = served
    parts = urlsplit(url)
    assert parts.scheme == "https"
    assert parts.hostname == "127.0.0.1"
    assert parts.port is not None
    assert parts.port > 0
    assert parts.path == ""
    assert fake.base_url == url
    assert fake.add_webhook(_portal).startswith(f"{url}/rest/1/")


def test_a_verifying_client_calls_the_fake_over_https(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served
    with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
        profile = client.post("/rest/profile.json", json={"auth": portal.access_token})
        info = client.post("/rest/app.info", json={"auth": portal.access_token})
        clock = client.get("/rest/server.time", params={"auth": portal.access_token})
    assert profile.status_code == 200
    assert profile.json()["result"]["ID"] == "1"
    assert info.json()["result"]["CODE"] == CLIENT_ID
    assert clock.status_code == 200
    calls = fake.calls
    assert [call.method for call in calls] == ["profile", "app.info", "server.time"]
    assert all(call.auth_kind == "oauth" and call.token == portal.access_token for call in calls)
    assert all(call.member_id == portal.member_id and call.status == 200 for call in calls)


def test_many_calls_share_one_kept_alive_tls_connection(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served
    ports: set[int] = set()
    with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
        for _ in range(5):
            answer = client.post("/rest/server.time", json={"auth": portal.access_token})
            assert answer.status_code == 200
            stream = answer.extensions["network_stream"]
            ports.add(stream.get_extra_info("client_addr")[1])
    assert len(ports) == 1
    assert len(fake.calls_to("server.time")) == 5


def test_an_async_client_works_over_https_too(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served

    async def main() -> list[int]:
        context = client_context(certificate)
        async with httpx.AsyncClient(base_url=url, verify=context) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/rest/profile", json={"auth": portal.access_token})
                    for _ in range(4)
                )
            )
        return [answer.status_code for answer in answers]

    assert asyncio.run(main()) == [200] * 4
    assert len(fake.calls_to("profile")) == 4


def test_the_oauth_endpoint_answers_over_https(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served
    with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
        answer = client.get(
            "/oauth/token/",
            params={
                "grant_type": "refresh_token",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "refresh_token": portal.refresh_token,
            },
        )
        assert answer.status_code == 200
        renewed = answer.json()["access_token"]
        assert renewed != portal.access_token
        profile = client.post("/rest/profile", json={"auth": renewed})
    assert profile.status_code == 200
    assert len(fake.refreshes) == 1
    assert fake.user_tokens(portal)[0] == renewed


def test_a_dropped_connection_and_an_error_answer_work_over_https_too(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served
    fake.drop_next(method="profile")
    fake.fail_next(503, method="server.time")
    with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/rest/profile", json={"auth": portal.access_token})
        busy = client.post("/rest/server.time", json={"auth": portal.access_token})
        again = client.post("/rest/profile", json={"auth": portal.access_token})
    assert busy.status_code == 503
    assert again.status_code == 200
    assert [call.fault for call in fake.calls] == ["drop", "fail", None]


def test_a_client_that_does_not_trust_the_certificate_is_refused(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served
    # The system's trust store does not know a certificate made a moment ago.
    with (
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
        httpx.Client(base_url=url, verify=ssl.create_default_context()) as stranger,
    ):
        stranger.post("/rest/profile", json={"auth": portal.access_token})
    # Nothing was decoded from it, and the fake goes on answering clients that trust it.
    assert fake.calls == []
    with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
        assert client.post("/rest/profile", json={"auth": portal.access_token}).status_code == 200
    assert len(fake.calls) == 1


def test_the_certificate_names_127_0_0_1_only(certificate: Certificate) -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve(tls=server_context(certificate)) as url:
        port = urlsplit(url).port
        # The same server under another name fails the host check: the name is verified.
        with (
            pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
            httpx.Client(verify=client_context(certificate)) as client,
        ):
            client.post(f"https://localhost:{port}/rest/profile", json={"auth": "x"})
    assert fake.calls == []


def test_plain_http_to_the_https_fake_gets_no_answer(
    served: tuple[FakeBitrix24, Portal, str], certificate: Certificate
) -> None:
    fake, portal, url = served
    plain = url.replace("https://", "http://", 1)
    with pytest.raises(httpx.TransportError), httpx.Client(base_url=plain) as client:
        client.post("/rest/profile", json={"auth": portal.access_token})
    assert fake.calls == []
    with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
        assert client.post("/rest/profile", json={"auth": portal.access_token}).status_code == 200


def test_a_client_that_never_shakes_hands_holds_up_nobody(certificate: Certificate) -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    started = time.monotonic()
    with fake.serve(tls=server_context(certificate)) as url:
        parts = urlsplit(url)
        assert parts.hostname is not None
        assert parts.port is not None
        # Connected, but never a byte of TLS: its handshake waits in its own thread.
        # Left open on purpose: the end of the block must close it.
        silent = socket.create_connection((parts.hostname, parts.port), timeout=5)
        with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
            answer = client.post("/rest/profile", json={"auth": portal.access_token})
        assert answer.status_code == 200
        idle = httpx.Client(base_url=url, verify=client_context(certificate))
        assert idle.post("/rest/server.time", json={"auth": portal.access_token}).is_success
    # Ending the block closed the silent connection and the idle keep-alive one, at once.
    assert time.monotonic() - started < 5
    assert silent.recv(1) == b""
    silent.close()
    with pytest.raises(httpx.TransportError):
        idle.post("/rest/server.time", json={"auth": portal.access_token})
    idle.close()
    assert fake.base_url == IN_PROCESS_URL


def test_a_slow_answer_still_completes_when_the_block_ends(certificate: Certificate) -> None:
    fake = FakeBitrix24()
    portal = Portal.random()
    fake.add_portal(portal)
    fake.delay_next(0.3, method="profile")
    outcome: list[object] = []

    def call(url: str) -> None:
        with httpx.Client(base_url=url, verify=client_context(certificate)) as client:
            try:
                outcome.append(
                    client.post("/rest/profile", json={"auth": portal.access_token}).status_code
                )
            except httpx.TransportError as exc:
                outcome.append(type(exc))

    with fake.serve(tls=server_context(certificate)) as url:
        worker = threading.Thread(target=call, args=(url,))
        worker.start()
        deadline = time.monotonic() + 5
        while not fake.calls and time.monotonic() < deadline:
            time.sleep(0.01)
    worker.join(timeout=5)
    # The call took effect (the state is final once the block ends), answered or not.
    assert [call.method for call in fake.calls] == ["profile"]
    assert len(outcome) == 1


def test_serve_refuses_a_context_that_cannot_serve() -> None:
    fake = FakeBitrix24()
    client_side = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ValueError, match="server-side"), fake.serve(tls=client_side):
        pass  # pragma: no cover
    with pytest.raises(TypeError, match="SSLContext"), fake.serve(tls="cert.pem"):  # type: ignore[arg-type]
        pass  # pragma: no cover
    assert fake.base_url == IN_PROCESS_URL
    with fake.serve() as url:  # still servable, over plain HTTP
        assert url.startswith("http://127.0.0.1:")


def test_serve_over_https_refuses_to_nest(certificate: Certificate) -> None:
    fake = FakeBitrix24()
    with fake.serve(tls=server_context(certificate)) as url:
        assert url.startswith("https://")
        with pytest.raises(RuntimeError, match="already"), fake.serve():
            pass  # pragma: no cover
    assert fake.base_url == IN_PROCESS_URL
