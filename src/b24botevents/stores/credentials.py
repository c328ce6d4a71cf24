"""``OAuthTokens``: a portal's OAuth credentials, as kept in its ``PortalRecord``.

ONAPPINSTALL and ONAPPUPDATE carry the installing user's ``access_token`` (an hour's
life), a ``refresh_token`` (180 days, single use: a refresh returns a new pair and kills
the old one), when the access token ``expires``, its ``scope`` and the ``user_id``. The
REST client calls the portal with them and writes refreshed ones back, compare-and-set.

Only the tokens are kept, never the event's ``client_endpoint`` or ``server_endpoint``:
those are request text, and where the app sends a token or its secret is decided by the
portal's bound domain and the app's configuration alone.

Stores keep the credentials as a JSON document (``to_document``/``from_document``), so
that later fields do not change the SQLite or Redis layout.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from b24botevents._redact import mask_repr

__all__ = ["OAuthTokens", "tokens_from_auth"]

#: Printable ASCII without spaces or quotes, at most 512 characters: what Bitrix24 hands
#: out (hex and dots, ~70 characters) with room to spare. Anything else is not stored.
_TOKEN = re.compile(r"[!#-&(-~]{1,512}")
_SCOPE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
#: At most this many scopes are kept (Bitrix24 has a few dozen in all).
_MAX_SCOPES = 100
#: The document's own version, inside the ``oauth`` key.
_DOCUMENT_VERSION = 1
#: The access token's life when an event says neither ``expires`` nor ``expires_in``.
_DEFAULT_LIFETIME = timedelta(hours=1)


def _check_token(value: object, name: str) -> None:
    if type(value) is not str or not _TOKEN.fullmatch(value):
        raise ValueError(f"{name} must be 1-512 printable ASCII characters without spaces")


def _validate_access(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    _check_token(value, attribute.name)


def _validate_refresh(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        _check_token(value, attribute.name)


def _validate_expiry(_: object, __: attrs.Attribute[Any], value: datetime | None) -> None:
    if value is not None and (type(value) is not datetime or value.tzinfo is None):
        raise ValueError("expires_at must be an aware datetime")


def _validate_scope(_: object, __: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if type(value) is not tuple or len(value) > _MAX_SCOPES:
        raise ValueError(f"scope must be a tuple of at most {_MAX_SCOPES} names")
    for each in value:
        if type(each) is not str or not _SCOPE.fullmatch(each):
            raise ValueError("scope names must be 1-64 ASCII letters, digits, '_', '-' or '.'")


def _validate_user(_: object, __: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise ValueError("user_id must be an int >= 0")


@attrs.frozen(repr=False)
class OAuthTokens:
    """A portal's OAuth credentials: what a REST call sends as ``auth``, and how to renew it.

    ``expires_at`` is when the access token dies (aware, UTC); ``None`` means unknown, in
    which case the client finds out from an ``expired_token`` answer. Both tokens are
    masked in ``repr``.
    """

    access_token: str = attrs.field(validator=_validate_access)
    refresh_token: str | None = attrs.field(default=None, validator=_validate_refresh)
    expires_at: datetime | None = attrs.field(default=None, validator=_validate_expiry)
    scope: tuple[str, ...] = attrs.field(default=(), validator=_validate_scope)
    user_id: int | None = attrs.field(default=None, validator=_validate_user)

    def __repr__(self) -> str:
        expires = self.expires_at.isoformat() if self.expires_at is not None else None
        return (
            f"OAuthTokens(access_token={mask_repr(self.access_token)}, "
            f"refresh_token={mask_repr(self.refresh_token)}, expires_at={expires!r}, "
            f"scope={self.scope!r}, user_id={self.user_id!r})"
        )

    def expired(self, *, now: datetime | None = None, margin: float = 60.0) -> bool:
        """True when the access token is dead, or dies within ``margin`` seconds."""
        if self.expires_at is None:
            return False
        now = now or datetime.now(timezone.utc)
        return self.expires_at - now <= timedelta(seconds=margin)

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready form stores keep (under the record document's ``oauth`` key)."""
        document: dict[str, Any] = {"v": _DOCUMENT_VERSION, "access_token": self.access_token}
        if self.refresh_token is not None:
            document["refresh_token"] = self.refresh_token
        if self.expires_at is not None:
            document["expires_at"] = int(self.expires_at.timestamp())
        if self.scope:
            document["scope"] = list(self.scope)
        if self.user_id is not None:
            document["user_id"] = self.user_id
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> OAuthTokens:
        """Read ``to_document``'s output back (validated: a store's content is not trusted
        to be this library's)."""
        if document.get("v") != _DOCUMENT_VERSION:
            raise ValueError("unknown OAuth document version")
        expires = document.get("expires_at")
        if expires is not None and (type(expires) is not int or not 0 <= expires < 2**37):
            raise ValueError("expires_at must be Unix seconds")
        scope = document.get("scope", [])
        if type(scope) is not list:
            raise ValueError("scope must be a list")
        return cls(
            document.get("access_token"),  # type: ignore[arg-type]  # validated
            document.get("refresh_token"),
            None if expires is None else datetime.fromtimestamp(expires, timezone.utc),
            tuple(scope),
            document.get("user_id"),
        )


