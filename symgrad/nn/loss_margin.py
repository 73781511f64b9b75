"""``MultiMarginLoss`` and ``MultiLabelMarginLoss``, as PyTorch's loss layers (helper loss).

>>> import symgrad
>>> symgrad.nn.MultiMarginLoss(p=2), symgrad.nn.MultiLabelMarginLoss()
(MultiMarginLoss(), MultiLabelMarginLoss())
"""

from __future__ import annotations

from symgrad.nn import functional as F
from symgrad.nn.loss import _Loss, _WeightedLoss
from symgrad.tensor import Tensor

__all__ = ["MultiMarginLoss", "MultiLabelMarginLoss"]


class MultiMarginLoss(_WeightedLoss):
    """``multi_margin_loss``: the multi-class hinge loss, per target class weighted.

    Parameters:
        p: 1 or 2, the power of the hinge. Default: 1.
        margin: the margin asked for. Default: 1.
        weight: a weight per class (a buffer). Default: None.
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> loss = symgrad.nn.MultiMarginLoss(margin=0.5, reduction="none")
    >>> loss(symgrad.tensor([[1.0, 0.75], [0.0, 0.0]]), symgrad.tensor([0, 1]))
    tensor([0.1250, 0.2500])
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError("MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``multi_margin_loss`` with the layer's ``p``, ``margin``, ``weight`` and reduction.

        Args:
            input: Scores, ``(N, C)`` or ``(C,)``.
            target: The class of each sample.

        >>> import symgrad
        >>> symgrad.nn.MultiMarginLoss(p=2).forward(symgrad.tensor([0.0, 0.5]),
        ...                                         symgrad.tensor(0))
        tensor(1.1250)
        """
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """``multilabel_margin_loss``: the multi-label hinge loss of class-index targets padded
    with -1.

    Parameters:
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.MultiLabelMarginLoss()(symgrad.tensor([0.5, 1.0]), symgrad.tensor([1, -1]))
    tensor(0.2500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``multilabel_margin_loss(input, target, reduction=reduction)``.

        Args:
            input: Scores, ``(N, C)`` or ``(C,)``.
            target: Class indices of ``input``'s shape, padded with -1.

        >>> import symgrad
        >>> symgrad.nn.MultiLabelMarginLoss(reduction="sum").forward(
        ...     symgrad.tensor([[0.0, 0.0]]), symgrad.tensor([[0, -1]]))
        tensor(0.5000)
        """
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
