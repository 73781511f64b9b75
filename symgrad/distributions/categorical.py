"""``Categorical``: one of ``K`` categories, with probabilities ``probs`` (or
``softmax(logits)``) along the last dim.

>>> import symgrad
>>> from symgrad.distributions import Categorical
>>> Categorical(probs=symgrad.tensor([1.0, 3.0])).probs
tensor([0.2500, 0.7500])
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import (
    _EMPTY_SHAPE,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from symgrad.tensor import Size, Tensor

__all__ = ["Categorical"]


class Categorical(Distribution):
    """The categorical distribution over ``0 .. K-1``: ``probs`` are normalised to sum to 1,
    ``logits`` to ``logsumexp`` 0. ``sample`` calls ``multinomial`` with replacement as
    PyTorch does (its numbers for the same seed); ``log_prob`` gathers the normalised logits,
    differentiable in the parameter.

    Args:
        probs: non-negative weights of the categories, last dim ``K``.
        logits: unnormalised log-probabilities (give one of ``probs`` and ``logits``).
        validate_args: check the parameter and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Categorical
    >>> _ = symgrad.manual_seed(0)
    >>> d = Categorical(logits=symgrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    >>> d.sample((4,))
    tensor([[2, 0],
            [2, 1],
            [2, 0],
            [2, 0]])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:  # type: ignore[union-attr]
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)  # type: ignore
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.ndimension() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        param_shape = batch_shape + Size((self._num_events,))
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        super(Categorical, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The integers ``0 .. K-1``.

        >>> import symgrad
        >>> symgrad.distributions.Categorical(probs=symgrad.ones(3)).support
        IntegerInterval(lower_bound=0, upper_bound=2)
        """
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """The normalised log-probabilities (``log`` of clamped ``probs`` when given those)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """The normalised probabilities (``softmax(logits)`` when given those)."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> symgrad.distributions.Categorical(logits=symgrad.zeros(2, 3)).param_shape
        symgrad.Size([2, 3])
        """
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        """NaN: categories have no mean.

        >>> import symgrad
        >>> symgrad.distributions.Categorical(probs=symgrad.ones(2, 3)).mean
        tensor([nan, nan])
        """
        return symgrad.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        """The most probable category.

        >>> import symgrad
        >>> probs = symgrad.tensor([[0.2, 0.8], [0.6, 0.4]])
        >>> symgrad.distributions.Categorical(probs=probs).mode
        tensor([1, 0])
        """
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        """NaN: categories have no variance.

        >>> import symgrad
        >>> symgrad.distributions.Categorical(probs=symgrad.ones(2, 3)).variance
        tensor([nan, nan])
        """
        return symgrad.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        sample_shape = Size(sample_shape)
        probs_2d = self.probs.reshape(-1, self._num_events)
        samples_2d = symgrad.multinomial(probs_2d, sample_shape.numel(), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value: Any) -> Tensor:
        """The log-probability of category ``value``: the normalised logit gathered there,
        differentiable in the parameter.

        Args:
            value: a tensor of category indices, broadcastable to ``batch_shape``.

        >>> import symgrad
        >>> d = symgrad.distributions.Categorical(probs=symgrad.tensor([0.25, 0.75]))
        >>> d.log_prob(symgrad.tensor([0, 1]))
        tensor([-1.3863, -0.2877])
        """
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = symgrad.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``-(probs * logits).sum(-1)``.

        >>> import symgrad
        >>> probs = symgrad.tensor([[0.1, 0.9], [0.5, 0.5]])
        >>> symgrad.distributions.Categorical(probs=probs).entropy()
        tensor([0.3251, 0.6931])
        """
        min_real = symgrad.finfo(self.logits.dtype).min
        logits = symgrad.clamp(self.logits, min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The categories ``0 .. K-1`` (int64), along a new first dim.

        Args:
            expand: broadcast over the batch (else size 1 there).

        >>> import symgrad
        >>> d = symgrad.distributions.Categorical(probs=symgrad.ones(2, 3))
        >>> d.enumerate_support()
        tensor([[0, 0],
                [1, 1],
                [2, 2]])
        >>> d.enumerate_support(expand=False)
        tensor([[0],
                [1],
                [2]])
        """
        values = symgrad.arange(self._num_events, dtype=symgrad.int64)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + self._batch_shape)
        return values
