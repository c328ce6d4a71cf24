"""Internal: what one REST call does, written once for sync and async (see ``_effects``).

A call picks its credentials (an event's own bot tokens while fresh, else the portal's
stored ones, else the configured webhook), takes a slot from the rate limiter, posts,
and reads the answer:

* ``expired_token``: one refresh (single flight per portal, see ``_flights``) and one
  more try; with an event's tokens, the stored ones instead;
* HTTP 429 / 503 / ``QUERY_LIMIT_EXCEEDED``, or a connection that failed before the
  request left: backoff with jitter and try again, within the ``RetryPolicy``;
* a timeout or a lost answer after the request left: try again only if the method is
  idempotent, else ``RestError(may_have_run=True)``; 500/502/504 likewise;
* any other error: ``RestError`` with Bitrix24's code and description.

The base URL is the portal's bound domain's (``endpoints``); refreshes are ``_refresh``'s;
what an answer means is ``_answers``'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from b24botevents.errors import RestError
from b24botevents.stores import OAuthTokens, PortalRecord

from ._answers import (
    EXPIRED,
    MAYBE_RUN_STATUSES,
    NOT_RUN_STATUSES,
    THROTTLED,
    check_method,
    decode_answer,
    error_of,
    is_idempotent,
    retry_after,
    transport_code,
)
from ._effects import Flow, HttpReply, HttpRequest, Sleep
from ._refresh import RefreshFlows
from .config import RetryPolicy, WebhookAuth

__all__ = ["CallFlows", "Credentials", "add_bot_token", "check_method", "is_idempotent"]

#: Why a call may go by the fallback webhook instead of a portal's stored tokens.
_FALL_BACK = frozenset({"NO_CREDENTIALS", "PORTAL_NOT_INSTALLED"})


@attrs.frozen(repr=False)
class Credentials:
    """Who a call goes as: a portal's stored record (``member_id``), optionally with an
    event's own fresh tokens to try first, or a webhook."""

    member_id: str | None = None
    preferred: OAuthTokens | None = None
    webhook: WebhookAuth | None = None
    #: An event's domain: the portal is looked up by it when there is no ``member_id``
    #: (the v2 envelope), and must be the record's bound domain when both are given.
    domain: str | None = None
    #: A REST base URL to call with ``preferred`` alone, no store: the install check's
    #: call to the OAuth server (``OAuthApp.server_url``), never one from an event.
    endpoint: str | None = None

    def __repr__(self) -> str:
        if self.webhook is not None and self.member_id is None and self.domain is None:
            return f"Credentials(webhook={self.webhook!r})"
        return (
            f"Credentials(member_id={self.member_id!r}, domain={self.domain!r}, "
            f"event_tokens={self.preferred is not None}, webhook={self.webhook is not None})"
        )


def add_bot_token(payload: dict[str, Any], method: str, webhook: WebhookAuth) -> None:
    """A webhook-authorised bot names itself: ``botToken`` in v2, ``CLIENT_ID`` in v1."""
    token = webhook.bot_token
    if token is None:
        return
    if method.startswith("imbot.v2."):
        payload.setdefault("botToken", token)
    elif method.startswith("imbot."):
        payload.setdefault("CLIENT_ID", token)


