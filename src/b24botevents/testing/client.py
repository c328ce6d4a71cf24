"""``PortalClient``: one fake portal posting events into a ``Dispatcher``, for tests.

It drives ``Dispatcher.handle``/``ahandle`` directly (no HTTP), with bodies built exactly
as Bitrix24 builds them, so a test exercises decoding, verification and dispatch the way
production does. ``install`` first: a dispatcher with a portal store only trusts a portal
once it has seen its ONAPPINSTALL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from b24botevents import Dispatcher, Response

from .bodies import (
    FORM_CONTENT_TYPE,
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
)
from .portal import Portal, Timestamp, unix_ts
from .samples import sample_body

__all__ = ["PortalClient"]

Body = str | bytes


def _looks_like_body(value: Body) -> bool:
    """Bytes, JSON, or anything with ``=`` is a body; a bare word is an event code."""
    if isinstance(value, bytes):
        return True
    stripped = value.lstrip()
    return "=" in value or stripped.startswith("{") or not stripped


def _check(response: Response, what: str) -> Response:
    if response.status != 200:
        text = response.body.decode("utf-8", "replace")
        raise AssertionError(f"{what}: expected 200, got {response.status} ({text})")
    return response


class PortalClient:
    """Posts events from ``portal`` (a new random one by default) into a dispatcher.

    ``post`` accepts a ready body, or an event code plus ``data`` (signed by this portal;
    without ``data``, the code's realistic sample). The ``a``-prefixed methods do the
    same through ``await dp.ahandle(...)``.
    """

    def __init__(self, portal: Portal | None = None) -> None:
        self.portal = portal if portal is not None else Portal.random()

    def __repr__(self) -> str:
        return f"PortalClient({self.portal!r})"

    # ---- bodies ----------------------------------------------------------------------

    def body(
        self,
        code: str,
        data: Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        with_user_tokens: bool = True,
        user_id: int = 1,
        ts: Timestamp | None = None,
        handler_id: int | str | None = None,
        auth: Mapping[str, Any] | None = None,
    ) -> str:
        """A body for ``code`` signed by this portal.

        With ``data``: that payload and this portal's ``auth`` (or ``auth`` as given).
        Without: ``sample_body(code)`` for this portal.
        """
        if data is None and auth is None:
            return sample_body(code, portal=self.portal, with_user_tokens=with_user_tokens, ts=ts)
        stamp = unix_ts(ts)
        if auth is None:
            auth = self.portal.auth(with_user_tokens, user_id, now=stamp)
        return event_body(code, data, auth, ts=stamp, handler_id=handler_id)

    def _resolve(
        self, body_or_code: Body, data: Mapping[str, Any] | Sequence[Any] | None, kw: Any
    ) -> tuple[Body, str | None]:
        if _looks_like_body(body_or_code):
            if data is not None or kw:
                raise TypeError("data= and body options only go with an event code, not a body")
            return body_or_code, None
        assert isinstance(body_or_code, str)
        return self.body(body_or_code, data, **kw), FORM_CONTENT_TYPE

    # ---- synchronous -----------------------------------------------------------------

    def post(
        self,
        dp: Dispatcher,
        body_or_code: Body,
        data: Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        content_type: str | None = None,
        **kw: Any,
    ) -> Response:
        """``dp.handle`` one body, or the event ``body_or_code`` built by ``body(...)``.

        Returns the ``Response`` whatever its status; ``content_type`` defaults to form
        data for built bodies and to sniffing (JSON if it starts with ``{``) for given ones.
        """
        body, built_type = self._resolve(body_or_code, data, kw)
        return dp.handle(body, content_type=content_type or built_type)

    def install(self, dp: Dispatcher, **kw: Any) -> Response:
        """Post ONAPPINSTALL so the dispatcher's portal store learns the portal; asserts 200.

        ``kw`` goes to ``app_install_body`` (``version``, ``language_id``, ``ts``...).
        """
        body = app_install_body(portal=self.portal, **kw)
        return _check(dp.handle(body, content_type=FORM_CONTENT_TYPE), "ONAPPINSTALL")

    def update(self, dp: Dispatcher, **kw: Any) -> Response:
        """Post ONAPPUPDATE (``kw`` to ``app_update_body``); returns the response."""
        body = app_update_body(portal=self.portal, **kw)
        return dp.handle(body, content_type=FORM_CONTENT_TYPE)

    def uninstall(self, dp: Dispatcher, *, clean: bool = False, **kw: Any) -> Response:
        """Post ONAPPUNINSTALL (``kw`` to ``app_uninstall_body``); returns the response."""
        body = app_uninstall_body(portal=self.portal, clean=clean, **kw)
        return dp.handle(body, content_type=FORM_CONTENT_TYPE)

    def bot_delete(
        self, dp: Dispatcher, bot_id: int, bot_code: str, version: int = 1, **kw: Any
    ) -> Response:
        """Post ONIMBOTDELETE (``version=1``) or ONIMBOTV2DELETE (``version=2``)."""
        body = bot_delete_body(bot_id, bot_code, version=version, portal=self.portal, **kw)
        return dp.handle(body, content_type=FORM_CONTENT_TYPE)

    # ---- asynchronous ----------------------------------------------------------------

    async def apost(
        self,
        dp: Dispatcher,
        body_or_code: Body,
        data: Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        content_type: str | None = None,
        **kw: Any,
    ) -> Response:
        """``post`` through ``await dp.ahandle(...)``."""
        body, built_type = self._resolve(body_or_code, data, kw)
        return await dp.ahandle(body, content_type=content_type or built_type)

    async def ainstall(self, dp: Dispatcher, **kw: Any) -> Response:
        """``install`` through ``await dp.ahandle(...)``; asserts 200."""
        body = app_install_body(portal=self.portal, **kw)
        response = await dp.ahandle(body, content_type=FORM_CONTENT_TYPE)
        return _check(response, "ONAPPINSTALL")

    async def aupdate(self, dp: Dispatcher, **kw: Any) -> Response:
        """``update`` through ``await dp.ahandle(...)``."""
        body = app_update_body(portal=self.portal, **kw)
        return await dp.ahandle(body, content_type=FORM_CONTENT_TYPE)

    async def auninstall(self, dp: Dispatcher, *, clean: bool = False, **kw: Any) -> Response:
        """``uninstall`` through ``await dp.ahandle(...)``."""
        body = app_uninstall_body(portal=self.portal, clean=clean, **kw)
        return await dp.ahandle(body, content_type=FORM_CONTENT_TYPE)

    async def abot_delete(
        self, dp: Dispatcher, bot_id: int, bot_code: str, version: int = 1, **kw: Any
    ) -> Response:
        """``bot_delete`` through ``await dp.ahandle(...)``."""
        body = bot_delete_body(bot_id, bot_code, version=version, portal=self.portal, **kw)
        return await dp.ahandle(body, content_type=FORM_CONTENT_TYPE)
