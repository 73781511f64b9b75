"""Distances between pairs of vectors as layers: ``CosineSimilarity`` and
``PairwiseDistance``, as in ``torch.nn``.

>>> import symgrad
>>> symgrad.nn.CosineSimilarity(), symgrad.nn.PairwiseDistance()
(CosineSimilarity(), PairwiseDistance())
"""

from __future__ import annotations

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """``cosine_similarity`` as a layer.

    Parameters:
        dim: the dim of the vectors.
        eps: the least norm.

    >>> import symgrad
    >>> symgrad.nn.CosineSimilarity(0)(symgrad.tensor([1.0, 0.0]), symgrad.tensor([2.0, 0.0]))
    tensor(1.)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``cosine_similarity(x1, x2, dim, eps)``.

        Args:
            x1: A tensor.
            x2: A tensor broadcasting against ``x1``.

        >>> import symgrad
        >>> symgrad.nn.CosineSimilarity().forward(symgrad.tensor([[3.0]]), symgrad.tensor([[-2.0]]))
        tensor([-1.])
        """
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``pairwise_distance`` as a layer.

    Parameters:
        p: the norm's order.
        eps: added to the difference.
        keepdim: keep the last dim with size one.

    >>> import symgrad
    >>> symgrad.nn.PairwiseDistance(eps=0.0)(symgrad.tensor([[3.0, 4.0]]), symgrad.zeros(1, 2))
    tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``pairwise_distance(x1, x2, p, eps, keepdim)``.

        Args:
            x1: A tensor.
            x2: A tensor broadcasting against ``x1``.

        >>> import symgrad
        >>> symgrad.nn.PairwiseDistance(1.0, 0.0).forward(symgrad.ones(2), symgrad.zeros(2))
        tensor(2.)
        """
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
