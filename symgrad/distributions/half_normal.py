"""``HalfNormal``: the distribution of ``|X|`` for ``X`` normal of mean 0.

>>> import symgrad
>>> from symgrad.distributions import HalfNormal
>>> HalfNormal(1.0).log_prob(symgrad.tensor([0.0, 1.0]))
tensor([-0.2258, -0.7258])
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.normal import Normal
from symgrad.distributions.transformed_distribution import TransformedDistribution
from symgrad.distributions.transforms import AbsTransform
from symgrad.tensor import Tensor

__all__ = ["HalfNormal"]


class HalfNormal(TransformedDistribution):
    """``|X|`` for ``X`` drawn from ``Normal(0, scale)`` (PyTorch's numbers for the same
    seed).

    Args:
        scale: the scale of the normal, positive (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import HalfNormal
    >>> _ = symgrad.manual_seed(0)
    >>> HalfNormal(symgrad.tensor([1.0, 2.0])).sample()
    tensor([1.5410, 0.5869])
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfNormal:
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        """The scale of the normal.

        >>> from symgrad.distributions import HalfNormal
        >>> HalfNormal(2.0).scale
        tensor(2.)
        """
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        """``scale * sqrt(2 / pi)``.

        >>> from symgrad.distributions import HalfNormal
        >>> HalfNormal(1.0).mean
        tensor(0.7979)
        """
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        """0.

        >>> from symgrad.distributions import HalfNormal
        >>> HalfNormal(1.0).mode
        tensor(0.)
        """
        return symgrad.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        """``scale ** 2 * (1 - 2 / pi)``.

        >>> from symgrad.distributions import HalfNormal
        >>> HalfNormal(1.0).variance
        tensor(0.3634)
        """
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return symgrad.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Any) -> Tensor:
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
