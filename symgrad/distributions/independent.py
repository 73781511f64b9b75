"""``Independent``: a distribution whose rightmost batch dims are read as event dims.

>>> import symgrad
>>> from symgrad.distributions import Independent, Normal
>>> Independent(Normal(symgrad.zeros(3), 1.0), 1).event_shape
symgrad.Size([3])
"""

from __future__ import annotations

from typing import Any

from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE, _sum_rightmost
from symgrad.tensor import Size, Tensor

__all__ = ["Independent"]


class Independent(Distribution):
    """``base_distribution`` with its ``reinterpreted_batch_ndims`` rightmost batch dims made
    part of the event: ``log_prob`` and ``entropy`` sum over them (a diagonal multivariate
    normal is ``Independent(Normal(loc, scale), 1)``).

    Args:
        base_distribution: the distribution.
        reinterpreted_batch_ndims: how many batch dims become event dims.
        validate_args: check ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Independent, Normal
    >>> d = Independent(Normal(symgrad.zeros(2, 3), 1.0), 1)
    >>> d.batch_shape, d.log_prob(symgrad.zeros(2, 3))
    (symgrad.Size([2]), tensor([-2.7568, -2.7568]))
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None) -> None:
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}")
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        batch_shape = shape[:len(shape) - event_dim]
        event_shape = shape[len(shape) - event_dim:]
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Independent:
        new = self._get_checked_instance(Independent, _instance)
        batch_shape = Size(batch_shape)
        new.base_dist = self.base_dist.expand(
            batch_shape + self.event_shape[:self.reinterpreted_batch_ndims])
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        super(Independent, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution has ``rsample``.

        >>> import symgrad
        >>> from symgrad.distributions import Bernoulli, Independent, Normal
        >>> Independent(Normal(symgrad.zeros(2), 1.0), 1).has_rsample
        True
        >>> Independent(Bernoulli(probs=symgrad.ones(2) / 2), 1).has_rsample
        False
        """
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        """Whether the base's support can be enumerated (with no dims reinterpreted).

        >>> import symgrad
        >>> from symgrad.distributions import Bernoulli, Independent
        >>> base = Bernoulli(probs=symgrad.ones(2) / 2)
        >>> Independent(base, 0).has_enumerate_support, Independent(base, 1).has_enumerate_support
        (True, False)
        """
        if self.reinterpreted_batch_ndims > 0:
            return False
        return self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        """The base's support, with the reinterpreted dims made part of the event.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.zeros(2), 1.0), 1).support
        IndependentConstraint(Real(), 1)
        """
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = constraints.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def mean(self) -> Tensor:
        """The base distribution's mean.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.tensor([0.0, 1.0]), 2.0), 1).mean
        tensor([0., 1.])
        """
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        """The base distribution's mode.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.tensor([0.0, 1.0]), 2.0), 1).mode
        tensor([0., 1.])
        """
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        """The base distribution's variance.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.tensor([0.0, 1.0]), 2.0), 1).variance
        tensor([4., 4.])
        """
        return self.base_dist.variance

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """The base distribution's reparameterised draw.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> _ = symgrad.manual_seed(0)
        >>> Independent(Normal(symgrad.tensor([0.0, 10.0]), 1.0), 1).rsample((2,))
        tensor([[ 1.5410,  9.7066],
                [-2.1788, 10.5684]])
        """
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """The base's log-probability of ``value``, summed over the reinterpreted dims.

        Args:
            value: a tensor broadcastable to ``batch_shape + event_shape``.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.zeros(2, 3), 1.0), 1).log_prob(symgrad.zeros(2, 3))
        tensor([-2.7568, -2.7568])
        """
        log_prob = self.base_dist.log_prob(value)
        return _sum_rightmost(log_prob, self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        """The base's entropy, summed over the reinterpreted dims.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.zeros(2, 3), 1.0), 1).entropy()
        tensor([4.2568, 4.2568])
        """
        entropy = self.base_dist.entropy()
        return _sum_rightmost(entropy, self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The base's values, when no dims are reinterpreted (else ``NotImplementedError``).

        Args:
            expand: broadcast over the batch (else size 1 there).

        >>> import symgrad
        >>> from symgrad.distributions import Bernoulli, Independent
        >>> base = Bernoulli(probs=symgrad.tensor([0.2, 0.7]))
        >>> Independent(base, 0).enumerate_support()
        tensor([[0., 0.],
                [1., 1.]])
        >>> Independent(base, 1).enumerate_support()
        Traceback (most recent call last):
        ...
        NotImplementedError: Enumeration over cartesian product is not implemented
        """
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return self.__class__.__name__ + f"({self.base_dist}, {self.reinterpreted_batch_ndims})"
