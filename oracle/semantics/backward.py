"""Fused backward operators: what an engine runs when a function differentiates through a
backward (``create_graph``), as ops of their own.

Each meaning is the vector-Jacobian product of its forward op's meaning, taken by SymPy from
that meaning (``gelu_backward``, ``silu_backward``), or the same derivative written in the
forward's result when that is what the operator takes (``tanh_backward_y``: PyTorch's
``tanh_backward(grad_output, output)``). The backward operators of structural ops (softmax,
log_softmax, layer_norm, nll_loss) are SymPy's VJP of the forward's meaning too, on dummy
symbols per line or group; those that take the forward's result (``softmax_backward_data``)
take it at a point the forward maps there. ``max_pool2d_backward`` routes each window's
gradient to its maximum by comparisons (the derivative of the maximum, off ties).

>>> import sympy
>>> g, x = sympy.symbols("g x", real=True)
>>> MEANINGS["silu_backward"].fn(g, x).equals(g * sympy.diff(x / (1 + sympy.exp(-x)), x))
True
>>> MEANINGS["sigmoid_backward_y"].fn(g, x)
g*x*(1 - x)
>>> g0, g1, y0, y1 = sympy.symbols("g0 g1 y0 y1", real=True)
>>> MEANINGS["softmax_backward_data"].fn(np.array([g0, g1]), np.array([y0, y1]), dim=0)
array([-g0*y0**2 + g0*y0 - g1*y0*y1, -g0*y0*y1 - g1*y1**2 + g1*y1], dtype=object)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy
from sympy import Piecewise

from oracle.semantics import MEANINGS, defmeaning, kink, num
from oracle.semantics.elementwise import elementwise
from oracle.semantics.pooling import _candidates, _ties


def _vjp_of(forward: str) -> Any:
    """``grad_output`` times the derivative of the elementwise meaning ``forward``."""

    def meaning(grad_output: Any, self: Any, **attrs: Any) -> Any:
        t = sympy.Dummy("t", real=True)
        return grad_output * sympy.diff(MEANINGS[forward].fn(t, **attrs), t).subs(t, self)

    return meaning


elementwise("tanh_backward_y", lambda grad_output, self: grad_output * (1 - self**2))
elementwise("sigmoid_backward_y", lambda grad_output, self: grad_output * self * (1 - self))
elementwise("gelu_backward", _vjp_of("gelu"))
elementwise("silu_backward", _vjp_of("silu"))
elementwise("hardtanh_backward", _vjp_of("hardtanh"), lambda grad_output, self, **attrs: (
    MEANINGS["hardtanh"].kinks(self, **attrs)))
elementwise("softplus_backward", _vjp_of("softplus"), lambda grad_output, self, **attrs: (
    MEANINGS["softplus"].kinks(self, **attrs)))
elementwise("elu_backward", _vjp_of("elu"), lambda grad_output, self, **_: [
    kink("self", self, "self == 0")])
# PyTorch's leaky_relu_backward takes the slope at 0 (relu's takes 0 there: both the left side).
elementwise("leaky_relu_backward", lambda grad_output, self, *, negative_slope: Piecewise(
    (grad_output, self > 0), (grad_output * num(negative_slope), True)),
    lambda grad_output, self, **_: [kink("self", self, "self == 0")])
elementwise("threshold_backward", lambda grad_output, self, *, threshold: Piecewise(
    (grad_output, self > num(threshold)), (0, True)),
    lambda grad_output, self, *, threshold: [
        kink("self", self - num(threshold), "self == threshold")])


# -- fused backward operators of structural ops ------------------------------------------------
def _dummies(n: int, name: str) -> list[Any]:
    return [sympy.Dummy(f"{name}{i}", real=True) for i in range(n)]


def _vjp_at_output(forward: str, preimage: Any, image: Any) -> Any:
    """``grad_output`` times the Jacobian of the line-wise meaning ``forward`` (``softmax``,
    ``log_softmax``) at a point whose value is ``output``: SymPy's derivative of the meaning
    at ``t``, taken at ``t = preimage(output)``, where ``image(output)`` (an expression equal
    to 1 on the forward's image) is 1."""
    lines: dict[int, tuple[list[Any], list[Any], list[Any]]] = {}

    def line(gs: list[Any], ys: list[Any]) -> list[Any]:
        n = len(ys)
        if n not in lines:
            g, y, t = _dummies(n, "g"), _dummies(n, "y"), _dummies(n, "t")
            f = MEANINGS[forward].fn(np.array(t, dtype=object), dim=0)
            total = sympy.Add(*[gi * fi for gi, fi in zip(g, f, strict=True)])
            at = dict(zip(t, preimage(y), strict=True))
            lines[n] = (g, y, [sympy.diff(total, tj).subs(at).xreplace({image(y): 1})
                               for tj in t])
        g, y, exprs = lines[n]
        values = {**dict(zip(g, gs, strict=True)), **dict(zip(y, ys, strict=True))}
        return [e.xreplace(values) for e in exprs]

    def meaning(grad_output: Any, output: Any, *, dim: int, **_: Any) -> np.ndarray:
        g, y = np.asarray(grad_output, dtype=object), np.asarray(output, dtype=object)
        if y.ndim == 0:
            return np.array(line([g.item()], [y.item()])[0], dtype=object)
        gm, ym = np.moveaxis(g, dim % y.ndim, -1), np.moveaxis(y, dim % y.ndim, -1)
        out = np.empty(ym.shape, dtype=object)
        for idx in np.ndindex(ym.shape[:-1]):
            out[idx] = np.array(line(list(gm[idx]), list(ym[idx])), dtype=object)
        return np.moveaxis(out, -1, dim % y.ndim)

    return meaning


# softmax(log y) = y / sum(y), and log_softmax(y) = y where sum(exp(y)) = 1.
defmeaning("softmax_backward_data", "structural", _vjp_at_output(
    "softmax", lambda y: [sympy.log(v) for v in y], lambda y: sympy.Add(*y)))
defmeaning("log_softmax_backward_data", "structural", _vjp_at_output(
    "log_softmax", lambda y: y, lambda y: sympy.Add(*[sympy.exp(v) for v in y])))


@functools.cache
def _layer_norm_vjp(n: int, eps: Any) -> tuple[list[Any], ...]:
    """One group of ``n`` elements: dummies for grad_out, input and weight, and the VJP of
    the ``layer_norm`` meaning in input, weight and bias."""
    g, x, w, b = (_dummies(n, s) for s in "gxwb")
    out = MEANINGS["layer_norm"].fn(np.array(x, dtype=object), np.array(w, dtype=object),
                                    np.array(b, dtype=object), normalized_ndim=1, eps=eps)
    total = sympy.Add(*[gi * oi for gi, oi in zip(g, out, strict=True)])
    return g, x, w, *([sympy.diff(total, v) for v in vs] for vs in (x, w, b))


def _layer_norm_backward(grad_out: Any, input: Any, weight: Any, *, normalized_ndim: int,
                         eps: Any, index: int, **_: Any) -> np.ndarray:
    """Output ``index`` of the VJP of ``layer_norm`` (0: input, 1: weight, 2: bias)."""
    x = np.asarray(input, dtype=object)
    group = x.shape[x.ndim - normalized_ndim:]
    n = int(np.prod(group, dtype=np.int64))
    g, xs, w, *vjps = _layer_norm_vjp(n, eps)
    weights = np.broadcast_to(np.asarray(weight, dtype=object), group).reshape(n)
    rows = zip(np.asarray(grad_out, dtype=object).reshape(-1, n), x.reshape(-1, n),
               strict=True)
    parts = []
    for g_row, x_row in rows:
        values = {**dict(zip(g, g_row, strict=True)), **dict(zip(xs, x_row, strict=True)),
                  **dict(zip(w, weights, strict=True))}
        parts.append([e.xreplace(values) for e in vjps[index]])
    if index == 0:
        return np.array(parts, dtype=object).reshape(x.shape)
    return np.array([sympy.Add(*col) for col in zip(*parts, strict=True)],
                    dtype=object).reshape(group)


defmeaning("layer_norm_backward", "structural", _layer_norm_backward)


def _nll_loss_backward(grad_output: Any, self: Any, target: Any, weight: Any = None,
                       **attrs: Any) -> np.ndarray:
    """The VJP of the ``nll_loss`` meaning in ``self`` (its values do not matter: the loss
    is linear in them)."""
    shape = np.shape(self)
    t = np.array(_dummies(int(np.prod(shape, dtype=np.int64)), "t") + [None],
                 dtype=object)[:-1].reshape(shape)
    loss = np.asarray(MEANINGS["nll_loss"].fn(t, target, weight, **attrs), dtype=object)
    g = np.broadcast_to(np.asarray(grad_output, dtype=object), loss.shape)
    total = sympy.Add(*[gi * li for gi, li in zip(g.flat, loss.flat, strict=True)])
    return np.array([sympy.diff(total, v) for v in t.flat] + [None],
                    dtype=object)[:-1].reshape(shape)


defmeaning("nll_loss_backward", "structural", _nll_loss_backward, index_args=("target",))
# The engine's op for nll_loss_backward given class weights: the same meaning, its weight given.
defmeaning("nll_loss_weighted_backward", "structural", _nll_loss_backward,
           index_args=("target",))


# -- max_pool2d_backward -----------------------------------------------------------------------
def _first_max(cands: tuple[Any, ...], j: int) -> Any:
    """1 where candidate ``j`` is its window's maximum (the first of equal ones), else 0: the
    derivative of the window's maximum in that candidate, off ties (where ``_ties`` labels the
    convention)."""
    c = cands[j]
    wins = [c > a for a in cands[:j]] + [c >= a for a in cands[j + 1:]]
    return Piecewise((1, sympy.And(*wins)), (0, True)) if wins else sympy.Integer(1)


def _max_pool2d_backward(grad_output: Any, self: Any, **attrs: Any) -> np.ndarray:
    """The VJP of the ``max_pool2d`` meaning in ``self``: each window's ``grad_output`` times
    the derivative of its maximum in each candidate, summed over the windows sharing it."""
    shape = np.shape(self)
    n = int(np.prod(shape, dtype=np.int64))
    flat = np.asarray(self, dtype=object).reshape(-1)
    # The windows' candidates as positions: the meaning's windows of the positions themselves.
    positions = np.array([sympy.Integer(i) for i in range(n)] + [None],
                         dtype=object)[:-1].reshape(shape)
    windows = np.asarray(_candidates(positions, **attrs), dtype=object)
    g = np.broadcast_to(np.asarray(grad_output, dtype=object), windows.shape)
    terms: list[list[Any]] = [[] for _ in range(n)]
    for gi, ps in zip(g.flat, windows.flat, strict=True):
        cands = tuple(flat[int(p)] for p in ps)
        for j, p in enumerate(ps):
            terms[int(p)].append(gi * _first_max(cands, j))
    return np.array([sympy.Add(*t) for t in terms] + [None], dtype=object)[:-1].reshape(shape)


defmeaning("max_pool2d_backward", "structural", _max_pool2d_backward,
           labels=lambda grad_output, self, **attrs: _ties(self, **attrs))
