"""Meaning of ``weight_norm`` (``symgrad/ops/weight_norm.py``, PyTorch's fused
``_weight_norm_interface``): ``v * g / ||v||``, the 2-norm of each slice of ``v`` along ``dim``
taken over every other dim, ``g`` holding one number per slice (in any shape of that size).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning


def _weight_norm(weight_v: Any, weight_g: Any, *, dim: int, **_: Any) -> np.ndarray:
    v = np.asarray(weight_v, dtype=object)
    g = np.asarray(weight_g, dtype=object).reshape(-1)
    if v.ndim == 0:
        return v * g[0] / sympy.sqrt(v**2)
    axis = dim % v.ndim
    out = np.empty(v.shape, dtype=object)
    for i in range(v.shape[axis]):
        key = [slice(None)] * v.ndim
        key[axis] = slice(i, i + 1)  # kept as a dim: a vector's slice is one element
        part = v[tuple(key)]
        norm = sympy.sqrt(sympy.Add(*[x**2 for x in part.reshape(-1)]))
        scale = g[i] / norm
        out[tuple(key)] = np.vectorize(lambda x, s=scale: x * s, otypes=[object])(part)
    return out


defmeaning("weight_norm", "structural", _weight_norm)
