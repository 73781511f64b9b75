"""Probability distributions with PyTorch's interface (``torch.distributions``): sampling
(PyTorch's numbers for the same seed), reparameterised sampling, ``log_prob``, ``entropy`` and
``kl_divergence``, built from symgrad's differentiable ops so gradients flow to the
parameters as in PyTorch.

Distributions: ``Normal``, ``Uniform``, ``Bernoulli``, ``Categorical``, ``Exponential``,
``Laplace``, ``OneHotCategorical`` (and its straight-through variant), ``Independent``,
``MultivariateNormal``, ``Gamma``, ``Beta`` and ``Dirichlet``, on the base ``Distribution``.

>>> import symgrad
>>> from symgrad.distributions import Categorical
>>> logits = symgrad.tensor([0.0, 1.0, 2.0], requires_grad=True)
>>> d = Categorical(logits=logits)
>>> loss = -d.log_prob(symgrad.tensor(2))
>>> loss.backward()
>>> logits.grad
tensor([ 0.0900,  0.2447, -0.3348])
"""

from symgrad.distributions import constraints
from symgrad.distributions.bernoulli import Bernoulli
from symgrad.distributions.beta import Beta
from symgrad.distributions.categorical import Categorical
from symgrad.distributions.dirichlet import Dirichlet
from symgrad.distributions.distribution import Distribution, ExponentialFamily
from symgrad.distributions.exponential import Exponential
from symgrad.distributions.gamma import Gamma
from symgrad.distributions.independent import Independent
from symgrad.distributions.kl import kl_divergence, register_kl
from symgrad.distributions.laplace import Laplace
from symgrad.distributions.multivariate_normal import MultivariateNormal
from symgrad.distributions.normal import Normal
from symgrad.distributions.one_hot_categorical import (
    OneHotCategorical,
    OneHotCategoricalStraightThrough,
)
from symgrad.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential",
           "ExponentialFamily", "Gamma",
           "Independent", "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Uniform", "constraints",
           "kl_divergence", "register_kl"]

# -- transforms, the transformed, heavy-tailed, count, relaxed and mixture distributions ------
from symgrad.distributions import kl_more, transforms  # noqa: E402, F401 - kl_more registers
from symgrad.distributions.binomial import Binomial  # noqa: E402
from symgrad.distributions.cauchy import Cauchy  # noqa: E402
from symgrad.distributions.constraint_registry import biject_to, transform_to  # noqa: E402
from symgrad.distributions.geometric import Geometric  # noqa: E402
from symgrad.distributions.gumbel import Gumbel  # noqa: E402
from symgrad.distributions.half_cauchy import HalfCauchy  # noqa: E402
from symgrad.distributions.half_normal import HalfNormal  # noqa: E402
from symgrad.distributions.log_normal import LogNormal  # noqa: E402
from symgrad.distributions.mixture_same_family import MixtureSameFamily  # noqa: E402
from symgrad.distributions.multinomial import Multinomial  # noqa: E402
from symgrad.distributions.poisson import Poisson  # noqa: E402
from symgrad.distributions.relaxed_bernoulli import RelaxedBernoulli  # noqa: E402
from symgrad.distributions.relaxed_categorical import RelaxedOneHotCategorical  # noqa: E402
from symgrad.distributions.transformed_distribution import TransformedDistribution  # noqa: E402
from symgrad.distributions.transforms import *  # noqa: E402, F403

__all__ += ["Binomial", "Cauchy", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "LogNormal",
            "MixtureSameFamily", "Multinomial", "Poisson", "RelaxedBernoulli",
            "RelaxedOneHotCategorical", "TransformedDistribution", "biject_to", "transform_to",
            *transforms.__all__]
