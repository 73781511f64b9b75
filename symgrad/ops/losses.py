"""Loss ops PyTorch records as one node each: smooth L1, Huber and the binary cross entropies.

Each forward computes elementwise in float64 and rounds once to the input's dtype (PyTorch
computes half precision in float32); each VJP is written in symgrad ops, so second derivatives
work, with PyTorch's formula: where it clamps (a log at -100, a denominator at 1e-12) the
gradient is that of the clamped function, as in PyTorch. ``g`` is the incoming gradient.
"""

from __future__ import annotations

import math

import numpy as np

from symgrad._dtypes import NOT_FLOATING
from symgrad.autograd import grad_mode
from symgrad.ops.activations import SOFTPLUS, _difference, _reduce_np
from symgrad.ops.arithmetic import _wide, clamp, maximum, sign
from symgrad.ops.elementwise import log, log1p, sigmoid, where
from symgrad.ops.registry import apply, broadcast_shapes, defop, not_implemented
from symgrad.tensor import Tensor


def _rounded(loss: np.ndarray, reduction: str, like: np.ndarray) -> np.ndarray:
    """A loss computed in float64, reduced, then rounded once to the input's dtype."""
    return np.asarray(_reduce_np(loss, reduction)).astype(like.dtype)


def _reduced_grad(g: Tensor, reduction: str, n: int) -> Tensor:
    """The incoming gradient of a reduced loss, as each element's share."""
    return g / n if reduction == "mean" else g


