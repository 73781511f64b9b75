"""The multi-class hinge losses PyTorch records as one node each: ``multi_margin_loss``
(MultiMarginLossBackward0) and ``multilabel_margin_loss`` (MultilabelMarginLossBackward0).

Both are sums of hinges ``max(0, z)`` (``z**2`` for ``p=2``) over pairs of classes of a
sample, divided by the number of classes, then reduced over the samples. Each forward is
computed in float64 and rounded once; each VJP is the hinges' slopes (constants, float64) times
``g``, rounded once. NOTE: a hinge counts where ``z > 0`` strictly, as in PyTorch's kernels: at
the kink ``z == 0`` the slope is 0, and a NaN ``z`` (a NaN score) adds nothing, to the loss or
the gradient. PyTorch implements no derivative of either backward: a second derivative raises
its error (``backward_operator``), as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _wide
from symgrad.ops.registry import defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["MULTI_MARGIN_LOSS", "MULTILABEL_MARGIN_LOSS"]

# PyTorch's CPU kernels of both losses take float32 and float64 alone.
_REFUSED = (*NOT_FLOATING, _dtypes.float16, _dtypes.bfloat16)
_COMPUTED = frozenset({_dtypes.float32, _dtypes.float64})


def _rows(self: np.ndarray) -> np.ndarray:
    """The samples as rows of float64 scores: ``(C,)`` and ``()`` are one sample."""
    x = self.astype(np.float64)
    return x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)


def _check_long(target: np.ndarray) -> None:
    if target.dtype != np.int64:
        name = _dtypes._TORCH_NAMES[_dtypes._FROM_NP[target.dtype].name]
        raise RuntimeError(f"expected scalar type Long but found {name}")


def _reduce(losses: np.ndarray, reduction: str, shape: tuple[int, ...],
            like: np.ndarray) -> np.ndarray:
    """Per-sample losses (float64) reduced, rounded once to ``like``'s dtype. NOTE: the sum of
    no samples is 0 and their mean NaN (0 / 0), where PyTorch's kernels return uninitialised
    memory."""
    if reduction == "none":
        return losses.reshape(shape).astype(like.dtype)
    total = np.add.reduce(losses)
    if reduction == "mean":
        total = total / losses.size if losses.size else np.float64(np.nan)
    return np.asarray(total).astype(like.dtype)


def _share(g: Tensor, reduction: str, samples: int) -> Tensor:
    """``g`` as each sample's share, float64, a column against the rows of slopes."""
    g = _wide(g)
    if reduction == "none":
        return g.reshape(-1, 1)
    return g / samples if reduction == "mean" else g


# -- multi_margin_loss --------------------------------------------------------------------------
def _multi_margin_slopes(self: np.ndarray, target: np.ndarray, weight: np.ndarray, p: int,
                         margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the sum of the hinges ``max(0, margin - x[y] + x[d])`` (squared for
    ``p=2``) of the classes ``d`` other than the target ``y``, and its derivatives in ``x``,
    each times ``weight[y] / C``."""
    x = _rows(self)
    n, classes = x.shape
    y = target.reshape(-1).astype(np.int64)
    at = (np.arange(n), y)
    z = margin - x[at][:, None] + x
    active = z > 0
    active[at] = False
    w = weight.astype(np.float64)[y]
    hinge = np.where(active, z if p == 1 else z * z, 0.0).sum(axis=1) * w / classes
    slope = np.where(active, 1.0 if p == 1 else 2 * z, 0.0)
    slope[at] = -slope.sum(axis=1)
    return hinge, slope * w[:, None] / classes


def _multi_margin_checks(self: np.ndarray, target: np.ndarray) -> None:
    # PyTorch's order, after its refusal of the input's dtype: the target's dtype (the
    # weight's, next, is nn.functional's to check), then the range of the classes.
    _check_long(target)
    classes = self.shape[-1] if self.ndim else 1
    if target.size and (target.min() < 0 or target.max() >= classes):
        raise RuntimeError("target out of range")


def _multi_margin(self: np.ndarray, target: np.ndarray, weight: np.ndarray, *, p: int,
                  margin: float, reduction: str) -> np.ndarray:
    """The mean over the other classes of ``weight[y] max(0, margin - x[y] + x[d]) ** p``."""
    _multi_margin_checks(self, target)
    hinge, _ = _multi_margin_slopes(self, target, weight, p, margin)
    shape = (len(hinge),) if self.ndim == 2 else target.shape
    return _reduce(hinge, reduction, shape, self)


def _multi_margin_vjp(g: Tensor, self: Tensor, target: Tensor, weight: Tensor, *, p: int,
                      margin: float, reduction: str) -> tuple[Tensor, None, None]:
    _, slope = _multi_margin_slopes(self._data, target._data, weight._data, p, margin)
    d_self = Tensor._make(slope, False, None) * _share(g, reduction, len(slope))
    return d_self.reshape(self.shape), None, None


MULTI_MARGIN_LOSS = defop(
    "multi_margin_loss", "MultiMarginLossBackward0", _multi_margin, vjp=_multi_margin_vjp,
    dtype_rule="same", dtypes=_COMPUTED, differentiable=("self",), grad_refused=("weight",),
    double_backward=False, kind="loss", backward_operator="aten::multi_margin_loss_backward",
    refuses=not_implemented("multi_margin_loss_cpu_kernel", _REFUSED))


# -- multilabel_margin_loss ---------------------------------------------------------------------
def _multilabel_slopes(self: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the hinges ``max(0, 1 - (x[j] - x[i]))`` over the targets ``j`` (the
    classes before the first -1, repeats counted) and the classes ``i`` no target names, and
    their derivatives in ``x``, each over ``C``."""
    x = _rows(self)
    n, classes = x.shape
    labels = target.reshape(n, classes)
    hinge, slope = np.zeros(n), np.zeros((n, classes))
    for k in range(n):
        ends = np.nonzero(labels[k] == -1)[0]
        js = labels[k, :ends[0] if len(ends) else classes]
        others = np.ones(classes, bool)
        others[js] = False
        for j in js:
            z = 1 - x[k, j] + x[k]
            active = others & (z > 0)
            hinge[k] += np.sum(z[active])
            slope[k, active] += 1.0
            slope[k, j] -= np.count_nonzero(active)
    return hinge / classes, slope / classes


def _multilabel_margin(self: np.ndarray, target: np.ndarray, *, reduction: str) -> np.ndarray:
    """The sum over targets ``j`` and non-targets ``i`` of ``max(0, 1 - x[j] + x[i]) / C``."""
    _check_long(target)
    hinge, _ = _multilabel_slopes(self, target)
    shape = (len(hinge),) if self.ndim == 2 else ()
    return _reduce(hinge, reduction, shape, self)


def _multilabel_margin_vjp(g: Tensor, self: Tensor, target: Tensor, *,
                           reduction: str) -> tuple[Tensor, None]:
    _, slope = _multilabel_slopes(self._data, target._data)
    d_self = Tensor._make(slope, False, None) * _share(g, reduction, len(slope))
    return d_self.reshape(self.shape), None


MULTILABEL_MARGIN_LOSS = defop(
    "multilabel_margin_loss", "MultilabelMarginLossBackward0", _multilabel_margin,
    vjp=_multilabel_margin_vjp, dtype_rule="same", dtypes=_COMPUTED, differentiable=("self",),
    double_backward=False, kind="loss",
    backward_operator="aten::multilabel_margin_loss_backward",
    refuses=not_implemented("multilabel_margin_loss_forward_out_frame", _REFUSED))
