"""Order statistics and running extrema: median, kthvalue, mode, quantile, cummax/cummin,
logcumsumexp, aminmax and the moments with their mean (``symgrad/ops/order_statistics.py``).

The median, kthvalue, mode and the running extrema select one element of a line (or of the
whole tensor, or of a prefix): ``select`` meanings (``oracle.semantics.selection``), so that the
judge sees the elements tied with the one selected together, and holds the engine's share of
the partial among them to its declared convention, jointly (three tied elements: no one-sided
partial of one element alone says which takes it). quantile interpolates between two order
statistics: a select meaning too, whose pick weighs the elements of two ranks
(``"interpolated"``), its ties read in the stable order as ``sort``'s. On the reals, where
the judge evaluates, there is no NaN: ``nanmedian`` and ``nanquantile`` mean what ``median``
and ``quantile`` mean; the mode is the smallest of the most frequent values, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink, num
from oracle.semantics.reductions import along, reduce
from oracle.semantics.selection import Candidates
from oracle.semantics.triangular_sort import _lines, _positions, _ties

_WHOLE_TIE = "two elements of self tie"
_RUNNING_TIE = "an element of self ties the running extremum"
_EXTREMUM_TIE = "two elements of self tie for the extremum"
_STD_ZERO = "all elements of self equal (std == 0)"


def _lines_of(self: Any, dim: Any, keepdim: bool) -> np.ndarray:
    """Per output element, the tuple of input elements it is one of (its line along ``dim``,
    or the whole tensor for None)."""
    return reduce(self, dim, keepdim, tuple)


def _prefixes(self: Any, *, dim: int, **_: Any) -> np.ndarray:
    """Per element, the tuple of the elements up to it along ``dim`` (a running extremum's
    candidates)."""
    x = np.asarray(self, dtype=object)
    out = np.empty(x.shape, dtype=object)
    if x.ndim == 0:
        out[()] = (x.item(),)
        return out
    moved, kept = np.moveaxis(x, dim % x.ndim, -1), np.moveaxis(out, dim % x.ndim, -1)
    for idx in np.ndindex(moved.shape):
        kept[idx] = tuple(moved[idx[:-1]][:idx[-1] + 1])
    return out


def _whole_ties(self: Any, **_: Any) -> list[Kink]:
    xs = list(np.asarray(self, dtype=object).flat)
    return [kink("self", a - b, _WHOLE_TIE) for n, a in enumerate(xs) for b in xs[n + 1:]]


def _running_ties(self: Any, *, dim: int, **_: Any) -> list[Kink]:
    return [kink("self", a - b, _RUNNING_TIE) for xs in _lines(self, dim)
            for n, a in enumerate(xs) for b in xs[n + 1:]]


# Each selects one element of its candidates (``oracle.semantics.selection``): where several
# equal the one picked they tie, and the engine's declared convention shares the partial.
for _name in ("median_all", "nanmedian_all"):
    defmeaning(_name, "select", lambda self, **_: _lines_of(self, None, False),
               select="lower median", labels=_whole_ties)
for _name in ("median_dim", "nanmedian_dim"):
    defmeaning(_name, "select", lambda self, *, dim, keepdim, **_: _lines_of(self, dim, keepdim),
               select="lower median", labels=_ties)
defmeaning("kthvalue", "select", lambda self, *, dim, keepdim, **_: _lines_of(
    self, dim, keepdim), select="kth", labels=_ties)
defmeaning("mode", "select", lambda self, *, dim, keepdim, **_: _lines_of(self, dim, keepdim),
           select="mode", labels=_ties)
defmeaning("cummax", "select", _prefixes, select="max", labels=_running_ties)
defmeaning("cummin", "select", _prefixes, select="min", labels=_running_ties)
defmeaning("logcumsumexp", "structural", lambda self, *, dim, **_: along(
    self, dim, lambda xs: [sympy.log(sympy.Add(*[sympy.exp(x) for x in xs[:i + 1]]))
                           for i in range(len(xs))]))


# -- quantile: between two order statistics ------------------------------------------------------
def _quantile_of(xs: list[Any], q: Any, interpolation: str, dtype: str) -> Candidates:
    """The ``q``-quantile of ``xs`` read as PyTorch reads it: the rank ``q * (n - 1)``, its
    floor and ceiling's order statistics, and the weight between them, as the candidates
    ``xs`` with the ranks and weights their pick weighs (``"interpolated"``). The rank is the
    op's constant, which it computes in the input's dtype (q converted to it, then
    multiplied): q = 0.7 over 4 elements ranks 2.0999999999999996, not 2.1 - 4.4e-17, and its
    weight 0.09999999999999964 is the derivative, as PyTorch's."""
    np_dtype = np.dtype(dtype)
    rank = num(np.asarray(float(q), dtype=np_dtype) * np_dtype.type(len(xs) - 1))
    if interpolation == "lower":
        rank = sympy.floor(rank)
    elif interpolation == "higher":
        rank = sympy.ceiling(rank)
    elif interpolation == "nearest":
        below = sympy.floor(rank)  # half to even, as PyTorch's round
        rest = rank - below
        rank = below + (1 if rest > sympy.Rational(1, 2) or (
            rest == sympy.Rational(1, 2) and below % 2) else 0)
    lo, hi = int(sympy.floor(rank)), int(sympy.ceiling(rank))
    weight = sympy.Rational(1, 2) if interpolation == "midpoint" else rank - lo
    ranks = ((lo, sympy.Integer(1)),) if lo == hi else ((lo, 1 - weight), (hi, weight))
    return Candidates(xs, ranks=ranks)


