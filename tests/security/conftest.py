"""The Django test project of the adapter tests (its settings are configured once, there)."""

from __future__ import annotations

import contrib.conftest  # noqa: F401 - configures Django's settings, exactly once
