"""``Bernoulli``: 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

>>> import symgrad
>>> from symgrad.distributions import Bernoulli
>>> Bernoulli(probs=symgrad.tensor([0.25])).log_prob(symgrad.tensor([1.0]))
tensor([-1.3863])
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import ExponentialFamily
from symgrad.distributions.utils import (
    _EMPTY_SHAPE,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from symgrad.nn.functional import binary_cross_entropy_with_logits
from symgrad.tensor import Size, Tensor

__all__ = ["Bernoulli"]

_NUMBER = (int, float, bool)


class Bernoulli(ExponentialFamily):
    """The Bernoulli distribution, given ``probs`` or ``logits`` (the other is computed when
    first asked for): ``sample`` is ``bernoulli(probs)`` (PyTorch's numbers), ``log_prob`` and
    ``entropy`` are binary cross-entropies with logits, differentiable in the parameter.

    Args:
        probs: the probability of a 1, in ``[0, 1]``.
        logits: the log-odds of a 1 (give one of ``probs`` and ``logits``).
        validate_args: check the parameter and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Bernoulli
    >>> _ = symgrad.manual_seed(0)
    >>> Bernoulli(logits=symgrad.tensor([-5.0, 0.0, 5.0])).sample((2,))
    tensor([[0., 0., 1.],
            [0., 1., 1.]])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, _NUMBER)
            (self.probs,) = broadcast_all(probs)
        else:
            is_scalar = isinstance(logits, _NUMBER)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        batch_shape = _EMPTY_SHAPE if is_scalar else self._param.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(Bernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``probs``.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.25, 0.5])).mean
        tensor([0.2500, 0.5000])
        """
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where ``probs`` is above 0.5, 0 below, NaN at 0.5.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.2, 0.5, 0.8])).mode
        tensor([0., nan, 1.])
        """
        mode = (self.probs >= 0.5).to(self.probs)
        mode[self.probs == 0.5] = math.nan
        return mode

    @property
    def variance(self) -> Tensor:
        """``probs * (1 - probs)``.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.25, 0.5])).variance
        tensor([0.1875, 0.2500])
        """
        return self.probs * (1 - self.probs)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds (from clamped ``probs`` when given those)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability of a 1 (``sigmoid(logits)`` when given those)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(logits=symgrad.zeros(2, 3)).param_shape
        symgrad.Size([2, 3])
        """
        return self._param.size()

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with symgrad.no_grad():
            return symgrad.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Any) -> Tensor:
        """The log-probability of ``value``: ``-binary_cross_entropy_with_logits(logits,
        value)``, differentiable in the parameter.

        Args:
            value: a tensor of 0s and 1s, broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=0.25).log_prob(symgrad.tensor([0.0, 1.0]))
        tensor([-0.2877, -1.3863])
        """
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``binary_cross_entropy_with_logits(logits, probs)``.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.5, 0.9])).entropy()
        tensor([0.6931, 0.3251])
        """
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The values 0 and 1, along a new first dim, in the parameter's dtype.

        Args:
            expand: broadcast over the batch (else size 1 there).

        >>> import symgrad
        >>> d = symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.2, 0.7]))
        >>> d.enumerate_support()
        tensor([[0., 0.],
                [1., 1.]])
        >>> d.enumerate_support(expand=False)
        tensor([[0.],
                [1.]])
        """
        values = symgrad.arange(2, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + self._batch_shape)
        return values
