"""Reflection and replication padding, and their backward operators.

Along a padded dim of ``n`` places with ``before`` added in front, output place ``j`` shows
input place ``p = j - before`` brought back into ``[0, n - 1]``: by reflection about the end
places (a mirror at 0 and at ``n - 1``: ``|p|``, then ``2 (n - 1) - p`` past the far end), or
by clamping to them (replication). A negative width crops. The backward operator of each pad
sends every place of ``grad_output`` back to the input place it shows, summing where several
show the same one: the adjoint of the pad, written here from the same rule.

>>> import numpy as np
>>> MEANINGS["reflection_pad1d"].fn(np.array([[10, 11, 12]], dtype=object), padding=(2, 1))
array([[12, 11, 10, 11, 12, 11]], dtype=object)
>>> MEANINGS["replication_pad1d_backward"].fn(np.array([[1, 2, 3, 4]], dtype=object),
...                                           np.zeros((1, 2), dtype=object), padding=(1, 1))
array([[3, 7]], dtype=object)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import MEANINGS, defmeaning  # noqa: F401 - the doctest reads MEANINGS

__all__: list[str] = []


def _source(mode: str, j: int, n: int, before: int) -> int:
    """The input place output place ``j`` shows along one dim."""
    p = j - before
    if mode == "replication":
        return min(max(p, 0), n - 1)
    if p < 0:
        p = -p
    if p > n - 1:
        p = 2 * (n - 1) - p
    return p


def _sources(mode: str, shape: tuple[int, ...], padding: tuple[int, ...]) -> list[list[int]]:
    """Per padded dim (the first of them first), the input place of each output place."""
    k = len(padding) // 2
    out = []
    for i in range(k):
        n = shape[len(shape) - k + i]
        before, after = padding[2 * (k - 1 - i)], padding[2 * (k - 1 - i) + 1]
        out.append([_source(mode, j, n, before) for j in range(n + before + after)])
    return out


def _pad(mode: str) -> Any:
    def fn(self: Any, *, padding: tuple[int, ...], **_: Any) -> np.ndarray:
        x = np.asarray(self, dtype=object)
        k = len(padding) // 2
        lead = x.shape[:x.ndim - k]
        srcs = _sources(mode, x.shape, padding)
        out = np.empty(lead + tuple(len(s) for s in srcs), dtype=object)
        for idx in np.ndindex(*out.shape):
            spatial = idx[len(lead):]
            out[idx] = x[idx[:len(lead)] + tuple(s[j] for s, j in zip(srcs, spatial,
                                                                       strict=True))]
        return out

    return fn


def _pad_backward(mode: str) -> Any:
    def fn(grad_output: Any, self: Any, *, padding: tuple[int, ...], **_: Any) -> np.ndarray:
        g = np.asarray(grad_output, dtype=object)
        shape = np.shape(self)
        k = len(padding) // 2
        lead = len(shape) - k
        srcs = _sources(mode, shape, padding)
        out = np.full(shape, sympy.Integer(0), dtype=object)
        for idx in np.ndindex(*g.shape):
            at = idx[:lead] + tuple(s[j] for s, j in zip(srcs, idx[lead:], strict=True))
            out[at] = out[at] + g[idx]
        return out

    return fn


for _mode in ("reflection", "replication"):
    for _dims in (1, 2, 3):
        defmeaning(f"{_mode}_pad{_dims}d", "index", _pad(_mode))
        defmeaning(f"{_mode}_pad{_dims}d_backward", "structural", _pad_backward(_mode))
