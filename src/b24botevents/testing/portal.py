"""``Portal``: a made-up Bitrix24 portal and the ``auth`` blocks its events carry.

A portal is identified by ``member_id`` and ``domain`` and signs every event with its
``application_token``. This module owns those identities (random or fixed ones) and the
realistic ``auth`` dicts built from them, field for field and in the order Bitrix24 sends
them. Every value is a string, as on the wire. Tokens never show in ``repr``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timezone
from typing import Any, TypeAlias

import attrs

from b24botevents import PortalRecord

__all__ = ["DEFAULT_DOMAIN", "SERVER_ENDPOINT", "Portal", "Timestamp", "unix_ts"]

#: What a ``ts`` may be given as: Unix seconds (an int or a string of digits) or a datetime
#: (a naive one is taken as UTC).
Timestamp: TypeAlias = int | str | datetime

#: Bitrix24's OAuth server, the ``server_endpoint`` of every cloud portal.
SERVER_ENDPOINT = "https://oauth.bitrix.info/rest/"

#: The portal host used when a builder is given no ``domain`` (the docs' own example).
DEFAULT_DOMAIN = "some-domain.bitrix24.com"


def unix_ts(ts: Timestamp | None = None) -> str:
    """``ts`` as Bitrix24 sends it: Unix seconds as a string; ``None`` means now."""
    if ts is None:
        return str(int(time.time()))
    if isinstance(ts, bool):
        raise TypeError("ts must be Unix seconds or a datetime, not a bool")
    if isinstance(ts, int):
        return str(ts)
    if isinstance(ts, datetime):
        aware = ts if ts.tzinfo is not None else ts.replace(tzinfo=timezone.utc)
        return str(int(aware.timestamp()))
    if isinstance(ts, str):
        return ts
    raise TypeError(f"ts must be Unix seconds or a datetime, not {type(ts).__name__}")


def _masked(value: object) -> str:
    return "None" if value is None else "'***'"


def _endpoint(portal: Portal) -> str:
    return f"https://{portal.domain}/rest/"


def _derived(secret: str, label: str, length: int) -> str:
    """A token derived from another: stable for one portal, different per bot."""
    return hashlib.sha256(f"{secret}:{label}".encode()).hexdigest()[:length]


@attrs.frozen(kw_only=True)
class Portal:
    """A fake Bitrix24 portal: who it is and the tokens it hands out.

    Only ``member_id``, ``domain`` and ``application_token`` are required; the rest get
    realistic defaults (fresh random tokens, ``https://<domain>/rest/``, scope ``imbot``,
    status ``F``). Use ``Portal.random()`` for a new portal in every test.
    """

    member_id: str
    domain: str
    application_token: str = attrs.field(repr=_masked)
    client_endpoint: str = attrs.field(default=attrs.Factory(_endpoint, takes_self=True))
    server_endpoint: str = SERVER_ENDPOINT
    #: The installing user's OAuth tokens (``auth[access_token]``/``auth[refresh_token]``).
    access_token: str = attrs.field(factory=lambda: secrets.token_hex(25), repr=_masked)
    refresh_token: str = attrs.field(factory=lambda: secrets.token_hex(25), repr=_masked)
    #: The application's OAuth client id (sent in v1 bot blocks; not a secret).
    client_id: str = attrs.field(factory=lambda: secrets.token_hex(16))
    scope: str = "imbot"
    status: str = "F"
    expires_in: int = 3600

    @classmethod
    def random(cls, *, domain: str | None = None) -> Portal:
        """A new portal with random hex ids and tokens (``secrets``), unique per call."""
        return cls(
            member_id=secrets.token_hex(16),
            domain=domain or f"test-{secrets.token_hex(4)}.bitrix24.com",
            application_token=secrets.token_hex(16),
        )

    @classmethod
    def example(cls) -> Portal:
        """A fixed, published portal: the same values every time (docs, CLI samples).

        Its tokens are public, so never let a real handler accept them.
        """
        # Published on purpose: these are example values, not credentials.
        return cls(
            member_id="6a1f0e3c9b2d4e5f8a7b6c5d4e3f2a1b",
            domain="example.bitrix24.com",
            application_token="f1e2d3c4b5a69788796a5b4c3d2e1f00",  # noqa: S106
            access_token="0e5a1c7b000071b0000084400000001b00000e5a1c7b9d3e2f",  # noqa: S106
            refresh_token="3f9b2d6e000071b0000084400000001b00000f9b2d6e8a1c4d",  # noqa: S106
            client_id="local.65f1a2b3c4d5e6.12345678",
        )

    def with_application_token(self, token: str | None = None) -> Portal:
        """The same portal signing with another token (random if not given).

        For token rotation (ONAPPUPDATE) and for requests that must be refused.
        """
        return attrs.evolve(self, application_token=token or secrets.token_hex(16))

    def record(self) -> PortalRecord:
        """This portal as a store holds it once installed: seed a store with it.

        ``MemoryPortalStore([portal.record()])`` is a store in which the portal is
        already installed.
        """
        return PortalRecord(self.member_id, self.domain.lower(), self.application_token)

    def _expiry(self, now: Timestamp | None) -> dict[str, str]:
        stamp = unix_ts(now)
        base = int(stamp) if stamp.isdigit() else int(time.time())
        return {"expires": str(base + self.expires_in), "expires_in": str(self.expires_in)}

    def _portal_fields(self) -> dict[str, str]:
        return {
            "scope": self.scope,
            "domain": self.domain,
            "server_endpoint": self.server_endpoint,
            "status": self.status,
            "client_endpoint": self.client_endpoint,
            "member_id": self.member_id,
        }

    def auth(
        self,
        with_user_tokens: bool = True,
        user_id: int = 1,
        *,
        refresh_token: bool = True,
        now: Timestamp | None = None,
    ) -> dict[str, str]:
        """The top-level ``auth`` block of an event fired by user ``user_id``.

        With user tokens (the usual case): ``access_token, expires, expires_in, scope,
        domain, server_endpoint, status, client_endpoint, member_id, user_id,
        refresh_token, application_token``; ``expires`` is ``now`` (the event's ``ts``)
        plus ``expires_in``. ``refresh_token=False`` leaves the refresh token out, as
        ONIMBOTDELETE and ONIMBOTJOINCHAT do. ``with_user_tokens=False`` is an event
        fired by automation: no tokens, no ``expires*`` and no ``user_id``.
        """
        if not with_user_tokens:
            return {**self._portal_fields(), "application_token": self.application_token}
        block = {"access_token": self.access_token, **self._expiry(now)}
        block.update(self._portal_fields())
        block["user_id"] = str(user_id)
        if refresh_token:
            block["refresh_token"] = self.refresh_token
        block["application_token"] = self.application_token
        return block

    def bot_auth(
        self,
        bot_id: int,
        *,
        refresh_token: bool = False,
        client_id: bool = False,
        now: Timestamp | None = None,
    ) -> dict[str, str]:
        """A bot's own OAuth block (``data[bot][auth]`` in v2, ``data[BOT][<id>]`` in v1).

        The bot's tokens are derived from the portal's, so they are stable for one portal
        and differ per bot. v1 blocks also carry ``refresh_token`` and ``client_id``.
        """
        block = {"access_token": _derived(self.access_token, f"bot:{bot_id}", 50)}
        block.update(self._expiry(now))
        block.update(self._portal_fields())
        if refresh_token:
            block["refresh_token"] = _derived(self.refresh_token, f"bot:{bot_id}", 50)
        block["user_id"] = str(bot_id)
        if client_id:
            block["client_id"] = self.client_id
        block["application_token"] = self.application_token
        return block

    def uninstall_auth(self) -> dict[str, str]:
        """The bare block of ONAPPUNINSTALL (and of outgoing-webhook events).

        Only ``domain, server_endpoint, client_endpoint, member_id, application_token``:
        no user, no tokens to call back with.
        """
        return {
            "domain": self.domain,
            "server_endpoint": self.server_endpoint,
            "client_endpoint": self.client_endpoint,
            "member_id": self.member_id,
            "application_token": self.application_token,
        }

    def envelope_auth(self) -> dict[str, str]:
        """The minimal v2 webhook envelope's block: ``domain`` and ``application_token``."""
        return {"domain": self.domain, "application_token": self.application_token}

    def tokens(self) -> tuple[str, ...]:
        """Every secret this portal puts in bodies (for "never printed" assertions).

        Bot tokens are derived per bot id; pass the ids with ``bot_tokens``.
        """
        return (self.application_token, self.access_token, self.refresh_token)

    def bot_tokens(self, *bot_ids: int) -> tuple[str, ...]:
        """The derived access and refresh tokens of these bots."""
        found: list[str] = []
        for bot_id in bot_ids:
            found.append(_derived(self.access_token, f"bot:{bot_id}", 50))
            found.append(_derived(self.refresh_token, f"bot:{bot_id}", 50))
        return tuple(found)

    def evolve(self, **changes: Any) -> Portal:
        """A copy with ``changes``; a new ``domain`` also moves a default ``client_endpoint``."""
        domain = changes.get("domain")
        if (
            domain is not None
            and "client_endpoint" not in changes
            and self.client_endpoint == _endpoint(self)
        ):
            changes["client_endpoint"] = f"https://{domain}/rest/"
        return attrs.evolve(self, **changes)
