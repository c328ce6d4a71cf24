"""The pytest plugin of b24botevents (entry point ``pytest11``): ``b24_portal`` and the fake.

Fixtures: ``b24_portal`` (a ``PortalClient`` posting events into your dispatcher),
``fake_bitrix24`` (a ``FakeBitrix24``, Bitrix24's REST and OAuth side) and
``fake_bitrix24_url`` (that fake served on 127.0.0.1 for the test).

pytest imports this module in every run of every project that has b24botevents installed,
so it lives outside the package: importing it imports pytest and nothing else, and the
testing kit is loaded only when a test first asks for the fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from b24botevents.testing import FakeBitrix24, PortalClient

__all__ = ["b24_portal", "fake_bitrix24", "fake_bitrix24_url"]


@pytest.fixture
def b24_portal() -> PortalClient:
    """A ``PortalClient`` for a new random portal (``Portal.random()``) in each test.

    ``b24_portal.install(dp)`` first, then ``post``/``bot_delete``/``uninstall`` (and the
    ``a``-prefixed async variants) into your ``Dispatcher``.
    """
    from b24botevents.testing import PortalClient

    return PortalClient()


@pytest.fixture
def fake_bitrix24() -> FakeBitrix24:
    """A new ``FakeBitrix24`` (Bitrix24's REST API and OAuth server) in each test.

    ``fake_bitrix24.add_portal(portal)``, then point a client at it in-process
    (``httpx.Client(transport=fake_bitrix24.transport(), base_url=...)``) or over HTTP
    (the ``fake_bitrix24_url`` fixture); assert on ``.messages``, ``.calls``, ``.refreshes``.
    """
    from b24botevents.testing import FakeBitrix24

    return FakeBitrix24()


@pytest.fixture
def fake_bitrix24_url(fake_bitrix24: FakeBitrix24) -> Iterator[str]:
    """The ``fake_bitrix24`` fixture served on 127.0.0.1 for the test: its base URL."""
    with fake_bitrix24.serve() as url:
        yield url
