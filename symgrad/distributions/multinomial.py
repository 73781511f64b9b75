"""``Multinomial``: the counts of each category in ``total_count`` draws of a categorical.

>>> import symgrad
>>> from symgrad.distributions import Multinomial
>>> Multinomial(2, symgrad.tensor([0.5, 0.5])).log_prob(symgrad.tensor([1.0, 1.0]))
tensor(-0.6931)
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.binomial import Binomial
from symgrad.distributions.categorical import Categorical
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.tensor import Size, Tensor

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Counts over the last dim of ``probs`` (normalised to sum to 1) in ``total_count``
    draws; ``sample`` counts ``total_count`` categorical draws (PyTorch's numbers for the same
    seed). ``log_prob`` accepts any total.

    Args:
        total_count: the number of draws (an int).
        probs: the category probabilities, non-negative (or give ``logits``).
        logits: the unnormalised log-probabilities.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Multinomial
    >>> _ = symgrad.manual_seed(0)
    >>> Multinomial(10, symgrad.tensor([1.0, 1.0, 2.0])).sample()
    tensor([1., 3., 6.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    @property
    def mean(self) -> Tensor:
        """``probs * total_count``.

        >>> import symgrad
        >>> from symgrad.distributions import Multinomial
        >>> Multinomial(10, symgrad.tensor([1.0, 3.0])).mean
        tensor([2.5000, 7.5000])
        """
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """``total_count * probs * (1 - probs)``.

        >>> import symgrad
        >>> from symgrad.distributions import Multinomial
        >>> Multinomial(10, symgrad.tensor([1.0, 3.0])).variance
        tensor([1.8750, 1.8750])
        """
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> Any:
        """Non-negative counts summing to at most ``total_count``.

        >>> import symgrad
        >>> from symgrad.distributions import Multinomial
        >>> Multinomial(3, symgrad.ones(2)).support.check(symgrad.tensor([2.0, 2.0]))
        tensor(False)
        """
        return constraints.multinomial(self.total_count)

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities.

        >>> import symgrad
        >>> from symgrad.distributions import Multinomial
        >>> Multinomial(3, logits=symgrad.zeros(2)).logits
        tensor([-0.6931, -0.6931])
        """
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities.

        >>> import symgrad
        >>> from symgrad.distributions import Multinomial
        >>> Multinomial(3, symgrad.tensor([1.0, 3.0])).probs
        tensor([0.2500, 0.7500])
        """
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> from symgrad.distributions import Multinomial
        >>> Multinomial(3, symgrad.ones(2, 4)).param_shape
        symgrad.Size([2, 4])
        """
        return self._categorical.param_shape

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        sample_shape = Size(sample_shape)
        samples = self._categorical.sample(Size((self.total_count,)) + sample_shape)
        # the draws' dim last, then each draw counted in its category
        samples = samples.permute(*range(1, samples.dim()), 0)
        counts = symgrad.zeros(self._extended_shape(sample_shape), dtype=samples.dtype)
        counts.scatter_add_(-1, samples, symgrad.ones_like(samples))
        return counts.type_as(self.probs)

    def entropy(self) -> Tensor:
        n = symgrad.tensor(self.total_count)
        term1 = n * self._categorical.entropy() - symgrad.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = symgrad.exp(self._binomial.log_prob(support))
        weights = symgrad.lgamma(support + 1)
        term2 = (binomial_probs * weights).sum([0, -1])
        return term1 + term2

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = logits.clone()
        log_factorial_n = symgrad.lgamma(value.sum(-1) + 1)
        log_factorial_xs = symgrad.lgamma(value + 1).sum(-1)
        # 0 * log(0) is 0: a category of probability 0 drawn 0 times
        logits[(value == 0) & (logits == -math.inf)] = 0
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
