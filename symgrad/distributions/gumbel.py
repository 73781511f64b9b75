"""``Gumbel``: the Gumbel (type-I extreme value) distribution of location ``loc`` and scale
``scale``.

>>> import symgrad
>>> from symgrad.distributions import Gumbel
>>> Gumbel(0.0, 1.0).log_prob(symgrad.tensor([0.0, 1.0]))
tensor([-1.0000, -1.3679])
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.transformed_distribution import TransformedDistribution
from symgrad.distributions.transforms import AffineTransform, ExpTransform
from symgrad.distributions.uniform import Uniform
from symgrad.distributions.utils import broadcast_all
from symgrad.tensor import Tensor

__all__ = ["Gumbel"]

_NUMBER = (int, float, bool)
_EULER = 0.57721566490153286060  # the Euler-Mascheroni constant


class Gumbel(TransformedDistribution):
    """``loc - scale * log(-log(U))`` for ``U`` uniform on ``[tiny, 1 - eps]`` (PyTorch's
    numbers for the same seed), differentiable in ``loc`` and ``scale``.

    Args:
        loc: the location (a number or tensor).
        scale: the scale, positive.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Gumbel
    >>> _ = symgrad.manual_seed(0)
    >>> Gumbel(symgrad.tensor([0.0, 10.0]), 1.0).sample()
    tensor([ 0.3557, 11.3330])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = symgrad.finfo(self.loc.dtype)
        if isinstance(loc, _NUMBER) and isinstance(scale, _NUMBER):
            base_dist = Uniform(finfo.tiny, 1 - finfo.eps, validate_args=validate_args)
        else:
            base_dist = Uniform(symgrad.full_like(self.loc, finfo.tiny),
                                symgrad.full_like(self.loc, 1 - finfo.eps),
                                validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-symgrad.ones_like(
            self.scale)), ExpTransform().inv, AffineTransform(loc=loc, scale=-self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Any) -> Tensor:
        # In closed form: through the transforms it loses precision.
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        """``loc + scale * euler_gamma``.

        >>> from symgrad.distributions import Gumbel
        >>> Gumbel(0.0, 1.0).mean
        tensor(0.5772)
        """
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Tensor:
        """``loc``.

        >>> from symgrad.distributions import Gumbel
        >>> Gumbel(1.0, 2.0).mode
        tensor(1.)
        """
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """``pi / sqrt(6) * scale``.

        >>> from symgrad.distributions import Gumbel
        >>> Gumbel(0.0, 1.0).stddev
        tensor(1.2825)
        """
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        """``stddev ** 2``.

        >>> from symgrad.distributions import Gumbel
        >>> Gumbel(0.0, 1.0).variance
        tensor(1.6449)
        """
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + _EULER)
