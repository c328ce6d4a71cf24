"""Fixtures for the verification tests: a real portal store of every kind, both runners."""

from __future__ import annotations

from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import portal_store as portal_store
from dispatch_fixtures import run as run
