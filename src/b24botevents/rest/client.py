"""``RestClient``: calls to Bitrix24's REST API, sync and async, from one implementation.

One object serves sync handlers (``call``, ``batch``, ``reply`` ...) and async ones
(``acall``, ``abatch``, ``areply`` ...): the logic is written once (``_flow``) and each
side only moves bytes (``_driver``, on ``httpx.Client`` / ``httpx.AsyncClient``). It
holds what a bot needs to call back: the ``PortalStore`` with each portal's OAuth
credentials, the app's ``OAuthApp`` to refresh them, or a ``WebhookAuth``; a rate
limiter per portal, a retry policy, timeouts. Replies to events are built in ``replies``.

Needs the optional dependency: ``pip install 'b24botevents[rest]'`` (httpx).
"""

from __future__ import annotations

import asyncio
import random
import threading
import weakref
from collections.abc import AsyncGenerator, Mapping
from types import TracebackType
from typing import Any

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without httpx
    raise ImportError("the REST client needs httpx: pip install 'b24botevents[rest]'") from exc

from b24botevents._concurrency import LazyPool
from b24botevents.errors import RestError
from b24botevents.stores import OAuthTokens, PortalRecord, PortalStore
from b24botevents.stores._protocols import store_blocking

from . import _logs
from ._batch import BatchResult, Commands, batch_params, chunks, read_batch
from ._deadline import bound, deadline_transport, environment_mounts
from ._driver import is_transport_error, run_async, run_sync
from ._effects import Flow
from ._flow import CallFlows, Credentials, check_method, is_idempotent
from ._reply_methods import ReplyMethods
from .config import OAuthApp, RetryPolicy, WebhookAuth
from .endpoints import PortalURL, check_public_domain, default_portal_url, fixed_portal_url
from .limiter import RateLimiter

__all__ = ["RestClient"]

#: Portal is given as its ``member_id`` or its record.
PortalRef = str | PortalRecord


