"""``RelaxedOneHotCategorical`` (the Concrete / Gumbel-softmax distribution) and
``ExpRelaxedCategorical``, its log: reparameterised stand-ins for ``OneHotCategorical`` whose
samples lie in the simplex.

>>> import symgrad
>>> from symgrad.distributions import RelaxedOneHotCategorical
>>> d = RelaxedOneHotCategorical(symgrad.tensor(0.5), probs=symgrad.tensor([0.2, 0.8]))
>>> d.log_prob(symgrad.tensor([0.3, 0.7]))
tensor(-0.7420)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.categorical import Categorical
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.transformed_distribution import TransformedDistribution
from symgrad.distributions.transforms import ExpTransform
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all, clamp_probs
from symgrad.tensor import Size, Tensor

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    """The log of a ``RelaxedOneHotCategorical`` draw: ``rsample`` is
    ``log_softmax((logits + g) / temperature)`` with ``g = -log(-log(u))`` Gumbel noise from
    PyTorch's ``rand`` draw for the same seed.

    Args:
        temperature: the relaxation temperature (a tensor).
        probs: the category probabilities (or give ``logits``).
        logits: the unnormalised log-probabilities.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions.relaxed_categorical import ExpRelaxedCategorical
    >>> _ = symgrad.manual_seed(0)
    >>> ExpRelaxedCategorical(symgrad.tensor(1.0), logits=symgrad.zeros(3)).rsample()
    tensor([-1.3728, -0.3955, -2.6143])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector  # the values lie on a submanifold of it
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        super(ExpRelaxedCategorical, new).__init__(batch_shape, self.event_shape,
                                                   validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> from symgrad.distributions.relaxed_categorical import ExpRelaxedCategorical
        >>> ExpRelaxedCategorical(symgrad.tensor(1.0), logits=symgrad.zeros(2, 3)).param_shape
        symgrad.Size([2, 3])
        """
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities.

        >>> import symgrad
        >>> from symgrad.distributions.relaxed_categorical import ExpRelaxedCategorical
        >>> ExpRelaxedCategorical(symgrad.tensor(1.0), logits=symgrad.zeros(2)).logits
        tensor([-0.6931, -0.6931])
        """
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities.

        >>> import symgrad
        >>> from symgrad.distributions.relaxed_categorical import ExpRelaxedCategorical
        >>> ExpRelaxedCategorical(symgrad.tensor(1.0), probs=symgrad.ones(2)).probs
        tensor([0.5000, 0.5000])
        """
        return self._categorical.probs

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(symgrad.rand(shape, dtype=self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = (symgrad.full_like(self.temperature, float(k)).lgamma()
                     - self.temperature.log().mul(-(k - 1)))
        score = logits - value.mul(self.temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """``exp`` of an ``ExpRelaxedCategorical`` draw: points of the simplex, reparameterised
    (PyTorch's numbers for the same seed).

    Args:
        temperature: the relaxation temperature (a tensor).
        probs: the category probabilities (or give ``logits``).
        logits: the unnormalised log-probabilities.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import RelaxedOneHotCategorical
    >>> _ = symgrad.manual_seed(0)
    >>> RelaxedOneHotCategorical(symgrad.tensor(2.2),
    ...                          symgrad.tensor([0.1, 0.2, 0.3, 0.4])).sample()
    tensor([0.1911, 0.4083, 0.1791, 0.2215])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base_dist = ExpRelaxedCategorical(temperature, probs, logits,
                                          validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedOneHotCategorical:
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature.

        >>> import symgrad
        >>> from symgrad.distributions import RelaxedOneHotCategorical
        >>> RelaxedOneHotCategorical(symgrad.tensor(0.5), symgrad.ones(2)).temperature
        tensor(0.5000)
        """
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities.

        >>> import symgrad
        >>> from symgrad.distributions import RelaxedOneHotCategorical
        >>> RelaxedOneHotCategorical(symgrad.tensor(0.5), symgrad.ones(2)).logits
        tensor([-0.6931, -0.6931])
        """
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities.

        >>> import symgrad
        >>> from symgrad.distributions import RelaxedOneHotCategorical
        >>> RelaxedOneHotCategorical(symgrad.tensor(0.5), symgrad.ones(2)).probs
        tensor([0.5000, 0.5000])
        """
        return self.base_dist.probs
