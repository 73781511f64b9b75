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
