"""``Gamma``: the gamma distribution of shape ``concentration`` and inverse scale ``rate``.

Draws are PyTorch's for the same seed (its CPU ``_standard_gamma``, replayed in
``symgrad._distributions``). ``rsample``'s gradient in ``concentration`` is the exact implicit
reparameterisation gradient, where PyTorch's ``_standard_gamma_grad`` approximates it (about
1e-4 relative; ``symgrad.distributions._implicit_grads``); as in PyTorch it has no derivative
of its own (``symgrad.gamma_sampling``: a second derivative raises).

>>> import symgrad
>>> from symgrad.distributions import Gamma
>>> Gamma(2.0, 4.0).mean
tensor(0.5000)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.gamma_sampling import _standard_gamma
from symgrad.tensor import Size, Tensor

__all__ = ["Gamma"]

_NUMBER = (int, float, bool)


class Gamma(ExponentialFamily):
    """The gamma distribution: density ``rate^c x^(c-1) e^(-rate x) / Gamma(c)`` on
    ``x >= 0``; ``rsample`` draws PyTorch's numbers for the same seed, differentiable in both
    parameters.

    Args:
        concentration: the shape ``c``, positive (a number or tensor).
        rate: the inverse scale, positive (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Gamma
    >>> _ = symgrad.manual_seed(0)
    >>> Gamma(symgrad.tensor([0.5, 3.0]), 1.0).sample()
    tensor([7.8936e-04, 1.2728e+00])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        """``concentration / rate``.

        >>> import symgrad
        >>> symgrad.distributions.Gamma(symgrad.tensor([1.0, 3.0]), 2.0).mean
        tensor([0.5000, 1.5000])
        """
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """``(concentration - 1) / rate``, at least 0.

        >>> import symgrad
        >>> symgrad.distributions.Gamma(symgrad.tensor([0.5, 3.0]), 2.0).mode
        tensor([0., 1.])
        """
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """``concentration / rate ** 2``.

        >>> import symgrad
        >>> symgrad.distributions.Gamma(symgrad.tensor([1.0, 3.0]), 2.0).variance
        tensor([0.2500, 0.7500])
        """
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, _NUMBER) and isinstance(rate, _NUMBER):
            batch_shape = _EMPTY_SHAPE
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: a standard gamma draw (PyTorch's numbers for the same seed)
        divided by ``rate``, at least the dtype's smallest normal number.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> c = symgrad.tensor([0.5, 3.0], requires_grad=True)
        >>> symgrad.distributions.Gamma(c, 2.0).rsample()
        tensor([3.9468e-04, 6.3642e-01], grad_fn=<DivBackward0>)
        """
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=symgrad.finfo(value.dtype).tiny)  # not recorded
        return value

    def log_prob(self, value: Any) -> Tensor:
        """The log-density at ``value``: ``xlogy(c, rate) + xlogy(c - 1, value) - rate * value
        - lgamma(c)``.

        Args:
            value: non-negative values broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Gamma(2.0, 1.0).log_prob(symgrad.tensor([1.0, 2.0]))
        tensor([-1.0000, -1.3069])
        """
        value = symgrad.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (symgrad.xlogy(self.concentration, self.rate)
                + symgrad.xlogy(self.concentration - 1, value)
                - self.rate * value - symgrad.lgamma(self.concentration))

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``c - log(rate) + lgamma(c) + (1 - c) digamma(c)``.

        >>> import symgrad
        >>> symgrad.distributions.Gamma(symgrad.tensor([1.0, 2.0]), 1.0).entropy()
        tensor([1.0000, 1.5772])
        """
        return (self.concentration - symgrad.log(self.rate) + symgrad.lgamma(self.concentration)
                + (1.0 - self.concentration) * symgrad.digamma(self.concentration))
