"""Fixtures for the store tests: a session-wide real ``redis-server`` and a dead Redis URL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/redis_server.py is a top-level helper module one directory up; make it importable
# whatever pytest's import mode (importlib mode does not touch sys.path).
_TESTS_DIR = str(Path(__file__).resolve().parent.parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from redis_server import RedisServerError, dead_redis_url, start_redis_server  # noqa: E402


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server started for this test session (fails if it cannot start)."""
    try:
        server = start_redis_server()
    except RedisServerError as exc:
        # Fail, never skip: CI installs redis-server and must not pass without it.
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def dead_url() -> Iterator[str]:
    """URL of a local port where nothing listens: connections are refused."""
    with dead_redis_url() as url:
        yield url
