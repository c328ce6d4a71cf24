"""Redis stores: ``RedisPortalStore`` and ``RedisDedupStore`` on the synchronous redis-py
client.

Needs the optional dependency: ``pip install 'b24botevents[redis]'``. Keys are the
store's prefix followed by the store's own names, all UTF-8. A portal is a hash at
``prefix + "m:" + member_id`` (fields ``domain``, ``application_token``, ``installed``
``"1"``/``"0"``, ``revision``, ``document``: JSON, the OAuth credentials), and an
installed portal's domain a string ``prefix + "d:" + domain`` holding its ``member_id``;
both change together in one Lua script, which Redis runs atomically. The scripts build
the keys of other portals from the prefix, so on Redis Cluster the prefix must hold a
hash tag (``"{b24}:portal:v1:"``) that puts every key of the store in one slot. A dedup
claim is ``SET key 1 NX PX ttl``. Every ``RedisError`` (refused connection, timeout,
server error) becomes ``StoreUnavailable``, whose message names the store and the
operation but never a token.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

try:
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import RedisError
    from redis.retry import Retry
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without redis
    raise ImportError("the Redis stores need redis-py: pip install 'b24botevents[redis]'") from exc

from b24botevents.errors import StoreUnavailable

from ._protocols import (
    ClosingStore,
    check_expected,
    check_key,
    check_owner,
    check_record,
    check_ttl,
    encode,
)
from .credentials import record_document, tokens_from_document
from .record import PortalRecord, trusted_record, written

__all__ = ["RedisDedupStore", "RedisPortalStore"]

_log = logging.getLogger("b24botevents.stores")


# Clients built from a URL fail fast: a dead server must turn into StoreUnavailable within
# a couple of seconds, not hang a webhook request. One quick retry, on connection errors
# only, covers a pooled connection that the server closed while idle. Timeouts are not
# retried: the server may have applied a claim whose reply was lost, and a retried
# ``SET NX`` would then report the caller's own claim as a duplicate. (A retried portal
# write is safe: it is compare-and-set, so a repeat after a lost reply changes nothing
# and answers ``None``, and the caller re-reads.)
_SOCKET_TIMEOUT = 2.0
_RETRIES = 1

# Fields of a portal hash, in the order the scripts and ``get`` read them.
_FIELDS = (b"domain", b"application_token", b"installed", b"revision", b"document")

# KEYS: the record, its new domain. ARGV: prefix, member_id, expected revision ("" for no
# record), domain, token, installed "1"/"0", take_domain "1"/"0", new revision, document,
# the holder the domain may be taken from ("" for any).
# Returns 1 when written, nil when nothing was.
_SAVE = """
local prefix, member_id = ARGV[1], ARGV[2]
local current = redis.call('HMGET', KEYS[1], 'revision', 'installed', 'domain')
if (current[1] or '') ~= ARGV[3] then return nil end
if ARGV[6] == '1' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= member_id then
    local held = prefix .. 'm:' .. holder
    local state = redis.call('HMGET', held, 'installed', 'domain')
    if state[1] == '1' and state[2] == ARGV[4] then
      if ARGV[7] ~= '1' or (ARGV[10] ~= '' and ARGV[10] ~= holder) then return nil end
      redis.call('HSET', held, 'installed', '0')
      redis.call('HINCRBY', held, 'revision', 1)
    end
  end
end
if current[2] == '1' then
  local old = prefix .. 'd:' .. current[3]
  if redis.call('GET', old) == member_id then redis.call('DEL', old) end
end
redis.call('HSET', KEYS[1], 'domain', ARGV[4], 'application_token', ARGV[5],
  'installed', ARGV[6], 'revision', ARGV[8], 'document', ARGV[9])
if ARGV[6] == '1' then redis.call('SET', KEYS[2], member_id) end
return 1
"""

# KEYS: a dedup claim. ARGV: its owner. Deletes the claim only while that owner holds it.
_RELEASE_OWN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: the record. ARGV: prefix, member_id, expected revision ("" for any). 1 if deleted.
_DELETE = """
local current = redis.call('HMGET', KEYS[1], 'revision', 'installed', 'domain')
if not current[1] or (ARGV[3] ~= '' and current[1] ~= ARGV[3]) then return 0 end
redis.call('DEL', KEYS[1])
if current[2] == '1' then
  local old = ARGV[1] .. 'd:' .. current[3]
  if redis.call('GET', old) == ARGV[2] then redis.call('DEL', old) end
