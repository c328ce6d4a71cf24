"""Internal: renewing a portal's OAuth tokens, once per portal at a time (see ``_flow``).

``refresh`` re-reads the record first (another thread, task or process may have renewed
already), then one caller per portal leads (``_flights``) and the others wait for its
result. The leader asks the configured ``OAuthApp.token_url``, never an address from an
event, checks the answer is for this portal, and writes the new tokens back
compare-and-set. An ``invalid_grant`` after another process spent the refresh token
first is answered from the store.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import attrs

from b24botevents._redact import shown_text
from b24botevents.errors import RestError
from b24botevents.stores import OAuthTokens, PortalRecord, PortalStore
from b24botevents.stores.credentials import tokens_from_auth

from ._answers import NOT_RUN_STATUSES, decode_answer, error_of, retry_after, transport_code
from ._effects import Detached, Flow, HttpReply, HttpRequest, Sleep, StoreCall, WaitFor
from ._flights import Flights
from .config import OAuthApp, RetryPolicy, WebhookAuth
from .endpoints import PortalURL
from .limiter import RateLimiter

logger = logging.getLogger("b24botevents.rest")

#: How long a caller waits for another's refresh of the same portal.
_REFRESH_WAIT = 60.0
#: After ``invalid_grant``: the pauses between looks at the store for the tokens of the
#: process that refreshed first (1.5 s in all; only this failure path waits).
_RIVAL_WAITS = (0.05, 0.1, 0.2, 0.4, 0.75)


def _still_good(tokens: OAuthTokens | None, stale: str | None) -> bool:
    """Whether stored ``tokens`` are not the ``stale`` ones and have not expired."""
    if tokens is None or stale is None:
        return False
    return tokens.access_token != stale and not tokens.expired()


class FlowSettings:
    """What the flows of one client share: configuration, limiter, refresh flights."""

    def __init__(
        self,
        *,
        store: PortalStore | None,
        app: OAuthApp | None,
        webhook: WebhookAuth | None,
        portal_url: PortalURL,
        limiter: RateLimiter,
        retry: RetryPolicy,
        is_transport_error: Callable[[BaseException], bool],
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.app = app
        self.webhook = webhook
        self.portal_url = portal_url
        self.limiter = limiter
        self.retry = retry
        self._is_transport_error = is_transport_error
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.flights = Flights()

    # ---- helpers -------------------------------------------------------------------

    def _backoff(
        self, attempt: int, hint: float | None = None, policy: RetryPolicy | None = None
    ) -> float:
        policy = policy or self.retry
        if hint is not None:
            return min(policy.max_delay, hint)
        ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)

    def _record(self, member_id: str | None, domain: str | None = None) -> Flow[PortalRecord]:
        if self.store is None:
            raise RestError("NO_CREDENTIALS", "no portal_store: pass one to the client")
        if member_id is not None:
            record = yield StoreCall(self.store.get, (member_id,))
        elif domain is not None:
            record = yield StoreCall(self.store.get_by_domain, (domain,))
        else:
            raise RestError("NO_CREDENTIALS", "the event names no portal")
        if record is None or not record.installed:
            name = shown_text(member_id or domain or "")
            raise RestError("PORTAL_NOT_INSTALLED", f"no installed portal {name}")
        assert isinstance(record, PortalRecord)
        if domain is not None and record.domain != domain.lower():
            raise RestError("PORTAL_MISMATCH", "the event's domain is not the portal's bound one")
        return record

    def _wait_retry(
        self,
        method: str,
        code: str,
        attempt: int,
        hint: float | None = None,
        policy: RetryPolicy | None = None,
    ) -> Flow[None]:
        policy = policy or self.retry
        delay = self._backoff(attempt, hint, policy)
        logger.warning(
            "rest: %s got %s; retry %d of %d in %.2fs",
            method,
            code,
            attempt,
            policy.attempts - 1,
            delay,
        )
        yield Sleep(delay)

    # ---- the refresh ---------------------------------------------------------------


class RefreshFlows(FlowSettings):
    """The refresh half of a client's flows."""

    def refresh(self, member_id: str, stale: str | None) -> Flow[OAuthTokens]:
        """Fresh tokens for ``member_id`` whose ``stale`` access token failed or expired.

        If the store already holds other, unexpired tokens (another thread, task or
        process refreshed), those are used. Otherwise one caller per portal and process
        refreshes while the others wait for its result. ``stale=None`` renews whatever
        is stored.
        """
        record = yield from self._record(member_id)
        current = record.credentials
        if _still_good(current, stale):
            assert current is not None
            return current
        flight, leader = self.flights.join(member_id)
        if not leader:
            tokens = yield WaitFor(flight, _REFRESH_WAIT)
        else:
            # Detached: the refresh finishes (and resolves the flight) even if this
            # caller is cancelled once the OAuth server has been asked.
            tokens = yield Detached(self._lead(member_id, stale, flight))
        assert isinstance(tokens, OAuthTokens)
        return tokens

    def _lead(self, member_id: str, stale: str | None, flight: Future[Any]) -> Flow[OAuthTokens]:
        """The leader's refresh: renew, then resolve the flight for every waiter."""
        try:
            tokens = yield from self._renew(member_id, stale)
        except BaseException as exc:
            if not flight.done():
                failed = exc if isinstance(exc, RestError) else RestError("REFRESH_FAILED")
                flight.set_exception(failed)
            raise
        else:
            if not flight.done():
                flight.set_result(tokens)
        finally:
            self.flights.leave(member_id, flight)
        return tokens

    def _renew(self, member_id: str, stale: str | None) -> Flow[OAuthTokens]:
        app = self.app
        if app is None:
            raise RestError("REFRESH_FAILED", "no OAuthApp configured to refresh tokens with")
        # Read again as the leader: a refresh that finished since our first read wins.
        record = yield from self._record(member_id)
        old = record.credentials
        if old is None:
            raise RestError("NO_CREDENTIALS", "the portal has no stored OAuth tokens")
        if _still_good(old, stale):
            return old
        if old.refresh_token is None:
            raise RestError("REFRESH_FAILED", "the portal's stored tokens hold no refresh_token")
        params = {
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": old.refresh_token,
        }
        answer = yield from self._token_request(app, params)
        if "error" in answer:
            code, description = error_of(answer)
            if code == "invalid_grant":
                # Another process may have spent the refresh token first: take its result,
                # once it has written it (it may still be on its way to the store).
                theirs = yield from self._written_by_another(member_id, old)
                if theirs is not None:
                    return theirs
            raise RestError("REFRESH_FAILED", f"the OAuth server answered {code}: {description}")
        answered_for = answer.get("member_id")
        if answered_for is not None and answered_for != member_id:
            raise RestError("REFRESH_FAILED", "the OAuth server answered for another portal")
        tokens = tokens_from_auth(answer)
        if tokens is None:
            raise RestError("REFRESH_FAILED", "the OAuth server's answer holds no usable token")
        if not tokens.scope or tokens.user_id is None:
            tokens = attrs.evolve(
                tokens, scope=tokens.scope or old.scope, user_id=tokens.user_id or old.user_id
            )
        yield from self._write_back(record, old, tokens)
        logger.info("rest: refreshed the OAuth tokens of portal %s", shown_text(member_id))
        return tokens

    def _written_by_another(self, member_id: str, old: OAuthTokens) -> Flow[OAuthTokens | None]:
        """Tokens another process stored in place of ``old``, waited for a little."""
        for wait in _RIVAL_WAITS:
            record = yield from self._record(member_id)
            theirs = record.credentials
            if theirs is not None and theirs.refresh_token != old.refresh_token:
                return theirs
            yield Sleep(wait)
        return None

    def _token_request(self, app: OAuthApp, params: dict[str, str]) -> Flow[dict[str, Any]]:
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            try:
                reply = yield HttpRequest("GET", app.token_url, params=params, purpose="oauth")
            except Exception as exc:
                if not self._is_transport_error(exc):
                    raise
                # Retried even after a lost answer: the refresh token may be spent, and a
                # repeat then answers invalid_grant, which is no worse.
                if attempt < policy.attempts:
                    yield from self._wait_retry("oauth", transport_code(exc)[0], attempt)
                    continue
                raise RestError("REFRESH_FAILED", "no answer from the OAuth server") from None
            assert isinstance(reply, HttpReply)
            body = decode_answer(reply)
            if reply.status in NOT_RUN_STATUSES and attempt < policy.attempts:
                hint = retry_after(reply)
                yield from self._wait_retry("oauth", str(reply.status), attempt, hint)
                continue
            if body is None:
                raise RestError("REFRESH_FAILED", "the OAuth server gave no JSON answer")
            return body
        raise RestError("REFRESH_FAILED", "the OAuth server kept refusing")  # pragma: no cover

    def _write_back(
        self, record: PortalRecord, old: OAuthTokens, tokens: OAuthTokens
    ) -> Flow[None]:
        assert self.store is not None
        for _ in range(3):
            saved = yield StoreCall(
                self.store.save, (record.evolve(credentials=tokens),), {"expected": record.revision}
            )
            if saved is not None:
                return
            record = yield from self._record(record.member_id)
            if record.credentials != old:
                # A reinstall wrote newer credentials meanwhile: keep them; ours still
                # serve this call.
                return
        logger.warning(
            "rest: could not store refreshed tokens of portal %s", shown_text(record.member_id)
        )
