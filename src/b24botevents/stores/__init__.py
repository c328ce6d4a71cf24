"""Portal, dedup and offset stores: each portal's record, the seen deliveries, fetch progress.

This package owns the portal record (``PortalRecord``: a portal's bound identity, its
token and its OAuth credentials, ``OAuthTokens``), the store protocols that
verification, dispatch and fetch-mode code depend on (``PortalStore``, ``DedupStore``,
``OffsetStore`` with its ``Progress`` and single-consumer lease) and their
backends: in-memory, SQLite (stdlib) and Redis
(optional ``redis`` extra). The Redis stores are imported lazily, on first access, so
``import b24botevents.stores`` works without redis-py installed. A store that cannot be
reached raises ``b24botevents.errors.StoreUnavailable``; nothing here ever logs, shows in a
``repr`` or puts in an error message the value of a token.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._protocols import DedupStore, PortalStore
from .credentials import OAuthTokens
from .memory import MemoryDedupStore, MemoryPortalStore
from .offsets import MemoryOffsetStore, OffsetStore, Progress, open_offset_store
from .record import SCHEMA_VERSION, PortalRecord
from .sqlite import SQLitePortalStore
from .sqlite_dedup import SQLiteDedupStore
from .sqlite_offsets import SQLiteOffsetStore

if TYPE_CHECKING:
    from .redis import RedisDedupStore as RedisDedupStore
    from .redis import RedisPortalStore as RedisPortalStore
    from .redis_offsets import RedisOffsetStore as RedisOffsetStore

# The Redis names are deliberately left out of __all__: ``from b24botevents.stores import *``
# must not fail when the optional redis-py is missing.
__all__ = [
    "SCHEMA_VERSION",
    "DedupStore",
    "MemoryDedupStore",
    "MemoryOffsetStore",
    "MemoryPortalStore",
    "OAuthTokens",
    "OffsetStore",
    "PortalRecord",
    "PortalStore",
    "Progress",
    "SQLiteDedupStore",
    "SQLiteOffsetStore",
    "SQLitePortalStore",
    "open_offset_store",
]

# Lazy name -> the module defining it.
_LAZY_MODULES = {
    "RedisDedupStore": ".redis",
    "RedisPortalStore": ".redis",
    "RedisOffsetStore": ".redis_offsets",
}
_LAZY = frozenset(_LAZY_MODULES)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        # The Redis modules raise an ImportError naming ``pip install 'b24botevents[redis]'``
        # when redis-py is missing.
        module = importlib.import_module(_LAZY_MODULES[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)
