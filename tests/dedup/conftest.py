"""Fixtures for the dedup tests: both runners (``handle`` and ``ahandle``)."""

from __future__ import annotations

from dispatch_fixtures import run as run
