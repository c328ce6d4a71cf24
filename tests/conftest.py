"""Shared test set-up: Hypothesis profiles, and pytester for tests that run user test files.

CI (``CI`` set) runs derandomized so that a run can be reproduced; no profile has a
deadline, because a 2-core machine under load is not a benchmark.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
