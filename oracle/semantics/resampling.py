"""Resampling by interpolation (``interpolate``'s ``nearest``, ``nearest-exact``, ``linear``,
``bilinear``, ``trilinear`` and ``bicubic``), from PyTorch's documented rules, in exact
rationals: a fixed linear map of the input along each of its last one to three dims, applied
dim by dim (the maps are separable).

Along a dim of ``n`` inputs and ``m`` outputs, ``scale`` is ``n / m``, or ``1 / scale_factor``
when a scale factor was given (its binary value read exactly):

- nearest: output ``o`` is input ``min(floor(o * scale), n - 1)``;
- linear: output ``o`` sits at ``r = o * (n - 1) / (m - 1)`` with ``align_corners`` (0 when
  ``m == 1``), else at ``r = max((o + 1/2) * scale - 1/2, 0)``; with ``i = min(floor(r), n - 1)``
  and ``l = min(r - i, 1)`` it is ``(1 - l) * x[i] + l * x[min(i + 1, n - 1)]``; when
  ``m == n`` it is the input itself;
- nearest-exact: output ``o`` is input ``min(floor((o + 1/2) * scale), n - 1)``;
- cubic: output ``o`` sits at ``r`` as for linear but not clamped at 0 (and no exception for
  ``m == n``); with ``i = min(floor(r), n - 1)`` and ``t = min(max(r - i, 0), 1)`` it is
  ``sum_j W_j(t) * x[clamp(i - 1 + j, 0, n - 1)]`` over ``j = 0..3``, with Keys' cubic
  convolution weights at ``A = -3/4``: ``W(t + 1), W(t), W(1 - t), W(2 - t)``, where
  ``W(x) = (A + 2)|x|^3 - (A + 3)|x|^2 + 1`` for ``|x| <= 1`` and
  ``A|x|^3 - 5A|x|^2 + 8A|x| - 4A`` for ``1 < |x| < 2``.
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


_A = sympy.Rational(-3, 4)


def _keys(x: Any) -> Any:
    """Keys' cubic convolution kernel at ``A = -3/4``, for ``0 <= x <= 2``."""
    if x <= 1:
        return ((_A + 2) * x - (_A + 3)) * x * x + 1
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _cubic_column(w: np.ndarray, o: int, r: Any, n: int) -> None:
    """Adds output ``o``'s 4 taps around source position ``r`` to column ``o`` of ``w``."""
    i = min(int(sympy.floor(r)), n - 1)
    t = sympy.Min(sympy.Max(r - i, 0), 1)
    for j, wt in enumerate((_keys(t + 1), _keys(t), _keys(1 - t), _keys(2 - t))):
        w[min(max(i - 1 + j, 0), n - 1), o] += wt


def weights(mode: str, n: int, m: int, align_corners: bool = False,
            factor: float | None = None) -> np.ndarray:
    """The (n, m) matrix of exact weights taking a dim of ``n`` inputs to ``m`` outputs.

    Args:
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"`` or ``"cubic"``.
        n: The number of inputs.
        m: The number of outputs.
        align_corners: Whether the end points align (linear).
        factor: The scale factor given, or None.

    >>> weights("linear", 2, 4).T.tolist()
    [[1, 0], [3/4, 1/4], [1/4, 3/4], [0, 1]]
    >>> weights("nearest", 3, 2).T.tolist()
    [[1, 0, 0], [0, 1, 0]]
    >>> weights("nearest-exact", 3, 2).T.tolist()
    [[1, 0, 0], [0, 0, 1]]
    >>> weights("cubic", 3, 6)[:, 0].tolist()
    [283/256, -27/256, 0]
    """
    w = np.array([[sympy.Integer(0)] * m for _ in range(n)], dtype=object).reshape(n, m)
    for o in range(m):
        if m == n and mode in ("nearest", "linear"):
            w[o, o] = sympy.Integer(1)
            continue
        if mode == "nearest-exact":
            r = (o + sympy.Rational(1, 2)) * _scale(n, m, factor)
            w[min(int(sympy.floor(r)), n - 1), o] = sympy.Integer(1)
            continue
        if mode == "cubic":
            if align_corners:
                r = sympy.Rational(o * (n - 1), m - 1) if m > 1 else sympy.Integer(0)
            else:
                r = (o + sympy.Rational(1, 2)) * _scale(n, m, factor) - sympy.Rational(1, 2)
            _cubic_column(w, o, r, n)
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
defmeaning("upsample_nearest3d", "structural", _resample("nearest"))
defmeaning("upsample_nearest_exact1d", "structural", _resample("nearest-exact"))
defmeaning("upsample_nearest_exact2d", "structural", _resample("nearest-exact"))
defmeaning("upsample_nearest_exact3d", "structural", _resample("nearest-exact"))
defmeaning("upsample_trilinear3d", "structural", _resample("linear"))
defmeaning("upsample_bicubic2d", "structural", _resample("cubic"))