def _quantile(self: Any, *, q: Any, dim: Any, keepdim: bool, interpolation: str,
              dtype: str = "float64", **_: Any) -> np.ndarray:
    qs = q if isinstance(q, tuple) else (q,)
    outs = [reduce(self, dim, keepdim,
                   lambda xs, p=p: _quantile_of(xs, p, interpolation, dtype)) for p in qs]
    out = np.empty((len(qs),) + outs[0].shape, dtype=object)
    for n, o in enumerate(outs):
        out[n, ...] = o
    # (out[0] of the one q's would be its Candidates itself where the output is one element)
    return out if isinstance(q, tuple) else out[0, ...]


def _quantile_ties(self: Any, *, dim: Any, **_: Any) -> list[Kink]:
    if dim is None:
        return [kink("self", k[1], "two elements of a line of self tie")
                for k in _whole_ties(self)]
    return _ties(self, dim=dim)


def _quantile_order(self: Any, *, dim: Any, **_: Any) -> np.ndarray:
    """Ties read in the order of their positions along ``dim`` (of the flattened tensor
    without one), as a stable sort lists them."""
    shape = np.shape(self)
    if dim is None or not shape:
        return np.arange(float(np.prod(shape, dtype=np.int64))).reshape(shape)
    return _positions(self, dim, False)


defmeaning("quantile", "select", _quantile, select="interpolated", labels=_quantile_ties,
           tie_order=_quantile_order, takes_dtype=True)


# -- aminmax: the two extrema of one node ----------------------------------------------------------
def _candidates(self: Any, *, dim: Any = None, keepdim: bool = False, **_: Any) -> np.ndarray:
    return _lines_of(self, dim, keepdim)


def _extremum_ties(pick: Any) -> Any:
    def ties(self: Any, *, dim: Any = None, keepdim: bool = False, **_: Any) -> list[Kink]:
        def pairs(xs: list[Any]) -> tuple[Any, ...]:
            top = pick(*xs)
            return tuple(sympy.Abs(top - a) + sympy.Abs(top - b)
                         for n, a in enumerate(xs) for b in xs[n + 1:])

        return [kink("self", e, _EXTREMUM_TIE)
                for group in reduce(self, dim, keepdim, pairs).flat for e in group]

    return ties


defmeaning("aminmax_min", "select", _candidates, select="min", labels=_extremum_ties(sympy.Min))
defmeaning("aminmax_max", "select", _candidates, select="max", labels=_extremum_ties(sympy.Max))


# -- std_mean, var_mean ----------------------------------------------------------------------------
def _mean(xs: list[Any]) -> Any:
    return sympy.Add(*xs) / len(xs)


def _var(xs: list[Any], correction: Any) -> Any:
    m = _mean(xs)
    return sympy.Add(*[(x - m) ** 2 for x in xs]) / (len(xs) - num(correction))


def _spread_zero(self: Any, *, dim: Any = None, keepdim: bool = False, **_: Any) -> list[Kink]:
    # sqrt has a vertical tangent at 0: equal elements, written as a sum of |differences|
    # (as oracle.semantics.reductions writes std's)
    return [kink("self", v, _STD_ZERO) for v in reduce(
        self, dim, keepdim, lambda xs: sympy.Add(*[sympy.Abs(x - xs[0]) for x in xs[1:]])
        if len(xs) > 1 else sympy.Integer(0)).flat]


defmeaning("std_mean_std", "structural", lambda self, *, dim=None, correction=1, keepdim=False,
           **_: reduce(self, dim, keepdim, lambda xs: sympy.sqrt(_var(xs, correction))),
           kinks=_spread_zero)
defmeaning("var_mean_var", "structural", lambda self, *, dim=None, correction=1, keepdim=False,
           **_: reduce(self, dim, keepdim, lambda xs: _var(xs, correction)))
for _name in ("std_mean_mean", "var_mean_mean"):
    defmeaning(_name, "structural", lambda self, *, dim=None, keepdim=False, **_: reduce(
        self, dim, keepdim, _mean))

