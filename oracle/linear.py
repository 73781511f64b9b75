"""Exact linear maps: sums, means and products of matrices applied to arrays of Arb balls.

Each entry is the op's forward and its adjoint (the VJP of a linear map is its transpose),
written from the mathematics of the op — never from an engine's backward. Reductions work on
object arrays (NumPy applies each ball's ``+`` and ``*``); products of matrices go through
``flint.arb_mat``, whose sums are certified balls. A test checks each adjoint against the op's
SymPy meaning by the dot-product identity ``<L x, g> = <x, L* g>`` in exact rationals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flint
import numpy as np

__all__ = ["LinearMap", "LINEAR", "unbroadcast"]


@dataclass(frozen=True)
class LinearMap:
    """``forward(xs, attrs)`` and ``adjoint(g, xs, attrs)`` (one array per input). For second
    order, ``tangent(xs, dxs, attrs)``: the output's derivative along the inputs' tangents
    ``dxs`` (``None`` for a zero tangent), and ``adjoint_dot(g, xs, dxs, attrs)``: the
    derivative of the adjoint along them with ``g`` fixed (``None`` where it is 0: a map
    linear in each input alone has an adjoint that does not move with that input)."""

    forward: Callable[..., np.ndarray]
    adjoint: Callable[..., list[np.ndarray | None]]
    tangent: Callable[..., np.ndarray | None]
    adjoint_dot: Callable[..., list[np.ndarray | None]]


def _no_motion(g: np.ndarray, xs: list[np.ndarray], dxs: list[Any], attrs: dict[str, Any]
               ) -> list[None]:
    return [None] * len(xs)


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the dims broadcasting added to ``shape`` (the adjoint of broadcasting).

    >>> unbroadcast(np.array([[1, 2], [3, 4]], dtype=object), (2,)).tolist()
    [4, 6]
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + d for d, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + d] != 1)
    out = np.sum(g, axis=axes, keepdims=True) if axes else g
    return np.asarray(out, dtype=object).reshape(shape)


def _zero() -> Any:
    return flint.arb(0)


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(sorted(d % max(ndim, 1) for d in dims)) if ndim else ()


def _sum(x: np.ndarray, dim: Any = None, keepdim: bool = False) -> np.ndarray:
    dims = _dims(dim, x.ndim)
    if not dims:
        return x.copy()
    out = np.sum(x, axis=dims, keepdims=keepdim, initial=_zero())
    return np.asarray(out, dtype=object)


def _sum_adjoint(g: np.ndarray, shape: tuple[int, ...], dim: Any, keepdim: bool) -> np.ndarray:
    g = np.asarray(g, dtype=object)
    dims = _dims(dim, len(shape))
    if not keepdim:
        g = g.reshape([1 if d in dims else n for d, n in enumerate(shape)])
    return np.array(np.broadcast_to(g, shape), dtype=object)


def _count(shape: tuple[int, ...], dim: Any) -> int:
    n = 1
    for d in _dims(dim, len(shape)):
        n *= shape[d]
    return n


def _sum_map(all_dims: bool) -> LinearMap:
    def forward(xs: list[np.ndarray], attrs: dict[str, Any]) -> np.ndarray:
        return _sum(xs[0], None if all_dims else attrs.get("dim"), attrs.get("keepdim", False))

    def adjoint(g: np.ndarray, xs: list[np.ndarray], attrs: dict[str, Any]) -> list[Any]:
        dim = None if all_dims else attrs.get("dim")
        return [_sum_adjoint(g, xs[0].shape, dim, attrs.get("keepdim", False))]

    def tangent(xs: list[np.ndarray], dxs: list[Any], attrs: dict[str, Any]) -> Any:
        return None if dxs[0] is None else forward([dxs[0]], attrs)

    return LinearMap(forward, adjoint, tangent, _no_motion)


def _mean_map(all_dims: bool) -> LinearMap:
    def forward(xs: list[np.ndarray], attrs: dict[str, Any]) -> np.ndarray:
        dim = None if all_dims else attrs.get("dim")
        total = _sum(xs[0], dim, attrs.get("keepdim", False))
        return total / flint.arb(max(_count(xs[0].shape, dim), 1)) if xs[0].ndim else total

    def adjoint(g: np.ndarray, xs: list[np.ndarray], attrs: dict[str, Any]) -> list[Any]:
        dim = None if all_dims else attrs.get("dim")
        n = max(_count(xs[0].shape, dim), 1)
        return [_sum_adjoint(g / flint.arb(n), xs[0].shape, dim, attrs.get("keepdim", False))]

    def tangent(xs: list[np.ndarray], dxs: list[Any], attrs: dict[str, Any]) -> Any:
        return None if dxs[0] is None else forward([dxs[0]], attrs)

    return LinearMap(forward, adjoint, tangent, _no_motion)


def _cumsum(x: np.ndarray, dim: int) -> np.ndarray:
    if x.ndim == 0:
        return x.copy()
    return np.asarray(np.cumsum(x, axis=dim % x.ndim), dtype=object)


def _cumsum_adjoint(g: np.ndarray, dim: int) -> np.ndarray:
    """The transpose of a running sum: the running sum from the end."""
    g = np.asarray(g, dtype=object)
    if g.ndim == 0:
        return g.copy()
    d = dim % g.ndim
    return np.flip(_cumsum(np.flip(g, d), d), d).copy()


_CUMSUM = LinearMap(
    lambda xs, attrs: _cumsum(xs[0], attrs["dim"]),
    lambda g, xs, attrs: [_cumsum_adjoint(g, attrs["dim"])],
    lambda xs, dxs, attrs: None if dxs[0] is None else _cumsum(dxs[0], attrs["dim"]),
    _no_motion)


def _trace(x: np.ndarray) -> np.ndarray:
    n = min(x.shape)
    return np.asarray(np.sum([x[i, i] for i in range(n)], initial=_zero()), dtype=object)


def _trace_adjoint(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out[...] = _zero()
    for i in range(min(shape)):
        out[i, i] = np.asarray(g, dtype=object).item()
    return out


_TRACE = LinearMap(
    lambda xs, attrs: _trace(xs[0]),
    lambda g, xs, attrs: [_trace_adjoint(g, xs[0].shape)],
    lambda xs, dxs, attrs: None if dxs[0] is None else _trace(dxs[0]),
    _no_motion)


# -- products of matrices ------------------------------------------------------------------------
def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 2-d product through ``arb_mat`` (certified sums of exact products)."""
    m, k = a.shape
    k2, n = b.shape
    if m == 0 or n == 0 or k == 0:
        return np.array([[_zero()] * n for _ in range(m)], dtype=object).reshape(m, n)
    p = flint.arb_mat(m, k, a.reshape(-1).tolist()) * flint.arb_mat(k2, n, b.reshape(-1).tolist())
    out = np.empty(m * n, dtype=object)
    out[:] = p.entries()
    return out.reshape(m, n)


