"""Fixtures for the verification tests: a real token store of every kind, both runners."""

from __future__ import annotations

from dispatch_fixtures import make_token_store as make_token_store
from dispatch_fixtures import run as run
from dispatch_fixtures import token_store as token_store