class CallFlows(RefreshFlows):
    """The flows of one client: its calls, and (inherited) its refreshes."""

    def _portal(self, credentials: Credentials) -> Flow[PortalRecord | None]:
        """The portal record a call goes to, or None to go by the fallback webhook."""
        try:
            record = yield from self._record(credentials.member_id, credentials.domain)
        except RestError as exc:
            if credentials.webhook is not None and exc.code in _FALL_BACK:
                return None
            raise
        no_tokens = record.credentials is None and credentials.preferred is None
        if no_tokens and credentials.webhook is not None:
            return None
        return record

    # ---- a call --------------------------------------------------------------------

    def call(
        self,
        credentials: Credentials,
        method: str,
        params: Mapping[str, Any],
        idempotent: bool,
        retry: RetryPolicy | None = None,
    ) -> Flow[Any]:
        """Make one REST call; return its ``result``. ``retry`` overrides the client's."""
        body = yield from self._call_body(credentials, method, params, idempotent, retry)
        return body.get("result")

    def _call_body(
        self,
        credentials: Credentials,
        method: str,
        params: Mapping[str, Any],
        idempotent: bool,
        retry: RetryPolicy | None,
    ) -> Flow[dict[str, Any]]:
        policy = retry or self.retry
        preferred = credentials.preferred
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            url, key, tokens, record, renewed = yield from self._address(
                credentials, method, preferred, not refreshed
            )
            refreshed = refreshed or renewed
            if tokens is not preferred:
                preferred = None  # expired: the stored credentials took over
            payload = dict(params)
            if tokens is not None:
                payload["auth"] = tokens.access_token
            elif credentials.webhook is not None:
                add_bot_token(payload, method, credentials.webhook)
            # Calls to a fixed endpoint (the install check's, at the OAuth server) are
            # not a portal's: one shared bucket would let forged installs queue every
            # genuine check behind them.
            wait = 0.0 if credentials.endpoint is not None else self.limiter.reserve(key)
            if wait > 0:
                yield Sleep(wait)
            try:
                reply = yield HttpRequest("POST", url, json=payload, purpose=method)
            except Exception as exc:
                if not self._is_transport_error(exc):
                    raise
                code, may_have_run = transport_code(exc)
                if (idempotent or not may_have_run) and attempt < policy.attempts:
                    yield from self._wait_retry(method, code, attempt, None, policy)
                    continue
                raise RestError(
                    code, "no answer from the portal", method=method, may_have_run=may_have_run
                ) from None
            assert isinstance(reply, HttpReply)
            body = decode_answer(reply)
            if body is not None and "error" not in body and 200 <= reply.status < 300:
                return body
            code, description = (
                error_of(body) if body is not None else ("HTTP_ERROR", "no JSON answer")
            )
            if code in EXPIRED and preferred is not None and credentials.endpoint is None:
                preferred = None  # the event's tokens died: go on with the stored ones
                continue
            if code in EXPIRED and not refreshed:
                refreshed = True
                if tokens is not None and record is not None and self.app is not None:
                    yield from self.refresh(record.member_id, tokens.access_token)
                    continue
            throttled = code in THROTTLED or reply.status in NOT_RUN_STATUSES
            # No JSON after a proxy's 500/502/504, or after a 2xx: the call may have run.
            maybe_run = body is None and (
                reply.status in MAYBE_RUN_STATUSES or 200 <= reply.status < 300
            )
            if (throttled or (maybe_run and idempotent)) and attempt < policy.attempts:
                yield from self._wait_retry(method, code, attempt, retry_after(reply), policy)
                continue
            raise RestError(
                code,
                description,
                status=reply.status,
                method=method,
                may_have_run=maybe_run,
            )

    def _address(
        self,
        credentials: Credentials,
        method: str,
        preferred: OAuthTokens | None,
        may_refresh: bool,
    ) -> Flow[tuple[str, str, OAuthTokens | None, PortalRecord | None, bool]]:
        """``(url, limiter key, tokens, record, refreshed)`` of the next try."""
        endpoint = credentials.endpoint
        if endpoint is not None:
            if preferred is None:
                raise RestError("NO_CREDENTIALS", "no token to call with", method=method)
            return f"{endpoint}{method}.json", endpoint, preferred, None, False
        record = None
        if credentials.member_id is not None or credentials.domain is not None:
            record = yield from self._portal(credentials)
        if record is None:
            webhook = credentials.webhook
            if webhook is None:
                raise RestError("NO_CREDENTIALS", "no portal and no webhook", method=method)
            return f"{webhook.base_url}{method}.json", webhook.host, None, None, False
        url = f"{self.portal_url(record.domain)}{method}.json"
        if preferred is not None and not preferred.expired():
            return url, record.member_id, preferred, record, False
        tokens = record.credentials
        if tokens is None:
            raise RestError(
                "NO_CREDENTIALS", "the portal has no stored OAuth tokens", method=method
            )
        if tokens.expired() and self.app is not None and may_refresh:
            tokens = yield from self.refresh(record.member_id, tokens.access_token)
            return url, record.member_id, tokens, record, True
        return url, record.member_id, tokens, record, False
