"""Arb balls (python-flint): exact inputs, certified rounding to a floating dtype, precision.

An Arb ball is a midpoint and a rigorous radius: the exact value lies inside. A binary float
is a ball of radius 0, so the engine's numbers enter exactly. The rounding of a ball to a dtype
is *proven* when both ends of the ball round to the same number of that dtype; otherwise the
caller raises the working precision and evaluates again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flint
import mpmath
import numpy as np

__all__ = ["FORMATS", "to_balls", "round_ball", "round_balls", "ball_to_mpf", "precision",
           "relative_radius"]

# (precision p including the hidden bit, smallest normal exponent, largest exponent)
FORMATS: dict[str, tuple[int, int, int]] = {
    "float64": (53, -1022, 1023),
    "float32": (24, -126, 127),
    "float16": (11, -14, 15),
    "bfloat16": (8, -126, 127),
}


@contextmanager
def precision(bits: int) -> Iterator[None]:
    """Arb's working precision set to ``bits`` inside the block (restored after).

    >>> with precision(200):
    ...     flint.ctx.prec
    200
    """
    saved = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = saved


def to_balls(a: Any) -> np.ndarray:
    """An array of binary numbers (any float, integer or bool dtype) as exact Arb balls.

    >>> b = to_balls(np.array([0.1, 2], dtype=np.float32))
    >>> [x.is_exact() for x in b], b[0].man_exp()
    ([True, True], (13421773, -27))
    """
    arr = np.asarray(a)
    if arr.dtype.kind in "biu":
        flat = [flint.arb(int(v)) for v in arr.reshape(-1).tolist()]
    else:
        flat = [flint.arb(v) for v in arr.astype(np.float64).reshape(-1).tolist()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def _round_exact(man: int, exp: int, fmt: tuple[int, int, int]) -> float:
    """``man * 2**exp`` rounded to nearest, ties to even, in the format ``fmt``."""
    man, exp = int(man), int(exp)
    if man == 0:
        return 0.0
    p, emin, emax = fmt
    sign = -1.0 if man < 0 else 1.0
    m = abs(man)
    e = exp + m.bit_length() - 1
    q = max(e, emin) - (p - 1)  # the exponent of one unit in the last place
    if exp < q:
        shift = q - exp
        if shift > m.bit_length():
            # Below half a unit of the smallest subnormal (exp(-2**1000)): 0, and no shift
            # by an astronomical count.
            return sign * 0.0
        r, rem = m >> shift, m & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and r & 1):
            r += 1
        m, exp = r, q
    if m.bit_length() + exp > emax + 1:
        return sign * math.inf
    return sign * math.ldexp(m, exp)


def round_ball(x: Any, dtype: str) -> float | None:
    """The exact value inside ``x`` rounded to ``dtype``, or None when the ball is too wide to
    prove it (its two ends round differently) or is not finite.

    >>> with precision(64):
    ...     third = flint.arb(1) / 3
    ...     tie = 1 + flint.arb(2) ** -53  # halfway between 1 and the next float64
    >>> round_ball(third, "float64") == 1 / 3, round_ball(third, "float16")
    (True, 0.333251953125)
    >>> round_ball(tie, "float64"), round_ball(flint.arb(tie, 2.0**-60), "float64")
    (1.0, None)
    """
    if not x.is_finite():
        return None
    fmt = FORMATS[dtype]
    if x.is_exact():
        return _round_exact(*x.man_exp(), fmt)
    # The ends are rounded outward to the working precision: keep it above the midpoint's.
    saved = flint.ctx.prec
    flint.ctx.prec = max(saved, x.mid().bits() + 64)
    try:
        lo = _round_exact(*x.lower().man_exp(), fmt)
        hi = _round_exact(*x.upper().man_exp(), fmt)
    finally:
        flint.ctx.prec = saved
    return lo if lo == hi else None


def round_balls(a: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Each ball of ``a`` rounded to ``dtype`` (as float64 numbers) and a mask of the proven
    ones (an unproven element holds the rounding of its midpoint).

    >>> vals, proven = round_balls(to_balls(np.array([0.5, 3.0])), "float16")
    >>> vals.tolist(), proven.tolist()
    ([0.5, 3.0], [True, True])
    """
    flat = a.reshape(-1)
    vals = np.empty(flat.size, dtype=np.float64)
    proven = np.ones(flat.size, dtype=bool)
    fmt = FORMATS[dtype]
    for i, x in enumerate(flat):
        r = round_ball(x, dtype)
        if r is None:
            proven[i] = False
            r = _round_exact(*x.mid().man_exp(), fmt) if x.mid().is_finite() else math.nan
        vals[i] = r
    return vals.reshape(a.shape), proven.reshape(a.shape)


def ball_to_mpf(x: Any) -> mpmath.mpf:
    """The midpoint of a ball as an exact ``mpmath.mpf`` (nan for a ball that is not finite).

    >>> ball_to_mpf(flint.arb(0.75))
    mpf('0.75')
    """
    mid = x.mid()
    if not mid.is_finite():
        return mpmath.mpf("nan")
    man, exp = mid.man_exp()
    return mpmath.mpf((int(man), int(exp)))


def relative_radius(a: np.ndarray) -> float:
    """The largest radius over the midpoint's magnitude in ``a`` (0 for exact balls), as a
    float: how far from certain the values are.

    >>> relative_radius(to_balls(np.array([1.0, 2.0])))
    0.0
    """
    worst = 0.0
    for x in a.reshape(-1):
        r = float(x.rad())
        if r:
            m = abs(float(x.mid()))
            worst = max(worst, r / m if m else math.inf)
    return worst
