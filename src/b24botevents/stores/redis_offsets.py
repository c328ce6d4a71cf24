"""``RedisOffsetStore``: fetch-mode progress and leases in Redis, shared by any number of hosts.

Needs the optional dependency: ``pip install 'b24botevents[redis]'``. Per consumer key two
Redis keys, ``prefix + "{" + K + "}:lease"`` (a string holding the owner, with a ``PX``
expiry) and ``prefix + "{" + K + "}:progress"`` (a hash, fields ``offset`` and ``handled``,
canonical decimal text, no expiry), where ``K`` is the key's UTF-8 with ``%``, ``{`` and ``}``
percent-escaped: two different keys never share a Redis key, whatever they contain, and the
braces make ``K`` the Redis Cluster hash tag, so both keys of one consumer sit in one slot
(a prefix with its own hash tag, ``"{b24}:offsets:"``, puts the whole store in one slot).

Every operation is one round trip: ``GET`` for ``holder``, ``HMGET`` for ``load`` and a Lua
script (registered once, run by SHA; Redis runs a script atomically) for ``acquire``,
``release`` and ``save``. The lease's expiry is Redis' own clock, so the app instances'
clocks need not agree. Errors become ``StoreUnavailable``, as in the other Redis stores.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from b24botevents.errors import StoreUnavailable

from ._progress import Progress, check_save
from ._protocols import check_key, check_owner, check_ttl, encode

# Without redis-py this raises an ImportError naming ``pip install 'b24botevents[redis]'``.
from .redis import _RedisStore, _text

if TYPE_CHECKING:
    import redis

__all__ = ["RedisOffsetStore"]

# KEYS: the lease. ARGV: owner, ttl in milliseconds. 1 if the owner holds the lease now.
_ACQUIRE = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: the lease. ARGV: owner. Deletes the lease only while that owner holds it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: the lease, the progress. ARGV: owner, offset, handled ("" leaves one as it is).
# Values are canonical decimals (no sign, no leading zero) compared as text: exact for any
# length, where Lua's numbers (doubles) would not be above 2**53. 1 if the owner holds the
# lease (whatever was raised), 0 if not (nothing written).
_SAVE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local function higher(new, old)
  if new == '' then return false end
  if not old then return true end
  if #new ~= #old then return #new > #old end
  for i = 1, #new do
    local a, b = string.byte(new, i), string.byte(old, i)
    if a ~= b then return a > b end
  end
  return false
end
local current = redis.call('HMGET', KEYS[2], 'offset', 'handled')
local fields = {}
if higher(ARGV[2], current[1]) then
  fields[#fields + 1] = 'offset'
  fields[#fields + 1] = ARGV[2]
end
if higher(ARGV[3], current[2]) then
  fields[#fields + 1] = 'handled'
  fields[#fields + 1] = ARGV[3]
end
if #fields > 0 then redis.call('HSET', KEYS[2], unpack(fields)) end
return 1
"""

_ESCAPED = re.compile(rb"[%{}]")
_CANONICAL = re.compile(r"0|[1-9][0-9]{0,18}")


def _escape(key: str) -> bytes:
    return _ESCAPED.sub(lambda match: b"%%%02X" % match.group()[0], encode(key))


def _digits(value: int | None) -> bytes:
    return b"" if value is None else str(value).encode("ascii")


class RedisOffsetStore(_RedisStore):
    """An ``OffsetStore`` in Redis: a lease key that expires on its own, a progress hash that
    never does.

    ``client_or_url``: a ``redis.Redis`` client (left open by ``close()``) or a URL
    (``redis://``, ``rediss://``, ``unix://``; the store then owns a fail-fast client). The
    ``repr`` and every error name the host, port and db, never the URL's password.
    """

    def __init__(
        self, client_or_url: redis.Redis | str, *, prefix: str = "b24botevents:offsets:v1:"
    ) -> None:
        super().__init__(client_or_url, prefix=prefix)
        register = self._client.register_script
        self._acquire = register(_ACQUIRE)
        self._release = register(_RELEASE)
        self._save = register(_SAVE)

    def _names(self, key: str) -> tuple[bytes, bytes]:
        base = self._prefix + b"{" + _escape(key) + b"}:"
        return base + b"lease", base + b"progress"

    def load(self, key: str) -> Progress:
        """The stored progress of ``key``; ``Progress()`` if nothing was ever saved."""
        _, progress = self._names(check_key(key))
        with self._calling("load"):
            reply: object = self._client.hmget(progress, [b"offset", b"handled"])
        try:
            if not isinstance(reply, list) or len(reply) != 2:
                raise ValueError("not a pair")
            return Progress(offset=_number(reply[0]), handled=_number(reply[1]))
        except (TypeError, ValueError):
            # Not written by this store; say so, never what it holds.
            raise StoreUnavailable(
                f"{self._describe()}: load failed: unreadable progress"
            ) from None

    def acquire(self, key: str, owner: str, ttl: float) -> bool:
        """Take or renew the lease of ``key`` for ``ttl`` seconds; True if ``owner`` holds it."""
        lease, _ = self._names(check_key(key))
        holder = encode(check_owner(owner))
        # PX takes whole milliseconds > 0; round up so a lease never lasts less than asked.
        milliseconds = max(1, math.ceil(check_ttl(ttl) * 1000))
        with self._calling("acquire"):
            reply: object = self._acquire(keys=[lease], args=[holder, milliseconds])
        return reply == 1

    def release(self, key: str, owner: str) -> None:
        """Give the lease up, only if ``owner`` holds it (a no-op otherwise)."""
        lease, _ = self._names(check_key(key))
        holder = encode(check_owner(owner))
        with self._calling("release"):
            self._release(keys=[lease], args=[holder])

    def save(
        self, key: str, owner: str, *, offset: int | None = None, handled: int | None = None
    ) -> bool:
        """Raise the stored ``offset``/``handled`` iff ``owner`` holds the lease; else False."""
        key, owner, offset, handled = check_save(key, owner, offset, handled)
        lease, progress = self._names(key)
        args = [encode(owner), _digits(offset), _digits(handled)]
        with self._calling("save"):
            reply: object = self._save(keys=[lease, progress], args=args)
        return reply == 1

    def holder(self, key: str) -> str | None:
        """The owner of the unexpired lease, or ``None``."""
        lease, _ = self._names(check_key(key))
        with self._calling("holder"):
            reply: object = self._client.get(lease)
        if reply is None:
            return None
        try:
            return _text(reply)
        except TypeError:
            raise StoreUnavailable(f"{self._describe()}: holder failed: unreadable lease") from None


def _number(value: object) -> int | None:
    if value is None:
        return None
    text = _text(value)
    if not _CANONICAL.fullmatch(text):
        raise ValueError("not a canonical decimal")
    return int(text)
