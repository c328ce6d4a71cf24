"""The pytest plugin of b24botevents (entry point ``pytest11``): the ``b24_portal`` fixture.

pytest imports this module in every run of every project that has b24botevents installed,
so it lives outside the package: importing it imports pytest and nothing else, and the
testing kit is loaded only when a test first asks for the fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from b24botevents.testing import PortalClient

__all__ = ["b24_portal"]


@pytest.fixture
def b24_portal() -> PortalClient:
    """A ``PortalClient`` for a new random portal (``Portal.random()``) in each test.

    ``b24_portal.install(dp)`` first, then ``post``/``bot_delete``/``uninstall`` (and the
    ``a``-prefixed async variants) into your ``Dispatcher``.
    """
    from b24botevents.testing import PortalClient

    return PortalClient()
