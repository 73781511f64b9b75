"""Meaning of ``put`` (``symgrad/ops/put.py``): ``source``'s ``k``-th element written at the
flat position ``index[k]`` of ``self``, or added there with ``accumulate`` (repeated positions
adding up).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning


def _put(self: Any, source: Any, *, index: Any, accumulate: bool, **_: Any) -> np.ndarray:
    out = np.asarray(self, dtype=object).copy()
    flat = out.reshape(-1)
    values = np.asarray(source, dtype=object).reshape(-1)
    positions = np.asarray(index, dtype=np.int64).reshape(-1) % max(flat.size, 1)
    for k, i in enumerate(positions):
        flat[i] = flat[i] + values[k] if accumulate else values[k]
    return out


defmeaning("put", "structural", _put)
