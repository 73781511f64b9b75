"""``soft_margin_loss``, which PyTorch records as one node (SoftMarginLossBackward0): the
two-class logistic loss ``log(1 + exp(-target * input))``, reduced.

The forward is computed in float64 (as softplus, without overflow) and rounded once; the VJP is
written in symgrad ops (the sigmoid op, in float64 for narrow dtypes), so a second derivative
works. ``target`` is not differentiable, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.activations import _reduce_np
from symgrad.ops.arithmetic import _wide
from symgrad.ops.registry import BOOL_NEGATION, defop, refuse
from symgrad.tensor import Tensor

__all__ = ["SOFT_MARGIN_LOSS"]


def _soft_margin(self: np.ndarray, target: np.ndarray, *, reduction: str) -> np.ndarray:
    if self.dtype == np.bool_:
        raise RuntimeError(BOOL_NEGATION)
    z = -target.astype(np.float64) * self.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    return np.asarray(_reduce_np(loss, reduction)).astype(self.dtype)


def _soft_margin_vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str
                     ) -> tuple[Tensor, None]:
    import symgrad

    # d/dx log(1 + e^(-y x)) = -y sigmoid(-y x); a mean's gradient shares g over the elements.
    y = _wide(target)
    share = _wide(g) / self.numel() if reduction == "mean" else _wide(g)
    return -y * symgrad.sigmoid(-y * _wide(self)) * share, None


SOFT_MARGIN_LOSS = defop(
    "soft_margin_loss", "SoftMarginLossBackward0", _soft_margin, vjp=_soft_margin_vjp,
    differentiable=("self",), grad_refused=("target",), kind="loss",
    # PyTorch's result has the input's dtype (its kernel writes into a tensor like it): computed
    # in float64 from both as they are, rounded once to it (``F.soft_margin_loss`` refuses a
    # target whose dtype cannot be cast back).
    dtype_rule="same",
    # NOTE: PyTorch's kernel negates the target first: bools are refused there (_soft_margin).
    refuses=refuse(tuple(d for d in NOT_FLOATING if d is not _dtypes.bool),
                   "result type Float can't be cast to the desired output type {dtype}"))
