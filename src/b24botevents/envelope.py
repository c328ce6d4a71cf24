"""Internal: what verification reads from a decoded body, before any model is built.

``read_envelope`` picks the event code, the portal (``member_id``, ``domain``), the
``application_token`` and ``ts`` out of a tree of any shape; ``check_age`` is the optional
replay window on that ``ts``. Import these from ``b24botevents.verify``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ._redact import mask_repr, shown_text
from .convert.scalars import envelope_time
from .errors import VerificationFailed


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):  # JSON member ids
        return str(value)
    return None


#: What a ``member_id`` or ``domain`` that is present but not usable text becomes: a value
#: no stored record can have (validation refuses NUL), so the event verifies as nothing.
#: Reading it as absent instead would let ``{"member_id": 1.5}`` verify by domain alone,
#: and ``{"domain": 127.1}`` skip the bound-domain check, while handlers saw the value.
UNUSABLE = "\x00"


def _identity(value: Any, *, allow_int: bool) -> str | None:
    if value is None or value == "":
        return None  # absent, or sent empty
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # JSON member ids
    return UNUSABLE


class Envelope:
    """What verification reads from a decoded body: code, portal, token and ``ts``.

    A plain slotted class rather than an attrs one: one is built per request, and this is
    the hot path (see ``bench/bench_dispatch.py``).
    """

    __slots__ = ("auth", "code", "domain", "has_auth", "member_id", "token", "ts")

    def __init__(
        self,
        code: str,
        member_id: str | None,
        domain: str | None,
        token: str | None,
        has_auth: bool,
        ts: object = None,
        auth: Mapping[str, Any] | None = None,
    ) -> None:
        # Positional: one is built per request, and keyword passing costs on this path.
        self.code = code
        self.member_id = member_id
        self.domain = domain
        self.token = token
        self.has_auth = has_auth
        #: ``ts`` as decoded (text in a form body, a number in JSON); see ``check_age``.
        self.ts = ts
        #: The decoded ``auth`` block itself, for the install's OAuth credentials.
        self.auth = auth

    def __repr__(self) -> str:
        return (
            f"Envelope(code={self.code!r}, member_id={self.member_id!r}, "
            f"domain={self.domain!r}, token={mask_repr(self.token)}, has_auth={self.has_auth})"
        )

    @property
    def portal(self) -> str:
        """A name for the portal in log lines and messages (never a secret): bounded and
        escaped, like everything a request chose (``shown_text``)."""
        name = self.member_id or self.domain
        return shown_text(name) if name else "unknown portal"

    @property
    def shown_code(self) -> str:
        """The event code for log lines and messages, bounded and escaped; ``event`` if none."""
        return shown_text(self.code) if self.code else "event"


def read_envelope(tree: Mapping[str, Any]) -> Envelope:
    """Pick the verification fields out of a decoded tree, tolerating any shape."""
    code = tree.get("event")
    code = code.upper() if isinstance(code, str) else ""  # str subclasses too
    auth = tree.get("auth")
    # `type(...) is` first: every request passes here, and an ABC isinstance is slow.
    if type(auth) is not dict and not isinstance(auth, Mapping):
        return Envelope(code, None, None, None, False, tree.get("ts"))
    member_id = auth.get("member_id")
    if type(member_id) is not str or not member_id:
        member_id = _identity(member_id, allow_int=True)
    domain = auth.get("domain")
    if type(domain) is not str:
        domain = _identity(domain, allow_int=False)
    elif domain.isascii():
        domain = domain.lower() or None  # host names are case-insensitive
    # else: kept as sent, so that it matches no stored (ASCII) domain. Lower-casing first
    # would turn the Kelvin sign into a "k" and let such a domain pass for a real one.
    token = auth.get("application_token")
    if type(token) is not str or not token:
        token = _text(token)
    return Envelope(code, member_id, domain, token, True, tree.get("ts"), auth)


def check_age(envelope: Envelope, max_age: timedelta, *, now: datetime | None = None) -> None:
    """Refuse an event whose ``ts`` is missing, unreadable or further than ``max_age`` from now.

    Read from the envelope, like the token: a replayed body is refused before anything
    is built from it.
    """
    what = envelope.shown_code
    try:
        sent = envelope_time(envelope.ts)
    except ValueError:
        sent = None
    if sent is None:
        raise VerificationFailed(f"{what}: no usable ts, and a max_age is configured")
    now = now or datetime.now(timezone.utc)
    if abs(now - sent) > max_age:
        raise VerificationFailed(
            f"{what}: ts is {abs(now - sent).total_seconds():.0f}s away from now, "
            f"more than max_age={max_age.total_seconds():.0f}s"
        )
