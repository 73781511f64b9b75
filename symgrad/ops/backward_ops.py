"""Backward formulas as ops of their own, so a first-order gradient stays on the graph.

PyTorch computes ``relu``'s gradient with ``threshold_backward(grad, result, 0)``, an operator
whose own derivative is declared: itself in ``grad`` and zero in ``self``. So after
``g, = grad(relu(x).sum(), x, create_graph=True)`` its ``g`` requires grad (its node
``ThresholdBackwardBackward0``) and ``grad(g.sum(), x)`` gives zeros, where a gradient written
as ``where(out <= 0, 0, g)`` of a constant ``g`` requires no grad and the second ``grad``
raises. Hessians and Hessian-vector products of ReLU networks, gradient penalties and
``torch.autograd.functional.hessian`` run through these. The ops here are those operators:

- ``threshold_backward(grad_output, self, *, threshold)``: ``grad_output`` where
  ``self > threshold``, else 0 (relu's, with its result and ``threshold=0``);
- ``hardtanh_backward(grad_output, self, *, min_val, max_val)``: ``grad_output`` strictly
  inside the bounds, else 0;
- ``leaky_relu_backward(grad_output, self, *, negative_slope)``: ``grad_output`` where
  ``self > 0``, else ``grad_output * negative_slope``;
- ``nll_loss_backward`` and ``nll_loss_weighted_backward`` (``nll_loss``'s, without and with
  class weights) and ``max_pool2d_backward`` (``max_pool2d_with_indices_backward``).

Each is linear in ``grad_output`` and piecewise constant in ``self``: its VJP in
``grad_output`` is the adjoint map (the op itself for the elementwise ones, the forward loss
or a gather of the windows' maxima for the others) and in ``self`` an exact zero, as PyTorch
declares. Their forwards give the bits the forward ops' VJPs gave before (tested on grids).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.registry import ALL, Kink, apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["threshold_backward", "hardtanh_backward", "leaky_relu_backward"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


def _zeros_like(t: Tensor) -> Tensor:
    """An exact zero of ``t``'s shape and dtype: the derivative in ``self``, PyTorch's
    ``zeros_like``."""
    return _const(np.zeros(t.shape, t._data.dtype))


def _result_dtype(grad_output: np.ndarray, self: np.ndarray) -> np.dtype:
    return np.result_type(grad_output, self) if grad_output.dtype != self.dtype else \
        grad_output.dtype


# -- threshold_backward (relu's) ---------------------------------------------------------------
def _threshold_backward(grad_output: np.ndarray, self: np.ndarray, *, threshold: float
                        ) -> np.ndarray:
    # Selected, not multiplied: a NaN or -0.0 of grad_output is kept or zeroed whole, and a NaN
    # of self passes grad_output through (NaN <= threshold is false), as PyTorch's kernel.
    zero = np.zeros((), _result_dtype(grad_output, self))
    return np.where(self <= threshold, zero, grad_output).astype(zero.dtype, copy=False)


# The kinks' masks take every input, as the checkers call them.
def _threshold_kink(grad_output: np.ndarray, self: np.ndarray, *, threshold: float
                    ) -> np.ndarray:
    return self == threshold


THRESHOLD_BACKWARD = defop(
    "threshold_backward", "ThresholdBackwardBackward0", _threshold_backward,
    vjp=lambda g, self, *, threshold: (threshold_backward(g, self, threshold), _zeros_like(self)),
    dtype_rule="promote", dtypes=ALL - {_dtypes.bool}, kind="elementwise",
    # A jump in self (from 0 to grad_output): its derivative is 0 on both sides.
    kinks=(Kink("self", "self == threshold", _threshold_kink, "zero"),),
    refuses=not_implemented("threshold_cpu", (_dtypes.bool,)))


def threshold_backward(grad_output: Tensor, self: Tensor, threshold: float = 0.0) -> Tensor:
    """PyTorch's ``threshold_backward``: ``grad_output`` where ``self > threshold``, else 0.

    ``relu``'s gradient (``self`` its result, ``threshold`` 0), differentiable in turn: itself
    in ``grad_output``, zero in ``self``.

    Args:
        grad_output: The gradient with respect to the thresholded result.
        self: The tensor compared (relu's result or input).
        threshold: Where the gradient starts passing. Defaults to 0.

    >>> import symgrad
    >>> from symgrad.ops.backward_ops import threshold_backward
    >>> threshold_backward(symgrad.tensor([1.0, 2.0, 3.0]), symgrad.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 3.])
    """
    return apply(THRESHOLD_BACKWARD, grad_output, self, threshold=threshold)


# -- hardtanh_backward ---------------------------------------------------------------------------
def _hardtanh_backward(grad_output: np.ndarray, self: np.ndarray, *, min_val: float,
                       max_val: float) -> np.ndarray:
    zero = np.zeros((), _result_dtype(grad_output, self))
    outside = (self <= min_val) | (self >= max_val)
    return np.where(outside, zero, grad_output).astype(zero.dtype, copy=False)


def _hardtanh_bounds(grad_output: np.ndarray, self: np.ndarray, *, min_val: float,
                     max_val: float) -> np.ndarray:
    return (self == min_val) | (self == max_val)


HARDTANH_BACKWARD = defop(
    "hardtanh_backward", "HardtanhBackwardBackward0", _hardtanh_backward,
    vjp=lambda g, self, *, min_val, max_val: (hardtanh_backward(g, self, min_val, max_val),
                                              _zeros_like(self)),
    dtype_rule="promote", kind="elementwise",
    kinks=(Kink("self", "self == min_val or self == max_val", _hardtanh_bounds, "zero"),),
    refuses=not_implemented("hardshrink_backward_cpu", NOT_FLOATING))


def hardtanh_backward(grad_output: Tensor, self: Tensor, min_val: float = -1.0,
                      max_val: float = 1.0) -> Tensor:
    """PyTorch's ``hardtanh_backward``: ``grad_output`` where ``min_val < self < max_val``,
    else 0 (on the bounds too); differentiable in turn (itself in ``grad_output``, zero in
    ``self``).

    Args:
        grad_output: The gradient with respect to hardtanh's result.
        self: hardtanh's input.
        min_val: The lower bound. Defaults to -1.
        max_val: The upper bound. Defaults to 1.

    >>> import symgrad
    >>> from symgrad.ops.backward_ops import hardtanh_backward
    >>> hardtanh_backward(symgrad.tensor([1.0, 2.0, 3.0]), symgrad.tensor([-1.0, 0.5, 2.0]))
    tensor([0., 2., 0.])
    """
    return apply(HARDTANH_BACKWARD, grad_output, self, min_val=min_val, max_val=max_val)


# -- leaky_relu_backward -------------------------------------------------------------------------
def _leaky_relu_backward(grad_output: np.ndarray, self: np.ndarray, *, negative_slope: float
                         ) -> np.ndarray:
    dtype = _result_dtype(grad_output, self)
    g = grad_output.astype(dtype, copy=False)
    if dtype in _HALF:
        # float16 and bfloat16 multiply in float32 by the slope rounded to float32, as symgrad's
        # product with a Python scalar (and PyTorch's kernel) does.
        sloped = (g.astype(np.float32) * np.float32(negative_slope)).astype(dtype)
    else:
        sloped = g * np.asarray(negative_slope, dtype)
    return np.where(self > 0, g, sloped)


LEAKY_RELU_BACKWARD = defop(
    "leaky_relu_backward", "LeakyReluBackwardBackward0", _leaky_relu_backward,
    vjp=lambda g, self, *, negative_slope: (leaky_relu_backward(g, self, negative_slope),
                                            _zeros_like(self)),
    dtype_rule="promote", kind="elementwise",
    kinks=(Kink("self", "self == 0", lambda grad_output, self, **_: self == 0, "zero"),),
    refuses=not_implemented("leaky_relu_backward_cpu", NOT_FLOATING))


def leaky_relu_backward(grad_output: Tensor, self: Tensor, negative_slope: float = 0.01
                        ) -> Tensor:
    """PyTorch's ``leaky_relu_backward``: ``grad_output`` where ``self > 0``, else
    ``grad_output * negative_slope``; differentiable in turn (itself in ``grad_output``, zero
    in ``self``).

    Args:
        grad_output: The gradient with respect to leaky_relu's result.
        self: leaky_relu's input.
        negative_slope: The slope below 0. Defaults to 0.01.

    >>> import symgrad
    >>> from symgrad.ops.backward_ops import leaky_relu_backward
    >>> leaky_relu_backward(symgrad.tensor([1.0, 2.0]), symgrad.tensor([-1.0, 3.0]), 0.5)
    tensor([0.5000, 2.0000])
    """
    return apply(LEAKY_RELU_BACKWARD, grad_output, self, negative_slope=negative_slope)


# -- nll_loss_backward ---------------------------------------------------------------------------
def _activations() -> Any:
    # Imported when first run: activations imports this module for the VJPs of its ops.
    from symgrad.ops import activations

    return activations


def _nll_backward(grad_output: np.ndarray, self: np.ndarray, target: np.ndarray, *,
                  reduction: str, ignore_index: int) -> np.ndarray:
    # The forward op's former VJP, run on constants: the same bits in every dtype.
    g = _const(grad_output.astype(self.dtype, copy=False))
    return _activations()._nll_grad(g, _const(target), reduction=reduction,
                                    ignore_index=ignore_index, self_shape=self.shape)._data


def _nll_backward_vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str,
                      ignore_index: int) -> tuple[Tensor, Tensor, None]:
    # The loss is linear in self: the adjoint of its VJP is the loss itself, taken of g.
    act = _activations()
    d_grad = apply(act.NLL_LOSS, g, target, reduction=reduction, ignore_index=ignore_index)
    return d_grad, _zeros_like(self), None


NLL_LOSS_BACKWARD = defop(
    "nll_loss_backward", "NllLossBackwardBackward0", _nll_backward, vjp=_nll_backward_vjp,
    dtype_rule="same", differentiable=("grad_output", "self"), kind="loss",
    refuses=not_implemented("nll_loss_backward_out_frame", NOT_FLOATING))


def _nll_weighted_backward(grad_output: np.ndarray, self: np.ndarray, target: np.ndarray,
                           weight: np.ndarray, *, reduction: str, ignore_index: int
                           ) -> np.ndarray:
    g = _const(grad_output.astype(self.dtype, copy=False))
    return _activations()._nll_weighted_grad(g, _const(target), _const(weight),
                                             reduction=reduction, ignore_index=ignore_index,
                                             self_shape=self.shape)._data.astype(
                                                 self.dtype, copy=False)


def _nll_weighted_backward_vjp(g: Tensor, self: Tensor, target: Tensor, weight: Tensor, *,
                               reduction: str, ignore_index: int
                               ) -> tuple[Tensor, Tensor, None, None]:
    act = _activations()
    d_grad = apply(act.NLL_LOSS_WEIGHTED, g, target, weight, reduction=reduction,
                   ignore_index=ignore_index)
    return d_grad, _zeros_like(self), None, None


NLL_LOSS_WEIGHTED_BACKWARD = defop(
    "nll_loss_weighted_backward", "NllLossBackwardBackward0", _nll_weighted_backward,
    vjp=_nll_weighted_backward_vjp, dtype_rule="same",
    differentiable=("grad_output", "self"), grad_refused=("weight",), kind="loss",
    refuses=not_implemented("nll_loss_backward_out_frame", NOT_FLOATING))


def nll_loss_backward(grad_output: Tensor, self: Tensor, target: Tensor,
                      weight: Tensor | None = None, *, reduction: str,
                      ignore_index: int) -> Tensor:
    """``nll_loss``'s gradient in ``self`` (PyTorch's ``nll_loss_backward``), differentiable in
    turn: the loss of its cotangent in ``grad_output``, zero in ``self``.

    Args:
        grad_output: The gradient with respect to the loss.
        self: The loss's input (log-probabilities), of which only the shape is read.
        target: The class indices.
        weight: One weight per class, or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        ignore_index: A class whose targets count for nothing.

    >>> import symgrad
    >>> from symgrad.ops.backward_ops import nll_loss_backward
    >>> nll_loss_backward(symgrad.tensor(1.0), symgrad.zeros(2, 3), symgrad.tensor([2, 0]),
    ...                   reduction="sum", ignore_index=-100)
    tensor([[ 0.,  0., -1.],
            [-1.,  0.,  0.]])
    """
    if weight is None:
        return apply(NLL_LOSS_BACKWARD, grad_output, self, target, reduction=reduction,
                     ignore_index=ignore_index)
    return apply(NLL_LOSS_WEIGHTED_BACKWARD, grad_output, self, target, weight,
                 reduction=reduction, ignore_index=ignore_index)


# -- max_pool2d_backward -------------------------------------------------------------------------
def _pooling() -> Any:
    from symgrad.ops import pooling

    return pooling


_Pair = tuple[int, int]


def _max_pool2d_backward(grad_output: np.ndarray, self: np.ndarray, *, kernel_size: _Pair,
                         stride: _Pair, padding: _Pair, dilation: _Pair, ceil_mode: bool
                         ) -> np.ndarray:
    # The forward op's former VJP, run on constants: the same bits.
    g = _const(grad_output.astype(self.dtype, copy=False))
    return _pooling()._max_pool2d_vjp(
        g, _const(self), kernel_size=kernel_size, stride=stride, padding=padding,
        dilation=dilation, ceil_mode=ceil_mode)._data


def _max_pool2d_backward_vjp(g: Tensor, self: Tensor, *, kernel_size: _Pair, stride: _Pair,
                             padding: _Pair, dilation: _Pair, ceil_mode: bool
                             ) -> tuple[Tensor, Tensor]:
    # Adjoint of the scatter: each window reads g at its chosen element (0 for a window of
    # padding alone, which has none).
    pooling = _pooling()
    index = pooling.max_pool2d_indices(self._data, kernel_size, stride, padding, dilation,
                                       ceil_mode)
    shape = tuple(self.shape)
    area = shape[-2] * shape[-1]
    lead = math.prod(shape[:-2])
    flat = index.reshape(lead, -1)
    keep = flat < area
    at = (np.arange(lead, dtype=np.int64)[:, None] * area + np.where(keep, flat, 0)).reshape(-1)
    picked = apply(pooling.INDEX, g.reshape(-1), indices=(at,))
    if not keep.all():
        from symgrad.ops.elementwise import where

        picked = where(_const(keep.reshape(-1)), picked, 0.0)
    return picked.reshape(index.shape), _zeros_like(self)


def _window_ties(grad_output: np.ndarray, self: np.ndarray, *, kernel_size: _Pair,
                 stride: _Pair, padding: _Pair, dilation: _Pair, ceil_mode: bool) -> np.ndarray:
    return _pooling()._window_ties(self, kernel_size=kernel_size, stride=stride,
                                   padding=padding, dilation=dilation, ceil_mode=ceil_mode)


MAX_POOL2D_BACKWARD = defop(
    "max_pool2d_backward", "MaxPool2DWithIndicesBackwardBackward0", _max_pool2d_backward,
    vjp=_max_pool2d_backward_vjp, dtype_rule="same", kind="pooling",
    kinks=(Kink("self", "two elements of a window of self tie for its maximum", _window_ties,
                "left"),),
    refuses=not_implemented("max_pool2d_backward", NOT_FLOATING))


def max_pool2d_backward(grad_output: Tensor, self: Tensor, **attrs: Any) -> Tensor:
    """``max_pool2d``'s gradient in ``self`` (PyTorch's ``max_pool2d_with_indices_backward``):
    ``grad_output`` summed into each window's maximum; differentiable in turn (a gather of the
    maxima in ``grad_output``, zero in ``self``).

    Args:
        grad_output: The gradient with respect to the pooled result.
        self: max_pool2d's input.
        **attrs: max_pool2d's ``kernel_size``, ``stride``, ``padding``, ``dilation`` and
            ``ceil_mode``, as its op takes them (tuples of two).

    >>> import symgrad
    >>> from symgrad.ops.backward_ops import max_pool2d_backward
    >>> x = symgrad.tensor([[[1.0, 5.0], [2.0, 0.0]]])
    >>> max_pool2d_backward(symgrad.tensor([[[3.0]]]), x, kernel_size=(2, 2), stride=(2, 2),
    ...                     padding=(0, 0), dilation=(1, 1), ceil_mode=False)
    tensor([[[0., 3.],
             [0., 0.]]])
    """
    return apply(MAX_POOL2D_BACKWARD, grad_output, self, **attrs)
