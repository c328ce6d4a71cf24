"""A bot against the fake Bitrix24: one portal installed through a real ``Dispatcher``.

``open_rig(mode, store)`` gives the fake (in-process transport, or served on 127.0.0.1),
a portal installed into ``store`` by its ONAPPINSTALL, and ``rig.client(...)``: a
``RestClient`` on that store, pointed at the fake, with fast retries and no rate limit
unless asked. Used by the client, refresh and reply tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from b24botevents import Dispatcher
from b24botevents.rest import OAuthApp, RetryPolicy
from b24botevents.rest.client import RestClient
from b24botevents.stores import PortalStore
from b24botevents.testing import FakeBitrix24, Portal, PortalClient

MODES = ["in-process", "served"]
CLIENT_ID = "local.app.rig"
CLIENT_SECRET = "rig-client-SECRET-41c9"
FAST = RetryPolicy(attempts=5, base_delay=0.001, max_delay=0.01)


@dataclass
class Rig:
    fake: FakeBitrix24
    portal: Portal
    store: PortalStore
    dispatcher: Dispatcher
    base_url: str
    mode: str
    clients: list[RestClient] = field(default_factory=list)

    @property
    def member_id(self) -> str:
        return self.portal.member_id

    def app(self, secret: str = CLIENT_SECRET) -> OAuthApp:
        return OAuthApp(
            CLIENT_ID,
            secret,
            token_url=f"{self.base_url}/oauth/token/",
            server_url=f"{self.base_url}/oauth/rest/",
        )

    def client(self, **options: Any) -> RestClient:
        options.setdefault("portal_store", self.store)
        options.setdefault("app", self.app())
        options.setdefault("portal_url", self.base_url)
        options.setdefault("rate", None)
        options.setdefault("retry", FAST)
        if self.mode == "in-process":
            options.setdefault("transport", self.fake.transport())
            options.setdefault("async_transport", self.fake.transport())
        client = RestClient(**options)
        self.clients.append(client)
        return client

    def secrets(self) -> tuple[str, ...]:
        """Every secret of the rig, for "never shown" checks (tokens as they are now too)."""
        live = self.fake.user_tokens(self.portal)
        return (*self.portal.tokens(), *live, CLIENT_SECRET)


@contextmanager
def open_rig(mode: str, store: PortalStore, portal: Portal | None = None) -> Iterator[Rig]:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = portal or Portal.random()
    fake.add_portal(portal)
    dispatcher = Dispatcher(portal_store=store)
    PortalClient(portal).install(dispatcher)

    def rig(base_url: str) -> Rig:
        return Rig(fake, portal, store, dispatcher, base_url, mode)

    if mode == "served":
        with fake.serve() as url:
            made = rig(url)
            try:
                yield made
            finally:
                for client in made.clients:
                    client.close()
    else:
        made = rig(fake.base_url)
        try:
            yield made
        finally:
            for client in made.clients:
                client.close()
