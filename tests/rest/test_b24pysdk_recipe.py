"""docs/b24pysdk.md stays true: its recipe hands a stored portal to the real b24pysdk.

The fake Bitrix24 is served over HTTPS (a self-signed certificate for 127.0.0.1 made at
test time, ``testing.tls_support``), a portal with the domain ``127.0.0.1:<port>`` is
installed into a store through a real ``Dispatcher`` (ONAPPINSTALL), ``requests`` trusts
the certificate through ``REQUESTS_CA_BUNDLE``, and the page's python blocks run in order
in one namespace holding ``rest`` (a ``RestClient`` on that store) and ``member_id``.
Blocks preceded by ``<!-- not run -->`` must still compile.

Then the recipe's promises, each against b24pysdk itself: its calls carry the stored access
token as ``auth`` (never in the URL), at the record's bound domain; after an expiry only
our ``RestClient`` refreshes and the recipe hands the new token over; b24pysdk never
reaches an OAuth server (its requester is replaced by one that records and refuses); a
302 is not followed to another host; a domain that is not public is refused before
anything is sent; an uninstalled portal is not handed over.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from b24pysdk import BitrixApp, BitrixToken, Client  # type: ignore[import-untyped]
from b24pysdk.api.requesters import (  # type: ignore[import-untyped]
    bitrix_oauth_requester,
)
from b24pysdk.errors import (  # type: ignore[import-untyped]
    BitrixAPIExpiredToken,
    BitrixAPINotFound,
    BitrixResponse302JSONDecodeError,
)

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.errors import RestError
from b24botevents.rest import OAuthApp, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import PortalStore
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    app_uninstall_body,
)
from doc_blocks import runnable_and_sketches
from testing.tls_support import Certificate, client_context, make_certificate, server_context

DOC = Path(__file__).resolve().parents[2] / "docs" / "b24pysdk.md"

CLIENT_ID = "local.app.sdk"
CLIENT_SECRET = "sdk-client-SECRET-5d1e"
FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)


RUNNABLE, SKETCHES = runnable_and_sketches(DOC)
#: The blocks that define the recipe (``with_portal``) and nothing that calls the portal.
RECIPE = [block for block in RUNNABLE if "def with_portal(" in block[2]]


@dataclass
class Rig:
    fake: FakeBitrix24
    portal: Portal
    store: PortalStore
    dispatcher: Dispatcher
    url: str
    rest: RestClient
    oauth_attempts: list[str]

    @property
    def member_id(self) -> str:
        return self.portal.member_id

    def credentials(self) -> Any:
        record = self.store.get(self.member_id)
        assert record is not None
        return record.credentials

    def sdk_calls(self) -> list[Any]:
        """What b24pysdk sent (every call here is b24pysdk's: ours only refresh)."""
        return [call for call in self.fake.calls if call.method != "oauth/token"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def rig(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    attempts: list[str] = []

    def no_oauth_server(self: object, url: str, *args: object, **kwargs: object) -> object:
        attempts.append(url)
        raise AssertionError(f"b24pysdk called its OAuth server: {url}")

    # b24pysdk's one way to its OAuth host (oauth.bitrix24.tech): refreshes, app.info.
    monkeypatch.setattr(bitrix_oauth_requester.BitrixOAuthRequester, "_request", no_oauth_server)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate.cert))
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with fake.serve(tls=server_context(certificate)) as url:
        portal = Portal.random(domain=url.removeprefix("https://"))  # 127.0.0.1:<port>
        fake.add_portal(portal)
        store = MemoryPortalStore()
        dispatcher = Dispatcher(portal_store=store, allow_domain_port=True)
        answer = dispatcher.handle(app_install_body(portal=portal), content_type=FORM_CONTENT_TYPE)
        assert answer.status == 200
        rest = RestClient(
            portal_store=store,
            app=OAuthApp(CLIENT_ID, CLIENT_SECRET, token_url=f"{url}/oauth/token/"),
            portal_url=url,
            rate=None,
            retry=FAST,
            transport=httpx.HTTPTransport(verify=client_context(certificate)),
        )
        try:
            yield Rig(fake, portal, store, dispatcher, url, rest, attempts)
        finally:
            rest.close()


def recipe() -> dict[str, Any]:
    """The page's recipe, defined in a fresh namespace."""
    namespace: dict[str, Any] = {"__name__": "docs_b24pysdk_recipe"}
    for line, _runs, source in RECIPE:
        exec(compile(source, f"docs/b24pysdk.md:{line}", "exec"), namespace)  # noqa: S102
    return namespace


# -- the page -------------------------------------------------------------------------------


def test_the_page_has_a_recipe_examples_and_sketches() -> None:
    assert len(RECIPE) == 1
    assert len(RUNNABLE) >= 2
    assert SKETCHES


@pytest.mark.parametrize(
    ("line", "runs", "source"), SKETCHES, ids=[f"line{b[0]}" for b in SKETCHES]
)
def test_sketch_compiles(line: int, runs: bool, source: str) -> None:
    compile(source, f"docs/b24pysdk.md:{line}", "exec")


def test_the_page_runs_in_order_against_the_fake_over_https(rig: Rig) -> None:
    rig.fake.add_bot(rig.portal, 41, v=2)
    namespace: dict[str, Any] = {
        "__name__": "docs_b24pysdk",
        "rest": rig.rest,
        "member_id": rig.member_id,
    }
    for line, _runs, source in RUNNABLE:
        exec(compile(source, f"docs/b24pysdk.md:{line}", "exec"), namespace)  # noqa: S102
    assert namespace["profile"]["ID"] == "1"
    assert namespace["app_info"]["CODE"] == CLIENT_ID
    assert "install" not in namespace["app_info"]  # a portal's app.info names no portal
    assert [bot["id"] for bot in namespace["bots"]["bots"]] == [41]
    assert list(namespace["legacy_bots"]) == ["41"]
    methods = [call.method for call in rig.sdk_calls()]
    assert methods == ["profile", "app.info", "imbot.v2.Bot.list", "imbot.bot.list"]
    assert rig.fake.refreshes == []
    assert rig.oauth_attempts == []


# -- what b24pysdk sends --------------------------------------------------------------------


def test_b24pysdk_sends_the_stored_access_token_as_auth_at_the_bound_domain(rig: Rig) -> None:
    stored = rig.credentials().access_token
    client = recipe()["sdk_client"](rig.rest, rig.member_id)
    token = client.get_token()
    assert token.domain == rig.portal.domain == f"127.0.0.1:{rig.url.rsplit(':', 1)[1]}"
    assert token.auth_token == stored
    assert token.refresh_token is None
    assert token.bitrix_app is None
    assert not token.is_webhook
    assert client.profile().result["ID"] == "1"
    assert client.server.time().result
    for call in rig.sdk_calls():
        assert call.auth_kind == "oauth"
        assert call.token == stored
        assert call.member_id == rig.member_id
        assert call.http_method == "POST"
        assert call.path == f"/rest/{call.method}.json"  # the token is not in the URL
        assert call.status == 200
    assert len(rig.sdk_calls()) == 2


def test_without_the_recipes_token_b24pysdk_would_put_the_token_in_the_url(rig: Rig) -> None:
    """Why ``AccessToken.is_webhook`` is ``False``: a bare ``BitrixToken`` is a webhook."""
    stored = rig.credentials().access_token
    bare = BitrixToken(domain=rig.portal.domain, auth_token=stored)
    assert bare.is_webhook
    with pytest.raises(BitrixAPINotFound):
        Client(bare).profile().result  # noqa: B018 - the lazy request is sent here
    (call,) = rig.fake.calls
    assert call.path == f"/rest/{stored}/profile.json"
    assert call.auth_kind == "none"


# -- expiry and refresh: ours only ----------------------------------------------------------


def test_after_our_refresh_the_recipe_hands_the_new_token(rig: Rig) -> None:
    with_portal = recipe()["with_portal"]
    old = rig.credentials().access_token
    assert with_portal(rig.rest, rig.member_id, lambda sdk: sdk.profile().result)["ID"] == "1"
    rig.fake.expire_tokens(rig.portal)
    renewed = rig.rest.refresh(rig.member_id)
    assert renewed.access_token != old
    assert rig.credentials() == renewed
    assert with_portal(rig.rest, rig.member_id, lambda sdk: sdk.profile().result)["ID"] == "1"
    first, second = rig.sdk_calls()
    assert (first.token, second.token) == (old, renewed.access_token)
    assert second.status == 200
    (refresh,) = rig.fake.refreshes
    assert refresh.error is None
    assert refresh.member_id == rig.member_id
    assert rig.oauth_attempts == []


def test_a_token_that_dies_early_is_renewed_by_ours_and_the_work_runs_again(rig: Rig) -> None:
    with_portal = recipe()["with_portal"]
    old = rig.credentials().access_token
    rig.fake.expire_tokens(rig.portal)  # dead before the stored expiry says so
    runs: list[str] = []

    def work(sdk: Any) -> Any:
        runs.append(sdk.get_token().auth_token)
        return sdk.profile().result

    assert with_portal(rig.rest, rig.member_id, work)["ID"] == "1"
    new = rig.credentials().access_token
    assert new != old
    assert runs == [old, new]
    refused, answered = rig.sdk_calls()
    assert (refused.token, refused.status, refused.error) == (old, 401, "expired_token")
    assert (answered.token, answered.status) == (new, 200)
    assert len(rig.fake.refreshes) == 1
    assert rig.fake.user_tokens(rig.portal)[0] == new  # the store holds the live pair
    assert rig.fake.user_tokens(rig.portal)[1] == rig.credentials().refresh_token
    assert rig.oauth_attempts == []


def test_a_stored_token_past_its_expiry_is_renewed_before_b24pysdk_sends_it(rig: Rig) -> None:
    record = rig.store.get(rig.member_id)
    assert record is not None
    assert record.credentials is not None
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    rig.store.save(
        record.evolve(credentials=attrs.evolve(record.credentials, expires_at=past)),
        expected=record.revision,
    )
    rig.fake.expire_tokens(rig.portal)
    with_portal = recipe()["with_portal"]
    assert with_portal(rig.rest, rig.member_id, lambda sdk: sdk.profile().result)["ID"] == "1"
    (call,) = rig.sdk_calls()  # no expired_token answer: the token was new when sent
    assert call.status == 200
    assert call.token == rig.credentials().access_token != record.credentials.access_token
    assert len(rig.fake.refreshes) == 1
    assert rig.oauth_attempts == []


def test_a_renewal_another_worker_made_is_used_not_repeated(rig: Rig) -> None:
    with_portal = recipe()["with_portal"]
    rig.fake.expire_tokens(rig.portal)
    tokens: list[str] = []

    def work(sdk: Any) -> Any:
        tokens.append(sdk.get_token().auth_token)
        if len(tokens) == 1:
            rig.rest.refresh(rig.member_id)  # meanwhile, another worker renews the pair
        return sdk.profile().result

    assert with_portal(rig.rest, rig.member_id, work)["ID"] == "1"
    assert len(rig.fake.refreshes) == 1  # the recipe took the store's new token: no second
    assert tokens[1] == rig.credentials().access_token != tokens[0]
    assert [call.status for call in rig.sdk_calls()] == [401, 200]
    assert rig.oauth_attempts == []


def test_b24pysdk_on_its_own_never_refreshes(rig: Rig) -> None:
    before = rig.store.get(rig.member_id)
    client = recipe()["sdk_client"](rig.rest, rig.member_id)
    rig.fake.expire_tokens(rig.portal)
    with pytest.raises(BitrixAPIExpiredToken):
        client.profile().result  # noqa: B018 - the lazy request is sent here
    with pytest.raises(AttributeError, match="bitrix_app"):
        client.get_token().refresh_oauth_token()
    assert rig.fake.refreshes == []
    assert rig.oauth_attempts == []
    assert rig.store.get(rig.member_id) == before


def test_the_stubbed_oauth_requester_is_what_an_sdk_refresh_would_use(rig: Rig) -> None:
    """The guard of these tests is real: b24pysdk's own refresh goes through it."""
    token = BitrixToken(
        domain=rig.portal.domain,
        auth_token="a",
        refresh_token="r",
        bitrix_app=BitrixApp(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
    )
    with pytest.raises(AssertionError, match="OAuth server"):
        token.refresh_and_set_oauth_token()
    assert rig.oauth_attempts == ["https://oauth.bitrix24.tech/oauth/token/"]
    assert rig.fake.refreshes == []


# -- where the token goes ---------------------------------------------------------------------


class _Redirecting(BaseHTTPRequestHandler):
    """Answers every request with a 302 to another host (as a moved portal would)."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(self.path)
        self.send_response(302)
        self.send_header("Location", "https://elsewhere.invalid/rest/profile.json")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_302_is_not_followed_to_another_host(rig: Rig, certificate: Certificate) -> None:
    _Redirecting.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    server.socket = server_context(certificate).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        record = rig.store.get(rig.member_id)
        assert record is not None
        moved = f"127.0.0.1:{server.server_address[1]}"
        rig.store.save(record.evolve(domain=moved), expected=record.revision)
        client = recipe()["sdk_client"](rig.rest, rig.member_id)
        with pytest.raises(BitrixResponse302JSONDecodeError) as caught:
            client.profile().result  # noqa: B018 - the lazy request is sent here
        assert caught.value.new_domain == "elsewhere.invalid"
        assert client.get_token().domain == moved  # not switched to the Location's host
        assert _Redirecting.seen == ["/rest/profile.json"]  # one request, no retry
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_domain_that_is_not_public_is_refused_before_anything_is_sent(rig: Rig) -> None:
    strict = RestClient(portal_store=rig.store, app=rig.rest.app)  # the default portal_url
    with pytest.raises(RestError) as caught:
        recipe()["sdk_client"](strict, rig.member_id)
    assert caught.value.code == "UNSAFE_ENDPOINT"
    assert rig.fake.calls == []
    strict.close()


def test_an_uninstalled_portal_is_not_handed_over(rig: Rig) -> None:
    answer = rig.dispatcher.handle(
        app_uninstall_body(portal=rig.portal), content_type=FORM_CONTENT_TYPE
    )
    assert answer.status == 200
    with pytest.raises(LookupError, match="not installed"):
        recipe()["sdk_client"](rig.rest, rig.member_id)
    with pytest.raises(LookupError):
        recipe()["sdk_client"](rig.rest, "no-such-portal")
    assert rig.fake.calls == []
