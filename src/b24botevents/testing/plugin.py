"""The pytest plugin (entry point ``pytest11``): the ``b24_portal`` fixture.

pytest imports this module in every run once b24botevents is installed, so it only
defines fixtures: no hooks, no options, no import-time work beyond the testing kit.
"""

from __future__ import annotations

import pytest

from . import PortalClient

__all__ = ["b24_portal"]


@pytest.fixture
def b24_portal() -> PortalClient:
    """A ``PortalClient`` for a new random portal (``Portal.random()``) in each test.

    ``b24_portal.install(dp)`` first, then ``post``/``bot_delete``/``uninstall`` (and the
    ``a``-prefixed async variants) into your ``Dispatcher``.
    """
    return PortalClient()
