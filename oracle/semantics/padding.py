"""Constant padding: each output element is an input element or the fill."""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning, num

__all__: list[str] = []


def _constant_pad_nd(self: Any, *, pad: Any, value: Any = 0, **_: Any) -> np.ndarray:
    """``self`` with ``pad[2i]`` elements of ``value`` before and ``pad[2i + 1]`` after its
    ``i``-th dim from the last; a negative width drops that many elements there."""
    x = np.asarray(self, dtype=object)
    for i in range(len(pad) // 2):
        dim = x.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        keep = [slice(None)] * x.ndim
        keep[dim] = slice(max(-before, 0), x.shape[dim] - max(-after, 0))
        x = x[tuple(keep)]
        parts = []
        for width in (max(before, 0), None, max(after, 0)):
            if width is None:
                parts.append(x)
            elif width:
                shape = list(x.shape)
                shape[dim] = width
                parts.append(np.full(shape, num(value), dtype=object))
        x = np.concatenate(parts, axis=dim)
    return x


defmeaning("constant_pad_nd", "structural", _constant_pad_nd)
