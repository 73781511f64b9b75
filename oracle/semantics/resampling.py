"""Resampling by interpolation (``interpolate``'s ``nearest``, ``linear`` and ``bilinear``),
from PyTorch's documented rules, in exact rationals: a fixed linear map of the input along each
of its last one or two dims, applied dim by dim (the 2-d maps are separable).

Along a dim of ``n`` inputs and ``m`` outputs, ``scale`` is ``n / m``, or ``1 / scale_factor``
when a scale factor was given (its binary value read exactly):

- nearest: output ``o`` is input ``min(floor(o * scale), n - 1)``;
- linear: output ``o`` sits at ``r = o * (n - 1) / (m - 1)`` with ``align_corners`` (0 when
  ``m == 1``), else at ``r = max((o + 1/2) * scale - 1/2, 0)``; with ``i = min(floor(r), n - 1)``
  and ``l = min(r - i, 1)`` it is ``(1 - l) * x[i] + l * x[min(i + 1, n - 1)]``; when
  ``m == n`` it is the input itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning, num

__all__ = ["weights"]


def _scale(n: int, m: int, factor: float | None) -> sympy.Rational:
    if factor is not None and factor > 0:
        return 1 / num(factor)
    return sympy.Rational(n, m)


def weights(mode: str, n: int, m: int, align_corners: bool = False,
            factor: float | None = None) -> np.ndarray:
    """The (n, m) matrix of exact weights taking a dim of ``n`` inputs to ``m`` outputs.

    Args:
        mode: ``"nearest"`` or ``"linear"``.
        n: The number of inputs.
        m: The number of outputs.
        align_corners: Whether the end points align (linear).
        factor: The scale factor given, or None.

    >>> weights("linear", 2, 4).T.tolist()
    [[1, 0], [3/4, 1/4], [1/4, 3/4], [0, 1]]
    >>> weights("nearest", 3, 2).T.tolist()
    [[1, 0, 0], [0, 1, 0]]
    """
    w = np.array([[sympy.Integer(0)] * m for _ in range(n)], dtype=object).reshape(n, m)
    for o in range(m):
        if m == n:
            w[o, o] = sympy.Integer(1)
            continue
        if mode == "nearest":
            w[min(int(sympy.floor(o * _scale(n, m, factor))), n - 1), o] = sympy.Integer(1)
            continue
        if align_corners:
            r = sympy.Rational(o * (n - 1), m - 1) if m > 1 else sympy.Integer(0)
        else:
            r = sympy.Max((o + sympy.Rational(1, 2)) * _scale(n, m, factor) - sympy.Rational(1, 2),
                          0)
        i = min(int(sympy.floor(r)), n - 1)
        lam = sympy.Min(r - i, 1)
        w[i, o] += 1 - lam
        w[min(i + 1, n - 1), o] += lam
    return w


def _resample(mode: str) -> Any:
    def meaning(self: Any, *, output_size: tuple[int, ...], scales: tuple[Any, ...],
                align_corners: bool = False, **_: Any) -> np.ndarray:
        x = np.asarray(self, dtype=object)
        k = len(output_size)
        for d in range(k):
            axis = x.ndim - k + d
            w = weights(mode, x.shape[axis], output_size[d], align_corners, scales[d])
            moved = np.moveaxis(x, axis, -1)
            x = np.moveaxis(np.dot(moved, w) if moved.size else np.empty(
                moved.shape[:-1] + (w.shape[1],), dtype=object), -1, axis)
        return np.asarray(x, dtype=object)

    return meaning


defmeaning("upsample_nearest1d", "structural", _resample("nearest"))
defmeaning("upsample_nearest2d", "structural", _resample("nearest"))
defmeaning("upsample_linear1d", "structural", _resample("linear"))
defmeaning("upsample_bilinear2d", "structural", _resample("linear"))
