"""Triangular parts (``tril``, ``triu``) and order statistics (``sort``, ``topk``).

``tril``/``triu`` only move values: each output element is its input element or the number 0,
chosen by its position (``col - row`` against the diagonal), an ``index`` meaning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _triangle(self: Any, keep: Any) -> np.ndarray:
    """``self`` where ``keep(col - row)`` holds over the last two dims, the number 0 elsewhere."""
    x = _o(self)
    rows, cols = x.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    zero = np.full(x.shape, sympy.S.Zero, dtype=object)
    return np.where(keep(offset), x, zero)


defmeaning("tril", "index", lambda self, *, diagonal, **_: _triangle(
    self, lambda offset: offset <= diagonal))
defmeaning("triu", "index", lambda self, *, diagonal, **_: _triangle(
    self, lambda offset: offset >= diagonal))
