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

The position is read as PyTorch's CPU kernel computes it in the input's dtype (float64, else
float32), part of the op's definition: ``g + 1`` rounded, then ``(g + 1) size / 2 - 1/2`` in one
rounding (the kernel's multiply-subtract is fused: PyTorch 2.13 agrees at 3,800 points beside
the ties of nearest's rounding, where an unfused product gives 4 others) or ``(g + 1)
(size - 1) / 2`` rounded. ``p`` is the exact expression of ``g`` plus ``KernelShift``, the
kernel's rounding of it, a step of derivative 0: nearest picks the pixel the kernel's position
rounds to (``1/3`` on 3 pixels is ``1.5 - 1.1e-16``, which the kernel rounds to ``1.5`` and
half to even to pixel 2). Bilinear reads the exact position (its value is continuous; its
kinks' sides are taken a hair off the point). With reflection, nearest reads the kernel's
reflection of its position too, each step rounded (``kernel_reflected``; ``p + 1/2`` for -1/3 on
3 pixels, ``1 + 2**-53``, rounds to 1 and folds back to 0.5, pixel 0): the exact ``q`` plus
``KernelShift``'s distance to it (PyTorch 2.13 agrees on the pixel at 323,920 points beside
the ties, up to three spans beyond the image, float32 and float64; the exact fold of the
kernel's position gave 67 others).

Kinks (labelled as the engine declares them): where ``q`` is a whole number the hats have a
corner (``"grid's position a whole pixel"``, or ``"grid's reflected position a whole
pixel"`` where the reflection reverses the direction); where the clamp's argument is on a
border (``"grid's position on a clamped border"``). Each is a kink of the grid's partials only:
the value and the input's partials are continuous there.

``affine_grid``: each output pixel's centre ``x_w = (2 w + 1) / W - 1`` (``2 w / (W - 1) - 1``
with ``align_corners``; 0 for one pixel), likewise ``y_h``, maps to ``theta[n] @ (x_w, y_h, 1)``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy
from sympy import Abs, Integer, Piecewise, Rational

from oracle.semantics import Kink, defmeaning, kink
from oracle.semantics.elementwise import MPMATH_NAMESPACE, FloorStep, RoundStep

__all__ = ["KernelShift", "position", "read_position"]

BORDER = "grid's position on a clamped border"
WHOLE = "grid's position a whole pixel"
REFLECTED = "grid's reflected position a whole pixel"


def _round_to(q: Fraction, bits: int) -> Fraction:
    """``q`` rounded to nearest even with a ``bits``-bit significand (no subnormals: the
    positions are far from them)."""
    if q == 0:
        return q
    e = (abs(q.numerator).bit_length() - abs(q.denominator).bit_length()) - bits
    while abs(q) / Fraction(2) ** e >= 2 ** bits:
        e += 1
    while abs(q) / Fraction(2) ** e < 2 ** (bits - 1):
        e -= 1
    m = q / Fraction(2) ** e
    return Fraction(round(m)) * Fraction(2) ** e  # Python's round: half to even


def kernel_position(g: Fraction, size: int, align_corners: bool, bits: int) -> Fraction:
    """The position of coordinate ``g`` (a value of the dtype) as the kernel computes it with
    ``bits``-bit floats: ``g + 1`` rounded, then the product (less 1/2) rounded once.

    >>> float(kernel_position(Fraction(-1 / 3), 3, False, 53))  # unfused: 0.5
    0.5000000000000001
    """
    a = _round_to(g + 1, bits)
    if align_corners:
        return _round_to(a * Fraction(size - 1, 2), bits)
    return _round_to(a * Fraction(size, 2) - Fraction(1, 2), bits)


def _ends(size: int, align_corners: bool) -> tuple[Fraction, int]:
    """The reflection's low end and span: the corner pixels' centres (0 and ``size - 1``)
    with ``align_corners``, the image's edges (-1/2 and ``size - 1/2``) without."""
    if align_corners:
        return Fraction(0), size - 1
    return Fraction(-1, 2), size


def kernel_reflected(p: Fraction, size: int, align_corners: bool, bits: int) -> Fraction:
    """The kernel's position ``p`` reflected and clipped, every step rounded to ``bits`` bits
    (PyTorch's CPU ``reflect_coordinates``: ``|p - low|`` less its whole double spans, taken
    by a rounded quotient truncated, folded to ``min(extra, 2 span - extra) + low``).

    >>> float(kernel_reflected(Fraction(0.5000000000000001), 3, False, 53))  # 1 + 2**-53 -> 1
    0.5
    """
    low, span = _ends(size, align_corners)
    if span == 0:
        return Fraction(0)
    twice = 2 * span
    d = abs(_round_to(p - low, bits))
    extra = _round_to(d - int(_round_to(d / twice, bits)) * twice, bits)
    folded = _round_to(min(extra, _round_to(twice - extra, bits)) + low, bits)
    return min(max(folded, Fraction(0)), Fraction(size - 1))


def _reflected(p: Fraction, size: int, align_corners: bool) -> Fraction:
    """``p`` reflected and clamped exactly (the module docstring's ``q``)."""
    low, span = _ends(size, align_corners)
    if span == 0:
        return Fraction(0)
    u = (p - low) % (2 * span)
    return min(max(low + span - abs(u - span), Fraction(0)), Fraction(size - 1))


def _shift_at(value: Fraction, size: int, align_corners: bool, bits: int,
              reflect: bool = False) -> Fraction:
    """The kernel's position of coordinate ``value`` (of the dtype) less the exact one; with
    ``reflect``, the positions reflected and clipped (the kernel's with its roundings)."""
    exact = (value + 1) * Fraction(size - 1 if align_corners else size, 2) - (
        0 if align_corners else Fraction(1, 2))
    kernel = kernel_position(value, size, align_corners, bits)
    if reflect:
        return kernel_reflected(kernel, size, align_corners, bits) - _reflected(
            exact, size, align_corners)
    return kernel - exact


def _in_dtype(g: float, bits: int) -> Fraction:
    # A point a hair off a value of the dtype reads as that value, as the kernel would see it.
    return Fraction(g if bits == 53 else float(np.float32(g)))


def _shift(g: Any, size: Any, align_corners: Any, bits: Any, reflect: Any) -> Any:
    """``KernelShift`` on mpmath numbers."""
    g = mpmath.mpf(g)
    if not mpmath.isfinite(g):
        return mpmath.mpf(0)
    d = _shift_at(_in_dtype(float(g), int(bits)), int(size), bool(align_corners), int(bits),
                  bool(reflect))
    with mpmath.workprec(256):
        return mpmath.mpf(d.numerator) / d.denominator


class KernelShift(sympy.Function):
    """``KernelShift(g, size, align_corners, bits, reflect)``: how far the kernel's position of
    grid coordinate ``g`` is from the exact one (``kernel_position``; with ``reflect``, both
    reflected and clipped, the kernel's by ``kernel_reflected``), a step of derivative 0.

    >>> g = sympy.Symbol("g")
    >>> KernelShift(Rational(1, 2), 3, 0, 53, 0), KernelShift(g, 3, 0, 53, 1).diff(g)
    (0, 0)
    """

    is_real = True
    _mpmath = staticmethod(_shift)

    @classmethod
    def eval(cls, g: Any, size: Any, align_corners: Any, bits: Any, reflect: Any) -> Any:
        if g.is_Number and g.is_finite:
            value = _in_dtype(float(g), int(bits))
            d = _shift_at(value, int(size), bool(align_corners), int(bits), bool(reflect))
            return sympy.Rational(d.numerator, d.denominator)
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return sympy.S.Zero


MPMATH_NAMESPACE.update(KernelShift=_shift)


def position(g: Any, size: int, align_corners: bool, dtype: str | None = None) -> Any:
    """The position in pixels of grid coordinate ``g`` along a dim of ``size`` pixels: exact,
    or (with ``dtype``) as the kernel computes it in that dtype.

    >>> position(Integer(1), 4, False), position(Integer(0), 5, True)
    (7/2, 2)
    >>> position(Rational(6004799503160661, 2**54), 3, False, "float64")
    3/2
    """
    if align_corners:
        exact = (g + 1) * Rational(size - 1, 2)
    else:
        exact = (g + 1) * Rational(size, 2) - Rational(1, 2)
    if dtype is None:
        return exact
    return exact + KernelShift(g, size, int(align_corners), _bits(dtype), 0)


def _bits(dtype: str) -> int:
    return 53 if dtype == "float64" else 24


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


def read_position(g: Any, size: int, padding_mode: str, align_corners: bool,
                  dtype: str | None = None) -> tuple[Any, Any, Any]:
    """The position read for grid coordinate ``g`` (``q``), the clamp's argument (None for
    zeros padding) and the sign of the position's slope.

    >>> q, f, sign = read_position(Rational(5, 4), 3, "reflection", True)
    >>> q, f, sign
    (7/4, 7/4, -1)
    """
    if padding_mode == "reflection":
        q, folded, sign = _read_reflected(position(g, size, align_corners), size, align_corners)
        if dtype is None:
            return q, folded, sign
        # The kernel reflects its position with roundings of its own (-1/3 on 3 pixels,
        # float64: p - low = 1 + 2**-53 rounds to 1, folding back to 0.5, pixel 0): the
        # exact read position plus the kernel's distance from it, a step of derivative 0.
        shift = KernelShift(g, size, int(align_corners), _bits(dtype), 1)
        return q + shift, folded + shift, sign
    p = position(g, size, align_corners, dtype)
    if padding_mode == "zeros":
        return p, None, Integer(1)
    return _clamp(p, size), p, Integer(1)


def _read_reflected(p: Any, size: int, align_corners: bool) -> tuple[Any, Any, Any]:
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
    # Nearest reads the kernel's position (the pixel it rounds to); bilinear the exact one
    # still: its kinks' one-sided values are taken a hair off the point, which a step of
    # the dtype's values would absorb at 0 (a hair there is a float64 value itself).
    dtype = attrs.get("dtype") if attrs["mode"] == "nearest" else None
    q, f, _ = read_position(g, size, attrs["padding_mode"], attrs["align_corners"], dtype)
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


def _grid_kinks(input: Any, grid: Any, *, mode: str, padding_mode: str, align_corners: bool,
                **_: Any) -> list[Kink]:
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


defmeaning("grid_sampler_2d", "structural", _grid_sample, kinks=_grid_kinks, takes_dtype=True)


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
