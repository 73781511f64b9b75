"""Shared test setup: hypothesis profiles and the ``rng`` fixture. ``ci``, the default, is
derandomized: the suite gives the same answer on every machine and every run; ``dev`` (random
examples) is opt-in exploration, and what it finds is kept as an ``@example``; ``thorough`` is
for long runs."""

import os
import zlib

import numpy as np
import pytest
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


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A generator of the test's own, seeded from its node id (file, name and parameters).

    What a test draws from it is the same alone, in its file, or after any other tests in its
    xdist worker (whose order varies from run to run); a generator shared by a module's tests
    gives each test what the tests before it left. Draws made at import time (for parametrize
    lists) may still come from a module-level generator: they happen once, in file order.
    """
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
