"""``Normal``: the normal (Gaussian) distribution of mean ``loc`` and standard deviation
``scale``.

>>> import symgrad
>>> from symgrad.distributions import Normal
>>> Normal(0.0, 1.0).log_prob(symgrad.tensor(0.0))
tensor(-0.9189)
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.loc_scale import LocScale
from symgrad.distributions.utils import _EMPTY_SHAPE, _standard_normal
from symgrad.tensor import Tensor

__all__ = ["Normal"]

_NUMBER = (int, float, bool)


class Normal(LocScale, ExponentialFamily):
    """The normal distribution: ``sample`` draws PyTorch's numbers for the same seed
    (``torch.normal``), ``rsample`` is ``loc + eps * scale`` with ``eps`` a standard normal
    draw, differentiable in ``loc`` and ``scale``.

    Args:
        loc: the mean (a number or tensor).
        scale: the standard deviation, positive (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Normal
    >>> _ = symgrad.manual_seed(0)
    >>> loc = symgrad.tensor([0.0, 1.0], requires_grad=True)
    >>> x = Normal(loc, 2.0).rsample()
    >>> x
    tensor([3.0820, 0.4131], grad_fn=<AddBackward0>)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        """``loc``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(symgrad.tensor([0.0, 1.0]), 2.0).mean
        tensor([0., 1.])
        """
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(symgrad.tensor([0.0, 1.0]), 2.0).mode
        tensor([0., 1.])
        """
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """``scale``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, symgrad.tensor([1.0, 2.0])).stddev
        tensor([1., 2.])
        """
        return self.scale

    @property
    def variance(self) -> Tensor:
        """``scale ** 2``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, symgrad.tensor([1.0, 2.0])).variance
        tensor([1., 4.])
        """
        return self.stddev.pow(2)

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with symgrad.no_grad():
            return symgrad.normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: ``loc + eps * scale`` with ``eps`` a standard normal draw
        (PyTorch's numbers), differentiable in ``loc`` and ``scale``.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> loc = symgrad.tensor([0.0, 10.0], requires_grad=True)
        >>> symgrad.distributions.Normal(loc, 1.0).rsample()
        tensor([1.5410, 9.7066], grad_fn=<AddBackward0>)
        """
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """The log-density at ``value``:
        ``-(value - loc) ** 2 / (2 * scale ** 2) - log(scale) - log(sqrt(2 * pi))``.

        Args:
            value: a tensor broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 2.0).log_prob(symgrad.tensor([0.0, 2.0]))
        tensor([-1.6121, -2.1121])
        """
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale**2
        log_scale = (math.log(self.scale) if isinstance(self.scale, _NUMBER)
                     else self.scale.log())
        return (-((value - self.loc) ** 2) / (2 * var) - log_scale
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value: Any) -> Tensor:
        """The cumulative distribution function at ``value``:
        ``(1 + erf((value - loc) / (scale * sqrt(2)))) / 2``.

        Args:
            value: a tensor.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 1.0).cdf(symgrad.tensor([-1.0, 0.0, 1.0]))
        tensor([0.1587, 0.5000, 0.8413])
        """
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + symgrad.erf((value - self.loc) * self.scale.reciprocal()
                                      / math.sqrt(2)))

    def icdf(self, value: Any) -> Tensor:
        """The inverse of ``cdf``: ``loc + scale * erfinv(2 * value - 1) * sqrt(2)``, as
        PyTorch forms it.

        Args:
            value: a tensor of probabilities.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 2.0).icdf(symgrad.tensor([0.5, 0.8413447]))
        tensor([0.0000, 2.0000])
        """
        return self.loc + self.scale * symgrad.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``0.5 + 0.5 * log(2 * pi) + log(scale)``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, symgrad.tensor([1.0, 2.0])).entropy()
        tensor([1.4189, 2.1121])
        """
        return 0.5 + 0.5 * math.log(2 * math.pi) + symgrad.log(self.scale)
