"""The suite's own garbage: what collection made is frozen out of the collector's sight.

Each full collection walked the half million objects collection leaves for the whole session;
at the end of a run pytest collects two or three times in every xdist worker, which took longer
than the 5 s execnet gives a finishing worker before it sends SIGINT (see ``conftest.py``).
"""

from __future__ import annotations

import gc
import time


def test_what_collection_made_is_frozen() -> None:
    assert gc.get_freeze_count() > 10_000


def test_a_full_collection_skips_the_frozen_objects() -> None:
    start = time.process_time()
    gc.collect()
    frozen_out = time.process_time() - start
    gc.unfreeze()
    try:
        start = time.process_time()
        gc.collect()
        walked = time.process_time() - start
    finally:
        gc.freeze()
    assert frozen_out < walked
