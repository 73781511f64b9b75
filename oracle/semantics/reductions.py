"""Reductions: each output element is a function of the input elements along ``dim``.

Dims arrive normalised (a sorted tuple, or None for all); a reduction over no dim of a 0-dim
input reduces its single element.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink, num

__all__ = ["reduce", "along"]


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(sorted(d % max(ndim, 1) for d in dims)) if ndim else ()


def reduce(x: np.ndarray, dim: Any, keepdim: bool, fn: Callable[[list[Any]], Any]) -> np.ndarray:
    """Apply ``fn`` to the list of elements along ``dim`` for each output element.

    ``dim`` is an int, a tuple of ints, or None for all dims:

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> x = np.array([[a, b], [c, d]], dtype=object)
    >>> total = lambda xs: sympy.Add(*xs)
    >>> reduce(x, 1, False, total), reduce(x, 0, True, total).shape
    (array([a + b, c + d], dtype=object), (1, 2))
    >>> reduce(x, None, False, total).item()
    a + b + c + d
    """
    x = np.asarray(x, dtype=object)
    dims = _dims(dim, x.ndim)
    kept = [d for d in range(x.ndim) if d not in dims]
    moved = np.transpose(x, kept + list(dims)).reshape([x.shape[d] for d in kept] + [-1])
    out = np.empty(moved.shape[:-1], dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(list(moved[idx]))
    if keepdim:
        out = out.reshape([1 if d in dims else x.shape[d] for d in range(x.ndim)])
    return out


def along(x: np.ndarray, dim: int, fn: Callable[[list[Any]], list[Any]]) -> np.ndarray:
    """Replace each line along ``dim`` by ``fn`` of it (same length): cumsum, softmax.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> x = np.array([[a, b], [c, d]], dtype=object)
    >>> along(x, 0, lambda xs: [sympy.Add(*xs[:i + 1]) for i in range(len(xs))])
    array([[a, b],
           [a + c, b + d]], dtype=object)
    """
    x = np.asarray(x, dtype=object)
    if x.ndim == 0:
        return np.array(fn([x.item()])[0], dtype=object)
    moved = np.moveaxis(x, dim % x.ndim, -1)
    out = np.empty(moved.shape, dtype=object)
    for idx in np.ndindex(moved.shape[:-1]):
        out[idx] = np.array(fn(list(moved[idx])), dtype=object)
    return np.moveaxis(out, -1, dim % x.ndim)


def _mean(xs: list[Any]) -> Any:
    return sympy.Add(*xs) / len(xs)


def _var(xs: list[Any], correction: Any) -> Any:
    m = _mean(xs)
    return sympy.Add(*[(x - m) ** 2 for x in xs]) / (len(xs) - num(correction))


def _norm(xs: list[Any], p: Any) -> Any:
    if p in (2, 2.0, None, "fro"):
        return sympy.sqrt(sympy.Add(*[x**2 for x in xs]))
    if p in (1, 1.0):
        return sympy.Add(*[sympy.Abs(x) for x in xs])
    if p == 0:
        return sympy.Add(*[sympy.Piecewise((0, sympy.Eq(x, 0)), (1, True)) for x in xs])
    if p in (float("inf"), float("-inf")):
        pick = sympy.Max if p > 0 else sympy.Min
        return pick(*[sympy.Abs(x) for x in xs])
    q = num(p)
    return sympy.Add(*[sympy.Abs(x) ** q for x in xs]) ** (1 / q)


_NORM_ZERO = ("self == 0 (p <= 1: each zero element, where p < 1 takes 0 for an infinite "
              "slope; p > 1: a zero norm)")
_NORM_TIE = "p = +-inf: two elements tie for the extreme |self|"


def _norm_kinks(self: np.ndarray, p: Any, dim: Any, keepdim: bool) -> list[Kink]:
    # |x| is a kink at each zero element for p <= 1; for p > 1 only the all-zero vector is;
    # for p = +-inf the extremum switches where two |x| tie, and |x| kinks at 0.
    if p in (float("inf"), float("-inf")):
        def ties(xs: list[Any]) -> list[Kink]:
            return [kink("self", sympy.Abs(a) - sympy.Abs(b), _NORM_TIE)
                    for n, a in enumerate(xs) for b in xs[n + 1:]]

        lines = reduce(self, dim, keepdim, lambda xs: tuple(
            ties(xs) + [kink("self", x, _NORM_ZERO) for x in xs]))
        return [k for group in lines.flat for k in group]
    if p in (1, 1.0) or (isinstance(p, int | float) and p <= 1):
        return [kink("self", x, _NORM_ZERO) for x in np.asarray(self).flat]
    return [kink("self", v, _NORM_ZERO) for v in reduce(
        self, dim, keepdim, lambda xs: sympy.Add(*[x**2 for x in xs])).flat]


def _cumulative(op: Callable[[Any, Any], Any]) -> Callable[[list[Any]], list[Any]]:
    def run(xs: list[Any]) -> list[Any]:
        out = [xs[0]]
        for x in xs[1:]:
            out.append(op(out[-1], x))
        return out

    return run


def _reduction(name: str, fn: Callable[..., Any], **kw: Any) -> None:
    defmeaning(name, "structural", fn, **kw)


_reduction("sum", lambda self, *, dim=None, keepdim=False, **_: reduce(
    self, dim, keepdim, lambda xs: sympy.Add(*xs)))
# On the reals, where the judge evaluates, there is no NaN to leave out: the sum.
_reduction("nansum", lambda self, *, dim=None, keepdim=False, **_: reduce(
    self, dim, keepdim, lambda xs: sympy.Add(*xs)))
_reduction("sum_all", lambda self, **_: reduce(self, None, False, lambda xs: sympy.Add(*xs)))
_reduction("mean", lambda self, *, dim=None, keepdim=False, **_: reduce(self, dim, keepdim, _mean))
_reduction("mean_all", lambda self, **_: reduce(self, None, False, _mean))
_reduction("prod", lambda self, *, dim=None, keepdim=False, **_: reduce(
    self, dim, keepdim, lambda xs: sympy.Mul(*xs)))
_reduction("prod_all", lambda self, **_: reduce(self, None, False, lambda xs: sympy.Mul(*xs)))
def _moment(self: Any, *, dim: Any = None, correction: Any = 1, keepdim: bool = False,
            root: bool = False) -> np.ndarray:
    return reduce(self, dim, keepdim, lambda xs: sympy.sqrt(_var(xs, correction)) if root
                  else _var(xs, correction))


def _moment_kinks(self: Any, *, dim: Any = None, correction: Any = 1, keepdim: bool = False,
                  root: bool = False) -> list[Kink]:
    # sqrt has a vertical tangent at 0: the standard deviation of equal elements is a kink.
    # Its zero set is written as a sum of |differences|, which mpmath evaluates to exactly 0
    # on a tie and to a positive number otherwise; the variance itself, through a rounded
    # mean, leaves a residue of the working precision on a tie and would hide the kink.
    if not root:
        return []
    return [kink("self", v, "all elements of self equal (std == 0)") for v in reduce(
        self, dim, keepdim, lambda xs: sympy.Add(*[sympy.Abs(x - xs[0]) for x in xs[1:]])
        if len(xs) > 1 else sympy.Integer(0)).flat]


_reduction("var", _moment, kinks=_moment_kinks)
_reduction("std", lambda self, **kw: _moment(self, root=True, **kw),
           kinks=lambda self, **kw: _moment_kinks(self, root=True, **kw))
_reduction("logsumexp", lambda self, *, dim=None, keepdim=False, **_: reduce(
    self, dim, keepdim, lambda xs: sympy.log(sympy.Add(*[sympy.exp(x) for x in xs]))))
_reduction("norm", lambda self, *, p=2, dim=None, keepdim=False, **_: reduce(
    self, dim, keepdim, lambda xs: _norm(xs, p)),
    kinks=lambda self, *, p=2, dim=None, keepdim=False, **_: _norm_kinks(self, p, dim, keepdim))
_reduction("cumsum", lambda self, *, dim, **_: along(self, dim, _cumulative(lambda a, b: a + b)))
_reduction("cumprod", lambda self, *, dim, **_: along(self, dim, _cumulative(lambda a, b: a * b)))


# -- max and min: the output selects among candidates ----------------------------------------------
def _candidates(self: np.ndarray, dim: Any, keepdim: bool) -> np.ndarray:
    return reduce(self, dim, keepdim, tuple)


def _extremum_ties(pick: Any) -> Callable[..., list[Kink]]:
    """Two candidates tie for the extremum: both equal it."""
    def ties(self: np.ndarray, *, dim: Any = None, keepdim: bool = False, **_: Any
             ) -> list[Kink]:
        def pairs(xs: list[Any]) -> tuple[Any, ...]:
            top = pick(*xs)
            return tuple(sympy.Abs(top - a) + sympy.Abs(top - b)
                         for n, a in enumerate(xs) for b in xs[n + 1:])

        return [kink("self", e, "two elements of self tie for the extremum")
                for group in reduce(self, dim, keepdim, pairs).flat for e in group]

    return ties


for _kind, _pick in (("max", sympy.Max), ("min", sympy.Min)):
    defmeaning(f"{_kind}_all", "select", lambda self, **_: _candidates(self, None, False),
               select=_kind, labels=_extremum_ties(_pick))
    defmeaning(f"a{_kind}", "select", lambda self, *, dim=None, keepdim=False, **_: _candidates(
        self, dim, keepdim), select=_kind, labels=_extremum_ties(_pick))
    defmeaning(f"{_kind}_dim", "select", lambda self, *, dim, keepdim=False, **_: _candidates(
        self, dim, keepdim), select=_kind, labels=_extremum_ties(_pick))
