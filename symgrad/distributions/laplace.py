"""``Laplace``: the Laplace distribution of location ``loc`` and scale ``scale``.

>>> import symgrad
>>> from symgrad.distributions import Laplace
>>> Laplace(0.0, 1.0).variance
tensor(2.)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.loc_scale import LocScale
from symgrad.distributions.utils import _EMPTY_SHAPE
from symgrad.tensor import Tensor

__all__ = ["Laplace"]


class Laplace(LocScale):
    """The Laplace distribution: ``rsample`` draws ``u`` uniform in ``[eps - 1, 1)`` (PyTorch's
    numbers) and returns ``loc - scale * sign(u) * log1p(-|u|)``, differentiable in ``loc``
    and ``scale``.

    Args:
        loc: the location (mean and median).
        scale: the scale, positive.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Laplace
    >>> _ = symgrad.manual_seed(0)
    >>> Laplace(symgrad.tensor([0.0, 5.0]), 1.0).sample()
    tensor([-0.0075,  5.7688])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self) -> Tensor:
        """``loc``.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(symgrad.tensor([0.0, 3.0]), 1.0).mean
        tensor([0., 3.])
        """
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(symgrad.tensor([0.0, 3.0]), 1.0).mode
        tensor([0., 3.])
        """
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``2 * scale ** 2``.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(0.0, symgrad.tensor([1.0, 2.0])).variance
        tensor([2., 8.])
        """
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        """``sqrt(2) * scale``.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(0.0, symgrad.tensor([1.0, 2.0])).stddev
        tensor([1.4142, 2.8284])
        """
        return 2**0.5 * self.scale

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: ``loc - scale * sign(u) * log1p(-|u|)`` with ``u``
        uniform in ``[eps - 1, 1)`` (PyTorch's numbers), differentiable in ``loc`` and
        ``scale``.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> loc = symgrad.tensor([0.0, 5.0], requires_grad=True)
        >>> symgrad.distributions.Laplace(loc, 1.0).rsample()
        tensor([-0.0075,  5.7688], grad_fn=<SubBackward0>)
        """
        shape = self._extended_shape(sample_shape)
        eps = symgrad.finfo(self.loc.dtype).eps
        u = symgrad.empty(shape, dtype=self.loc.dtype).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * symgrad.log1p(-u.abs())

    def log_prob(self, value: Any) -> Tensor:
        """The log-density at ``value``: ``-log(2 * scale) - |value - loc| / scale``.

        Args:
            value: a tensor broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(0.0, 1.0).log_prob(symgrad.tensor([0.0, 1.0]))
        tensor([-0.6931, -1.6931])
        """
        if self._validate_args:
            self._validate_sample(value)
        return -symgrad.log(2 * self.scale) - symgrad.abs(value - self.loc) / self.scale

    def cdf(self, value: Any) -> Tensor:
        """The cumulative distribution function at ``value``.

        Args:
            value: a tensor.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(0.0, 1.0).cdf(symgrad.tensor([-1.0, 0.0, 1.0]))
        tensor([0.1839, 0.5000, 0.8161])
        """
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * symgrad.expm1(
            -(value - self.loc).abs() / self.scale)

    def icdf(self, value: Any) -> Tensor:
        """The inverse cumulative distribution function at ``value``.

        Args:
            value: a tensor of probabilities.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(0.0, 1.0).icdf(symgrad.tensor([0.25, 0.5, 0.75]))
        tensor([-0.6931,  0.0000,  0.6931])
        """
        term = value - 0.5
        return self.loc - self.scale * term.sign() * symgrad.log1p(-2 * term.abs())

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``1 + log(2 * scale)``.

        >>> import symgrad
        >>> symgrad.distributions.Laplace(0.0, symgrad.tensor([1.0, 2.0])).entropy()
        tensor([1.6931, 2.3863])
        """
        return 1 + symgrad.log(2 * self.scale)
