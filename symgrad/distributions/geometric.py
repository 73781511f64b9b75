"""``Geometric``: the number of failures before the first success of independent trials of
success probability ``probs``.

>>> import symgrad
>>> from symgrad.distributions import Geometric
>>> Geometric(0.5).log_prob(symgrad.tensor([0.0, 2.0]))
tensor([-0.6931, -2.0794])
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import (
    _EMPTY_SHAPE,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from symgrad.nn.functional import binary_cross_entropy_with_logits
from symgrad.tensor import Size, Tensor

__all__ = ["Geometric"]

_NUMBER = (int, float, bool)


class Geometric(Distribution):
    """``P(X = k) = (1 - p) ** k * p`` for ``k = 0, 1, ...`` (``Tensor.geometric_`` counts
    the success too, from 1). ``sample`` is ``floor(log(u) / log1p(-p))`` with ``u`` PyTorch's
    ``uniform_(tiny, 1)`` draw for the same seed.

    Args:
        probs: the success probability, in ``(0, 1]`` (or give ``logits``).
        logits: the log-odds of success.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Geometric
    >>> _ = symgrad.manual_seed(0)
    >>> Geometric(symgrad.tensor([0.3, 0.9])).sample((3,))
    tensor([[1., 0.],
            [6., 0.],
            [3., 0.]])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        given = probs if probs is not None else logits
        batch_shape = _EMPTY_SHAPE if isinstance(given, _NUMBER) else given.size()
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            # unit_interval admits 0, which has no geometric distribution
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise ValueError(f"Expected parameter probs ({type(value).__name__} of shape "
                                 f"{tuple(value.shape)}) of distribution {self!r} to be "
                                 f"positive but found invalid values:\n{value.data[~valid]}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
        super(Geometric, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``1 / probs - 1``.

        >>> from symgrad.distributions import Geometric
        >>> Geometric(0.25).mean
        tensor(3.)
        """
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0.

        >>> from symgrad.distributions import Geometric
        >>> Geometric(0.25).mode
        tensor(0.)
        """
        return symgrad.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """``(1 / probs - 1) / probs``.

        >>> from symgrad.distributions import Geometric
        >>> Geometric(0.25).variance
        tensor(12.)
        """
        return (1.0 / self.probs - 1.0) / self.probs

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of success.

        >>> from symgrad.distributions import Geometric
        >>> Geometric(0.5).logits
        tensor(0.)
        """
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability.

        >>> from symgrad.distributions import Geometric
        >>> Geometric(logits=0.0).probs
        tensor(0.5000)
        """
        return logits_to_probs(self.logits, is_binary=True)

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = symgrad.finfo(self.probs.dtype).tiny
        with symgrad.no_grad():
            u = self.probs.new(shape).uniform_(tiny, 1)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = probs.clone()
        # 0 * log(0) is 0 here: P(X = 0) = 1 when probs is 1
        probs[(probs == 1) & (value == 0)] = 0
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return binary_cross_entropy_with_logits(self.logits, self.probs,
                                                reduction="none") / self.probs
