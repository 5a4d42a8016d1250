"""Hypothesis profiles are explicit here, never inherited silently.

``ci`` (chosen when the CI variable is set) is derandomized, has no deadline (a shared 2-core machine
makes timings noisy) and keeps no example database, so a run on a clean clone is reproducible.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(
    os.environ.get("CONFORMANCE_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)
