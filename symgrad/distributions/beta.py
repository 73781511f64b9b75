"""``Beta``: the beta distribution on ``[0, 1]``, as PyTorch's a two-component ``Dirichlet``
of concentrations ``(concentration1, concentration0)`` whose first component is the value.

>>> import symgrad
>>> from symgrad.distributions import Beta
>>> Beta(2.0, 6.0).mean
tensor(0.2500)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.dirichlet import Dirichlet
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.tensor import Size, Tensor

__all__ = ["Beta"]

_NUMBER = (int, float, bool)


class Beta(ExponentialFamily):
    """The beta distribution: density ``x^(c1-1) (1-x)^(c0-1) / B(c1, c0)``; ``rsample``
    draws PyTorch's numbers for the same seed, differentiable in both concentrations.

    Args:
        concentration1: the first concentration (alpha), positive (a number or tensor).
        concentration0: the second concentration (beta), positive (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Beta
    >>> _ = symgrad.manual_seed(0)
    >>> Beta(symgrad.tensor([0.5, 3.0]), symgrad.tensor([2.0, 2.0])).sample()
    tensor([0.0012, 0.7460])
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        if isinstance(concentration1, _NUMBER) and isinstance(concentration0, _NUMBER):
            both = symgrad.tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            both = symgrad.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        super(Beta, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``c1 / (c1 + c0)``.

        >>> import symgrad
        >>> symgrad.distributions.Beta(symgrad.tensor([1.0, 3.0]), 1.0).mean
        tensor([0.5000, 0.7500])
        """
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The Dirichlet's mode's first component: ``(c1 - 1) / (c1 + c0 - 2)`` when both
        exceed 1.

        >>> import symgrad
        >>> symgrad.distributions.Beta(symgrad.tensor([2.0, 3.0]), 2.0).mode
        tensor([0.5000, 0.6667])
        """
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """``c1 c0 / ((c1 + c0)^2 (c1 + c0 + 1))``.

        >>> import symgrad
        >>> symgrad.distributions.Beta(symgrad.tensor([1.0, 3.0]), 1.0).variance
        tensor([0.0833, 0.0375])
        """
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: the Dirichlet draw's first component.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> c1 = symgrad.tensor([0.5, 3.0], requires_grad=True)
        >>> symgrad.distributions.Beta(c1, 2.0).rsample()
        tensor([0.0012, 0.7460], grad_fn=<SelectBackward0>)
        """
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        """The log-density at ``value``: the Dirichlet's at ``(value, 1 - value)``.

        Args:
            value: values in ``[0, 1]`` broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Beta(2.0, 2.0).log_prob(symgrad.tensor([0.5, 0.25]))
        tensor([0.4055, 0.1178])
        """
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = symgrad.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self) -> Tensor:
        """The entropy, in nats (the Dirichlet's).

        >>> import symgrad
        >>> symgrad.distributions.Beta(1.0, 1.0).entropy()
        tensor(0.)
        """
        return self._dirichlet.entropy()

    @property
    def concentration1(self) -> Tensor:
        """The first concentration.

        >>> import symgrad
        >>> symgrad.distributions.Beta(2.0, 6.0).concentration1
        tensor(2.)
        """
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """The second concentration.

        >>> import symgrad
        >>> symgrad.distributions.Beta(2.0, 6.0).concentration0
        tensor(6.)
        """
        return self._dirichlet.concentration[..., 1]
