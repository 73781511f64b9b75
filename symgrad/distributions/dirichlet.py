"""``Dirichlet``: the distribution over the probability simplex of concentration
``concentration`` (its last dim is the event).

Draws are PyTorch's for the same seed (its CPU ``_sample_dirichlet``: gamma draws in double,
normalised). ``rsample``'s gradient has PyTorch's form, ``D * (g - sum(x * g))`` with ``D``
the derivative of each component's Beta marginal, but ``D`` is exact where PyTorch's
``_dirichlet_grad`` approximates it (``symgrad.distributions._implicit_grads``). As PyTorch's,
the draw's node is ``_DirichletBackward``, differentiable once (``symgrad.gamma_sampling``).

>>> import symgrad
>>> from symgrad.distributions import Dirichlet
>>> Dirichlet(symgrad.tensor([1.0, 3.0])).mean
tensor([0.2500, 0.7500])
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.utils import _EMPTY_SHAPE
from symgrad.gamma_sampling import dirichlet_rsample
from symgrad.tensor import Size, Tensor

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution: density ``prod x_i^(a_i - 1) / B(a)`` on the simplex;
    ``rsample`` draws PyTorch's numbers for the same seed, differentiable in
    ``concentration``.

    Args:
        concentration: the concentrations, positive, at least one-dimensional.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        ValueError: ``concentration`` is a scalar (PyTorch's message); with validation, a
            concentration that is not positive.

    >>> import symgrad
    >>> from symgrad.distributions import Dirichlet
    >>> _ = symgrad.manual_seed(0)
    >>> Dirichlet(symgrad.tensor([0.5, 3.0])).sample()
    tensor([6.1977e-04, 9.9938e-01])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw (PyTorch's numbers for the same seed).

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> c = symgrad.tensor([0.5, 3.0], requires_grad=True)
        >>> symgrad.distributions.Dirichlet(c).rsample()
        tensor([6.1977e-04, 9.9938e-01], grad_fn=<_DirichletBackward>)
        """
        shape = self._extended_shape(sample_shape)
        return dirichlet_rsample(self.concentration.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log-density at ``value``: ``sum xlogy(a - 1, value) + lgamma(sum a)
        - sum lgamma(a)``.

        Args:
            value: points of the simplex (last dim the event).

        >>> import symgrad
        >>> d = symgrad.distributions.Dirichlet(symgrad.tensor([2.0, 2.0]))
        >>> d.log_prob(symgrad.tensor([0.5, 0.5]))
        tensor(0.4055)
        """
        if self._validate_args:
            self._validate_sample(value)
        return (symgrad.xlogy(self.concentration - 1.0, value).sum(-1)
                + symgrad.lgamma(self.concentration.sum(-1))
                - symgrad.lgamma(self.concentration).sum(-1))

    @property
    def mean(self) -> Tensor:
        """``concentration / concentration.sum(-1)``.

        >>> import symgrad
        >>> symgrad.distributions.Dirichlet(symgrad.tensor([1.0, 3.0])).mean
        tensor([0.2500, 0.7500])
        """
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        """``(a - 1)+`` normalised; where every ``a < 1``, the one-hot vector of the largest
        (PyTorch's rule).

        >>> import symgrad
        >>> symgrad.distributions.Dirichlet(symgrad.tensor([[2.0, 3.0], [0.5, 0.2]])).mode
        tensor([[0.3333, 0.6667],
                [1.0000, 0.0000]])
        """
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (self.concentration < 1).all(dim=-1)
        mode[mask] = symgrad.nn.functional.one_hot(
            mode[mask].argmax(dim=-1), concentrationm1.shape[-1]).to(mode)
        return mode

    @property
    def variance(self) -> Tensor:
        """``a (a0 - a) / (a0^2 (a0 + 1))`` with ``a0`` the sum.

        >>> import symgrad
        >>> symgrad.distributions.Dirichlet(symgrad.tensor([1.0, 3.0])).variance
        tensor([0.0375, 0.0375])
        """
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        """The entropy, in nats.

        >>> import symgrad
        >>> symgrad.distributions.Dirichlet(symgrad.tensor([1.0, 1.0, 1.0])).entropy()
        tensor(-0.6931)
        """
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (symgrad.lgamma(self.concentration).sum(-1) - symgrad.lgamma(a0)
                - (k - a0) * symgrad.digamma(a0)
                - ((self.concentration - 1.0) * symgrad.digamma(self.concentration)).sum(-1))
