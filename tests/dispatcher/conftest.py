"""Fixtures for the dispatcher tests: both runners, real portal stores, an open dispatcher."""

from __future__ import annotations

from dispatch_fixtures import make_portal_store as make_portal_store
from dispatch_fixtures import open_dp as open_dp
from dispatch_fixtures import portal_store as portal_store
from dispatch_fixtures import run as run
from dispatch_fixtures import unique_prefix as unique_prefix