class RestClient(ReplyMethods):
    """Calls a portal's REST API as the app (stored OAuth tokens) or through a webhook.

    * ``portal_store``: where each portal's record and OAuth credentials live (the
      dispatcher's store, which keeps them from ONAPPINSTALL/ONAPPUPDATE);
    * ``app``: the app's ``client_id``/``client_secret``, to refresh expired tokens (at
      ``app.token_url`` only); without it an expired token is an error;
    * ``webhook``: an inbound webhook URL and bot token, for setups without an OAuth app,
      and the fallback for the portal it belongs to;
    * ``rate``/``burst``: the client-side limit per portal (Bitrix24: 2 requests/s;
      ``rate=None`` turns it off); ``retry``: what is retried and how long; ``timeout``:
      seconds for every request;
    * ``portal_url``: where a portal's calls go. By default ``https://<bound domain>/rest/``
      and only for a public host name (see ``endpoints``); a string sends every portal's
      calls to that URL (a test server), a callable maps the bound domain to a base URL.
      Nothing in an event can change it.
    * ``prefer_event_tokens``: use an event's own bot tokens for replies while they are
      fresh (the default), before the stored ones.

    Use it as a context manager, or call ``close``/``aclose``.
    """

    def __init__(
        self,
        *,
        portal_store: PortalStore | None = None,
        app: OAuthApp | None = None,
        webhook: WebhookAuth | None = None,
        timeout: float = 10.0,
        rate: float | None = 2.0,
        burst: int = 2,
        retry: RetryPolicy | None = None,
        portal_url: str | PortalURL | None = None,
        allow_domain_port: bool = False,
        prefer_event_tokens: bool = True,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if portal_store is None and webhook is None:
            raise ValueError("give a portal_store (OAuth app) or a webhook, or both")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.portal_store = portal_store
        self.app = app
        self.webhook = webhook
        self.timeout = float(timeout)
        self.prefer_event_tokens = prefer_event_tokens
        if portal_url is None:
            if allow_domain_port:
                url_for: PortalURL = _port_allowed_url
            else:
                url_for = default_portal_url
        elif isinstance(portal_url, str):
            url_for = fixed_portal_url(portal_url)
        elif callable(portal_url):
            url_for = portal_url
        else:
            raise TypeError("portal_url must be a URL string or a callable")
        self.limiter = RateLimiter(rate, burst)
        self._flows = CallFlows(
            store=portal_store,
            app=app,
            webhook=webhook,
            portal_url=url_for,
            limiter=self.limiter,
            retry=retry or RetryPolicy(),
            is_transport_error=is_transport_error,
            rng=rng,
        )
        self._store_blocking = (
            store_blocking(portal_store, "portal_store") if portal_store is not None else False
        )
        self._store_pool = LazyPool(4, "b24botevents-rest-store")
        self._transport = transport
        self._async_transport = async_transport
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        # One AsyncClient per running loop (its connections belong to that loop), kept
        # with the generator that closes it when the loop shuts down; closed loops are
        # dropped when the next loop's client is made.
        self._ahttp: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()
        _logs.install()

    def __repr__(self) -> str:
        how = []
        if self.portal_store is not None:
            how.append(f"portal_store={self.portal_store!r}")
        if self.app is not None:
            how.append(f"app={self.app!r}")
        if self.webhook is not None:
            how.append(f"webhook={self.webhook!r}")
        return f"RestClient({', '.join(how)})"

    # ---- transports ----------------------------------------------------------------

    def _timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0))

    def _sync_http(self) -> httpx.Client:
        http = self._http
        if http is None:
            with self._lock:  # threads racing here must share one pool, not leak several
                if self._http is None:
                    given = self._transport
                    self._http = httpx.Client(
                        transport=deadline_transport() if given is None else bound(given),
                        # httpx reads proxies from the environment only without a
                        # transport of ours: mount them, held to the deadline too.
                        mounts=environment_mounts() if given is None else None,
                        timeout=self._timeout(),
                        follow_redirects=False,
                    )
                http = self._http
        return http

    async def _async_http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        current = self._ahttp.get(loop)
        if current is None:
            with self._lock:
                # A finished loop's entry holds itself alive (its keeper refers to the
                # loop): drop those here, or a client used from many asyncio.run calls
                # would keep every closed loop.
                for old in [each for each in self._ahttp if each.is_closed()]:
                    del self._ahttp[old]
                current = self._ahttp.get(loop)
                fresh = current is None
                if current is None:
                    client = httpx.AsyncClient(
                        transport=self._async_transport,
                        timeout=self._timeout(),
                        follow_redirects=False,
                    )
                    current = (client, _closed_with_the_loop(client))
                    self._ahttp[loop] = current
            if fresh:
                await current[1].__anext__()  # starts it: the loop now finalises it
        return current[0]

    def _run(self, flow: Flow[Any]) -> Any:
        return run_sync(flow, self._sync_http(), self.timeout)

    async def _arun(self, flow: Flow[Any]) -> Any:
        http = await self._async_http()
        return await run_async(flow, http, self._store_pool.get, self._store_blocking, self.timeout)

    # ---- credentials ---------------------------------------------------------------

    def portal_url_for(self, domain: str) -> str:
        """The REST base URL calls to a portal bound to ``domain`` go to (``RestError``
        ``UNSAFE_ENDPOINT`` for a host name that is not public)."""
        return self._flows.portal_url(domain)

    def credentials_for(
        self,
        portal: PortalRef | None = None,
        *,
        domain: str | None = None,
        event_tokens: OAuthTokens | None = None,
    ) -> Credentials:
        """How a call for ``portal`` (a ``member_id`` or record, or by ``domain``) goes.

        The order: ``event_tokens`` while fresh (if ``prefer_event_tokens``), the stored
        credentials, then the webhook, if it belongs to that portal's domain.
        """
        member_id = portal.member_id if isinstance(portal, PortalRecord) else portal
        if member_id is None and domain is None:
            if self.webhook is None:
                raise RestError("NO_CREDENTIALS", "say which portal: portal= or a webhook")
            return Credentials(webhook=self.webhook)
        if self.portal_store is None:
            if self.webhook is None:  # pragma: no cover - __init__ refuses this
                raise RestError("NO_CREDENTIALS", "no portal_store and no webhook")
            return Credentials(webhook=self.webhook)
        fallback = None
        if self.webhook is not None and domain is not None and self.webhook.host == domain.lower():
            fallback = self.webhook
        if not self.prefer_event_tokens:
            event_tokens = None
        return Credentials(member_id, event_tokens, fallback, domain)

    # ---- calls ---------------------------------------------------------------------

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        portal: PortalRef | None = None,
        idempotent: bool | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """Call ``method`` with ``params``; return its ``result``, or raise ``RestError``.

        ``portal`` is the ``member_id`` (or record) whose stored credentials to use;
        without it the call goes through the webhook. ``idempotent`` says whether a
        repeat after a lost answer is harmless (default: reads and "typing" are).
        ``retry`` replaces the client's ``RetryPolicy`` for this call.
        """
        creds, plan = self._plan(method, params, portal, idempotent, credentials)
        return self._run(self._flows.call(creds, *plan, retry))

    async def acall(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        portal: PortalRef | None = None,
        idempotent: bool | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """``call`` for async code."""
        creds, plan = self._plan(method, params, portal, idempotent, credentials)
        return await self._arun(self._flows.call(creds, *plan, retry))

    def _plan(
        self,
        method: str,
        params: Mapping[str, Any] | None,
        portal: PortalRef | None,
        idempotent: bool | None,
        credentials: Credentials | None,
    ) -> tuple[Credentials, tuple[str, Mapping[str, Any], bool]]:
        check_method(method)
        if params is not None and not isinstance(params, Mapping):
            raise TypeError("params must be a mapping")
        creds = credentials or self.credentials_for(portal)
        repeatable = is_idempotent(method) if idempotent is None else idempotent
        return creds, (method, params or {}, repeatable)

    def batch(
        self,
        commands: Commands,
        *,
        portal: PortalRef | None = None,
        halt: bool = False,
    ) -> BatchResult:
        """Run many calls through ``batch``, 50 per request; results and errors by name.

        ``commands`` maps names to ``(method, params)``; a sequence is named by position
        (``"0"``, ``"1"`` ...). With ``halt`` Bitrix24 stops at the first error. If a
        request fails, its ``RestError`` carries, as ``partial``, the ``BatchResult`` of
        the requests before it (their calls ran: do not send them again).
        """
        creds = self.credentials_for(portal)
        result = BatchResult()
        for chunk in chunks(commands):
            params, repeatable = batch_params(chunk, halt, _webhook_only(creds))
            try:
                answer = self._run(self._flows.call(creds, "batch", params, repeatable))
            except RestError as exc:
                exc.partial = result  # what the earlier requests did: not to be re-sent
                raise
            result = result.merge(read_batch(answer))
            if halt and result.errors:
                break
        return result

    async def abatch(
        self,
        commands: Commands,
        *,
        portal: PortalRef | None = None,
        halt: bool = False,
    ) -> BatchResult:
        """``batch`` for async code."""
        creds = self.credentials_for(portal)
        result = BatchResult()
        for chunk in chunks(commands):
            params, repeatable = batch_params(chunk, halt, _webhook_only(creds))
            try:
                answer = await self._arun(self._flows.call(creds, "batch", params, repeatable))
            except RestError as exc:
                exc.partial = result  # see batch
                raise
            result = result.merge(read_batch(answer))
            if halt and result.errors:
                break
        return result

    def refresh(self, portal: PortalRef) -> OAuthTokens:
        """Refresh ``portal``'s stored tokens now (``expired_token`` does it on its own)."""
        member_id = portal.member_id if isinstance(portal, PortalRecord) else portal
        return self._run(self._flows.refresh(member_id, None))  # type: ignore[no-any-return]

    async def arefresh(self, portal: PortalRef) -> OAuthTokens:
        """``refresh`` for async code."""
        member_id = portal.member_id if isinstance(portal, PortalRecord) else portal
        return await self._arun(self._flows.refresh(member_id, None))  # type: ignore[no-any-return]

    # ---- lifetime ------------------------------------------------------------------

    def close(self) -> None:
        """Close the sync HTTP client (the async one: ``aclose``)."""
        if self._http is not None:
            self._http.close()
            self._http = None

    async def aclose(self) -> None:
        """Close the sync HTTP client and this loop's async one (other loops' close with
        their loops)."""
        self.close()
        current = self._ahttp.pop(asyncio.get_running_loop(), None)
        if current is not None:
            client, keeper = current
            await client.aclose()
            await keeper.aclose()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _webhook_only(credentials: Credentials) -> WebhookAuth | None:
    """The webhook a call goes through for sure (no portal to look up first)."""
    if credentials.member_id is None and credentials.domain is None:
        return credentials.webhook
    return None


async def _closed_with_the_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Held open while its loop runs: ``asyncio.run`` finalises open async generators
    before it closes the loop, and this one then closes the client's connections in it
    (without this, each ``asyncio.run`` would leave sockets for the garbage collector)."""
    try:
        yield
    finally:
        await client.aclose()


def _port_allowed_url(domain: str) -> str:
    return f"https://{check_public_domain(domain, allow_port=True)}/rest/"
