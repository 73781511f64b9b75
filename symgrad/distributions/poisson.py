"""``Poisson``: counts of rate ``rate``.

>>> import symgrad
>>> from symgrad.distributions import Poisson
>>> Poisson(2.0).log_prob(symgrad.tensor([0.0, 3.0]))
tensor([-2.0000, -1.7123])
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.count_sampling import poisson
from symgrad.distributions import constraints
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.tensor import Size, Tensor

__all__ = ["Poisson"]

_NUMBER = (int, float, bool)


class Poisson(ExponentialFamily):
    """``P(X = k) = rate ** k * exp(-rate) / k!``; ``sample`` draws PyTorch's numbers for the
    same seed (``torch.poisson``).

    Args:
        rate: the rate, not negative (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Poisson
    >>> _ = symgrad.manual_seed(0)
    >>> Poisson(symgrad.tensor([0.5, 4.0, 30.0])).sample()
    tensor([ 2.,  5., 26.])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self) -> Tensor:
        """``rate``.

        >>> from symgrad.distributions import Poisson
        >>> Poisson(2.5).mean
        tensor(2.5000)
        """
        return self.rate

    @property
    def mode(self) -> Tensor:
        """``floor(rate)``.

        >>> from symgrad.distributions import Poisson
        >>> Poisson(2.5).mode
        tensor(2.)
        """
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """``rate``.

        >>> from symgrad.distributions import Poisson
        >>> Poisson(2.5).variance
        tensor(2.5000)
        """
        return self.rate

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = _EMPTY_SHAPE if isinstance(rate, _NUMBER) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Poisson, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with symgrad.no_grad():
            return poisson(self.rate.expand(shape))

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
