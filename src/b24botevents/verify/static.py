"""``StaticVerifier`` (fixed tokens) and ``NoVerifier`` (the explicit ``verify=False``)."""

from __future__ import annotations

from collections.abc import Iterable

from b24botevents.envelope import Envelope
from b24botevents.errors import VerificationFailed

from ._verdict import ACCEPT, Verdict, Verifier, require_token, same_token, what

__all__ = ["NoVerifier", "StaticVerifier"]


class NoVerifier(Verifier):
    """Accepts everything: what ``verify=False`` asks for."""

    def check(self, envelope: Envelope) -> Verdict:
        """Accept every envelope (``ACCEPT``)."""
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
        """Accept iff the envelope's token equals one of the fixed tokens (constant time)."""
        received = require_token(envelope)
        matched = False
        for expected in self._tokens:  # no early exit: the time says nothing of which
            matched |= same_token(expected, received)
        if not matched:
            raise VerificationFailed(f"{what(envelope)}: application_token does not match")
        return ACCEPT
