"""Collection for the whole suite: the torch adapter's modules are collected (their doctests
run) only where torch is installed, as the ``torch`` extra installs it.

Once collected, the session's objects (over half a million: the items, their parameters, the
imported modules) are frozen out of the garbage collector's sight. They live until the end, yet
each full collection walked them all: at the end of a run pytest collects in every xdist worker
two or three times, which took 7-8 s on the loaded 2-core machine; execnet gives a finishing
worker 5 s before it sends it SIGINT, whose KeyboardInterrupt then landed in the collector's
callback (Hypothesis's) and came out as a PytestUnraisableExceptionWarning.
"""

import gc
import importlib.util

import pytest

collect_ignore = [] if importlib.util.find_spec("torch") else [
    "oracle/engines/torch_engine.py", "oracle/engines/torch_catalog.py"]


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
