"""``RelaxedBernoulli`` (the binary Concrete distribution, Maddison et al. 2017) and
``LogitRelaxedBernoulli``, its logit: reparameterised stand-ins for ``Bernoulli`` whose
samples lie in ``(0, 1)`` and sharpen to 0 and 1 as ``temperature`` falls.

>>> import symgrad
>>> from symgrad.distributions import RelaxedBernoulli
>>> RelaxedBernoulli(symgrad.tensor(0.5), probs=0.3).log_prob(symgrad.tensor(0.2))
tensor(-0.2528)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.transformed_distribution import TransformedDistribution
from symgrad.distributions.transforms import SigmoidTransform
from symgrad.distributions.utils import (
    _EMPTY_SHAPE,
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from symgrad.tensor import Size, Tensor

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]

_NUMBER = (int, float, bool)


class LogitRelaxedBernoulli(Distribution):
    """The logit of a ``RelaxedBernoulli`` draw: ``rsample`` is
    ``(logit(u) + logit(p)) / temperature`` with ``u`` PyTorch's ``rand`` draw for the same
    seed (both clamped away from 0 and 1).

    Args:
        temperature: the relaxation temperature (a tensor).
        probs: the probability of 1 (or give ``logits``).
        logits: its log-odds.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
    >>> _ = symgrad.manual_seed(0)
    >>> LogitRelaxedBernoulli(symgrad.tensor(2.0), probs=symgrad.tensor([0.1, 0.9])).rsample()
    tensor([-1.1061,  1.6978])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self.temperature = temperature
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

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(LogitRelaxedBernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of 1.

        >>> import symgrad
        >>> from symgrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
        >>> LogitRelaxedBernoulli(symgrad.tensor(1.0), probs=0.5).logits
        tensor(0.)
        """
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability of 1.

        >>> import symgrad
        >>> from symgrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
        >>> LogitRelaxedBernoulli(symgrad.tensor(1.0), logits=0.0).probs
        tensor(0.5000)
        """
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> from symgrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
        >>> LogitRelaxedBernoulli(symgrad.tensor(1.0), logits=symgrad.zeros(3)).param_shape
        symgrad.Size([3])
        """
        return self._param.size()

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(symgrad.rand(shape, dtype=probs.dtype))
        return (uniforms.log() - (-uniforms).log1p() + probs.log()
                - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """``sigmoid`` of a ``LogitRelaxedBernoulli`` draw: values in ``(0, 1)``,
    reparameterised (PyTorch's numbers for the same seed).

    Args:
        temperature: the relaxation temperature (a tensor).
        probs: the probability of 1 (or give ``logits``).
        logits: its log-odds.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import RelaxedBernoulli
    >>> _ = symgrad.manual_seed(0)
    >>> RelaxedBernoulli(symgrad.tensor(2.2), symgrad.tensor([0.1, 0.2, 0.3, 0.99])).sample()
    tensor([0.2679, 0.4786, 0.1907, 0.7743])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedBernoulli:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature.

        >>> import symgrad
        >>> from symgrad.distributions import RelaxedBernoulli
        >>> RelaxedBernoulli(symgrad.tensor(0.5), probs=0.3).temperature
        tensor(0.5000)
        """
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The log-odds of 1.

        >>> import symgrad
        >>> from symgrad.distributions import RelaxedBernoulli
        >>> RelaxedBernoulli(symgrad.tensor(0.5), probs=0.5).logits
        tensor(0.)
        """
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The probability of 1.

        >>> import symgrad
        >>> from symgrad.distributions import RelaxedBernoulli
        >>> RelaxedBernoulli(symgrad.tensor(0.5), logits=0.0).probs
        tensor(0.5000)
        """
        return self.base_dist.probs
