"""Activations, losses and ``linear`` as functions, as in ``torch.nn.functional``.

Each records the node PyTorch records (``ReluBackward0``, ``NllLossBackward0``, ...);
``cross_entropy`` is ``log_softmax`` then ``nll_loss``, and ``l1_loss`` is ``abs`` of the
difference then the reduction, as PyTorch composes them.

>>> import symgrad
>>> import symgrad.nn.functional as F
>>> logits = symgrad.tensor([[2.0, 0.0, 0.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, symgrad.tensor([0]))
>>> loss.grad_fn, loss.grad_fn.next_functions[0][0]
(<NllLossBackward0 object at ...>, <LogSoftmaxBackward0 object at ...>)
"""

from __future__ import annotations

import warnings

import symgrad
from symgrad import _dtypes
from symgrad.ops import activations as A
from symgrad.ops.activations import log_softmax, relu, softmax
from symgrad.ops.registry import apply
from symgrad.ops.shape import UNSAFE_VIEW
from symgrad.tensor import Tensor

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh", "softmax",
    "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "linear",
]

_REDUCTIONS = ("none", "mean", "sum")


# PyTorch's names of scalar types, as its error texts spell them.
_SCALAR_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                 "float64": "Double", "int64": "Long", "int32": "Int", "int16": "Short",
                 "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _warn_if_broadcast(input: Tensor, target: Tensor) -> None:
    # A broadcast target is almost always a bug (a (N,) target against (N, 1) predictions):
    # PyTorch warns rather than refuses, and so does this.
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def _check_class_targets(input: Tensor, target: Tensor, ignore_index: int) -> None:
    if input.ndim not in (1, 2):
        raise NotImplementedError(
            f"nll_loss: an input of {input.ndim} dims is not supported, only (C,) or (N, C)")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_SCALAR_NAMES[target.dtype.name]}")
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 2 and (target.ndim != 1 or target.shape[0] != input.shape[0]):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 1})."
        )
    if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
        raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                         f"{target.shape[0]}")
    classes = target._data.astype("int64")
    # A negative class would index from the end in NumPy: a wrong loss, not an error.
    bad = (classes != ignore_index) & ((classes < 0) | (classes >= input.shape[-1]))
    if bad.any():
        raise IndexError(f"Target {classes[bad].flat[0]} is out of bounds.")


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``.

    >>> import symgrad
    >>> symgrad.nn.functional.leaky_relu(symgrad.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    return apply(A.LEAKY_RELU, input, negative_slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``.

    >>> import symgrad
    >>> symgrad.nn.functional.elu(symgrad.tensor([0.0, 3.0]))
    tensor([0., 3.])
    """
    return apply(A.ELU, input, alpha=float(alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``input * Phi(input)`` (``approximate="tanh"``: the tanh approximation).

    >>> import symgrad
    >>> symgrad.nn.functional.gelu(symgrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(A.GELU, input, approximate=approximate)


def silu(input: Tensor) -> Tensor:
    """``input * sigmoid(input)``.

    >>> import symgrad
    >>> symgrad.nn.functional.silu(symgrad.tensor([0.0]))
    tensor([0.])
    """
    return apply(A.SILU, input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, the identity where ``beta * input > threshold``.

    >>> import symgrad
    >>> symgrad.nn.functional.softplus(symgrad.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return apply(A.SOFTPLUS, input, beta=float(beta), threshold=float(threshold))


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))`` (``symgrad.sigmoid``).

    >>> import symgrad
    >>> symgrad.nn.functional.sigmoid(symgrad.tensor([0.0]))
    tensor([0.5000])
    """
    return symgrad.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent (``symgrad.tanh``).

    >>> import symgrad
    >>> symgrad.nn.functional.tanh(symgrad.tensor([0.0]))
    tensor([0.])
    """
    return symgrad.tanh(input)


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean",
             ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood: ``-input[i, target[i]]``, reduced; ``input`` holds log-probs.

    >>> import symgrad
    >>> logp = symgrad.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> symgrad.nn.functional.nll_loss(logp, symgrad.tensor([0, 1]), reduction="sum")
    tensor(0.6000)
    """
    _check_class_targets(input, target, int(ignore_index))
    return apply(A.NLL_LOSS, input, target, reduction=_reduction(reduction),
                 ignore_index=int(ignore_index))


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean",
                  ignore_index: int = -100) -> Tensor:
    """``nll_loss(log_softmax(input, class dim), target)`` for class-index targets.

    >>> import symgrad
    >>> symgrad.nn.functional.cross_entropy(symgrad.tensor([[0.0, 0.0]]), symgrad.tensor([1]))
    tensor(0.6931)
    """
    if target.is_floating_point():
        raise NotImplementedError("cross_entropy: class-probability targets (a floating-point "
                                  "target) are not supported; pass class indices")
    dim = 0 if input.ndim == 1 else 1
    return nll_loss(log_softmax(input, dim), target, reduction, ignore_index)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or elementwise) squared difference.

    >>> import symgrad
    >>> symgrad.nn.functional.mse_loss(symgrad.tensor([1.0, 3.0]), symgrad.tensor([0.0, 0.0]))
    tensor(5.)
    """
    if not (input.is_floating_point() or target.is_floating_point()):
        kind = _dtypes.promote_types(input.dtype, target.dtype).name
        raise NotImplementedError(f'"mse_cpu" not implemented for \'{_SCALAR_NAMES[kind]}\'')
    _warn_if_broadcast(input, target)
    return apply(A.MSE_LOSS, input, target, reduction=_reduction(reduction))


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or elementwise) absolute difference: ``abs`` then the reduction.

    >>> import symgrad
    >>> symgrad.nn.functional.l1_loss(symgrad.tensor([1.0, -3.0]), symgrad.tensor([0.0, 0.0]))
    tensor(2.)
    """
    _warn_if_broadcast(input, target)
    diff = symgrad.abs(input - target)
    reduction = _reduction(reduction)
    if reduction == "none":
        return diff
    return diff.mean() if reduction == "mean" else diff.sum()


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, recorded as PyTorch records it for each input rank.

    A 2-D input gives ``addmm(bias, input, weight.t())`` (``mm`` without a bias); other ranks
    fold the leading dims into one with a view, multiply, and view the result back
    (ViewBackward0 over AddmmBackward0, or UnsafeViewBackward0 over MmBackward0 without a bias);
    a 1-D input without a bias is a vector-matrix ``matmul`` (SqueezeBackward4).

    >>> import symgrad
    >>> w = symgrad.tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = symgrad.nn.functional.linear(symgrad.tensor([[3.0, 4.0]]), w, symgrad.tensor([0.5]))
    >>> y, [f.name() for f, _ in y.grad_fn.next_functions if f is not None]
    (tensor([[11.5000]], grad_fn=<AddmmBackward0>), ['TBackward0'])
    >>> y = symgrad.nn.functional.linear(symgrad.ones(2, 1, 2), w)
    >>> y.shape, y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()
    (symgrad.Size([2, 1, 1]), 'UnsafeViewBackward0', 'MmBackward0')
    """
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                           f"{input.ndim}D and {weight.ndim}D")
    weight_t = weight.t()
    if input.ndim == 2 and bias is not None:
        return symgrad.addmm(bias, input, weight_t)
    if input.ndim == 2 or (input.ndim == 1 and bias is None) or weight.ndim != 2:
        out = symgrad.matmul(input, weight_t)
        return out if bias is None else out + bias
    if bias is not None and bias.ndim > 1 and input.ndim > 2:
        return symgrad.matmul(input, weight_t) + bias
    lead = tuple(input.shape[:-1])
    folded = input.reshape(-1, input.shape[-1])
    if bias is None:
        return apply(UNSAFE_VIEW, symgrad.mm(folded, weight_t), shape=lead + (weight.shape[0],))
    return symgrad.addmm(bias, folded, weight_t).reshape(lead + (weight.shape[0],))
