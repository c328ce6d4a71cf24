"""``PortalVerifier``: per-portal tokens in a ``PortalStore``, with each portal's identity bound.

A portal is its ``member_id``; ONAPPINSTALL binds it to a domain and a token. Then:

* an ordinary event with a ``member_id`` verifies against that portal's record, and its
  ``domain``, if it names one, must be the bound one (403 otherwise: a portal never
  reaches handlers as another portal's domain); an event with only a ``domain`` (the v2
  webhook envelope) verifies against the installed portal bound to that domain;
* ONAPPINSTALL / ONAPPUPDATE write only their own ``member_id``'s record. A new token, a
  new domain, or a domain bound to another portal is refused unless ``approve_install``
  approves it (told which, by an ``InstallRequest``); a first install on a free domain is
  trusted without a hook (the token is only ever learnt there) and asks the hook with one;
* ONAPPINSTALL / ONAPPUPDATE also keep the OAuth credentials their ``auth`` carries
  (``OAuthTokens``), for the REST client; a repeat with new credentials rewrites only them;
* an accepted ONAPPUNINSTALL marks the record uninstalled *before* the handlers run: its
  token verifies nothing from then on, its domain is free, its credentials are dropped,
  and a reinstall works at once. The same uninstall again is recognised and answered 200
  without running handlers.

Every write is compare-and-set on the revision read at ``check``: if the record changed
meanwhile, the event is checked again against the new state (bounded), and refused when
the change would need an approval the hook did not give.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone

from b24botevents.convert.scalars import envelope_time
from b24botevents.envelope import Envelope
from b24botevents.errors import VerificationFailed
from b24botevents.stores import OAuthTokens, PortalRecord, PortalStore
from b24botevents.stores._protocols import store_blocking
from b24botevents.stores.credentials import tokens_from_auth
from b24botevents.stores.record import MAX_DOMAIN, MAX_MEMBER_ID, check_domain, check_member_id

from ._verdict import (
    ACCEPT,
    INSTALL,
    LIFECYCLE,
    UNINSTALL,
    UPDATE,
    Verdict,
    Verifier,
    is_text,
    require_token,
    same_token,
    what,
)
from .install import InstallReason, InstallRequest

__all__ = ["PortalVerifier"]

#: Checks of one event against a store that keeps changing under it, at most.
_ATTEMPTS = 3
#: The longest stored domain: a host name and a ``:port``.
_MAX_HOST = MAX_DOMAIN + 6


class PortalVerifier(Verifier):
    """Verifies events against the portal records of ``store``.

    ``approval`` says whether an install hook is configured (see the module docstring).
    ``allow_domain_port`` accepts ``host:port`` domains (test rigs, on-premise portals on
    a non-standard port); Bitrix24 cloud domains never carry one.
    """

    def __init__(
        self, store: PortalStore, *, approval: bool = False, allow_domain_port: bool = False
    ) -> None:
        self.store = store
        self.approval = approval
        self.allow_domain_port = allow_domain_port
        self.blocking = store_blocking(store, "portal_store")

    def __repr__(self) -> str:
        return f"PortalVerifier({self.store!r})"

    def check(self, envelope: Envelope) -> Verdict:
        """Check the envelope's token against its portal's stored record."""
        token = envelope.token
        if token is None:
            require_token(envelope)  # raises, saying what is missing
        assert token is not None
        if envelope.code in LIFECYCLE:
            return self._check_lifecycle(envelope, token)
        member_id = envelope.member_id
        domain = envelope.domain
        # Longer ids and domains can never be stored: refuse them without a store lookup.
        if member_id:
            record = self.store.get(member_id) if len(member_id) <= MAX_MEMBER_ID else None
        elif domain:
            record = self.store.get_by_domain(domain) if len(domain) <= _MAX_HOST else None
        else:
            raise VerificationFailed(f"{what(envelope)}: auth has neither member_id nor domain")
        if record is None or not record.installed:
            raise VerificationFailed(f"{what(envelope)}: unknown portal (not installed)")
        stored = record.application_token
        if stored.isascii() and token.isascii():  # hex tokens: the usual case, inline
            matches = hmac.compare_digest(stored, token)
        else:
            matches = same_token(stored, token)
        if not matches:
            raise VerificationFailed(f"{what(envelope)}: application_token does not match")
        if domain is not None and domain != record.domain:
            raise VerificationFailed(f"{what(envelope)}: domain is not the portal's bound domain")
        return ACCEPT

    def _check_lifecycle(self, envelope: Envelope, token: str) -> Verdict:
        code = envelope.code
        member_id = envelope.member_id
        if not member_id:
            raise VerificationFailed(f"{what(envelope)}: no auth[member_id] to bind the portal to")
        try:
            check_member_id(member_id)
        except ValueError:
            raise VerificationFailed(
                f"{what(envelope)}: auth[member_id] is not a portal id"
            ) from None
        if not is_text(token):  # never store what no later event could match
            raise VerificationFailed(f"{what(envelope)}: application_token is not valid Unicode")
        record = self.store.get(member_id)
        matches = record is not None and same_token(record.application_token, token)
        if code == UNINSTALL:
            return self._check_uninstall(envelope, record, matches)
        domain = envelope.domain
        try:
            domain = check_domain(domain, allow_port=self.allow_domain_port)
        except (TypeError, ValueError):
            raise VerificationFailed(f"{what(envelope)}: auth[domain] is not a host name") from None
        installed = record is not None and record.installed
        # Dated from the event's own ts, not from now: a repeat of an old install must
        # not look newer than the tokens a refresh has stored since.
        sent = _sent(envelope)
        credentials = tokens_from_auth(envelope.auth, now=sent)
        if credentials is not None and sent is None and not _stamped(envelope):
            # Neither ts nor expires: no way to tell these tokens from old ones.
            credentials = None if record is not None and record.credentials else credentials
        if matches and record is not None and not _newer(credentials, record):
            credentials = record.credentials  # nothing newer: keep what the portal has
        if installed and matches and record is not None and record.domain == domain:
            if credentials == record.credentials:
                return ACCEPT  # a repeat of what is stored: nothing to write
            # The same portal, token and domain with new OAuth tokens (a reinstall, an
            # update): only the credentials change, so no approval is needed.
            return Verdict(
                envelope, write=record.evolve(credentials=credentials), expected=record.revision
            )
        holder = self.store.get_by_domain(domain)
        other = holder.member_id if holder is not None and holder.member_id != member_id else None
        replaces_token = installed and not matches
        if other is not None:
            reason = InstallReason.DOMAIN_CLAIM
        elif replaces_token:
            reason = InstallReason.NEW_TOKEN
        elif not installed:
            reason = InstallReason.FIRST_INSTALL
        else:
            reason = InstallReason.DOMAIN_CHANGE
        if not self.approval:
            # Without a hook only a first install by ONAPPINSTALL is trusted.
            if code != INSTALL or reason is not InstallReason.FIRST_INSTALL:
                raise VerificationFailed(f"{what(envelope)}: {_REFUSALS[code, reason]}")
            request = None
        else:
            request = InstallRequest(reason, member_id, domain, record, other, replaces_token)
        return Verdict(
            envelope,
            request=request,
            write=PortalRecord(member_id, domain, token, credentials=credentials),
            expected=None if record is None else record.revision,
            take_domain=other is not None,
            domain_holder=other,
        )

    def _check_uninstall(
        self, envelope: Envelope, record: PortalRecord | None, matches: bool
    ) -> Verdict:
        if record is None:
            raise VerificationFailed(f"{what(envelope)}: unknown portal (no record)")
        if not matches:
            raise VerificationFailed(f"{what(envelope)}: application_token does not match")
        if envelope.domain is not None and envelope.domain != record.domain:
            raise VerificationFailed(f"{what(envelope)}: domain is not the portal's bound domain")
        if not record.installed:
            return Verdict(envelope, repeat=True)  # the same uninstall again
        # The credentials go with the install: they are dead on Bitrix24's side, and a
        # secret not kept cannot leak.
        write = record.evolve(installed=False, credentials=None)
        return Verdict(envelope, write=write, expected=record.revision)

    def before(self, verdict: Verdict) -> None:
        """Write the verdict's record; if the store changed since ``check``, check again."""
        envelope = verdict.envelope
        assert envelope is not None
        for _ in range(_ATTEMPTS):
            write = verdict.write
            if write is None:
                return  # the store already holds what the event asked for
            saved = self.store.save(
                write,
                expected=verdict.expected,
                take_domain=verdict.take_domain,
                domain_holder=verdict.domain_holder,
            )
            if saved is not None:
                return
            fresh = self.check(envelope)
            if fresh.repeat:
                return  # a concurrent copy of this uninstall won: the portal is uninstalled
            if fresh.needs_approval or fresh.domain_holder != verdict.domain_holder:
                # The approval given was for another state of the store.
                break
            verdict = fresh
        raise VerificationFailed(
            f"{what(envelope)}: the portal record changed while this event was accepted"
        )


