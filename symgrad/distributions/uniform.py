"""``Uniform``: the uniform distribution on ``[low, high)``.

>>> import symgrad
>>> from symgrad.distributions import Uniform
>>> Uniform(0.0, 4.0).entropy()
tensor(1.3863)
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.tensor import Size, Tensor

__all__ = ["Uniform"]

_NUMBER = (int, float, bool)


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``: ``rsample`` is
    ``low + rand * (high - low)`` with PyTorch's ``rand`` draw, differentiable in ``low`` and
    ``high``.

    Args:
        low: the lower bound (included).
        high: the upper bound (excluded), above ``low``.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Uniform
    >>> _ = symgrad.manual_seed(0)
    >>> Uniform(symgrad.tensor([0.0, 10.0]), 20.0).sample()
    tensor([ 9.9251, 17.6822])
    """

    has_rsample = True

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        """Each parameter's constraint: ``low`` below ``high``, ``high`` above ``low``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, 2.0).arg_constraints
        {'low': LessThan(upper_bound=2.0), 'high': GreaterThan(lower_bound=0.0)}
        """
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    @property
    def mean(self) -> Tensor:
        """``(high + low) / 2``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(symgrad.tensor([0.0, 1.0]), 3.0).mean
        tensor([1.5000, 2.0000])
        """
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """NaN: every value in the interval is a mode.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(symgrad.tensor([0.0, 1.0]), 3.0).mode
        tensor([nan, nan])
        """
        return math.nan * self.high

    @property
    def stddev(self) -> Tensor:
        """``(high - low) / sqrt(12)``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, symgrad.tensor([3.0, 6.0])).stddev
        tensor([0.8660, 1.7321])
        """
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        """``(high - low) ** 2 / 12``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, symgrad.tensor([3.0, 6.0])).variance
        tensor([0.7500, 3.0000])
        """
        return (self.high - self.low).pow(2) / 12

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        if isinstance(low, _NUMBER) and isinstance(high, _NUMBER):
            batch_shape = _EMPTY_SHAPE
        else:
            batch_shape = self.low.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Uniform:
        new = self._get_checked_instance(Uniform, _instance)
        batch_shape = Size(batch_shape)
        new.low = self.low.expand(batch_shape)
        new.high = self.high.expand(batch_shape)
        super(Uniform, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The interval ``[low, high)``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, 2.0).support
        Interval(lower_bound=0.0, upper_bound=2.0)
        """
        return constraints.interval(self.low, self.high)

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: ``low + rand * (high - low)`` with PyTorch's ``rand``
        draw, differentiable in ``low`` and ``high``.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> low = symgrad.tensor([0.0, 10.0], requires_grad=True)
        >>> symgrad.distributions.Uniform(low, 20.0).rsample()
        tensor([ 9.9251, 17.6822], grad_fn=<AddBackward0>)
        """
        shape = self._extended_shape(sample_shape)
        rand = symgrad.rand(shape, dtype=self.low.dtype)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        """The log-density at ``value``: ``-log(high - low)`` inside ``[low, high)``,
        ``-inf`` outside it (where validation, on by default, raises instead).

        Args:
            value: a tensor broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, 4.0).log_prob(symgrad.tensor([1.0, 3.0]))
        tensor([-1.3863, -1.3863])
        >>> d = symgrad.distributions.Uniform(0.0, 4.0, validate_args=False)
        >>> d.log_prob(symgrad.tensor([5.0]))
        tensor([-inf])
        """
        if self._validate_args:
            self._validate_sample(value)
        lb = self.low.le(value).type_as(self.low)
        ub = self.high.gt(value).type_as(self.low)
        return symgrad.log(lb.mul(ub)) - symgrad.log(self.high - self.low)

    def cdf(self, value: Any) -> Tensor:
        """The cumulative distribution function at ``value``: ``(value - low) / (high - low)``,
        clamped to ``[0, 1]``.

        Args:
            value: a tensor.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, 4.0).cdf(symgrad.tensor([1.0, 3.0]))
        tensor([0.2500, 0.7500])
        """
        if self._validate_args:
            self._validate_sample(value)
        result = (value - self.low) / (self.high - self.low)
        return result.clamp(min=0, max=1)

    def icdf(self, value: Any) -> Tensor:
        """The inverse cumulative distribution function at ``value``:
        ``low + value * (high - low)``.

        Args:
            value: a tensor of probabilities.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, 4.0).icdf(symgrad.tensor([0.25, 0.5]))
        tensor([1., 2.])
        """
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``log(high - low)``.

        >>> import symgrad
        >>> symgrad.distributions.Uniform(0.0, symgrad.tensor([1.0, 4.0])).entropy()
        tensor([0.0000, 1.3863])
        """
        return symgrad.log(self.high - self.low)
