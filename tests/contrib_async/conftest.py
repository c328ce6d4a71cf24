"""Fixtures for the async adapter tests.

No pytest-asyncio configuration is needed (or set): every test runs its own event loop
with ``asyncio.run``, and servers run in threads the tests start and join themselves.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_server_left_running() -> Iterator[None]:
    """Every uvicorn thread a test starts is stopped and joined by the end of it."""
    yield
    left = [thread.name for thread in threading.enumerate() if thread.name == "uvicorn"]
    assert not left, f"uvicorn threads still running: {left}"


@pytest.fixture
def fast_httpcore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make httpcore's per-request ``import sniffio`` fail at once when sniffio is absent.

    httpcore tries that import several times per request; without sniffio installed each
    failed import searches ``sys.path`` (about half the client's time in a load test). A
    ``None`` entry in ``sys.modules`` makes it fail immediately, exactly as it would anyway.
    """
    if importlib.util.find_spec("sniffio") is None:
        monkeypatch.setitem(sys.modules, "sniffio", None)
