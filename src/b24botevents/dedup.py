"""``Deduplicator``: answer a repeated delivery without running its handlers again.

A delivery is identified by its portal, code, handler id, ``ts`` and ``data`` as received;
the key is a SHA-256 of those, so no payload (nor token) is stored. The claim is atomic in
every ``DedupStore``: concurrent duplicates (threads, processes, app instances sharing one
Redis) run the handlers once.

Internal module: import ``Deduplicator`` from ``b24botevents``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from typing import Any, NamedTuple

from .errors import StoreUnavailable
from .models import Event
from .stores import DedupStore
from .stores._protocols import store_blocking


class Claim(NamedTuple):
    """One delivery's claim: its key, and the owner value only this claim holds."""

    key: str
    owner: str


class Deduplicator:
    """Claims each delivery once in ``store`` for ``ttl`` seconds."""

    def __init__(self, store: DedupStore, *, ttl: float = 24 * 3600.0) -> None:
        if not ttl > 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        self.store = store
        self.ttl = float(ttl)
        self.blocking = store_blocking(store, "dedup store")

    def __repr__(self) -> str:
        return f"Deduplicator({self.store!r}, ttl={self.ttl:g})"

    @staticmethod
    def key(event: Event) -> str:
        """The delivery's identity: a hash of portal, code, handler id, ts and data."""
        raw: dict[str, Any] = event.raw
        identity = [
            event.member_id or (event.domain or "").lower(),  # as verification keys it
            event.code,
            raw.get("event_handler_id", event.handler_id),
            raw.get("ts"),
            raw.get("data"),
        ]
        try:
            canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
        except TypeError:  # keys of mixed types in a hand-built tree cannot be sorted
            canonical = repr(identity)
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()

    def claim(self, event: Event) -> Claim | None:
        """The claim of the first delivery of this event within ``ttl``; None for a repeat.

        The claim holds a random owner value. When the store's reply is lost (a timeout:
        the claim may have been made), the claim is released by that owner before the
        error propagates, so the one resend runs instead of being a duplicate for a day,
        and no one else's claim can be removed.
        """
        key = self.key(event)
        owner = secrets.token_hex(16)
        try:
            claimed = self.store.claim(key, self.ttl, owner)
        except StoreUnavailable:
            with contextlib.suppress(StoreUnavailable):
                self.store.release(key, owner)
            raise
        return Claim(key, owner) if claimed else None

    def release(self, claim: Claim) -> None:
        """Give the claim up, so the same delivery runs again (after a failure)."""
        self.store.release(claim.key, claim.owner)
