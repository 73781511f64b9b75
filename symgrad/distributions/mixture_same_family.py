"""``MixtureSameFamily``: a mixture of components of one family, the components indexed by
the rightmost batch dim of one distribution and weighted by a ``Categorical``.

>>> import symgrad
>>> from symgrad.distributions import Categorical, MixtureSameFamily, Normal
>>> gmm = MixtureSameFamily(Categorical(probs=symgrad.tensor([0.5, 0.5])),
...                         Normal(symgrad.tensor([-1.0, 1.0]), 1.0))
>>> gmm.log_prob(symgrad.tensor(0.0)), gmm.mean, gmm.variance
(tensor(-1.4189), tensor(0.), tensor(2.))
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.categorical import Categorical
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE
from symgrad.tensor import Size, Tensor

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """A batch of mixtures: ``mixture_distribution`` (a ``Categorical`` over ``k``) picks one
    of the ``k`` components of ``component_distribution`` (whose rightmost batch dim is
    ``k``). ``sample`` draws the choices, then every component, then gathers (PyTorch's
    numbers for the same seed); there is no ``rsample``.

    Args:
        mixture_distribution: a ``Categorical`` whose batch shape broadcasts with the
            components' batch shape without its last dim.
        component_distribution: a distribution whose rightmost batch dim indexes the
            components.
        validate_args: check ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Categorical, MixtureSameFamily, Normal
    >>> _ = symgrad.manual_seed(0)
    >>> gmm = MixtureSameFamily(Categorical(probs=symgrad.tensor([0.5, 0.5])),
    ...                         Normal(symgrad.tensor([-10.0, 10.0]), 1.0))
    >>> gmm.sample((4,))
    tensor([  8.6014,  10.8380, -10.7193,  10.1820])
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of "
                             "torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of "
                             "torch.distributions.Distribution")
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs), strict=False):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not "
                                 f"compatible with `component_distribution.batch_shape`({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(batch_shape=cdbs, event_shape=event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MixtureSameFamily:
        batch_shape = Size(batch_shape)
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        super(MixtureSameFamily, new).__init__(
            batch_shape=batch_shape, event_shape=new._component_distribution.event_shape,
            validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property
    def support(self) -> Any:
        """The components' support.

        >>> import symgrad
        >>> from symgrad.distributions import Categorical, Exponential, MixtureSameFamily
        >>> MixtureSameFamily(Categorical(symgrad.ones(2)), Exponential(symgrad.ones(2))).support
        MixtureSameFamilyConstraint(GreaterThanEq(lower_bound=0.0))
        """
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        """The ``Categorical`` choosing the component.

        >>> import symgrad
        >>> from symgrad.distributions import Categorical, MixtureSameFamily, Normal
        >>> m = MixtureSameFamily(Categorical(symgrad.ones(2)), Normal(symgrad.zeros(2), 1.0))
        >>> m.mixture_distribution.probs
        tensor([0.5000, 0.5000])
        """
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components (the rightmost batch dim indexes them).

        >>> import symgrad
        >>> from symgrad.distributions import Categorical, MixtureSameFamily, Normal
        >>> m = MixtureSameFamily(Categorical(symgrad.ones(2)), Normal(symgrad.zeros(2), 1.0))
        >>> m.component_distribution.batch_shape
        symgrad.Size([2])
        """
        return self._component_distribution

    @property
    def mean(self) -> Tensor:
        """The weighted mean of the components' means.

        >>> import symgrad
        >>> from symgrad.distributions import Categorical, MixtureSameFamily, Normal
        >>> MixtureSameFamily(Categorical(symgrad.tensor([1.0, 3.0])),
        ...                   Normal(symgrad.tensor([0.0, 4.0]), 1.0)).mean
        tensor(3.)
        """
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return symgrad.sum(probs * self.component_distribution.mean, dim=-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """The law of total variance: the mean of the variances plus the variance of the
        means.

        >>> import symgrad
        >>> from symgrad.distributions import Categorical, MixtureSameFamily, Normal
        >>> MixtureSameFamily(Categorical(symgrad.tensor([1.0, 3.0])),
        ...                   Normal(symgrad.tensor([0.0, 4.0]), 1.0)).variance
        tensor(4.)
        """
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        mean_cond_var = symgrad.sum(probs * self.component_distribution.variance,
                                    dim=-1 - self._event_ndims)
        var_cond_mean = symgrad.sum(
            probs * (self.component_distribution.mean - self._pad(self.mean)).pow(2.0),
            dim=-1 - self._event_ndims)
        return mean_cond_var + var_cond_mean

    def cdf(self, value: Any) -> Tensor:
        cdf_x = self.component_distribution.cdf(self._pad(value))
        return symgrad.sum(cdf_x * self.mixture_distribution.probs, dim=-1)

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_prob_x = self.component_distribution.log_prob(self._pad(value))
        log_mix_prob = symgrad.log_softmax(self.mixture_distribution.logits, dim=-1)
        return symgrad.logsumexp(log_prob_x + log_mix_prob, dim=-1)

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        with symgrad.no_grad():
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = self.event_shape
            mix_sample = self.mixture_distribution.sample(sample_shape)
            mix_shape = mix_sample.shape
            comp_samples = self.component_distribution.sample(sample_shape)
            # each choice, repeated over the event, picks its component along the k dim
            mix_sample_r = mix_sample.reshape(mix_shape + Size([1] * (len(es) + 1)))
            mix_sample_r = mix_sample_r.repeat(Size([1] * len(mix_shape)) + Size([1]) + es)
            samples = symgrad.gather(comp_samples, gather_dim, mix_sample_r)
            return samples.squeeze(gather_dim)

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = x.shape
        return x.reshape(xs[:-1] + Size(pad_ndims * [1]) + xs[-1:]
                         + Size(self._event_ndims * [1]))

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self.mixture_distribution},\n"
                f"  {self.component_distribution})")
