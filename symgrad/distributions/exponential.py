"""``Exponential``: the exponential distribution of rate ``rate``.

>>> import symgrad
>>> from symgrad.distributions import Exponential
>>> Exponential(2.0).mean
tensor(0.5000)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.tensor import Size, Tensor

__all__ = ["Exponential"]

_NUMBER = (int, float, bool)


class Exponential(ExponentialFamily):
    """The exponential distribution: ``rsample`` is an ``exponential_`` draw (PyTorch's
    numbers) divided by ``rate``, differentiable in ``rate``.

    Args:
        rate: the rate, positive (a number or tensor).
        validate_args: check the parameter and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Exponential
    >>> _ = symgrad.manual_seed(0)
    >>> Exponential(symgrad.tensor([1.0, 2.0])).sample()
    tensor([3.5083, 0.6152])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        """``1 / rate``.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(symgrad.tensor([1.0, 4.0])).mean
        tensor([1.0000, 0.2500])
        """
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """Zero.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(symgrad.tensor([1.0, 4.0])).mode
        tensor([0., 0.])
        """
        return symgrad.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        """``1 / rate``.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(symgrad.tensor([1.0, 4.0])).stddev
        tensor([1.0000, 0.2500])
        """
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """``rate ** -2``.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(symgrad.tensor([1.0, 4.0])).variance
        tensor([1.0000, 0.0625])
        """
        return self.rate.pow(-2)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = _EMPTY_SHAPE if isinstance(rate, _NUMBER) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Exponential, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: an ``exponential_`` draw (PyTorch's numbers for the same
        seed) divided by ``rate``, differentiable in ``rate``.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> rate = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> symgrad.distributions.Exponential(rate).rsample()
        tensor([3.5083, 0.6152], grad_fn=<DivBackward0>)
        """
        shape = self._extended_shape(sample_shape)
        return symgrad.empty(shape, dtype=self.rate.dtype).exponential_() / self.rate

    def log_prob(self, value: Any) -> Tensor:
        """The log-density at ``value``: ``log(rate) - rate * value``.

        Args:
            value: a tensor of non-negative values, broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(2.0).log_prob(symgrad.tensor([0.0, 1.0]))
        tensor([ 0.6931, -1.3069])
        """
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        """The cumulative distribution function at ``value``: ``1 - exp(-rate * value)``.

        Args:
            value: a tensor of non-negative values.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(2.0).cdf(symgrad.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8647])
        """
        if self._validate_args:
            self._validate_sample(value)
        return 1 - symgrad.exp(-self.rate * value)

    def icdf(self, value: Any) -> Tensor:
        """The inverse cumulative distribution function at ``value``:
        ``-log1p(-value) / rate``.

        Args:
            value: a tensor of probabilities.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(2.0).icdf(symgrad.tensor([0.0, 0.5]))
        tensor([0.0000, 0.3466])
        """
        return -symgrad.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``1 - log(rate)``.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(symgrad.tensor([1.0, 2.0])).entropy()
        tensor([1.0000, 0.3069])
        """
        return 1.0 - symgrad.log(self.rate)