def record_document(tokens: OAuthTokens | None) -> str:
    """The JSON text a store keeps in a record's ``document``: ``{}`` without credentials."""
    if tokens is None:
        return "{}"
    return json.dumps({"oauth": tokens.to_document()}, separators=(",", ":"))


def tokens_from_document(text: str | bytes | None) -> OAuthTokens | None:
    """The credentials in a stored ``document`` (``None`` for ``{}``); ValueError if unreadable."""
    if not text or text in ("{}", b"{}"):
        return None
    return _parsed(text)


# Every event's record lookup reads the document, and it only changes when a write
# does: parse each text once (frozen, so the result can be shared). Bounded; the texts
# it keeps are what the store holds anyway.
@functools.lru_cache(maxsize=1024)
def _parsed(text: str | bytes) -> OAuthTokens | None:
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the record's document is not JSON") from None
    if type(document) is not dict:
        raise ValueError("the record's document is not a JSON object")
    oauth = document.get("oauth")
    if oauth is None:
        return None
    if type(oauth) is not dict:
        raise ValueError("the record's oauth entry is not a JSON object")
    try:
        return OAuthTokens.from_document(oauth)
    except TypeError:
        raise ValueError("the record's oauth entry is malformed") from None


def _int(value: object) -> int | None:
    if type(value) is int:
        return value
    if type(value) is str and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def tokens_from_auth(auth: object, *, now: datetime | None = None) -> OAuthTokens | None:
    """The OAuth credentials an event's ``auth`` block carries, or ``None``.

    ``None`` when there is no usable ``access_token`` (ONAPPUNINSTALL, automation); fields
    that do not fit are left out rather than refusing the event: an install is verified
    by its ``application_token``, its credentials are only kept if they are usable.
    ``expires`` (Unix seconds) wins over ``expires_in`` (from ``now``), as the docs say
    ``expires`` does not come with every event.
    """
    if not isinstance(auth, Mapping):
        return None
    access = auth.get("access_token")
    if type(access) is not str or not _TOKEN.fullmatch(access):
        return None
    refresh = auth.get("refresh_token")
    if type(refresh) is not str or not _TOKEN.fullmatch(refresh):
        refresh = None
    now = now or datetime.now(timezone.utc)
    expires_at: datetime | None
    stamp = _int(auth.get("expires"))
    lifetime = _int(auth.get("expires_in"))
    try:
        if stamp is not None and 0 < stamp < 2**37:  # until year 6325
            expires_at = datetime.fromtimestamp(stamp, timezone.utc)
        elif lifetime is not None and lifetime < 10 * 365 * 86400:
            expires_at = now + timedelta(seconds=lifetime)
        else:
            expires_at = now + _DEFAULT_LIFETIME
    except (OverflowError, ValueError, OSError):
        return None  # a date no datetime holds: not usable credentials
    scope_text = auth.get("scope")
    scope: tuple[str, ...] = ()
    if type(scope_text) is str:
        names = [each.strip() for each in scope_text.split(",")]
        scope = tuple(dict.fromkeys(n for n in names if _SCOPE.fullmatch(n)))[:_MAX_SCOPES]
    user_id = _int(auth.get("user_id"))
    return OAuthTokens(access, refresh, expires_at, scope, user_id)
