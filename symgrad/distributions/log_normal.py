"""``LogNormal``: the distribution of ``exp(X)`` for ``X`` normal.

>>> import symgrad
>>> from symgrad.distributions import LogNormal
>>> LogNormal(0.0, 1.0).log_prob(symgrad.tensor([1.0, 2.0]))
tensor([-0.9189, -1.8523])
"""

from __future__ import annotations

from typing import Any

from symgrad.distributions import constraints
from symgrad.distributions.normal import Normal
from symgrad.distributions.transformed_distribution import TransformedDistribution
from symgrad.distributions.transforms import ExpTransform
from symgrad.tensor import Tensor

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """``exp`` of ``Normal(loc, scale)``: samples are the exponentials of the normal's
    (PyTorch's numbers for the same seed).

    Args:
        loc: the mean of the log (a number or tensor).
        scale: the standard deviation of the log, positive.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import LogNormal
    >>> _ = symgrad.manual_seed(0)
    >>> LogNormal(symgrad.tensor([0.0, 1.0]), 1.0).sample()
    tensor([4.6692, 2.0270])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogNormal:
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        """The mean of the log.

        >>> from symgrad.distributions import LogNormal
        >>> LogNormal(1.0, 2.0).loc
        tensor(1.)
        """
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The standard deviation of the log.

        >>> from symgrad.distributions import LogNormal
        >>> LogNormal(1.0, 2.0).scale
        tensor(2.)
        """
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        """``exp(loc + scale ** 2 / 2)``.

        >>> from symgrad.distributions import LogNormal
        >>> LogNormal(0.0, 1.0).mean
        tensor(1.6487)
        """
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """``exp(loc - scale ** 2)``.

        >>> from symgrad.distributions import LogNormal
        >>> LogNormal(0.0, 1.0).mode
        tensor(0.3679)
        """
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        """``expm1(scale ** 2) * exp(2 * loc + scale ** 2)``.

        >>> from symgrad.distributions import LogNormal
        >>> LogNormal(0.0, 1.0).variance
        tensor(4.6708)
        """
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc
