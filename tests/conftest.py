"""Shared test set-up: Hypothesis profiles, pytester for tests that run user test files,
and one real ``redis-server`` for the whole session (stores, dispatcher and dedup tests).

CI (``CI`` set) runs derandomized so that a run can be reproduced; no profile has a
deadline, because a 2-core machine under load is not a benchmark.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from redis_server import RedisServerError, dead_redis_url, start_redis_server

pytest_plugins = ["pytester"]

settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server started for this test session (fails if it cannot start)."""
    try:
        server = start_redis_server()
    except RedisServerError as exc:
        # Fail, never skip: the test script installs redis-server, CI must not pass without it.
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
