"""Where to look: per op, the inputs where gradient bugs live, declared once as data.

Samples keep away from zeros, ties, domain edges and tails; real engines' gradient bugs sit
exactly there. Each entry lists, for one op, symbolic points that ``points`` turns into values
of a dtype: plain numbers (signed zeros, +-1, saturation tails), ``"max"``/``"tiny"``/``"sub"``
(the dtype's largest finite value, smallest normal, smallest subnormal), ``("inside", e)`` (one
ULP of the dtype from the edge ``e`` towards 0), ``("ovf", f)`` (``f(largest finite)``, the
input where the forward overflows, as a function of it) and ``("tail", f)`` (the input where the
exact derivative underflows the dtype, ``f(smallest subnormal)``; ``"tails"``: at +- that).
The judge's knowledge, not the engine's: the engine's op declarations keep forward, VJP, dtypes
and conventions. The sweep runs each op's points as one more sample after its declared ones.

>>> points("tanh", "float16")[:4].tolist()
[-0.0, 0.0, 1.0, -1.0]
>>> float(points("acos", "float32")[-1]) == float(np.nextafter(np.float32(1), np.float32(0)))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from oracle.tolerances import finfo, np_dtype

__all__ = ["EDGES", "points", "cataloged_ops"]

Point = float | str | tuple[str, Any]

_COMMON: tuple[Point, ...] = (-0.0, 0.0, 1.0, -1.0)


def _log(f: float) -> float:
    return math.log(f)


# Saturation tails: where |x| is large enough for the exact derivative to underflow the dtype
# (``("tail", f)``), and a few points on the way out.
EDGES: dict[str, tuple[Point, ...]] = {
    "exp": (*_COMMON, ("tail", _log), -20.0, 20.0),
    "exp2": (*_COMMON, ("ovf", math.log2), ("tail", math.log2), 16.0),
    "expm1": (*_COMMON, ("ovf", _log), ("tail", _log), -40.0, 1e-10),
    "log": (1.0, "tiny", "sub", "max", 2.0 ** -20),
    "log2": (1.0, "tiny", "sub", "max"),
    "log10": (1.0, "tiny", "sub", "max"),
    "log1p": (*_COMMON[:3], ("inside", -1.0), "sub", "max", 1e-10),
    "sqrt": (1.0, "tiny", "sub", "max", 2.0 ** -20),
    "rsqrt": (1.0, "tiny", "max", 2.0 ** -20),
    "sin": (*_COMMON, "sub", 1e4),
    "cos": (*_COMMON, "sub", math.pi),
    "tan": (*_COMMON, "sub", 1.5),
    "asin": (*_COMMON[:2], ("inside", 1.0), ("inside", -1.0), "sub"),
    "acos": (*_COMMON[:2], "sub", ("inside", -1.0), ("inside", 1.0)),
    "atan": (*_COMMON, "sub", 1e10, -1e10),
    "sinh": (*_COMMON, ("ovf", lambda m: math.log(2 * m)), -30.0),
    "cosh": (*_COMMON, ("ovf", lambda m: math.log(2 * m)), -30.0),
    "tanh": (*_COMMON, ("tails", lambda s: 0.5 * (math.log(4) - math.log(s))), 8.0, -8.0, 19.0,
             -19.0),
    "asinh": (*_COMMON, "sub", 1e10, -1e10),
    "acosh": (1.5, 2.0, 1e10),
    "atanh": (*_COMMON[:2], ("inside", 1.0), ("inside", -1.0), "sub", 0.5),
    "sigmoid": (*_COMMON, ("tails", _log), 38.0, -38.0, 20.0, -20.0),
    "erf": (*_COMMON, "sub", 4.0, -4.0, 6.0),
    "erfc": (*_COMMON, "sub", 4.0, -4.0, 9.0),
}


def cataloged_ops() -> list[str]:
    """The ops with catalog points.

    >>> "tanh" in cataloged_ops()
    True
    """
    return sorted(EDGES)


def _value(point: Point, dtype: str) -> list[float]:
    info = finfo(dtype)
    big, tiny, sub = float(info.max), float(info.smallest_normal), float(info.smallest_subnormal)
    if isinstance(point, str):
        return [{"max": big, "tiny": tiny, "sub": sub}[point]]
    if isinstance(point, tuple):
        kind, arg = point
        if kind == "inside":
            d = np_dtype(dtype)
            return [float(np.nextafter(np.asarray(arg, d), np.asarray(0, d)))]
        at: Callable[[float], float] = arg
        edge = at(big) if kind == "ovf" else at(sub)
        return [edge, -edge] if kind == "tails" else [edge]
    return [point]


def points(op: str, dtype: str) -> np.ndarray:
    """The catalog's points for ``op`` as values of ``dtype`` (rounded to it; a point past its
    range is dropped, duplicates kept once in order).

    Args:
        op: An op name with catalog entries (``cataloged_ops``).
        dtype: A float dtype's name.

    Returns:
        A 1-d float64 array of values exactly representable in ``dtype``.

    >>> points("log", "float16").tolist()[:2]
    [1.0, 6.103515625e-05]
    """
    d = np_dtype(dtype)
    out: list[float] = []
    for p in EDGES[op]:
        for v in _value(p, dtype):
            with np.errstate(over="ignore"):
                r = float(np.asarray(v).astype(d))
            if math.isfinite(r) and not any(r == o and math.copysign(1, r) == math.copysign(1, o)
                                            for o in out):
                out.append(r)
    return np.array(out)
