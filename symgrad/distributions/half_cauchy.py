"""``HalfCauchy``: the distribution of ``|X|`` for ``X`` Cauchy of median 0.

>>> import symgrad
>>> from symgrad.distributions import HalfCauchy
>>> HalfCauchy(1.0).log_prob(symgrad.tensor([0.0, 1.0]))
tensor([-0.4516, -1.1447])
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.cauchy import Cauchy
from symgrad.distributions.transformed_distribution import TransformedDistribution
from symgrad.distributions.transforms import AbsTransform
from symgrad.tensor import Tensor

__all__ = ["HalfCauchy"]


class HalfCauchy(TransformedDistribution):
    """``|X|`` for ``X`` drawn from ``Cauchy(0, scale)`` (PyTorch's numbers for the same
    seed).

    Args:
        scale: the scale of the Cauchy distribution, positive (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import HalfCauchy
    >>> _ = symgrad.manual_seed(0)
    >>> HalfCauchy(symgrad.tensor([1.0, 2.0])).sample()
    tensor([10.5977,  1.5295])
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Cauchy(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfCauchy:
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        """The scale of the Cauchy distribution.

        >>> from symgrad.distributions import HalfCauchy
        >>> HalfCauchy(2.0).scale
        tensor(2.)
        """
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        """Infinite.

        >>> from symgrad.distributions import HalfCauchy
        >>> HalfCauchy(1.0).mean
        tensor(inf)
        """
        return symgrad.full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def mode(self) -> Tensor:
        """0.

        >>> from symgrad.distributions import HalfCauchy
        >>> HalfCauchy(1.0).mode
        tensor(0.)
        """
        return symgrad.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        """Infinite (the Cauchy distribution's).

        >>> from symgrad.distributions import HalfCauchy
        >>> HalfCauchy(1.0).variance
        tensor(inf)
        """
        return self.base_dist.variance

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = symgrad.as_tensor(value, dtype=self.base_dist.scale.dtype)
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
