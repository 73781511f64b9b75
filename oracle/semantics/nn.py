"""Neural-network functions: activations (elementwise), softmax and losses.

``linear`` and ``l1_loss`` have no meaning here: the engine records them as the ops they are
made of (``t``/``mm``/``add``, ``sub``/``abs``/``mean``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import Piecewise

from oracle.semantics import Kink, defmeaning, kink, num
from oracle.semantics.elementwise import _self_at_zero
from oracle.semantics.elementwise import elementwise as _act
from oracle.semantics.reductions import along

__all__: list[str] = []


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + sympy.exp(-x))


def _gelu(self: Any, *, approximate: str = "none") -> Any:
    if approximate == "tanh":
        inner = sympy.sqrt(2 / sympy.pi) * (self + sympy.Rational(44715, 10**6) * self**3)
        return self / 2 * (1 + sympy.tanh(inner))
    return self / 2 * (1 + sympy.erf(self / sympy.sqrt(2)))


def _softplus(self: Any, *, beta: Any = 1, threshold: Any = 20) -> Any:
    b = num(beta)
    # Above the threshold the function is the identity, as PyTorch defines it (for stability).
    return Piecewise((self, b * self > num(threshold)), (sympy.log(1 + sympy.exp(b * self)) / b,
                                                          True))


def _elu(self: Any, *, alpha: Any = 1, scale: Any = 1, input_scale: Any = 1) -> Any:
    a, s, i = num(alpha), num(scale), num(input_scale)
    return s * Piecewise((a * (sympy.exp(i * self) - 1), self <= 0), (self, True))


def _hardtanh(self: Any, *, min_val: Any = -1, max_val: Any = 1) -> Any:
    # Closed bounds: the derivative SymPy takes of this is 0 on them, PyTorch's convention
    # there (clamp's is 1), which hardtanh_backward's meaning inherits.
    lo, hi = num(min_val), num(max_val)
    return Piecewise((lo, self <= lo), (hi, self >= hi), (self, True))


def _hardtanh_bounds(self: Any, *, min_val: Any = -1, max_val: Any = 1) -> list[Kink]:
    where = "self == min_val or self == max_val"
    return [kink("self", self - num(min_val), where), kink("self", self - num(max_val), where)]


_act("relu", lambda self: Piecewise((0, self < 0), (self, True)), _self_at_zero)
_act("hardtanh", _hardtanh, _hardtanh_bounds)
_act("leaky_relu", lambda self, *, negative_slope=0.01: Piecewise(
    (num(negative_slope) * self, self < 0), (self, True)), _self_at_zero)
_act("elu", _elu, _self_at_zero)
_act("gelu", _gelu)
_act("silu", lambda self: self * _sigmoid(self))
_act("softplus", _softplus, lambda self, *, beta=1, threshold=20: [
    kink("self", num(beta) * self - num(threshold), "self * beta == threshold")])


def _softmax(xs: list[Any]) -> list[Any]:
    es = [sympy.exp(x) for x in xs]
    total = sympy.Add(*es)
    return [e / total for e in es]


def _log_softmax(xs: list[Any]) -> list[Any]:
    lse = sympy.log(sympy.Add(*[sympy.exp(x) for x in xs]))
    return [x - lse for x in xs]


defmeaning("softmax", "structural", lambda self, *, dim, **_: along(self, dim, _softmax))
defmeaning("log_softmax", "structural", lambda self, *, dim, **_: along(self, dim, _log_softmax))


def _reduced(values: np.ndarray, reduction: str, weights: np.ndarray | None = None) -> np.ndarray:
    if reduction == "none":
        return values
    total = sympy.Add(*values.flat)
    if reduction == "sum":
        return np.array(total, dtype=object)
    denom = sympy.Add(*weights.flat) if weights is not None else values.size
    return np.array(total / denom, dtype=object)


def _nll_loss(self: Any, target: Any, weight: Any = None, *, reduction: str = "mean",
              ignore_index: int = -100, **_: Any) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    t = np.asarray(target, dtype=np.int64)
    if x.ndim == 1:
        x, t = x.reshape(1, -1), t.reshape(1)
    w = np.asarray(weight, dtype=object) if weight is not None else None
    moved = np.moveaxis(x, 1, -1)
    losses = np.empty(t.shape, dtype=object)
    ws = np.empty(t.shape, dtype=object)
    for idx in np.ndindex(t.shape):
        c = int(t[idx])
        wc = 0 if c == ignore_index else (w[c] if w is not None else 1)
        ws[idx] = sympy.S(wc)
        losses[idx] = sympy.S(0) if c == ignore_index else -wc * moved[idx][c]
    out = _reduced(losses, reduction, ws)
    return out.reshape(()) if np.asarray(self).ndim == 1 and reduction == "none" else out


defmeaning("nll_loss", "structural", _nll_loss, index_args=("target",))
# The engine's op for ``nll_loss`` given class weights: the same meaning, its weight given.
defmeaning("nll_loss_weighted", "structural", _nll_loss, index_args=("target",))
defmeaning("mse_loss", "structural", lambda self, target, *, reduction="mean", **_: _reduced(
    (np.asarray(self, dtype=object) - np.asarray(target, dtype=object)) ** 2, reduction))


def _elementwise_loss(loss: Any) -> Any:
    """The meaning of a loss that is ``loss`` of each element (broadcast), then reduced."""
    def meaning(*tensors: Any, reduction: str = "mean", **attrs: Any) -> np.ndarray:
        arrays = np.broadcast_arrays(*(np.asarray(t, dtype=object) for t in tensors))
        values = np.vectorize(lambda *xs: loss(*xs, **attrs), otypes=[object])(*arrays)
        return _reduced(np.asarray(values, dtype=object), reduction)
    return meaning


def _smooth_l1(x: Any, y: Any, *, beta: Any) -> Any:
    d, b = sympy.Abs(x - y), num(beta)
    return Piecewise((d**2 / (2 * b), d < b), (d - b / 2, True))


def _huber(x: Any, y: Any, *, delta: Any) -> Any:
    d, c = sympy.Abs(x - y), num(delta)
    return Piecewise((d**2 / 2, d < c), (c * (d - c / 2), True))


def _bce(x: Any, y: Any, w: Any) -> Any:
    # PyTorch bounds each log below by -100 (so a probability of 0 costs 100, not infinity).
    log_p, log_q = sympy.Max(sympy.log(x), -100), sympy.Max(sympy.log(1 - x), -100)
    return -w * (y * log_p + (1 - y) * log_q)


def _bce_logits(x: Any, y: Any, w: Any, pos_weight: Any, *, no_pos_weight: bool = False) -> Any:
    log_weight = 1 if no_pos_weight else 1 + (pos_weight - 1) * y
    return w * ((1 - y) * x + log_weight * sympy.log(1 + sympy.exp(-x)))


defmeaning("smooth_l1_loss", "structural", _elementwise_loss(_smooth_l1))
defmeaning("huber_loss", "structural", _elementwise_loss(_huber))
defmeaning("binary_cross_entropy", "structural", _elementwise_loss(_bce))
defmeaning("binary_cross_entropy_with_logits", "structural", _elementwise_loss(_bce_logits))
def _embedding(weight: Any, padding_row: Any = None, *, indices: Any, padding_idx: Any = None,
               **_: Any) -> np.ndarray:
    """Rows of ``weight``; with ``padding_idx``, the rows it picks are ``padding_row``, a
    constant copy of that row: PyTorch documents that the entries at ``padding_idx`` do not
    contribute to the gradient."""
    at = np.asarray(indices, dtype=np.int64)
    out = np.asarray(np.asarray(weight, dtype=object)[at], dtype=object)
    if padding_row is not None:
        out[at == padding_idx] = np.asarray(padding_row, dtype=object)
    return out


defmeaning("embedding", "index", _embedding)


def _layer_norm(self: Any, weight: Any, bias: Any, *, normalized_ndim: int, eps: Any,
                **_: Any) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    w, b = np.asarray(weight, dtype=object), np.asarray(bias, dtype=object)
    group = x.shape[x.ndim - normalized_ndim:]
    out = np.empty(x.shape, dtype=object)
    for lead in np.ndindex(x.shape[:x.ndim - normalized_ndim]):
        xs = x[lead].reshape(-1)
        mean = sympy.Add(*xs) / len(xs)
        var = sympy.Add(*[(v - mean) ** 2 for v in xs]) / len(xs)
        normed = np.array([(v - mean) / sympy.sqrt(var + num(eps)) for v in xs], dtype=object)
        out[lead] = normed.reshape(group) * w + b
    return out


defmeaning("layer_norm", "structural", _layer_norm)


def _batch_norm(self: Any, weight: Any, bias: Any, *, training: bool, running_mean: Any = None,
                running_var: Any = None, eps: Any, **_: Any) -> np.ndarray:
    """Each channel (dim 1) less its mean, over its variance plus ``eps`` square-rooted, times
    ``weight`` plus ``bias``: in training the batch's mean and biased variance over every other
    dim, else the running ones, constants."""
    x = np.asarray(self, dtype=object)
    w, b = np.asarray(weight, dtype=object), np.asarray(bias, dtype=object)
    out = np.empty(x.shape, dtype=object)
    for c in range(x.shape[1]):
        xs = x[:, c]
        if training:
            values = list(xs.reshape(-1))
            mean = sympy.Add(*values) / len(values)
            var = sympy.Add(*[(v - mean) ** 2 for v in values]) / len(values)
        else:
            mean, var = num(running_mean[c]), num(running_var[c])
        out[:, c] = (xs - mean) / sympy.sqrt(var + num(eps)) * w[c] + b[c]
    return out


defmeaning("batch_norm", "structural", _batch_norm)
