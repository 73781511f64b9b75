"""``TransformedDistribution``: a base distribution pushed through transforms, as PyTorch's.
``log_prob`` inverts the transforms and subtracts their log-determinants; ``sample`` and
``rsample`` draw from the base (PyTorch's numbers for the same seed) and map forward.

>>> import symgrad
>>> from symgrad.distributions import Normal, TransformedDistribution
>>> from symgrad.distributions.transforms import ExpTransform
>>> d = TransformedDistribution(Normal(0.0, 1.0), ExpTransform())
>>> d.log_prob(symgrad.tensor(1.0))
tensor(-0.9189)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.independent import Independent
from symgrad.distributions.transforms import ComposeTransform, Transform
from symgrad.distributions.utils import _EMPTY_SHAPE, _sum_rightmost
from symgrad.tensor import Size, Tensor

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """The distribution of ``f(X)`` for ``X`` drawn from ``base_distribution`` and ``f`` the
    transforms applied in order: ``log p(y) = log p_X(x) - log |det dy/dx|``. Its event shape
    is the larger of the base's and the transforms'.

    Args:
        base_distribution: the distribution of ``X``.
        transforms: a transform or a list of them, first applied first.
        validate_args: check ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import TransformedDistribution, Uniform
    >>> from symgrad.distributions.transforms import AffineTransform, SigmoidTransform
    >>> logistic = TransformedDistribution(Uniform(0.0, 1.0),
    ...                                    [SigmoidTransform().inv, AffineTransform(0.0, 2.0)])
    >>> logistic.log_prob(symgrad.tensor([0.0, 2.0]))
    tensor([-2.0794, -2.3197])
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None) -> None:
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError("transforms must be a Transform or a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(f"base_distribution needs to have shape with size at least "
                             f"{transform.domain.event_dim}, but got {base_shape}.")
        forward_shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:
            base_batch_shape = expanded_base_shape[:len(expanded_base_shape) - base_event_dim]
            base_distribution = base_distribution.expand(base_batch_shape)
        reinterpreted_batch_ndims = transform.domain.event_dim - base_event_dim
        if reinterpreted_batch_ndims > 0:
            base_distribution = Independent(base_distribution, reinterpreted_batch_ndims)
        self.base_dist = base_distribution
        # The event covers what the transforms couple and what the base already couples.
        event_dim = max(transform.codomain.event_dim,
                        base_event_dim + transform.codomain.event_dim
                        - transform.domain.event_dim)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> TransformedDistribution:
        new = self._get_checked_instance(TransformedDistribution, _instance)
        batch_shape = Size(batch_shape)
        shape = batch_shape + self.event_shape
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        new.base_dist = self.base_dist.expand(shape[:len(shape) - len(self.base_dist.event_shape)])
        new.transforms = self.transforms
        super(TransformedDistribution, new).__init__(batch_shape, self.event_shape,
                                                     validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=False)
    def support(self) -> Any:
        """The last transform's codomain, over the event's dims.

        >>> from symgrad.distributions import Normal, TransformedDistribution
        >>> from symgrad.distributions.transforms import ExpTransform
        >>> TransformedDistribution(Normal(0.0, 1.0), ExpTransform()).support
        GreaterThan(lower_bound=0.0)
        """
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape) - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """The base distribution's.

        >>> from symgrad.distributions import Normal, TransformedDistribution
        >>> TransformedDistribution(Normal(0.0, 1.0), []).has_rsample
        True
        """
        return self.base_dist.has_rsample

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        with symgrad.no_grad():
            x = self.base_dist.sample(sample_shape)
            for transform in self.transforms:
                x = transform(x)
            return x

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        x = self.base_dist.rsample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self.event_shape)
        log_prob: Any = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(transform.log_abs_det_jacobian(x, y),
                                                 event_dim - transform.domain.event_dim)
            y = x
        return log_prob + _sum_rightmost(self.base_dist.log_prob(y),
                                         event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value: Any) -> Any:
        """``value``, or ``1 - value`` where the transforms decrease, so ``cdf`` increases."""
        sign: Any = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Any) -> Tensor:
        for transform in self.transforms[::-1]:
            value = transform.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Any) -> Tensor:
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for transform in self.transforms:
            value = transform(value)
        return value
