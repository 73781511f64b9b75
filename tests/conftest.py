"""Shared test setup: hypothesis profiles. ``ci``, the default, is derandomized: the suite
gives the same answer on every machine and every run; ``dev`` (random examples) is opt-in
exploration, and what it finds is kept as an ``@example``; ``thorough`` is for long runs."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