def _batched(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (a.shape[-2], b.shape[-1]), dtype=object)
    for idx in np.ndindex(batch):
        out[idx] = _mm(np.asarray(a[idx]), np.asarray(b[idx]))
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``matmul`` of arrays of balls: 1-d operands promoted, batch dims broadcast.

    >>> a = np.array([[flint.arb(1), flint.arb(2)]], dtype=object)
    >>> matmul(a, np.array([flint.arb(3), flint.arb(4)], dtype=object)).tolist()
    [11.0000000000000]
    """
    va, vb = a.ndim == 1, b.ndim == 1
    out = _batched(a.reshape(1, -1) if va else a, b.reshape(-1, 1) if vb else b)
    if va:
        out = out[..., 0, :]
    if vb:
        out = out[..., 0]
    return np.asarray(out, dtype=object)


def _matmul_adjoint(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    va, vb = a.ndim == 1, b.ndim == 1
    a2 = a.reshape(1, -1) if va else a
    b2 = b.reshape(-1, 1) if vb else b
    # The 2-d product's output shape, whose size-1 dims the 1-d operands dropped.
    full = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    g2 = np.asarray(g, dtype=object).reshape(full)
    ga = _batched(g2, np.swapaxes(b2, -1, -2))
    gb = _batched(np.swapaxes(a2, -1, -2), g2)
    ga = unbroadcast(ga, a2.shape).reshape(a.shape)
    gb = unbroadcast(gb, b2.shape).reshape(b.shape)
    return [ga, gb]


def _product_tangent(a: np.ndarray, b: np.ndarray, da: Any, db: Any) -> Any:
    """d(a @ b) = da @ b + a @ db (bilinear)."""
    terms = [matmul(da, b) if da is not None else None, matmul(a, db) if db is not None else None]
    terms = [t for t in terms if t is not None]
    return terms[0] + terms[1] if len(terms) == 2 else terms[0] if terms else None


def _product_adjoint_dot(g: np.ndarray, a: np.ndarray, b: np.ndarray, da: Any, db: Any
                         ) -> list[Any]:
    """The adjoint of a @ b moves with the other factor only: g db* for a, da* g for b."""
    return [_matmul_adjoint(g, a, db)[0] if db is not None else None,
            _matmul_adjoint(g, da, b)[1] if da is not None else None]


def _scale(x: Any, c: Any) -> Any:
    """``x`` times the number ``c`` (exactly: a binary float is an exact ball)."""
    return x if x is None or c == 1 else x * flint.arb(c)


def _addmm(xs: list[np.ndarray], attrs: dict[str, Any]) -> np.ndarray:
    product = _scale(matmul(xs[1], xs[2]), attrs.get("alpha", 1))
    beta = attrs.get("beta", 1)
    # beta = 0 drops self, nan and inf included, as PyTorch does.
    return product if beta == 0 else product + _scale(xs[0], beta)


def _addmm_adjoint(g: np.ndarray, xs: list[np.ndarray], attrs: dict[str, Any]) -> list[Any]:
    g_self = _scale(unbroadcast(g, xs[0].shape), attrs.get("beta", 1))
    return [g_self, *(_scale(a, attrs.get("alpha", 1)) for a in _matmul_adjoint(g, xs[1], xs[2]))]


def _addmm_tangent(xs: list[np.ndarray], dxs: list[Any], attrs: dict[str, Any]) -> Any:
    product = _scale(_product_tangent(xs[1], xs[2], dxs[1], dxs[2]), attrs.get("alpha", 1))
    if dxs[0] is None:
        return product
    shift = _scale(np.array(np.broadcast_to(dxs[0], matmul(xs[1], xs[2]).shape), dtype=object),
                   attrs.get("beta", 1))
    return shift if product is None else product + shift


_MATMUL = LinearMap(
    lambda xs, attrs: matmul(xs[0], xs[1]),
    lambda g, xs, attrs: _matmul_adjoint(g, xs[0], xs[1]),
    lambda xs, dxs, attrs: _product_tangent(xs[0], xs[1], dxs[0], dxs[1]),
    lambda g, xs, dxs, attrs: _product_adjoint_dot(g, xs[0], xs[1], dxs[0], dxs[1]))
_ADDMM = LinearMap(
    _addmm, lambda g, xs, attrs: _addmm_adjoint(g, xs, attrs), _addmm_tangent,
    lambda g, xs, dxs, attrs: [None, *(_scale(a, attrs.get("alpha", 1)) for a in
                                       _product_adjoint_dot(g, xs[1], xs[2], dxs[1], dxs[2]))])

LINEAR: dict[str, LinearMap] = {
    "sum": _sum_map(False), "sum_all": _sum_map(True),
    "mean": _mean_map(False), "mean_all": _mean_map(True),
    **{name: _MATMUL for name in ("dot", "mv", "mm", "bmm", "matmul", "matmul_clone",
                                  "matmul_vm")},
    "addmm": _ADDMM, "cumsum": _CUMSUM, "trace": _TRACE,
}
