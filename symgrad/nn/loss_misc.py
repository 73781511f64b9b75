"""``MultiLabelSoftMarginLoss`` and ``TripletMarginWithDistanceLoss``, as PyTorch's loss
layers (helper misc).

>>> import symgrad
>>> symgrad.nn.MultiLabelSoftMarginLoss(), symgrad.nn.TripletMarginWithDistanceLoss()
(MultiLabelSoftMarginLoss(), TripletMarginWithDistanceLoss(
  (distance_function): PairwiseDistance()
))
"""

from __future__ import annotations

from collections.abc import Callable

from symgrad.nn import functional as F
from symgrad.nn.distance import PairwiseDistance
from symgrad.nn.loss import _Loss, _WeightedLoss
from symgrad.tensor import Tensor

__all__ = ["MultiLabelSoftMarginLoss", "TripletMarginWithDistanceLoss"]


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """``multilabel_soft_margin_loss``: the one-versus-all logistic loss, per class weighted.

    Parameters:
        weight: a weight per class (a buffer). Default: None.
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> loss = symgrad.nn.MultiLabelSoftMarginLoss(reduction="sum")
    >>> round(loss(symgrad.zeros(2, 1), symgrad.ones(2, 1)).item(), 4)
    1.3863
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``multilabel_soft_margin_loss(input, target, weight, reduction=reduction)``.

        Args:
            input: Scores, ``(N, C)`` or ``(C,)``.
            target: 0 or 1 per class.

        >>> import symgrad
        >>> symgrad.nn.MultiLabelSoftMarginLoss().forward(symgrad.tensor([50.0]),
        ...                                               symgrad.tensor([1.0])).item()
        1.9287498933537385e-22
        """
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``triplet_margin_with_distance_loss`` with a distance of the caller's
    (``PairwiseDistance()`` by default, a submodule as in PyTorch).

    Parameters:
        distance_function: a callable of two tensors (keyword only). Default: None.
        margin: the least gap asked for, above 0. Default: 1.
        swap: use the distance swap. Default: False.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.TripletMarginWithDistanceLoss(margin=0.5).margin
    0.5
    """

    def __init__(self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError("TripletMarginWithDistanceLoss: expected margin to be greater than "
                             f"0, got {margin} instead")
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """``triplet_margin_with_distance_loss`` with the layer's options.

        Args:
            anchor: Vectors.
            positive: Vectors of the anchor's kind.
            negative: Vectors of the anchor's kind.

        >>> import symgrad
        >>> a = symgrad.zeros(1, 2)
        >>> symgrad.nn.TripletMarginWithDistanceLoss().forward(a, a, a)
        tensor(1.)
        """
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)
