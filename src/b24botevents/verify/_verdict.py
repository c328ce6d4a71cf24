"""Internal: what every verifier shares: ``Verifier``, ``Verdict``, token comparison, refusals.

Import these from ``b24botevents.verify``.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from b24botevents.envelope import Envelope
from b24botevents.errors import VerificationFailed

if TYPE_CHECKING:
    from b24botevents.stores import PortalRecord

    from .install import InstallRequest

#: The install event's code: it brings (or renews) a portal's record.
INSTALL = "ONAPPINSTALL"
#: The update event's code: like an install, it may renew the portal's record.
UPDATE = "ONAPPUPDATE"
#: The uninstall event's code: an accepted one marks the record uninstalled.
UNINSTALL = "ONAPPUNINSTALL"
LIFECYCLE = frozenset({INSTALL, UPDATE, UNINSTALL})


def same_token(expected: str, received: str) -> bool:
    """Constant-time comparison of two tokens of any content."""
    if expected.isascii() and received.isascii():  # tokens are hex: the usual case
        return hmac.compare_digest(expected, received)
    # compare_digest takes str only when it is ASCII; compare the UTF-8 bytes otherwise.
    try:
        return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))
    except UnicodeEncodeError:
        # A lone surrogate (a hand-built tree, a store holding one): no token at all, so
        # it matches nothing, not even itself.
        return False


def is_text(token: str) -> bool:
    """Whether a token is valid Unicode (no lone surrogate), so that it can be stored."""
    if token.isascii():
        return True
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Verdict:
    """An accepted event, and what the store must do before its handlers run.

    ``request`` is set when the install hook must approve first (``needs_approval``).
    ``write`` is the portal record to store, compare-and-set against revision
    ``expected`` (``None``: no record yet); ``take_domain`` moves the domain to it from
    the portal that holds it, ``domain_holder`` (the one the approval was asked about).
    ``repeat`` marks an event already acted on (the same uninstall again): it is
    answered 200 without running handlers. ``effects`` says
    whether the verifier's ``before``/``after`` have anything to do: the dispatcher skips
    them otherwise (most events; a verifier that works in them for every event passes
    ``effects=True``).
    """

    __slots__ = (
        "domain_holder",
        "effects",
        "envelope",
        "expected",
        "needs_approval",
        "repeat",
        "request",
        "take_domain",
        "write",
    )
    envelope: Envelope | None
    request: InstallRequest | None
    needs_approval: bool
    write: PortalRecord | None
    expected: int | None
    take_domain: bool
    domain_holder: str | None
    repeat: bool
    effects: bool

    def __init__(
        self,
        envelope: Envelope | None,
        *,
        request: InstallRequest | None = None,
        write: PortalRecord | None = None,
        expected: int | None = None,
        take_domain: bool = False,
        domain_holder: str | None = None,
        repeat: bool = False,
        effects: bool | None = None,
    ) -> None:
        # Immutable: ACCEPT is shared by every ordinary event.
        set_slot = object.__setattr__
        set_slot(self, "envelope", envelope)
        set_slot(self, "request", request)
        set_slot(self, "needs_approval", request is not None)
        set_slot(self, "write", write)
        set_slot(self, "expected", expected)
        set_slot(self, "take_domain", take_domain)
        set_slot(self, "domain_holder", domain_holder)
        set_slot(self, "repeat", repeat)
        set_slot(self, "effects", write is not None if effects is None else effects)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Verdict is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        return (
            f"Verdict({self.envelope!r}, request={self.request!r}, write={self.write!r}, "
            f"expected={self.expected!r}, take_domain={self.take_domain}, "
            f"repeat={self.repeat}, effects={self.effects})"
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
        """Accept the envelope with a ``Verdict``, or raise ``VerificationFailed``."""
        raise NotImplementedError

    def before(self, verdict: Verdict) -> None:
        """Called once the event is accepted (and approved), before the handlers, for a
        verdict with ``effects``."""

    def after(self, verdict: Verdict) -> None:
        """Called after the handlers ran, for a verdict with ``effects``."""


def what(envelope: Envelope) -> str:
    """The event and portal a refusal is about (never a secret); built only on failure.

    Both are request text, so both are bounded and escaped (``Envelope.shown_code`` and
    ``Envelope.portal``): one refusal is one short log line.
    """
    return f"{envelope.shown_code} from {envelope.portal}"


def require_token(envelope: Envelope) -> str:
    if not envelope.has_auth:
        raise VerificationFailed(f"{envelope.shown_code}: no auth block to verify")
    if envelope.token is None:
        raise VerificationFailed(f"{envelope.shown_code}: no auth[application_token]")
    return envelope.token
