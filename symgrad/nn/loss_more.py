"""More losses as layers, as in ``torch.nn``: ``KLDivLoss``, ``PoissonNLLLoss``,
``GaussianNLLLoss``, ``MarginRankingLoss``, ``HingeEmbeddingLoss``, ``SoftMarginLoss``,
``CosineEmbeddingLoss`` and ``TripletMarginLoss``; each holds its options and calls its
function of ``symgrad.nn.functional``.

>>> import symgrad
>>> symgrad.nn.KLDivLoss(reduction="batchmean"), symgrad.nn.TripletMarginLoss()
(KLDivLoss(), TripletMarginLoss())
"""

from __future__ import annotations

from symgrad.nn import functional as F
from symgrad.nn.loss import _Loss
from symgrad.tensor import Tensor

__all__ = ["KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss",
           "HingeEmbeddingLoss", "SoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss"]


class KLDivLoss(_Loss):
    """``kl_div``: the Kullback-Leibler divergence of the target from the input.

    Parameters:
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"`` (with PyTorch's warning), ``"batchmean"``, ``"sum"`` or
            ``"none"``.
        log_target: the target holds log-probabilities.

    >>> import symgrad
    >>> loss = symgrad.nn.KLDivLoss(reduction="sum", log_target=True)
    >>> loss(symgrad.tensor([0.0]), symgrad.tensor([0.0]))
    tensor(0.)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``kl_div(input, target, reduction=reduction, log_target=log_target)``.

        Args:
            input: Log-probabilities.
            target: Probabilities (log-probabilities with ``log_target``).

        >>> import symgrad
        >>> symgrad.nn.KLDivLoss(reduction="none").forward(symgrad.tensor([0.0]),
        ...                                                 symgrad.tensor([1.0]))
        tensor([0.])
        """
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """``poisson_nll_loss``: the negative log-likelihood of counts under Poisson rates.

    Parameters:
        log_input: the input holds log-rates.
        full: add the Stirling term.
        size_average: deprecated, as in PyTorch.
        eps: added to the rate inside the log (without ``log_input``).
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.PoissonNLLLoss()(symgrad.tensor([0.0]), symgrad.tensor([2.0]))
    tensor(1.)
    """

    def __init__(self, log_input: bool = True, full: bool = False,
                 size_average: bool | None = None, eps: float = 1e-8,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """``poisson_nll_loss`` with the layer's options.

        Args:
            log_input: The log-rates (rates without ``log_input``).
            target: The counts.

        >>> import symgrad
        >>> symgrad.nn.PoissonNLLLoss(log_input=False).forward(symgrad.tensor([1.0]),
        ...                                                    symgrad.tensor([0.0]))
        tensor(1.)
        """
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """``gaussian_nll_loss``: the negative log-likelihood under normal distributions.

    Parameters:
        full: add the constant term.
        eps: the least variance.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.GaussianNLLLoss()(symgrad.tensor([1.0]), symgrad.tensor([1.0]),
    ...                              symgrad.tensor([1.0]))
    tensor(0.)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """``gaussian_nll_loss`` with the layer's options.

        Args:
            input: The means.
            target: The observations.
            var: The variances (a tensor or a number).

        >>> import symgrad
        >>> symgrad.nn.GaussianNLLLoss(reduction="sum").forward(
        ...     symgrad.tensor([0.0]), symgrad.tensor([2.0]), 1.0)
        tensor(2.)
        """
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class _MarginLoss(_Loss):
    """A loss with a ``margin`` before PyTorch's deprecated options."""

    _default_margin = 0.0

    def __init__(self, margin: float | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = self._default_margin if margin is None else margin


class MarginRankingLoss(_MarginLoss):
    """``margin_ranking_loss``: pairs ranked by ``target`` (1 or -1) by at least ``margin``.

    Parameters:
        margin: the least difference asked for.
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.MarginRankingLoss(0.5)(symgrad.tensor([1.0]), symgrad.tensor([0.0]),
    ...                                   symgrad.tensor([-1.0]))
    tensor(1.5000)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """``margin_ranking_loss(input1, input2, target, margin, reduction=reduction)``.

        Args:
            input1: The first scores.
            input2: The second scores.
            target: 1 or -1 per pair.

        >>> import symgrad
        >>> symgrad.nn.MarginRankingLoss().forward(symgrad.tensor([2.0]),
        ...     symgrad.tensor([1.0]), symgrad.tensor([1.0]))
        tensor(0.)
        """
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``hinge_embedding_loss``: distances of similar pairs (1) and margins of dissimilar ones
    (-1).

    Parameters:
        margin: the margin of the -1 terms.
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.HingeEmbeddingLoss()(symgrad.tensor([0.25]), symgrad.tensor([-1.0]))
    tensor(0.7500)
    """

    _default_margin = 1.0

    def __init__(self, margin: float = 1.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``hinge_embedding_loss(input, target, margin, reduction=reduction)``.

        Args:
            input: The distances.
            target: 1 or -1 per element.

        >>> import symgrad
        >>> symgrad.nn.HingeEmbeddingLoss().forward(symgrad.tensor([2.0]), symgrad.tensor([1.0]))
        tensor(2.)
        """
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``soft_margin_loss``: the two-class logistic loss.

    Parameters:
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.SoftMarginLoss()(symgrad.tensor([0.0]), symgrad.tensor([1.0]))
    tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``soft_margin_loss(input, target, reduction=reduction)``.

        Args:
            input: The scores.
            target: 1 or -1 per element.

        >>> import symgrad
        >>> symgrad.nn.SoftMarginLoss(reduction="sum").forward(symgrad.tensor([0.0, 0.0]),
        ...                                                     symgrad.tensor([1.0, -1.0]))
        tensor(1.3863)
        """
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """``cosine_embedding_loss``: pairs' cosines pulled to 1 (target 1) or below ``margin``
    (target -1).

    Parameters:
        margin: the cosine the -1 pairs may reach unpunished.
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.CosineEmbeddingLoss()(symgrad.tensor([[1.0, 0.0]]),
    ...     symgrad.tensor([[1.0, 0.0]]), symgrad.tensor([-1.0]))
    tensor(1.)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """``cosine_embedding_loss(input1, input2, target, margin, reduction=reduction)``.

        Args:
            input1: Vectors, ``(N, D)`` or ``(D,)``.
            input2: Vectors of ``input1``'s shape.
            target: 1 or -1 per pair.

        >>> import symgrad
        >>> symgrad.nn.CosineEmbeddingLoss().forward(symgrad.tensor([1.0, 0.0]),
        ...     symgrad.tensor([0.0, 1.0]), symgrad.tensor(1.0))
        tensor(1.)
        """
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``triplet_margin_loss``: anchors nearer their positives than their negatives by
    ``margin``.

    Parameters:
        margin: the least gap asked for, above 0.
        p: the norm's order.
        eps: added to the differences.
        swap: use the distance swap.
        size_average: deprecated, as in PyTorch.
        reduce: deprecated, as in PyTorch.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.TripletMarginLoss(margin=0.5, p=1.0)
    TripletMarginLoss()
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """``triplet_margin_loss`` with the layer's options.

        Args:
            anchor: Vectors.
            positive: Vectors of the anchor's kind.
            negative: Vectors of the anchor's kind.

        >>> import symgrad
        >>> a = symgrad.zeros(1, 2)
        >>> symgrad.nn.TripletMarginLoss(eps=0.0).forward(a, a, a)
        tensor(1.)
        """
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)

