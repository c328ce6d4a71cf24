"""Shared set-up of the FakeBitrix24 tests: one fake with one portal, in-process or served.

A ``Site`` hands out plain ``httpx`` clients pointed at the fake either way, so every test
that takes the ``site`` fixture runs against the in-process transport and against a real
``ThreadingHTTPServer`` on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from b24botevents.testing import FakeBitrix24, Portal
from b24botevents.testing.fake_bitrix24 import IN_PROCESS_URL

MODES = ["in-process", "served"]

CLIENT_ID = "local.app.1"
CLIENT_SECRET = "s3cret"


@dataclass
class Site:
    fake: FakeBitrix24
    portal: Portal
    base_url: str
    mode: str

    @property
    def token(self) -> str:
        """The portal's live user access token."""
        return self.fake.user_tokens(self.portal)[0]

    def client(self, **options: Any) -> httpx.Client:
        if self.mode == "in-process":
            return httpx.Client(transport=self.fake.transport(), base_url=self.base_url, **options)
        return httpx.Client(base_url=self.base_url, **options)

    def async_client(self, **options: Any) -> httpx.AsyncClient:
        if self.mode == "in-process":
            return httpx.AsyncClient(
                transport=self.fake.transport(), base_url=self.base_url, **options
            )
        return httpx.AsyncClient(base_url=self.base_url, **options)

    def webhook_path(self, user_id: int = 1, secret: str | None = None) -> str:
        """A new webhook's base, as a path under ``base_url`` (``/rest/1/<secret>/``)."""
        url = self.fake.add_webhook(self.portal, user_id, secret)
        assert url.startswith(self.base_url)
        return url.removeprefix(self.base_url)


@contextmanager
def open_site(mode: str) -> Iterator[Site]:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    if mode == "in-process":
        yield Site(fake, portal, IN_PROCESS_URL, mode)
        return
    with fake.serve() as url:
        yield Site(fake, portal, url, mode)


def rest(client: httpx.Client, method: str, auth: str | None, **params: Any) -> httpx.Response:
    """POST a JSON body with ``auth`` to ``/rest/<method>``."""
    body = dict(params) if auth is None else {"auth": auth, **params}
    return client.post(f"/rest/{method}", json=body)


def result(response: httpx.Response) -> Any:
    """The ``result`` of a successful answer (asserting it was one)."""
    assert response.status_code == 200, response.text
    payload = response.json()
    assert set(payload) == {"result", "time"}
    return payload["result"]


def error(response: httpx.Response, status: int, code: str) -> str:
    """Assert an error answer; return its description."""
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["error"] == code, payload
    assert set(payload) == {"error", "error_description"}
    description = payload["error_description"]
    assert isinstance(description, str)
    return description


def refresh_params(refresh_token: str, **changes: str) -> dict[str, str]:
    params = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": refresh_token,
    }
    params.update(changes)
    return params
