"""``Binomial``: the number of successes in ``total_count`` independent trials.

>>> import symgrad
>>> from symgrad.distributions import Binomial
>>> Binomial(4, symgrad.tensor(0.5)).log_prob(symgrad.tensor([0.0, 2.0]))
tensor([-2.7726, -0.9808])
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.count_sampling import binomial
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import (
    _EMPTY_SHAPE,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from symgrad.tensor import Size, Tensor

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    # clamp(x, min=0) with the gradient 1/2 at 0, as PyTorch writes it
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(Distribution):
    """Successes in ``total_count`` trials of probability ``probs``; ``sample`` draws
    PyTorch's numbers for the same seed (``torch.binomial``).

    Args:
        total_count: the number of trials (an int or tensor broadcastable with ``probs``).
        probs: the success probabilities (or give ``logits``).
        logits: the log-odds of success.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Binomial
    >>> _ = symgrad.manual_seed(0)
    >>> Binomial(100, symgrad.tensor([0.0, 0.2, 0.8, 1.0])).sample()
    tensor([  0.,  20.,  78., 100.])
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(Binomial, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        """The integers from 0 to ``total_count``.

        >>> from symgrad.distributions import Binomial
        >>> Binomial(3, probs=0.5).support
        IntegerInterval(lower_bound=0, upper_bound=3.0)
        """
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        """``total_count * probs``.

        >>> from symgrad.distributions import Binomial
        >>> Binomial(10, probs=0.3).mean
        tensor(3.)
        """
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """``floor((total_count + 1) * probs)``, at most ``total_count``.

        >>> from symgrad.distributions import Binomial
        >>> Binomial(10, probs=0.35).mode
        tensor(3.)
        """
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        """``total_count * probs * (1 - probs)``.

        >>> from symgrad.distributions import Binomial
        >>> Binomial(10, probs=0.5).variance
        tensor(2.5000)
        """
        return self.total_count * self.probs * (1 - self.probs)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of success.

        >>> from symgrad.distributions import Binomial
        >>> Binomial(3, probs=0.5).logits
        tensor(0.)
        """
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability.

        >>> from symgrad.distributions import Binomial
        >>> Binomial(3, logits=0.0).probs
        tensor(0.5000)
        """
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> from symgrad.distributions import Binomial
        >>> Binomial(3, probs=symgrad.ones(2) / 2).param_shape
        symgrad.Size([2])
        """
        return self._param.size()

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with symgrad.no_grad():
            return binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = symgrad.lgamma(self.total_count + 1)
        log_factorial_k = symgrad.lgamma(value + 1)
        log_factorial_nmk = symgrad.lgamma(self.total_count - value + 1)
        # total_count * log1p(exp(logits)), kept finite for large logits
        normalize_term = (self.total_count * _clamp_by_zero(self.logits)
                          + self.total_count * symgrad.log1p(symgrad.exp(-symgrad.abs(
                              self.logits))) - log_factorial_n)
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self) -> Tensor:
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(symgrad.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError(
                "Inhomogeneous total count not supported by `enumerate_support`.")
        values = symgrad.arange(1 + total_count, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + self._batch_shape)
        return values
