"""The store contracts: the ``TokenStore`` and ``DedupStore`` protocols and their argument rules.

Verification and dispatch code depends only on these protocols, never on a backend. The
argument checks live here too so that every backend accepts and rejects exactly the same
keys, tokens and TTLs.
"""

from __future__ import annotations

import math
from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable

__all__ = ["DedupStore", "TokenStore"]


@runtime_checkable
class TokenStore(Protocol):
    """Maps an opaque portal key (``"member:abc"``, ``"domain:x.bitrix24.com"``) to a token.

    The key is chosen by the caller; a store never interprets it. Keys and tokens are
    non-empty ``str`` of any content.
    """

    #: Whether a call may block on I/O: async code then runs it in a worker thread.
    blocking: bool

    def get(self, portal: str) -> str | None:
        """Return the stored token, or ``None`` if the portal has none."""

    def set(self, portal: str, token: str) -> None:
        """Store ``token`` for ``portal``, replacing any previous one."""

    def delete(self, portal: str) -> None:
        """Forget the portal's token; deleting a missing key is not an error."""


@runtime_checkable
class DedupStore(Protocol):
    """Remembers which deliveries have been seen, each for a limited time."""

    #: Whether a call may block on I/O: async code then runs it in a worker thread.
    blocking: bool

    def claim(self, key: str, ttl: float) -> bool:
        """Atomically mark ``key`` seen for ``ttl`` seconds.

        Return ``True`` iff this caller is the first: the key was absent or had expired.
        """

    def release(self, key: str) -> None:
        """Forget a claim, so that a redelivery of the same event is handled again."""


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


def check_token(token: object) -> str:
    """Like ``check_key`` for tokens; the messages never include the value."""
    return check_key(token, "token")


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
    a lenient decoder) round-trip, so all backends accept the same values as the memory one.
    """
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes) -> str:
    """Inverse of ``encode``."""
    return data.decode("utf-8", "surrogatepass")


_C = TypeVar("_C", bound="ClosingStore")


class ClosingStore:
    """What the stores with a connection share: ``with`` closes it, ``repr`` describes it.

    Subclasses provide ``close()`` and ``_describe()`` (which must never show a token, nor
    a URL that may hold a password).
    """

    def close(self) -> None:
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