def _sent(envelope: Envelope) -> datetime | None:
    """When the event says it was sent (``ts``), if it says so readably and plausibly:
    not more than a day ahead of now (a ts near year 9999 would overflow the expiry)."""
    try:
        sent = envelope_time(envelope.ts)
    except ValueError:
        return None
    if sent is None or sent - datetime.now(timezone.utc) > timedelta(days=1):
        return None
    return sent


def _stamped(envelope: Envelope) -> bool:
    """Whether the event's auth says when its access token expires (``expires``)."""
    auth = envelope.auth
    return auth is not None and bool(auth.get("expires"))


def _newer(credentials: OAuthTokens | None, record: PortalRecord) -> bool:
    """Whether an event's credentials should replace the record's.

    Not when the event has none, nor when they expire before the stored ones: a replayed
    install must not put back tokens that a refresh has since rotated (and killed).
    """
    if credentials is None:
        return False
    stored = record.credentials
    if stored is None or stored.expires_at is None or credentials.expires_at is None:
        return True
    # Strictly later: a replay from the second a refresh happened must not win either.
    return credentials.expires_at > stored.expires_at


_REFUSALS = {
    (INSTALL, InstallReason.DOMAIN_CLAIM): "the domain is bound to another portal",
    (INSTALL, InstallReason.NEW_TOKEN): "the portal is installed with another application_token",
    (INSTALL, InstallReason.DOMAIN_CHANGE): "domain is not the portal's bound domain",
    (UPDATE, InstallReason.DOMAIN_CLAIM): "the domain is bound to another portal",
    (UPDATE, InstallReason.NEW_TOKEN): "application_token does not match",
    (UPDATE, InstallReason.DOMAIN_CHANGE): "domain is not the portal's bound domain",
    (UPDATE, InstallReason.FIRST_INSTALL): "unknown portal (not installed)",
}
