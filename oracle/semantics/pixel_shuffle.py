"""``pixel_shuffle`` and ``pixel_unshuffle`` only move values: output ``[..., c, h r + i,
w r + j]`` of ``pixel_shuffle`` is input ``[..., c r^2 + i r + j, h, w]``, and
``pixel_unshuffle`` reads the other way. Written here element by element from that rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning

__all__: list[str] = []


def _shuffle(self: Any, *, upscale_factor: int) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    r = upscale_factor
    *lead, c, h, w = x.shape
    out = np.empty((*lead, c // (r * r), h * r, w * r), dtype=object)
    for idx in np.ndindex(*out.shape):
        *pre, k, y, z = idx
        out[idx] = x[(*pre, k * r * r + (y % r) * r + z % r, y // r, z // r)]
    return out


def _unshuffle(self: Any, *, downscale_factor: int) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    r = downscale_factor
    *lead, c, h, w = x.shape
    out = np.empty((*lead, c * r * r, h // r, w // r), dtype=object)
    for idx in np.ndindex(*out.shape):
        *pre, k, y, z = idx
        q, rest = divmod(k, r * r)
        i, j = divmod(rest, r)
        out[idx] = x[(*pre, q, y * r + i, z * r + j)]
    return out


defmeaning("pixel_shuffle", "index", _shuffle)
defmeaning("pixel_unshuffle", "index", _unshuffle)
