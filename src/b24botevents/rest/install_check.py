"""The online install check: an ``approve_install`` hook that asks Bitrix24 who the token is of.

A token alone cannot prove an ONAPPINSTALL: the event is what brings the token, so a
stranger can post one that names any ``member_id`` and any domain. This hook sends the
install's own ``access_token`` to ``app.info`` at the app's **OAuth server**
(``OAuthApp.server_url``: Bitrix24's ``https://oauth.bitrix.info/rest/``, configured,
never an address from the event), which answers which installation the token was issued
for. It approves only when that answer names the same ``member_id`` and domain as the
event, and the app's own ``client_id``. A stranger cannot get a token issued for somebody
else's portal, so a claim on another portal or its domain fails; and since the check
asks the issuer rather than the claimed domain, a server the attacker runs at that domain
vouches for nothing (and is never called). No answer, a timeout, an error or any mismatch
refuses: the check fails closed.

What a vouched-for token proves is whose portal it is, not that Bitrix24 sent the event:
every user who opens the app holds a live access token. So on its own the check approves
first installs only; a new token for an installed portal, a domain change or a claim on
another portal's domain is refused unless ``then=`` (asked only after Bitrix24 has
vouched) approves it.

``OnlineInstallCheck(client)`` is the sync hook (the dispatcher runs it in a worker
thread from ``ahandle``), ``AsyncOnlineInstallCheck(client)`` the async one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from b24botevents._redact import shown_text
from b24botevents.errors import RestError
from b24botevents.models import Event
from b24botevents.stores import OAuthTokens
from b24botevents.verify import InstallReason, InstallRequest

from ._flow import Credentials
from .config import RetryPolicy

if TYPE_CHECKING:
    from .client import RestClient

__all__ = ["AsyncOnlineInstallCheck", "OnlineInstallCheck"]

logger = logging.getLogger("b24botevents.rest")

#: Anyone can post an ONAPPINSTALL, so one check gets one short second try at most (a
#: 429 or 503 waited out for under a second); a lost answer is not asked again.
CHECK_RETRY = RetryPolicy(attempts=2, base_delay=0.1, max_delay=0.5)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class _Check:
    def __init__(
        self, client: RestClient, *, client_id: str | None = None, server_url: str | None = None
    ) -> None:
        app = client.app
        app_id = client_id or (app.client_id if app is not None else None)
        if not app_id:
            raise ValueError("the install check needs the app's client_id (give the client an app)")
        server = server_url or (app.server_url if app is not None else None)
        if not server:
            raise ValueError(
                "the install check needs the OAuth server's REST URL: OAuthApp(server_url=...)"
            )
        self.client = client
        self.client_id = app_id
        self.server_url = server.rstrip("/") + "/"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r})"

    def _plan(self, event: Event, request: InstallRequest) -> Credentials | None:
        access = event.auth.access_token if event.auth is not None else None
        try:
            tokens = OAuthTokens(access) if access else None
        except ValueError:
            tokens = None
        if tokens is None:
            self._refuse(request, "the install carries no usable access token to check")
            return None
        return Credentials(preferred=tokens, endpoint=self.server_url)

    def _judge(self, request: InstallRequest, result: object) -> bool:
        if not isinstance(result, Mapping):
            return self._refuse(request, "app.info answered no object")
        install = result.get("install")
        if not isinstance(install, Mapping):
            return self._refuse(request, "app.info answered no install block")
        member_id = _text(install.get("member_id"))
        domain = _text(install.get("domain"))
        client_id = _text(result.get("client_id"))
        if member_id != request.member_id:
            return self._refuse(request, "the token was issued for another member_id")
        if domain is None or domain.lower() != request.domain:
            return self._refuse(request, "the token was issued for another domain")
        if client_id != self.client_id:
            return self._refuse(request, "the token was issued to another application")
        if install.get("installed") is False:
            return self._refuse(request, "Bitrix24 says the app is not installed there")
        return True

    def _token_proves(self, request: InstallRequest) -> bool:
        """Without ``then=``, what a vouched-for token is enough for: a first install.

        Replacing an installed portal's token, moving its domain or taking another
        portal's domain needs more: every user who opens the app holds a live access
        token of the portal (``BX24.getAuth()``), so a token proves whose portal it is,
        not that Bitrix24 sent the event. ``then=`` decides those.
        """
        if request.reason is InstallReason.FIRST_INSTALL:
            return True
        return self._refuse(
            request, "a live token alone cannot replace a portal's token or domain (then=)"
        )

    def _refuse(self, request: InstallRequest, why: str) -> bool:
        logger.warning(
            "install check: refused %s for portal %s: %s",
            request.reason.value,
            shown_text(request.member_id),
            why,
        )
        return False


class OnlineInstallCheck(_Check):
    """``approve_install`` for ``Dispatcher``: approve an install only when the portal agrees.

    ``then(event, request)`` is asked after Bitrix24 vouched (sync); its answer decides.
    """

    def __init__(
        self,
        client: RestClient,
        *,
        client_id: str | None = None,
        server_url: str | None = None,
        then: Callable[[Event, InstallRequest], bool] | None = None,
    ) -> None:
        super().__init__(client, client_id=client_id, server_url=server_url)
        self.then = then

    def __call__(self, event: Event, request: InstallRequest) -> bool:
        credentials = self._plan(event, request)
        if credentials is None:
            return False
        try:
            result = self.client.call(
                "app.info", credentials=credentials, idempotent=False, retry=CHECK_RETRY
            )
        except RestError as exc:
            return self._refuse(request, f"app.info failed: {exc.code}")
        if not self._judge(request, result):
            return False
        if self.then is None:
            return self._token_proves(request)
        return self.then(event, request) is True


class AsyncOnlineInstallCheck(_Check):
    """``OnlineInstallCheck`` for async apps: awaited in the loop by ``ahandle``."""

    def __init__(
        self,
        client: RestClient,
        *,
        client_id: str | None = None,
        server_url: str | None = None,
        then: Callable[[Event, InstallRequest], Awaitable[bool]] | None = None,
    ) -> None:
        super().__init__(client, client_id=client_id, server_url=server_url)
        self.then = then

    async def __call__(self, event: Event, request: InstallRequest) -> bool:
        credentials = self._plan(event, request)
        if credentials is None:
            return False
        try:
            result = await self.client.acall(
                "app.info", credentials=credentials, idempotent=False, retry=CHECK_RETRY
            )
        except RestError as exc:
            return self._refuse(request, f"app.info failed: {exc.code}")
        if not self._judge(request, result):
            return False
        if self.then is None:
            return self._token_proves(request)
        return (await self.then(event, request)) is True
