"""The store contracts: the ``PortalStore`` and ``DedupStore`` protocols and their argument rules.

Verification and dispatch code depends only on these protocols, never on a backend. The
argument checks live here too so that every backend accepts and rejects exactly the same
keys, records and TTLs.
"""

from __future__ import annotations

import math
from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable

from .record import PortalRecord

__all__ = ["DedupStore", "PortalStore"]


@runtime_checkable
class PortalStore(Protocol):
    """Portal records (``PortalRecord``) by ``member_id``, with a unique index on ``domain``.

    Every write is compare-and-set on the record's ``revision``, and keeps "a domain
    belongs to at most one installed record" atomically (one transaction in SQLite, one
    script in Redis, one lock in memory). Two processes sharing a store cannot both win.
    """

    #: Whether a call may block on I/O: async code then runs it in a worker thread.
    blocking: bool

    def get(self, member_id: str) -> PortalRecord | None:
        """The portal's record, installed or not; ``None`` if it was never stored."""

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        """The installed record bound to ``domain``, or ``None``."""

    def save(
        self,
        record: PortalRecord,
        *,
        expected: int | None,
        take_domain: bool = False,
        domain_holder: str | None = None,
    ) -> PortalRecord | None:
        """Write ``record`` iff the stored record of its ``member_id`` has revision ``expected``.

        ``expected=None`` means "no record stored yet". An installed record also needs its
        domain free or already its own; with ``take_domain=True`` the domain moves to it
        and the record that held it is marked uninstalled (the same write). Returns the
        stored record (revision ``expected + 1``, or 1), or ``None`` when the record
        changed meanwhile or the domain belongs to another portal: nothing was written.
        ``domain_holder`` makes the take compare-and-set too: the domain is taken only
        from that ``member_id`` (the portal an approval was given against), and the write
        fails if another portal holds it by then.
        """

    def delete(self, member_id: str, *, expected: int | None = None) -> bool:
        """Forget the portal entirely (an operator's call, not an uninstall).

        With ``expected``, only while the record still has that revision. True if a
        record was removed.
        """


@runtime_checkable
class DedupStore(Protocol):
    """Remembers which deliveries have been seen, each for a limited time."""

    #: Whether a call may block on I/O: async code then runs it in a worker thread.
    blocking: bool

    def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        """Atomically mark ``key`` seen for ``ttl`` seconds, held by ``owner``.

        Return ``True`` iff this caller is the first: the key was absent or had expired.
        ``owner`` is a value unique to this claim (the ``Deduplicator`` passes a random
        one), so that a release can tell its own claim from a later one.
        """

    def release(self, key: str, owner: str | None = None) -> None:
        """Forget a claim, so that a redelivery of the same event is handled again.

        With ``owner``, only while the claim is still that owner's: a release after the
        TTL ran out never removes someone else's claim.
        """


def store_blocking(store: object, what: str) -> bool:
    """The store's ``blocking`` flag; a store that does not declare it is refused."""
    blocking = getattr(store, "blocking", None)
    if not isinstance(blocking, bool):
        raise TypeError(
            f"{what} {type(store).__name__} must declare `blocking = True` (its calls do I/O)"
            " or `blocking = False` (they never block): async code needs to know"
        )
    return blocking


def check_key(key: object, what: str = "key") -> str:
    """Return ``key`` if it is a non-empty ``str``; raise ``TypeError``/``ValueError`` if not."""
    if not isinstance(key, str):
        raise TypeError(f"{what} must be str, not {type(key).__name__}")
    if not key:
        raise ValueError(f"{what} must not be empty")
    return key


def check_record(record: object) -> PortalRecord:
    """Return ``record`` if it is a ``PortalRecord`` (validated when it was built)."""
    if not isinstance(record, PortalRecord):
        raise TypeError(f"record must be a PortalRecord, not {type(record).__name__}")
    return record


def check_expected(expected: object) -> int | None:
    """Return a compare-and-set revision: ``None`` (no record yet) or an int >= 1."""
    if expected is None:
        return None
    if type(expected) is not int or expected < 1:
        raise ValueError("expected must be None (no record yet) or a stored revision >= 1")
    return expected


def check_owner(owner: object) -> str:
    """Return ``owner`` if it is a non-empty ``str``."""
    return check_key(owner, "owner")


def check_ttl(ttl: object) -> float:
    """Return ``ttl`` as a float if it is a finite number of seconds above zero."""
    # bool is an int subclass; ``claim(key, True)`` is surely a mistake.
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
    value = float(ttl)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"ttl must be a finite number of seconds > 0, got {value!r}")
    return value


def encode(text: str) -> bytes:
    """Encode a key or token for a byte-oriented backend.

    ``surrogatepass`` lets every Python ``str`` (even a lone surrogate that slipped in from
    a lenient decoder) be a dedup key, so all backends accept the same keys as the memory
    one.
    """
    return text.encode("utf-8", "surrogatepass")


_C = TypeVar("_C", bound="ClosingStore")


class ClosingStore:
    """What the stores with a connection share: ``with`` closes it, ``repr`` describes it.

    Subclasses provide ``close()`` and ``_describe()`` (which must never show a token, nor
    a URL that may hold a password).
    """

    def close(self) -> None:
        """Close the store's connection (each backend provides it)."""
        raise NotImplementedError

    def _describe(self) -> str:
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return self._describe()
