"""Fixtures for the wire tests: one persistent PHP reference process per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from php_reference import PhpWorker


@pytest.fixture(scope="session")
def php() -> Iterator[PhpWorker]:
    """A ``php`` process answering parse_str/http_build_query jobs, one per line."""
    with PhpWorker() as worker:
        yield worker
