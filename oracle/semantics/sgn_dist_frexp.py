"""Meanings of ``sgn`` (the sign of a real number, as ``sign``), ``dist`` (the p-norm of the
broadcast difference ``self - other``, as ``norm``'s) and ``frexp``'s mantissa
(``self * 2**-exponent``, the exponent an integer input not differentiated).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink
from oracle.semantics.elementwise import _self_at_zero, _sign, elementwise
from oracle.semantics.reductions import _norm, _norm_kinks

__all__: list[str] = []

elementwise("sgn", lambda self: _sign(self), labels=_self_at_zero)


def _difference(self: Any, other: Any) -> np.ndarray:
    return np.asarray(self, dtype=object) - np.asarray(other, dtype=object)


def _dist(self: Any, other: Any, *, p: Any) -> np.ndarray:
    return np.array(_norm(list(_difference(self, other).flat), p), dtype=object)


def _dist_kinks(self: Any, other: Any, *, p: Any) -> list[Kink]:
    # The norm's kinks in the difference, which each input moves across.
    return [kink(arg, expr, k.where) for k in _norm_kinks(_difference(self, other), p, None,
                                                           False)
            for arg, expr in (("self", k[1]), ("other", k[1]))]


def _mantissa(self: Any, exponent: Any) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    scale = np.broadcast_to(np.asarray(exponent), x.shape)
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(*x.shape):
        out[idx] = x[idx] * sympy.Integer(2) ** -int(scale[idx])
    return out


# Each element of the broadcast difference is a term of the norm with its own kink: the
# oracle gives each broadcast copy its own symbol (``broadcast``), so the convention of one
# row's zero difference leaves another row's term through the same element of other alone.
defmeaning("dist", "structural", _dist, kinks=_dist_kinks, broadcast=True)
defmeaning("frexp", "structural", _mantissa, index_args=("exponent",))
