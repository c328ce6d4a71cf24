"""Verification of ``auth[application_token]``, on the decoded tree, before any model is built.

Bitrix24 sends the app's ``application_token`` with every event; ONAPPINSTALL is where the
app learns it. A ``Verifier`` decides from the tree alone whether an event is genuine, so a
forged request is refused before the library spends anything on it:

* ``StoreVerifier``: per portal, against a ``TokenStore`` (install stores the token,
  uninstall deletes it after the handlers ran, whether they succeeded or not: the portal
  has removed the app, Bitrix24 does not resend, and a stale token would refuse a later
  reinstall that brings a new one);
* ``StaticVerifier``: against one or more fixed tokens (single-portal apps, outgoing
  webhooks, rotation);
* ``NoVerifier``: the explicit ``verify=False``.

``make_verifier`` picks one from the ``Dispatcher``'s arguments, and ``check_age`` is the
optional replay window, on the envelope too. Portals are keyed by ``member_id``, or by
``domain`` when the envelope has no ``member_id`` (the v2 webhook envelope carries only
``domain`` and ``application_token``). Only the top-level ``auth`` counts: v2's
``data[bot][auth]`` is never consulted. Tokens are compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from .envelope import Envelope, check_age, read_envelope
from .errors import VerificationFailed
from .stores import TokenStore
from .stores._protocols import store_blocking

if TYPE_CHECKING:  # the hook's type names the events; verification itself needs no model
    from .models import AppInstallEvent, AppUpdateEvent

__all__ = [
    "ACCEPT",
    "INSTALL",
    "UNINSTALL",
    "UPDATE",
    "ApproveInstall",
    "Envelope",
    "NoVerifier",
    "StaticVerifier",
    "StoreVerifier",
    "Verdict",
    "Verifier",
    "check_age",
    "make_verifier",
    "portal_keys",
    "read_envelope",
]

INSTALL = "ONAPPINSTALL"
UPDATE = "ONAPPUPDATE"
UNINSTALL = "ONAPPUNINSTALL"
_LIFECYCLE = frozenset({INSTALL, UPDATE, UNINSTALL})

#: ``approve_install(event, replaces_token) -> bool`` (or an awaitable of it): asked
#: before a token is stored on ONAPPINSTALL (first install, or a different token) and on
#: ONAPPUPDATE with a token that differs from the stored one. False refuses (403).
ApproveInstall = Callable[["AppInstallEvent | AppUpdateEvent", bool], "bool | Awaitable[bool]"]


def portal_keys(envelope: Envelope) -> tuple[str, ...]:
    """Store keys for a portal: by ``member_id`` first, then by ``domain``."""
    keys = []
    if envelope.member_id:
        keys.append("member:" + envelope.member_id)
    if envelope.domain:
        keys.append("domain:" + envelope.domain)
    return tuple(keys)


def _same_token(expected: str, received: str) -> bool:
    if expected.isascii() and received.isascii():  # tokens are hex: the usual case
        return hmac.compare_digest(expected, received)
    # compare_digest takes str only when it is ASCII; compare the UTF-8 bytes otherwise.
    try:
        return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))
    except UnicodeEncodeError:
        # A lone surrogate (a hand-built tree, a store holding one): no token at all, so
        # it matches nothing, not even itself.
        return False


def _is_text(token: str) -> bool:
    """Whether a token is valid Unicode (no lone surrogate), so that it can be stored."""
    if token.isascii():
        return True
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Verdict:
    """An accepted event, and what the store must do around its handlers.

    ``needs_approval``: the install hook must approve before anything is stored (a first
    install with a hook configured, or a token that differs from the stored one);
    ``replaces_token`` tells the hook which. ``store_keys`` are written with the
    envelope's token before the handlers run; ``delete_keys`` are removed after they ran.
    ``effects`` says whether the verifier's ``before``/``after`` have anything to do: the
    dispatcher skips them otherwise (most events; a verifier that works in them for every
    event passes ``effects=True``).
    """

    __slots__ = (
        "delete_keys",
        "effects",
        "envelope",
        "needs_approval",
        "replaces_token",
        "store_keys",
    )
    envelope: Envelope | None
    needs_approval: bool
    replaces_token: bool
    store_keys: tuple[str, ...]
    delete_keys: tuple[str, ...]
    effects: bool

    def __init__(
        self,
        envelope: Envelope | None,
        *,
        needs_approval: bool = False,
        replaces_token: bool = False,
        store_keys: tuple[str, ...] = (),
        delete_keys: tuple[str, ...] = (),
        effects: bool | None = None,
    ) -> None:
        # Immutable: ACCEPT is shared by every ordinary event.
        set_slot = object.__setattr__
        set_slot(self, "envelope", envelope)
        set_slot(self, "needs_approval", needs_approval)
        set_slot(self, "replaces_token", replaces_token)
        set_slot(self, "store_keys", store_keys)
        set_slot(self, "delete_keys", delete_keys)
        set_slot(self, "effects", bool(store_keys or delete_keys) if effects is None else effects)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Verdict is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        return (
            f"Verdict({self.envelope!r}, needs_approval={self.needs_approval}, "
            f"replaces_token={self.replaces_token}, store_keys={self.store_keys!r}, "
            f"delete_keys={self.delete_keys!r}, effects={self.effects})"
        )


#: The verdict of an ordinary accepted event: nothing to approve, store or delete. Shared,
#: so accepting an event allocates nothing (it needs nothing from the envelope either).
ACCEPT = Verdict(None)


class Verifier:
    """Base class: ``check`` a tree, then ``before``/``after`` the handlers."""

    #: Whether ``check``/``before``/``after`` may block on I/O (async code runs them
    #: in a worker thread when they may).
    blocking: bool = False

    def check(self, envelope: Envelope) -> Verdict:
        raise NotImplementedError

    def before(self, verdict: Verdict) -> None:
        """Called once the event is accepted (and approved), before the handlers, for a
        verdict with ``effects``."""

    def after(self, verdict: Verdict) -> None:
        """Called after the handlers ran, for a verdict with ``effects``."""


def _what(envelope: Envelope) -> str:
    """The event and portal a refusal is about (never a secret); built only on failure.

    Both are request text, so both are bounded and escaped (``Envelope.shown_code`` and
    ``Envelope.portal``): one refusal is one short log line.
    """
    return f"{envelope.shown_code} from {envelope.portal}"


def _require_token(envelope: Envelope) -> str:
    if not envelope.has_auth:
        raise VerificationFailed(f"{envelope.shown_code}: no auth block to verify")
    if envelope.token is None:
        raise VerificationFailed(f"{envelope.shown_code}: no auth[application_token]")
    return envelope.token


class NoVerifier(Verifier):
    """Accepts everything: what ``verify=False`` asks for."""

    def check(self, envelope: Envelope) -> Verdict:
        return ACCEPT

    def __repr__(self) -> str:
        return "NoVerifier()"


class StaticVerifier(Verifier):
    """Accepts events whose token equals any of the configured ones (rotation)."""

    def __init__(self, tokens: str | Iterable[str]) -> None:
        listed = (tokens,) if isinstance(tokens, str) else tuple(tokens)
        if not listed or not all(isinstance(token, str) and token for token in listed):
            raise ValueError("application_token needs one or more non-empty strings")
        self._tokens = listed

    def __repr__(self) -> str:
        return f"StaticVerifier({len(self._tokens)} token(s))"

    def check(self, envelope: Envelope) -> Verdict:
        received = _require_token(envelope)
        matched = False
        for expected in self._tokens:  # no early exit: the time says nothing of which
            matched |= _same_token(expected, received)
        if not matched:
            raise VerificationFailed(f"{_what(envelope)}: application_token does not match")
        return ACCEPT


class StoreVerifier(Verifier):
    """Per-portal tokens in a ``TokenStore``, learnt at ONAPPINSTALL.

    ``approval`` says whether an install hook is configured: with one, a first install
    and any token change ask it; without one, a first install is accepted and a token
    change is refused.
    """

    def __init__(self, store: TokenStore, *, approval: bool = False) -> None:
        self.store = store
        self.approval = approval
        self.blocking = store_blocking(store, "token_store")

    def __repr__(self) -> str:
        return f"StoreVerifier({self.store!r})"

    def check(self, envelope: Envelope) -> Verdict:
        token = envelope.token
        if token is None:
            _require_token(envelope)  # raises, saying what is missing
        assert token is not None
        code = envelope.code
        # The lookup key only: the full key list is built for lifecycle events alone.
        if envelope.member_id:
            key = "member:" + envelope.member_id
        elif envelope.domain:
            key = "domain:" + envelope.domain
        else:
            raise VerificationFailed(f"{_what(envelope)}: auth has neither member_id nor domain")
        stored = self.store.get(key)
        if stored is None:
            matches = False
        elif stored.isascii() and token.isascii():  # hex tokens: the usual case, inline
            matches = hmac.compare_digest(stored, token)
        else:
            matches = _same_token(stored, token)
        if code not in _LIFECYCLE:
            if matches:
                return ACCEPT
            if stored is None:
                raise VerificationFailed(f"{_what(envelope)}: unknown portal (no token stored)")
            raise VerificationFailed(f"{_what(envelope)}: application_token does not match")
        if not _is_text(token):  # never store what no later event could match
            raise VerificationFailed(f"{_what(envelope)}: application_token is not valid Unicode")
        keys = portal_keys(envelope)
        if code == INSTALL:
            if matches:
                return Verdict(envelope, store_keys=keys)
            if stored is not None and not self.approval:
                raise VerificationFailed(
                    f"{_what(envelope)}: the portal is installed with another application_token"
                )
            return Verdict(
                envelope,
                needs_approval=self.approval,
                replaces_token=stored is not None,
                store_keys=keys,
            )
        if code == UPDATE and not matches and self.approval:
            return Verdict(
                envelope, needs_approval=True, replaces_token=stored is not None, store_keys=keys
            )
        if stored is None:
            raise VerificationFailed(f"{_what(envelope)}: unknown portal (no token stored)")
        if not matches:
            raise VerificationFailed(f"{_what(envelope)}: application_token does not match")
        if code == UPDATE:
            return Verdict(envelope, store_keys=keys)
        return Verdict(envelope, delete_keys=keys)  # UNINSTALL

    def before(self, verdict: Verdict) -> None:
        token = verdict.envelope.token if verdict.envelope is not None else None
        if token is not None:
            for key in verdict.store_keys:
                self.store.set(key, token)

    def after(self, verdict: Verdict) -> None:
        for key in verdict.delete_keys:
            self.store.delete(key)


def make_verifier(
    *,
    token_store: TokenStore | None = None,
    application_token: str | Iterable[str] | None = None,
    verify: bool = True,
    approve_install: ApproveInstall | None = None,
) -> Verifier:
    """The verifier for a ``Dispatcher``'s arguments; exactly one source must be named.

    ``token_store=`` gives a ``StoreVerifier``, ``application_token=`` a ``StaticVerifier``
    and ``verify=False`` a ``NoVerifier``. Naming none of them, or two, is a
    ``ValueError``: where the expected tokens come from is never implicit.
    """
    if verify is not True and verify is not False:
        raise TypeError("verify must be True or False")
    given = [
        name
        for name, value in (("token_store", token_store), ("application_token", application_token))
        if value is not None
    ]
    verifier: Verifier
    if not verify:
        if given:
            raise ValueError(f"verify=False contradicts {given[0]}=; pass one or the other")
        verifier = NoVerifier()
    elif not given:
        raise ValueError(
            "say where the expected application_token comes from: token_store=... "
            "(per portal), application_token=... (fixed), or verify=False"
        )
    elif len(given) > 1:
        raise ValueError("pass token_store= or application_token=, not both")
    elif token_store is not None:
        verifier = StoreVerifier(token_store, approval=approve_install is not None)
    else:
        assert application_token is not None
        verifier = StaticVerifier(application_token)
    if approve_install is not None and token_store is None:
        raise ValueError("approve_install= needs token_store=: it guards stored tokens")
    return verifier