# -- smooth L1 and Huber ------------------------------------------------------------------------
def _smooth_l1(self: np.ndarray, target: np.ndarray, *, reduction: str,
               beta: float) -> np.ndarray:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = self - target``)."""
    d = np.abs(self.astype(np.float64) - target)
    return _rounded(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction, self)


def _smooth_l1_vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str,
                   beta: float) -> tuple[Tensor, Tensor]:
    d = _difference(self, target)
    # The two branches meet with equal slope at |d| = beta, so the choice there is free. At
    # beta = 0 (l1) the quadratic branch is never taken, but its d / 0 would still send 0/0 = NaN
    # through where's backward into the second order.
    slope = sign(d) if beta == 0 else where(abs(d) < beta, d / beta, sign(d))
    if beta != 0 and np.isnan(d._data).any():
        # sign(nan) is 0 (PyTorch's): a NaN difference gets a NaN slope, as in PyTorch.
        slope = where(d != d, math.nan, slope)
    grad = slope * _reduced_grad(g, reduction, self.numel())
    return grad, -grad


def _huber(self: np.ndarray, target: np.ndarray, *, reduction: str, delta: float) -> np.ndarray:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    d = np.abs(self.astype(np.float64) - target)
    return _rounded(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction, self)


def _huber_vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str,
               delta: float) -> tuple[Tensor, Tensor]:
    d = _difference(self, target)
    grad = clamp(d, -delta, delta) * _reduced_grad(g, reduction, self.numel())
    return grad, -grad


SMOOTH_L1_LOSS = defop(
    "smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1, vjp=_smooth_l1_vjp,
    kind="loss", dtype_rule="promote",
    refuses=not_implemented("smooth_l1_cpu", NOT_FLOATING))
HUBER_LOSS = defop(
    "huber_loss", "HuberLossBackward0", _huber, vjp=_huber_vjp,
    # The input's dtype, as PyTorch's (its kernel writes into a tensor like the input): both
    # taken as they are, in float64, rounded once (``F.huber_loss`` refuses a target whose
    # dtype cannot be cast back).
    kind="loss", dtype_rule="same",
    refuses=not_implemented("huber_cpu", NOT_FLOATING))


# -- binary cross entropy -----------------------------------------------------------------------
def _bce(self: np.ndarray, target: np.ndarray, weight: np.ndarray, *,
         reduction: str) -> np.ndarray:
    """``-weight (target log(self) + (1 - target) log(1 - self))``, each log at least -100."""
    x = self.astype(np.float64)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(x), -100)
        log_q = np.maximum(np.log1p(-x), -100)
    return _rounded(weight * ((target - 1.0) * log_q - target * log_p), reduction, self)


def _bce_vjp(g: Tensor, self: Tensor, target: Tensor, weight: Tensor, *,
             reduction: str) -> tuple[Tensor, Tensor, None]:
    # Narrow dtypes work in float64 and round once (float16's second order was 224 ULP off).
    g, self, target, weight = _wide(g), _wide(self), _wide(target), _wide(weight)
    share = _reduced_grad(g, reduction, self.numel()) * weight
    # NOTE: PyTorch bounds the denominator at 1e-12 rather than the clamped logs' true slope
    # (0 where a log is clamped): at self = 0 or 1 the gradient is large, not 0.
    d_self = share * (self - target) / clamp(self * (1 - self), min=1e-12)
    d_target = share * (maximum(log1p(-self), -100.0) - maximum(log(self), -100.0))
    return d_self, d_target, None


BINARY_CROSS_ENTROPY = defop(
    "binary_cross_entropy", "BinaryCrossEntropyBackward0", _bce, vjp=_bce_vjp,
    kind="loss", dtype_rule="same", differentiable=("self", "target"), grad_refused=("weight",),
    refuses=not_implemented("binary_cross_entropy", NOT_FLOATING))


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    # min(x, 0) - log1p(exp(-|x|)): no overflow for either sign.
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _bce_logits(self: np.ndarray, target: np.ndarray, weight: np.ndarray,
                pos_weight: np.ndarray, *, reduction: str, no_pos_weight: bool = False
                ) -> np.ndarray:
    """``weight ((1 - target) self - (1 + (pos_weight - 1) target) log(sigmoid(self)))``;
    ``no_pos_weight``: without the pos_weight factor, as PyTorch's (where ``pos_weight`` is the
    1 passed for a missing one, ``0 * target`` is NaN at an infinite target)."""
    x = self.astype(np.float64)
    log_weight = 1.0 if no_pos_weight else (pos_weight - 1.0) * target + 1
    return _rounded(weight * ((1.0 - target) * x - log_weight * _log_sigmoid(x)), reduction, self)


def fits_in_place(written: tuple[int, ...], other: tuple[int, ...]) -> None:
    """PyTorch's errors for an in-place op on a tensor of shape ``written`` with an operand of
    shape ``other``: the shapes do not broadcast, or broadcast to a larger shape.

    Args:
        written: The shape of the tensor written in place.
        other: The other operand's shape.

    >>> fits_in_place((2, 3), (3,))
    >>> fits_in_place((3,), (2, 3))
    Traceback (most recent call last):
    ...
    RuntimeError: output with shape [3] doesn't match the broadcast shape [2, 3]
    """
    shape = broadcast_shapes(written, other)
    if shape != written:
        raise RuntimeError(f"output with shape {list(written)} doesn't match the broadcast "
                           f"shape {list(shape)}")


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(a), False, None)


def _bce_logits_vjp(g: Tensor, self: Tensor, target: Tensor, weight: Tensor, pos_weight: Tensor,
                    *, reduction: str, needs: tuple[bool, ...], no_pos_weight: bool = False
                    ) -> tuple[Tensor, Tensor, None, None]:
    # ATen's backward writes self's gradient in place into self's shape (out of place when
    # recording, as under create_graph), target's times weight into self's times g's: it
    # raises where those are smaller than what is written into them.
    if needs[0] and not grad_mode.is_grad_enabled():
        for shape in (target.shape, g.shape, weight.shape):
            fits_in_place(tuple(self.shape), tuple(shape))
    if needs[1]:
        fits_in_place(broadcast_shapes(tuple(self.shape), tuple(g.shape)), tuple(weight.shape))
    # Narrow dtypes work in float64 and round once (sigmoid - target cancels: 15 ULP in
    # float32).
    g, self, target = _wide(g), _wide(self), _wide(target)
    weight, pos_weight = _wide(weight), _wide(pos_weight)
    # The mean is over the loss's elements, target's (PyTorch's divides self's gradient by
    # self's numel, the wrong one where self is broadcast).
    share = _reduced_grad(g, reduction, target.numel()) * weight
    t = pos_weight * target
    # NOTE: (t + 1 - target) sigmoid(x) - t, PyTorch's form, cancels where sigmoid(x) rounds
    # to 1 (target 1, x = 40: 0 for -4.2e-18); the same, as (1 - target) sigmoid(x) -
    # t sigmoid(-x), sums two terms of opposite signs that cancel only at its root.
    d_self = share * ((1 - target) * sigmoid(self) - t * sigmoid(-self))
    if no_pos_weight:
        # The loss is then (1 - t) x + softplus(-x): target's derivative is -x, PyTorch's, and
        # self's sigmoid(x) - t, which at an infinite target is that infinity where the form
        # above multiplies it by a sigmoid that is 0 (NaN; the fuzzer, seed 110). Elsewhere
        # the form above, which does not cancel.
        infinite = np.isinf(target._data)
        if infinite.any():
            d_self = where(_const(infinite), share * (sigmoid(self) - target), d_self)
        return d_self, share * -self, None, None
    # log(sigmoid(-x)) - pos_weight log(sigmoid(x)) = -x - (pos_weight - 1) log(sigmoid(x)),
    # with log(sigmoid(x)) = -softplus(-x): sigmoid(-40) underflows float16 and its log would
    # be -inf, times (1 - pos_weight) = 0 a NaN (and sigmoid'/sigmoid at second order 0/0).
    # Below 0 the same is -pos_weight x + (pos_weight - 1) softplus(x) (softplus(-x) = -x +
    # softplus(x)): at x = -inf, inf as PyTorch's, not inf - (1 - pos_weight) inf (NaN at
    # pos_weight 1). Neither form cancels on its side.
    def softplus(z: Tensor) -> Tensor:
        return apply(SOFTPLUS, z, beta=1.0, threshold=20.0)

    d_target = share * where(self >= 0, -self + (pos_weight - 1) * softplus(-self),
                             -pos_weight * self + (pos_weight - 1) * softplus(self))
    return d_self, d_target, None, None


BINARY_CROSS_ENTROPY_WITH_LOGITS = defop(
    "binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0",
    _bce_logits, vjp=_bce_logits_vjp, kind="loss", dtype_rule="same",
    differentiable=("self", "target"), grad_refused=("weight", "pos_weight"),
    refuses=not_implemented("log_sigmoid_cpu", NOT_FLOATING))
