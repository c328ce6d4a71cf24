"""The fake's OAuth server: ``/oauth/token/`` with ``grant_type=refresh_token``.

Docs: ``settings/oauth/auto-renewal.md`` and ``settings/oauth/error-codes.md``. A valid
refresh token of the fake's application is rotated (the old refresh token and the access
token it renewed stop working) and the answer is the documented JSON, not wrapped in
``result``: ``access_token, expires, expires_in, scope, domain ("oauth.bitrix.info"),
server_endpoint, status, client_endpoint, member_id, user_id, refresh_token``. A wrong
``client_id``/``client_secret`` is ``invalid_client`` (401); an unknown or used refresh
token ``invalid_grant`` (400). Every request is kept in ``State.refreshes``.
"""

from __future__ import annotations

import hmac
from typing import Any

from ._fake_records import RefreshRecord
from ._fake_state import State
from ._fake_wire import ApiError

__all__ = ["OAUTH_DOMAIN", "refresh_grant"]

OAUTH_DOMAIN = "oauth.bitrix.info"


def _same(given: Any, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def refresh_grant(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """Rotate the pair of ``params["refresh_token"]``; raise ``ApiError`` when refused."""
    grant_type = params.get("grant_type")
    grant = grant_type if isinstance(grant_type, str) else None
    refresh = params.get("refresh_token")
    old = state.refresh.get(refresh) if isinstance(refresh, str) else None
    owner = state.refresh_owner(refresh) if isinstance(refresh, str) else None

    def refuse(code: str, description: str) -> ApiError:
        state.refreshes.append(
            RefreshRecord(
                member_id=owner.member_id if owner else None,
                user_id=owner.user_id if owner else None,
                kind=owner.kind if owner else None,
                grant_type=grant,
                error=code,
            )
        )
        return ApiError(code, description)

    if grant is None or not params.get("client_id"):
        raise refuse("invalid_request", "An incorrectly formatted authorization request")
    if not (
        _same(params.get("client_id"), state.client_id)
        and _same(params.get("client_secret"), state.client_secret)
    ):
        raise refuse("invalid_client", "Invalid client data was provided")
    if grant != "refresh_token":
        raise refuse("invalid_grant", "Only the refresh_token grant is supported by the fake")
    if old is None or not isinstance(refresh, str):
        raise refuse("invalid_grant", "Invalid authorization tokens were provided")
    new = state.rotate(refresh)
    assert new is not None  # found above, under the same lock
    portal = state.entry(new.member_id).portal
    state.refreshes.append(
        RefreshRecord(
            member_id=new.member_id,
            user_id=new.user_id,
            kind=new.kind,
            grant_type=grant,
            error=None,
        )
    )
    expires_in = state.entry(new.member_id).expires_in
    return {
        "access_token": new.value,
        "expires": int(new.expires),
        "expires_in": expires_in,
        "scope": portal.scope,
        "domain": OAUTH_DOMAIN,
        "server_endpoint": portal.server_endpoint,
        "status": portal.status,
        "client_endpoint": portal.client_endpoint,
        "member_id": portal.member_id,
        "user_id": new.user_id,
        "refresh_token": new.refresh,
    }
