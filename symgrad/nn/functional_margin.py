"""``multi_margin_loss`` and ``multilabel_margin_loss`` of ``torch.nn.functional``: PyTorch's
checks, in its order and with its messages, then one op each (``symgrad/ops/losses_margin.py``).

>>> import symgrad
>>> F = symgrad.nn.functional
>>> F.multi_margin_loss(symgrad.tensor([[0.5, 1.0, 0.0]]), symgrad.tensor([1]))
tensor(0.1667)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import symgrad
from symgrad._dtypes import _TORCH_NAMES
from symgrad.autocast_policy import autocasts
from symgrad.ops import losses_margin
from symgrad.ops.registry import apply
from symgrad.tensor import Tensor

__all__ = ["multi_margin_loss", "multilabel_margin_loss"]


def _functional() -> Any:
    # symgrad.nn.functional imports this module at its end: read it at call time.
    from symgrad.nn import functional

    return functional


def _samples(input: Tensor) -> tuple[int, int]:
    """The number of samples and classes, after PyTorch's check of the input's shape."""
    if not ((input.ndim == 2 and input.shape[1] != 0) or (input.ndim == 1 and input.shape[0])
            or input.ndim == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)}")
    if input.ndim == 2:
        return input.shape[0], input.shape[1]
    return 1, input.shape[0] if input.ndim else 1


@autocasts("fp32")
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss: per sample with target class ``y``, the mean over the
    classes ``d != y`` of ``weight[y] * max(0, margin - input[y] + input[d]) ** p``, reduced
    over the samples. One node (MultiMarginLossBackward0); at the hinge's kink the gradient is
    0, as in PyTorch, and a second derivative raises as PyTorch's does.

    Args:
        input: Scores, ``(N, C)`` or ``(C,)`` (or a 0-d score, one class), float32 or float64.
        target: The class of each sample, int64: ``(N,)``, or ``()`` or ``(1,)`` for one.
        p: 1 or 2, the power of the hinge. Defaults to 1.
        margin: How far above the other classes' scores the target's is asked to be.
            Defaults to 1.
        weight: A weight per class, ``(C,)``, of ``input``'s dtype, not differentiable: a
            sample counts its target class's. Defaults to None: every class weighs 1.
        size_average: Deprecated, as in PyTorch. Defaults to None.
        reduce: Deprecated, as in PyTorch. Defaults to None.
        reduction: ``"mean"`` over the samples, ``"sum"`` or ``"none"``. Defaults to
            ``"mean"``. NOTE: the sum of no samples is 0 and their mean NaN (PyTorch's are
            uninitialised memory).

    >>> import symgrad
    >>> x = symgrad.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
    >>> loss = multi_margin_loss(x, symgrad.tensor([3])); loss
    tensor(0.3250, grad_fn=<MultiMarginLossBackward0>)
    >>> loss.backward(); x.grad
    tensor([[ 0.2500,  0.2500,  0.2500, -0.7500]])
    """
    F = _functional()
    reduction = F._loss_reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    samples, classes = _samples(input)
    if target.ndim > 1 or target.numel() != samples:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{samples}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    if weight is None:
        weight = symgrad.ones(classes, dtype=input.dtype)
    elif weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                           f"{list(weight.shape)}")
    elif (weight.dtype is not input.dtype and target.dtype is symgrad.int64
          and input.dtype in (symgrad.float32, symgrad.float64)):
        # PyTorch's order: the input's dtype refused first (by the op), then the target's
        # dtype (the op's too), then the weight's.
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but "
                           f"found {_TORCH_NAMES[weight.dtype.name]}")
    return apply(losses_margin.MULTI_MARGIN_LOSS, input, target, weight, p=int(p),
                 margin=float(margin), reduction=reduction)


@autocasts("fp32")
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss: per sample, the sum over its target classes ``j`` (the
    entries of ``target`` before the first -1, repeats counted) and the classes ``i`` no
    target names of ``max(0, 1 - (input[j] - input[i]))``, over the number of classes,
    reduced over the samples. One node (MultilabelMarginLossBackward0); at the hinge's kink
    the gradient is 0, as in PyTorch, and a second derivative raises as PyTorch's does.

    Args:
        input: Scores, ``(N, C)`` or ``(C,)`` (or a 0-d score), float32 or float64.
        target: Class indices, int64, ``input``'s shape, padded with -1 after the targets.
        size_average: Deprecated, as in PyTorch. Defaults to None.
        reduce: Deprecated, as in PyTorch. Defaults to None.
        reduction: ``"mean"`` over the samples, ``"sum"`` or ``"none"``. Defaults to
            ``"mean"``. NOTE: the sum of no samples is 0 and their mean NaN (PyTorch's are
            uninitialised memory).

    >>> import symgrad
    >>> x = symgrad.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
    >>> loss = multilabel_margin_loss(x, symgrad.tensor([[3, 0, -1, 1]])); loss
    tensor(0.8500, grad_fn=<MultilabelMarginLossBackward0>)
    >>> loss.backward(); x.grad
    tensor([[-0.5000,  0.5000,  0.5000, -0.5000]])
    """
    F = _functional()
    reduction = F._loss_reduction(size_average, reduce, reduction)
    samples, classes = _samples(input)
    fits = (target.ndim <= 1 and target.numel() == classes) if input.ndim <= 1 else (
        target.ndim == 2 and tuple(target.shape) == (samples, classes))
    if not fits:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    labels = np.asarray(target._data)
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise RuntimeError("argument #2 'target' is out of range")
    return apply(losses_margin.MULTILABEL_MARGIN_LOSS, input, target, reduction=reduction)
