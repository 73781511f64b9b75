"""Sampling an image at grid points (``grid_sample``'s bilinear and nearest modes) and the
grids of affine maps (``affine_grid``), from PyTorch's documented rules, in exact rationals.

Along a spatial dim of ``size`` pixels, a grid coordinate ``g`` is the position
``p = (g + 1) (size - 1) / 2`` with ``align_corners`` and ``p = (g + 1) size / 2 - 1/2``
without. The padding mode maps it to the position read, ``q``:

- ``zeros``: ``q = p`` (pixels outside the image read 0);
- ``border``: ``q = clamp(p, 0, size - 1)``;
- ``reflection``: ``p`` folded about the image's ends ``low = 0`` and ``low + span``
  (``span = size - 1``) with ``align_corners``, ``low = -1/2`` and ``span = size`` without:
  ``u = (p - low) mod 2 span``, ``f = low + span - |u - span|``, then
  ``q = clamp(f, 0, size - 1)``.

Bilinear: with ``t = q - floor(q)`` per dim, the pixels ``floor(q)`` and ``floor(q) + 1``
weigh ``1 - t`` and ``t``; written as the hat ``max(0, 1 - |q - c|)`` of every pixel ``c``,
one expression of the grid for every point: ``out = sum_{r, c} hat(q_y - r) hat(q_x - c)
x[r, c]``. Nearest: the pixel at ``q`` rounded half to even per dim, or 0 outside.

Kinks (labelled as the engine declares them): where ``q`` is a whole number the hats have a
corner (``"grid's position a whole pixel"``, or ``"grid's reflected position a whole
pixel"`` where the reflection reverses the direction); where the clamp's argument is on a
border (``"grid's position on a clamped border"``). Each is a kink of the grid's partials only:
the value and the input's partials are continuous there.

``affine_grid``: each output pixel's centre ``x_w = (2 w + 1) / W - 1`` (``2 w / (W - 1) - 1``
with ``align_corners``; 0 for one pixel), likewise ``y_h``, maps to ``theta[n] @ (x_w, y_h, 1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import Abs, Integer, Piecewise, Rational

from oracle.semantics import Kink, defmeaning, kink
from oracle.semantics.elementwise import FloorStep, RoundStep

__all__ = ["position", "read_position"]

BORDER = "grid's position on a clamped border"
WHOLE = "grid's position a whole pixel"
REFLECTED = "grid's reflected position a whole pixel"


def position(g: Any, size: int, align_corners: bool) -> Any:
    """The position in pixels of grid coordinate ``g`` along a dim of ``size`` pixels.

    >>> position(Integer(1), 4, False), position(Integer(0), 5, True)
    (7/2, 2)
    """
    if align_corners:
        return (g + 1) * Rational(size - 1, 2)
    return (g + 1) * Rational(size, 2) - Rational(1, 2)


def _fold(p: Any, size: int, align_corners: bool) -> tuple[Any, Any]:
    """``p`` reflected about the image's ends (before the clamp), and the sign of its slope:
    -1 where the reflection reverses the direction (0 on a mirror)."""
    if align_corners and size <= 1:
        return Integer(0), Integer(1)
    low = Integer(0) if align_corners else Rational(-1, 2)
    span = Integer(size - 1 if align_corners else size)
    # A triangle wave of period 2 span, even about low: |p - low| mod 2 span folded once more,
    # written with one Abs (SymPy builds and differentiates nested Piecewise and Abs slowly:
    # minutes for one small sample).
    t = p - low
    u = t - 2 * span * FloorStep(t / (2 * span))
    return low + span - Abs(u - span), -sympy.sign(u - span)


def _clamp(f: Any, size: int) -> Any:
    return (Abs(f) - Abs(f - (size - 1)) + (size - 1)) / 2


def read_position(g: Any, size: int, padding_mode: str, align_corners: bool
                  ) -> tuple[Any, Any, Any]:
    """The position read for grid coordinate ``g`` (``q``), the clamp's argument (None for
    zeros padding) and the sign of the position's slope.

    >>> q, f, sign = read_position(Rational(5, 4), 3, "reflection", True)
    >>> q, f, sign
    (7/4, 7/4, -1)
    """
    p = position(g, size, align_corners)
    if padding_mode == "zeros":
        return p, None, Integer(1)
    if padding_mode == "border":
        return _clamp(p, size), p, Integer(1)
    folded, sign = _fold(p, size, align_corners)
    if align_corners:  # folded into [0, size - 1] already
        return folded, folded, sign
    return _clamp(folded, size), folded, sign


def _hat(d: Any) -> Any:
    """max(0, 1 - |d|)."""
    return (1 - Abs(d) + Abs(1 - Abs(d))) / 2


def _picks(q: Any, c: int) -> Any:
    return Piecewise((1, sympy.Eq(RoundStep(q), c)), (0, True))


def _weights(g: Any, size: int, attrs: dict[str, Any]) -> list[Any]:
    """Each pixel's weight along one dim for grid coordinate ``g``.

    A clamped position is constant beyond the border, where the hat of the end pixel would
    have its corner at the point itself (a second derivative's Dirac delta there, for no
    kink): the end pixels' weights are written as ramps of the unclamped position instead,
    ``clamp(1 - f, 0, 1)`` and ``clamp(f - (size - 2), 0, 1)``, equal to the hats of the
    clamped position.
    """
    q, f, _ = read_position(g, size, attrs["padding_mode"], attrs["align_corners"])
    if attrs["mode"] == "nearest":
        return [_picks(q, c) for c in range(size)]
    if f is None:
        return [_hat(q - c) for c in range(size)]
    if size == 1:
        return [Integer(1)]
    down = (Abs(1 - f) - Abs(f) + 1) / 2
    up = (Abs(f - (size - 2)) - Abs(f - (size - 1)) + 1) / 2
    return [down, *[_hat(f - c) for c in range(1, size - 1)], up]


def _reads(input: Any, grid: Any, attrs: dict[str, Any]) -> list[tuple[int, int, Any, Any]]:
    """Per grid point: its batch, its flat index, and each pixel's weight along y and x."""
    x = np.asarray(grid, dtype=object)
    height, width = np.shape(input)[2], np.shape(input)[3]
    return [(n, h * x.shape[2] + w, _weights(x[n, h, w, 1], height, attrs),
             _weights(x[n, h, w, 0], width, attrs)) for n, h, w in np.ndindex(*x.shape[:3])]