end
return 1
"""

# KEYS: the domain. ARGV: prefix, domain. {member_id, token, revision, document} or nil. The hash
# is checked to still be installed on that domain, so a stale pointer finds nothing.
_BY_DOMAIN = """
local member_id = redis.call('GET', KEYS[1])
if not member_id then return nil end
local record = redis.call('HMGET', ARGV[1] .. 'm:' .. member_id,
  'domain', 'application_token', 'installed', 'revision', 'document')
if record[1] ~= ARGV[2] or record[3] ~= '1' or not record[2] or not record[4] then
  return nil
end
return {member_id, record[2], record[4], record[5] or '{}'}
"""


def _text(value: object) -> str:
    # A client made with decode_responses=True already returns str.
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogatepass")
    raise TypeError(type(value).__name__)


def _int(value: object) -> int:
    # A revision: HMGET answers bulk strings, a script's array answers integers as such.
    return value if type(value) is int else int(_text(value))


class _RedisStore(ClosingStore):
    """Client ownership, key building and error mapping shared by both Redis stores."""

    #: Every call is I/O: async code runs it in a worker thread.
    blocking = True

    def __init__(self, client_or_url: redis.Redis | str, *, prefix: str) -> None:
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be str, not {type(prefix).__name__}")
        self._prefix = encode(prefix)
        self._prefix_text = prefix
        if isinstance(client_or_url, str):
            self._client = redis.Redis.from_url(
                client_or_url,
                socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_SOCKET_TIMEOUT,
                retry=Retry(
                    ExponentialBackoff(cap=0.1, base=0.01),
                    _RETRIES,
                    supported_errors=(RedisConnectionError,),
                ),
            )
            self._owns_client = True
        elif isinstance(client_or_url, redis.Redis):
            self._client = client_or_url
            self._owns_client = False
        else:
            raise TypeError(
                f"expected a redis.Redis client or a URL, not {type(client_or_url).__name__}"
            )

    def _key(self, key: str) -> bytes:
        return self._prefix + encode(key)

    @contextmanager
    def _calling(self, operation: str) -> Iterator[None]:
        try:
            yield
        except RedisError as exc:
            # redis-py messages carry hosts, ports and server replies, never command
            # arguments, so no token can leak through them.
            raise StoreUnavailable(
                f"{self._describe()}: {operation} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _describe(self) -> str:
        # Built from the pool's host/port/db rather than the URL: the URL may hold a password.
        kwargs = getattr(self._client.connection_pool, "connection_kwargs", {})
        if "path" in kwargs:
            where = f"unix:{kwargs['path']}"
        else:
            where = f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
        return f"{type(self).__name__}({where}/{kwargs.get('db', 0)}, prefix={self._prefix_text!r})"

    def close(self) -> None:
        """Close the client if this store created it from a URL; a passed-in client is left open."""
        if self._owns_client:
            self._client.close()


class RedisPortalStore(_RedisStore):
    """A ``PortalStore`` keeping each portal in a Redis hash, its domain in a string key.

    ``get`` is one ``HMGET``; ``get_by_domain``, ``save`` and ``delete`` are one Lua
    script each (registered once, run by SHA).
    """

    def __init__(
        self, client_or_url: redis.Redis | str, *, prefix: str = "b24botevents:portal:v1:"
    ) -> None:
        super().__init__(client_or_url, prefix=prefix)
        self._member_prefix = self._prefix + b"m:"
        self._domain_prefix = self._prefix + b"d:"
        register = self._client.register_script
        self._save_script = register(_SAVE)
        self._delete_script = register(_DELETE)
        self._by_domain_script = register(_BY_DOMAIN)

    def get(self, member_id: str) -> PortalRecord | None:
        """The portal's record, installed or not; ``None`` if it was never stored."""
        if type(member_id) is not str or not member_id:
            check_key(member_id, "member_id")
        if not member_id.isascii():  # no stored id is
            return None
        with self._calling("get"):
            reply: object = self._client.hmget(
                self._member_prefix + member_id.encode("ascii"), _FIELDS
            )
        if not isinstance(reply, list) or len(reply) != len(_FIELDS):
            self._unreadable("get")
        domain, token, installed, revision, document = reply
        if domain is None:
            return None
        try:
            return trusted_record(
                member_id,
                _text(domain),
                _text(token),
                _text(installed) == "1",
                _int(revision),
                tokens_from_document(document),
            )
        except (TypeError, ValueError):
            self._unreadable("get")

    def get_by_domain(self, domain: str) -> PortalRecord | None:
        """The installed record bound to ``domain``, or ``None``."""
        if type(domain) is not str or not domain:
            check_key(domain, "domain")
        if not domain.isascii():  # no stored domain is
            return None
        raw = domain.encode("ascii")
        with self._calling("get_by_domain"):
            reply: object = self._by_domain_script(
                keys=[self._domain_prefix + raw], args=[self._prefix, raw]
            )
        if reply is None:
            return None
        if not isinstance(reply, list) or len(reply) != 4:
            self._unreadable("get_by_domain")
        member_id, token, revision, document = reply
        try:
            return trusted_record(
                _text(member_id),
                domain,
                _text(token),
                True,
                _int(revision),
                tokens_from_document(document),
            )
        except (TypeError, ValueError):
            self._unreadable("get_by_domain")

    def save(
        self,
        record: PortalRecord,
        *,
        expected: int | None,
        take_domain: bool = False,
        domain_holder: str | None = None,
    ) -> PortalRecord | None:
        """Write ``record`` iff its stored revision is ``expected`` (``PortalStore.save``)."""
        check_record(record)
        expected = check_expected(expected)
        revision = (expected or 0) + 1
        member_id = record.member_id.encode("ascii")
        domain = record.domain.encode("ascii")
        args = [
            self._prefix,
            member_id,
            b"" if expected is None else str(expected).encode("ascii"),
            domain,
            encode(record.application_token),
            b"1" if record.installed else b"0",
            b"1" if take_domain else b"0",
            str(revision).encode("ascii"),
            record_document(record.credentials).encode("ascii"),
            b"" if domain_holder is None else domain_holder.encode("utf-8", "surrogatepass"),
        ]
        with self._calling("save"):
            reply: object = self._save_script(
                keys=[self._member_prefix + member_id, self._domain_prefix + domain], args=args
            )
        if reply is None:
            return None
        _log.debug("%s: a portal record was written", type(self).__name__)
        return written(record, revision)

    def delete(self, member_id: str, *, expected: int | None = None) -> bool:
        """Forget the portal entirely; True if a record was removed."""
        check_key(member_id, "member_id")
        expected = check_expected(expected)
        if not member_id.isascii():
            return False
        raw = member_id.encode("ascii")
        with self._calling("delete"):
            reply: object = self._delete_script(
                keys=[self._member_prefix + raw],
                args=[self._prefix, raw, b"" if expected is None else str(expected).encode()],
            )
        return reply == 1

    def _unreadable(self, operation: str) -> NoReturn:
        # What is stored there was not written by this store; say so, never what it holds.
        raise StoreUnavailable(
            f"{self._describe()}: {operation} failed: unreadable record"
        ) from None


class RedisDedupStore(_RedisStore):
    """A ``DedupStore`` whose claims are Redis keys that expire on their own."""

    def __init__(
        self, client_or_url: redis.Redis | str, *, prefix: str = "b24botevents:dedup:"
    ) -> None:
        super().__init__(client_or_url, prefix=prefix)
        self._release_own = self._client.register_script(_RELEASE_OWN)

    def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        """Mark ``key`` seen for ``ttl`` seconds; True iff this caller is the first."""
        name = self._key(check_key(key))
        # PX takes whole milliseconds > 0; round up so a claim never lasts less than asked.
        milliseconds = max(1, math.ceil(check_ttl(ttl) * 1000))
        holder = encode(check_owner(owner))
        with self._calling("claim"):
            reply: object = self._client.set(name, holder, nx=True, px=milliseconds)
        # SET NX answers OK (True) when it set the key and nil (None) when it existed.
        return bool(reply)

    def release(self, key: str, owner: str | None = None) -> None:
        """Forget a claim (only ``owner``'s, when given): a redelivery is handled again."""
        name = self._key(check_key(key))
        with self._calling("release"):
            if owner is None:
                self._client.delete(name)
            else:
                self._release_own(keys=[name], args=[encode(check_owner(owner))])
