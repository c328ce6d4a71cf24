"""``PortalRecord``: one installed (or uninstalled) portal, and the rules for its identity.

A portal is one record keyed by its ``member_id`` (Bitrix24's stable portal id): its bound
``domain``, its ``application_token``, whether the app is installed there, and a
``revision`` that every write bumps, so that writes can be compare-and-set. A domain
belongs to at most one installed record; every store keeps that invariant atomically.

The validators are here, below every store, so that nothing invalid is ever written:

* ``member_id``: 1 to 64 ASCII letters, digits, ``_``, ``-`` or ``.``. Bitrix24 sends 32
  hex characters, but identity is proved by the token, not by the id's format, and on-premise
  portals and test rigs use other ids; what matters is that the id is bounded and holds
  nothing that could split a store key or a log line.
* ``domain``: a host name as RFC 1123 defines it (labels of letters, digits and inner
  hyphens, at most 63 characters each and 253 in all), lower-cased; a ``:port`` only when
  the caller allows one (see ``Dispatcher(allow_domain_port=...)``).

Store schema version: ``SCHEMA_VERSION`` names the tables and key prefixes of the SQLite
and Redis stores, so that a later change can migrate from them. The portal's OAuth
credentials (``OAuthTokens``, learnt at ONAPPINSTALL/ONAPPUPDATE and refreshed by the REST
client) live in the same record, under the same revision: a refresh and an install can
never both win.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from b24botevents._redact import mask_repr

from .credentials import OAuthTokens

__all__ = ["SCHEMA_VERSION", "OAuthTokens", "PortalRecord", "check_domain", "check_member_id"]

#: The version of the portal record's storage layout (table ``b24botevents_portals_v1``,
#: Redis keys under ``b24botevents:portal:v1:``).
SCHEMA_VERSION = 1

MAX_MEMBER_ID = 64
MAX_DOMAIN = 253

_MEMBER_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PORT = re.compile(r"[1-9][0-9]{0,4}")


def check_member_id(member_id: object) -> str:
    """Return ``member_id`` if it is a valid portal id; raise ``ValueError``/``TypeError``.

    The messages never quote the value: it is request text.
    """
    if type(member_id) is not str:
        raise TypeError(f"member_id must be str, not {type(member_id).__name__}")
    if not _MEMBER_ID.fullmatch(member_id):
        raise ValueError(
            f"member_id must be 1-{MAX_MEMBER_ID} ASCII letters, digits, '_', '-' or '.'"
        )
    return member_id


def check_domain(domain: object, *, allow_port: bool = False) -> str:
    """Return ``domain`` lower-cased if it is an RFC 1123 host name (``:port`` if allowed)."""
    if type(domain) is not str:
        raise TypeError(f"domain must be str, not {type(domain).__name__}")
    if not domain.isascii() or len(domain) > MAX_DOMAIN + 6:
        raise ValueError(f"domain must be an ASCII host name of at most {MAX_DOMAIN} characters")
    host, colon, port = domain.lower().partition(":")
    if colon:
        if not allow_port:
            raise ValueError("domain must be a host name without a port")
        if not _PORT.fullmatch(port) or int(port) > 65535:
            raise ValueError("domain has a port that is not 1-65535")
    if not host or len(host) > MAX_DOMAIN or not all(map(_LABEL.fullmatch, host.split("."))):
        raise ValueError(
            "domain must be a host name (RFC 1123: labels of letters, digits and inner"
            f" hyphens, at most 63 characters each and {MAX_DOMAIN} in all)"
        )
    return f"{host}:{port}" if colon else host


def _check_token(token: object) -> str:
    if type(token) is not str:
        raise TypeError(f"application_token must be str, not {type(token).__name__}")
    if not token:
        raise ValueError("application_token must not be empty")
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("application_token must be valid Unicode") from None
    return token


def _validate_member_id(_: object, __: attrs.Attribute[str], value: str) -> None:
    check_member_id(value)


def _validate_domain(_: object, __: attrs.Attribute[str], value: str) -> None:
    if check_domain(value, allow_port=True) != value:
        raise ValueError("domain must be lower-case")


def _validate_token(_: object, __: attrs.Attribute[str], value: str) -> None:
    _check_token(value)


def _validate_revision(_: object, __: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise ValueError("revision must be an int >= 0")


@attrs.frozen(repr=False)
class PortalRecord:
    """One portal: its identity, its bound domain, its token and whether the app is installed.

    ``installed=False`` is what an accepted ONAPPUNINSTALL leaves: the token verifies
    nothing any more, the domain is free, and only a repeat of that same uninstall is
    recognised (and answered 200 without running handlers again). ``revision`` is the
    store's: it is 0 for a record never written, and each write stores ``revision + 1``.
    """

    member_id: str = attrs.field(validator=_validate_member_id)
    domain: str = attrs.field(validator=_validate_domain)
    application_token: str = attrs.field(validator=_validate_token)
    installed: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    revision: int = attrs.field(default=0, validator=_validate_revision)
    #: The portal's OAuth credentials, for REST calls; ``None`` until an install brings them.
    credentials: OAuthTokens | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(OAuthTokens))
    )

    def __repr__(self) -> str:
        # The tokens are masked: a record ends up in logs and tracebacks.
        return (
            f"PortalRecord(member_id={self.member_id!r}, domain={self.domain!r}, "
            f"application_token={mask_repr(self.application_token)}, "
            f"installed={self.installed}, revision={self.revision}, "
            f"credentials={self.credentials!r})"
        )

    def evolve(self, **changes: Any) -> PortalRecord:
        """A copy with ``changes`` (validated like a new record)."""
        return attrs.evolve(self, **changes)


_new = object.__new__
_set = object.__setattr__


def trusted_record(
    member_id: str,
    domain: str,
    token: str,
    installed: bool,
    revision: int,
    credentials: OAuthTokens | None = None,
) -> PortalRecord:
    """A record read back from a store: validated when it was written, so built unchecked.

    Every event's lookup builds one from the SQLite and Redis stores; validators there
    would cost on each request for nothing.
    """
    record = _new(PortalRecord)
    _set(record, "member_id", member_id)
    _set(record, "domain", domain)
    _set(record, "application_token", token)
    _set(record, "installed", installed)
    _set(record, "revision", revision)
    _set(record, "credentials", credentials)
    return record


def written(record: PortalRecord, revision: int) -> PortalRecord:
    """``record`` as a store returns it after writing it at ``revision`` (already
    validated: ``save`` checked it)."""
    return trusted_record(
        record.member_id,
        record.domain,
        record.application_token,
        record.installed,
        revision,
        record.credentials,
    )
