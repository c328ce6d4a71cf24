"""Redis stores: ``RedisTokenStore`` and ``RedisDedupStore`` on the synchronous redis-py client.

Needs the optional dependency: ``pip install 'b24botevents[redis]'``. Keys are the
store's prefix followed by the caller's key, both UTF-8; a claim is ``SET key 1 NX PX ttl``.
Every ``RedisError`` (refused connection, timeout, server error) becomes
``StoreUnavailable``, whose message names the store and the operation but never a token.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import RedisError
    from redis.retry import Retry
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without redis
    raise ImportError("the Redis stores need redis-py: pip install 'b24botevents[redis]'") from exc

from b24botevents.errors import StoreUnavailable

from ._protocols import ClosingStore, check_key, check_token, check_ttl, decode, encode

__all__ = ["RedisDedupStore", "RedisTokenStore"]

_log = logging.getLogger("b24botevents.stores")


# Clients built from a URL fail fast: a dead server must turn into StoreUnavailable within
# a couple of seconds, not hang a webhook request. One quick retry, on connection errors
# only, covers a pooled connection that the server closed while idle. Timeouts are not
# retried: the server may have applied a claim whose reply was lost, and a retried
# ``SET NX`` would then report the caller's own claim as a duplicate.
_SOCKET_TIMEOUT = 2.0
_RETRIES = 1


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


class RedisTokenStore(_RedisStore):
    """A ``TokenStore`` keeping each portal's token in a plain Redis string key."""

    def __init__(
        self, client_or_url: redis.Redis | str, *, prefix: str = "b24botevents:token:"
    ) -> None:
        super().__init__(client_or_url, prefix=prefix)

    def get(self, portal: str) -> str | None:
        key = self._key(check_key(portal, "portal"))
        with self._calling("get"):
            value: object = self._client.get(key)
        if value is None:
            return None
        # A client made with decode_responses=True already returns str.
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            return decode(value)
        raise StoreUnavailable(
            f"{self._describe()}: get failed: unexpected reply type {type(value).__name__}"
        )

    def set(self, portal: str, token: str) -> None:
        key = self._key(check_key(portal, "portal"))
        value = encode(check_token(token))
        with self._calling("set"):
            self._client.set(key, value)
        _log.debug("%s: token set for a portal", type(self).__name__)

    def delete(self, portal: str) -> None:
        key = self._key(check_key(portal, "portal"))
        with self._calling("delete"):
            self._client.delete(key)


class RedisDedupStore(_RedisStore):
    """A ``DedupStore`` whose claims are Redis keys that expire on their own."""

    def __init__(
        self, client_or_url: redis.Redis | str, *, prefix: str = "b24botevents:dedup:"
    ) -> None:
        super().__init__(client_or_url, prefix=prefix)

    def claim(self, key: str, ttl: float) -> bool:
        name = self._key(check_key(key))
        # PX takes whole milliseconds > 0; round up so a claim never lasts less than asked.
        milliseconds = max(1, math.ceil(check_ttl(ttl) * 1000))
        with self._calling("claim"):
            reply: object = self._client.set(name, b"1", nx=True, px=milliseconds)
        # SET NX answers OK (True) when it set the key and nil (None) when it existed.
        return bool(reply)

    def release(self, key: str) -> None:
        name = self._key(check_key(key))
        with self._calling("release"):
            self._client.delete(name)
