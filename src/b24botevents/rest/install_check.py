"""The online install check: an ``approve_install`` hook that asks the portal itself.

A token alone cannot prove an ONAPPINSTALL: the event is what brings the token, so a
stranger can post one that names any ``member_id`` and any domain. This hook calls
``app.info`` at the claimed portal, ``https://<event domain>/rest/`` (a public host name,
checked like every REST address; never the event's ``client_endpoint``), with the
install's own ``access_token``, and approves only when the portal's answer names the
same ``member_id`` and domain, and the app's own ``client_id``. A stranger's token is
not valid on someone else's portal, and a real portal only vouches for itself, so a
claim on another portal or its domain is refused. No answer, a timeout, an error or any
mismatch refuses too: the check fails closed.

``OnlineInstallCheck(client)`` is the sync hook (the dispatcher runs it in a worker
thread from ``ahandle``), ``AsyncOnlineInstallCheck(client)`` the async one. ``then=``
adds a decision of your own, asked only after the portal has vouched.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from b24botevents._redact import shown_text
from b24botevents.errors import RestError
from b24botevents.models import Event
from b24botevents.stores import OAuthTokens
from b24botevents.verify import InstallRequest

from ._flow import Credentials

if TYPE_CHECKING:
    from .client import RestClient

__all__ = ["AsyncOnlineInstallCheck", "OnlineInstallCheck"]

logger = logging.getLogger("b24botevents.rest")


def _field(mapping: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in mapping:
            return mapping[name]
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class _Check:
    def __init__(self, client: RestClient, *, client_id: str | None = None) -> None:
        app_id = client_id or (client.app.client_id if client.app is not None else None)
        if not app_id:
            raise ValueError("the install check needs the app's client_id (give the client an app)")
        self.client = client
        self.client_id = app_id

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
        try:
            endpoint = self.client.portal_url_for(request.domain)
        except RestError:
            self._refuse(request, "the domain is not a public host name")
            return None
        return Credentials(preferred=tokens, endpoint=endpoint)

    def _judge(self, request: InstallRequest, result: object) -> bool:
        if not isinstance(result, Mapping):
            return self._refuse(request, "app.info answered no object")
        install = result.get("install")
        if not isinstance(install, Mapping):
            return self._refuse(request, "app.info answered no install block")
        member_id = _text(install.get("member_id"))
        domain = _text(install.get("domain"))
        client_id = _text(_field(result, "client_id", "CODE"))
        if member_id != request.member_id:
            return self._refuse(request, "the portal answered for another member_id")
        if domain is None or domain.lower() != request.domain:
            return self._refuse(request, "the portal answered for another domain")
        if client_id != self.client_id:
            return self._refuse(request, "the token belongs to another application")
        if install.get("installed") is False:
            return self._refuse(request, "the portal says the app is not installed")
        return True

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

    ``then(event, request)`` is asked after the portal vouched (sync); its answer decides.
    """

    def __init__(
        self,
        client: RestClient,
        *,
        client_id: str | None = None,
        then: Callable[[Event, InstallRequest], bool] | None = None,
    ) -> None:
        super().__init__(client, client_id=client_id)
        self.then = then

    def __call__(self, event: Event, request: InstallRequest) -> bool:
        credentials = self._plan(event, request)
        if credentials is None:
            return False
        try:
            result = self.client.call("app.info", credentials=credentials)
        except RestError as exc:
            return self._refuse(request, f"app.info failed: {exc.code}")
        if not self._judge(request, result):
            return False
        return True if self.then is None else self.then(event, request) is True


class AsyncOnlineInstallCheck(_Check):
    """``OnlineInstallCheck`` for async apps: awaited in the loop by ``ahandle``."""

    def __init__(
        self,
        client: RestClient,
        *,
        client_id: str | None = None,
        then: Callable[[Event, InstallRequest], Awaitable[bool]] | None = None,
    ) -> None:
        super().__init__(client, client_id=client_id)
        self.then = then

    async def __call__(self, event: Event, request: InstallRequest) -> bool:
        credentials = self._plan(event, request)
        if credentials is None:
            return False
        try:
            result = await self.client.acall("app.info", credentials=credentials)
        except RestError as exc:
            return self._refuse(request, f"app.info failed: {exc.code}")
        if not self._judge(request, result):
            return False
        return True if self.then is None else (await self.then(event, request)) is True
