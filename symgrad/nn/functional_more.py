"""More of ``torch.nn.functional``, composed of symgrad's ops as PyTorch composes them (so the
graph and the random draws are PyTorch's): ``gumbel_softmax``, ``lp_pool1d``, ``lp_pool2d``,
``local_response_norm``, ``bilinear``, ``multilabel_soft_margin_loss`` and
``triplet_margin_with_distance_loss`` (helper misc).

>>> import symgrad
>>> F = symgrad.nn.functional
>>> F.lp_pool1d(symgrad.tensor([[[3.0, 4.0]]]), 2, 2)
tensor([[[5.]]])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import symgrad
from symgrad import _dtypes
from symgrad.ops import pooling
from symgrad.ops.padding import constant_pad_nd
from symgrad.tensor import Tensor

__all__ = ["gumbel_softmax", "lp_pool1d", "lp_pool2d", "local_response_norm", "bilinear",
           "multilabel_soft_margin_loss", "triplet_margin_with_distance_loss"]


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with
    ``g = -log(E)``, ``E`` exponential draws (PyTorch's under one seed); with ``hard``, the
    one-hot vector of each sample's maximum, differentiated as the soft sample
    (``y_hard - y_soft.detach() + y_soft``).

    Args:
        logits: Unnormalised log-probabilities, ``(..., num_features)``.
        tau: The temperature, above 0. Defaults to 1.
        hard: Return one-hot samples. Defaults to False.
        eps: Deprecated, unused (a warning when given another value). Defaults to 1e-10.
        dim: The dim the softmax runs along. Defaults to -1.

    >>> import symgrad
    >>> y = gumbel_softmax(symgrad.zeros(2, 3), hard=True)
    >>> y.sum(-1).tolist()
    [1.0, 1.0]
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    # PyTorch's legacy_contiguous_format: the draws fill a contiguous tensor in order, whatever
    # the logits' strides
    gumbels = -symgrad.empty(logits.shape, dtype=logits.dtype).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = symgrad.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def _lp_finish(out: Tensor, area: Any, norm_type: float) -> Tensor:
    # PyTorch's (sign(out) * relu(|out|)) * area, to the power 1 / p: a zero mean gives 0
    # with a zero gradient.
    return (symgrad.sign(out) * symgrad.relu(symgrad.abs(out))).mul(area).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: int | float, kernel_size: int,
              stride: int | None = None, ceil_mode: bool = False) -> Tensor:
    """The ``p``-norm of each window of the last dim: ``(sum x^p)^(1/p)``, as PyTorch computes
    it (``avg_pool1d`` of ``x^p`` times the window's length); ``p`` infinite is a max pool of
    ``|x|``.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        norm_type: ``p``.
        kernel_size: The window's length.
        stride: The step. Defaults to None: ``kernel_size``.
        ceil_mode: Round the output's length up. Defaults to False.

    >>> import symgrad
    >>> lp_pool1d(symgrad.tensor([[1.0, -1.0, 2.0, 2.0]]), 1, 2)
    tensor([[0., 4.]])
    """
    if isinstance(norm_type, int | float):
        if norm_type == math.inf:
            return pooling.max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -math.inf:
            return -pooling.max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = pooling.avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = pooling.avg_pool1d(input.pow(norm_type), kernel_size, padding=0,
                                 ceil_mode=ceil_mode)
    return _lp_finish(out, kernel_size, norm_type)


def lp_pool2d(input: Tensor, norm_type: int | float, kernel_size: Any,
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """The ``p``-norm of each window of the last two dims, as PyTorch computes it
    (``avg_pool2d`` of ``x^p`` times the window's area); ``p`` infinite is a max pool of
    ``|x|``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        norm_type: ``p``.
        kernel_size: The window, an int or a pair.
        stride: The step. Defaults to None: ``kernel_size``.
        ceil_mode: Round the output's size up. Defaults to False.

    >>> import symgrad
    >>> lp_pool2d(symgrad.tensor([[[3.0, 0.0], [0.0, 4.0]]]), 2, 2)
    tensor([[[5.]]])
    """
    kw, kh = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    if isinstance(norm_type, int | float):
        if norm_type == math.inf:
            return pooling.max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -math.inf:
            return -pooling.max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = pooling.avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = pooling.avg_pool2d(input.pow(norm_type), kernel_size, padding=0,
                                 ceil_mode=ceil_mode)
    return _lp_finish(out, kw * kh, norm_type)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Each element divided by ``(k + alpha * mean of x^2 over size neighbouring channels) **
    beta``, the channels zero-padded (``size // 2`` before, ``(size - 1) // 2`` after), as
    PyTorch computes it.

    A 3-D input pools with ``avg_pool2d`` as PyTorch does; a larger one, which PyTorch pools
    with ``avg_pool3d`` over ``(size, 1, 1)`` windows, pools here with ``avg_pool2d`` over
    ``(size, 1)`` windows of its places flattened: the same means (the graph differs inside).

    Args:
        input: ``(N, C, *)``, at least 3-D.
        size: How many channels each normalisation spans.
        alpha: The scale. Defaults to 1e-4.
        beta: The exponent. Defaults to 0.75.
        k: The additive constant. Defaults to 1.

    >>> import symgrad
    >>> local_response_norm(symgrad.ones(1, 2, 1), 1, alpha=1.0, beta=1.0)
    tensor([[[0.5000],
             [0.5000]]])
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = constant_pad_nd(div, (0, 0, size // 2, (size - 1) // 2))
        div = pooling.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.view(sizes[0], 1, sizes[1], -1)
        div = constant_pad_nd(div, (0, 0, size // 2, (size - 1) // 2))
        div = pooling.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``, with
    PyTorch's checks; the batch dims flattened and the result viewed back (ViewBackward0, under
    AddBackward0 with a bias, as in PyTorch; the product inside is a matmul and a sum here,
    where PyTorch's is one ``_trilinear`` node).

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, the same batch dims.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)``. Defaults to None: none.

    >>> import symgrad
    >>> bilinear(symgrad.ones(1, 2), symgrad.ones(1, 3), symgrad.ones(4, 2, 3))
    tensor([[6., 6., 6., 6.]])
    """
    tensors = [("input1", input1), ("input2", input2), ("weight", weight)]
    if bias is not None:
        tensors.append(("bias", bias))
    if len({t.dtype for _, t in tensors}) > 1:
        names = ", ".join(f"{n}: {_dtypes._CPP_NAMES[t.dtype.name]}" for n, t in tensors)
        raise RuntimeError(f"All tensors must have the same dtype, got {names}")
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {input1.shape[i]} and {input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")
    out_features, in1, in2 = weight.shape
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (B, in1) @ (in1, out * in2): each output's row of in2 values, then dotted with x2
    rows = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    flat = (rows.reshape(-1, out_features, in2) * x2.unsqueeze(1)).sum(-1)
    output = flat.view(tuple(input1.shape[:-1]) + (out_features,))
    if bias is not None:
        output = output + bias
    return output


def _functional() -> Any:
    # symgrad.nn.functional imports this module at its end: read it at call time.
    from symgrad.nn import functional

    return functional


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """The one-versus-all logistic loss of each class, averaged over the classes (the last
    dim): ``-(y log sigmoid(x) + (1 - y) log sigmoid(-x))``, times ``weight``, as PyTorch
    composes it.

    Args:
        input: Scores, ``(N, C)`` or ``(C,)``.
        target: 0 or 1 per class, the input's shape.
        weight: A weight per class. Defaults to None.
        size_average: Deprecated. Defaults to None.
        reduce: Deprecated. Defaults to None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (over the samples). Defaults to
            ``"mean"``.

    >>> import symgrad
    >>> x = symgrad.zeros(1, 2)
    >>> round(multilabel_soft_margin_loss(x, symgrad.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """
    F = _functional()
    if size_average is not None or reduce is not None:
        reduction = F._loss_reduction(size_average, reduce, reduction)
    loss = -(target * F.logsigmoid(input) + (1 - target) * F.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def triplet_margin_with_distance_loss(
        anchor: Tensor, positive: Tensor, negative: Tensor, *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with a distance of the caller's
    (``pairwise_distance`` by default), as PyTorch composes it.

    Args:
        anchor: Vectors.
        positive: Vectors of the anchor's kind.
        negative: Vectors of the anchor's kind.
        distance_function: ``d``, of two tensors. Defaults to None: ``pairwise_distance``.
        margin: The least gap asked for, above 0. Defaults to 1.
        swap: Use ``min(d(a, n), d(p, n))`` for the negative distance. Defaults to False.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``. Defaults to ``"mean"``.

    >>> import symgrad
    >>> a, p, n = symgrad.zeros(1, 2), symgrad.zeros(1, 2), symgrad.ones(1, 2)
    >>> triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y: (x - y).abs(
    ...     ).sum(-1))
    tensor(0.)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D "
            "inputs")
    if distance_function is None:
        distance_function = _functional().pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = symgrad.minimum(dist_neg, distance_function(positive, negative))
    loss = symgrad.clamp_min(margin + dist_pos - dist_neg, 0)
    if reduction == "sum":
        return symgrad.sum(loss)
    if reduction == "mean":
        return symgrad.mean(loss)
    return loss