def _grid_sample(input: Any, grid: Any, **attrs: Any) -> np.ndarray:
    x = np.asarray(input, dtype=object)
    n, c, height, width = x.shape
    points = np.shape(grid)[1] * np.shape(grid)[2]
    out = np.full((n, c, points), Integer(0), dtype=object)
    for b, k, wy, wx in _reads(x, grid, attrs):
        for ch in range(c):
            out[b, ch, k] = sympy.Add(*[wy[r] * wx[col] * x[b, ch, r, col]
                                        for r in range(height) for col in range(width)])
    return out.reshape(n, c, np.shape(grid)[1], np.shape(grid)[2])


def _grid_kinks(input: Any, grid: Any, *, mode: str, padding_mode: str, align_corners: bool
                ) -> list[Kink]:
    """The corners of the bilinear weights in each grid coordinate (module docstring)."""
    if mode != "bilinear":
        return []
    x = np.asarray(grid, dtype=object)
    sizes = (np.shape(input)[3], np.shape(input)[2])
    found = []
    for idx in np.ndindex(*x.shape):
        size = sizes[idx[-1]]
        q, f, sign = read_position(x[idx], size, padding_mode, align_corners)
        whole = Abs(q - FloorStep(q))
        if f is not None:
            found.append(kink("grid", f * (f - (size - 1)), BORDER))
        found.append(kink("grid", whole + (1 - sign) / 2, WHOLE))
        if padding_mode == "reflection":
            found.append(kink("grid", whole + (1 + sign) / 2, REFLECTED))
    return found


defmeaning("grid_sampler_2d", "structural", _grid_sample, kinks=_grid_kinks)


def _centres(size: int, align_corners: bool) -> list[Any]:
    if size <= 1:
        return [Integer(0)] * size
    if align_corners:
        return [Rational(2 * i, size - 1) - 1 for i in range(size)]
    return [Rational(2 * i + 1, size) - 1 for i in range(size)]


def _affine_grid(theta: Any, *, size: tuple[int, ...], align_corners: bool) -> np.ndarray:
    t = np.asarray(theta, dtype=object)
    n, _, height, width = size
    xs, ys = _centres(width, align_corners), _centres(height, align_corners)
    out = np.empty((n, height, width, 2), dtype=object)
    for b, h, w, k in np.ndindex(*out.shape):
        out[b, h, w, k] = t[b, k, 0] * xs[w] + t[b, k, 1] * ys[h] + t[b, k, 2]
    return out


defmeaning("affine_grid_generator", "structural", _affine_grid)
