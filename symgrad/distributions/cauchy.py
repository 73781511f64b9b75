"""``Cauchy``: the Cauchy (Lorentz) distribution of median ``loc`` and half width ``scale``.

>>> import symgrad
>>> from symgrad.distributions import Cauchy
>>> Cauchy(0.0, 1.0).log_prob(symgrad.tensor([0.0, 1.0]))
tensor([-1.1447, -1.8379])
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.loc_scale import LocScale
from symgrad.distributions.utils import _EMPTY_SHAPE
from symgrad.tensor import Tensor

__all__ = ["Cauchy"]


class Cauchy(LocScale):
    """The Cauchy distribution: ``rsample`` is ``loc + eps * scale`` with ``eps`` PyTorch's
    ``cauchy_`` draw for the same seed, differentiable in ``loc`` and ``scale``. Its mean is
    undefined (NaN) and its variance infinite.

    Args:
        loc: the median (a number or tensor).
        scale: the half width at half maximum, positive.
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Cauchy
    >>> _ = symgrad.manual_seed(0)
    >>> Cauchy(symgrad.tensor([0.0, 10.0]), 1.0).sample()
    tensor([10.5977, 10.7648])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self) -> Tensor:
        """NaN: the Cauchy distribution has no mean.

        >>> from symgrad.distributions import Cauchy
        >>> Cauchy(0.0, 1.0).mean
        tensor(nan)
        """
        return symgrad.full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self) -> Tensor:
        """``loc``.

        >>> from symgrad.distributions import Cauchy
        >>> Cauchy(2.0, 1.0).mode
        tensor(2.)
        """
        return self.loc

    @property
    def variance(self) -> Tensor:
        """Infinite.

        >>> from symgrad.distributions import Cauchy
        >>> Cauchy(0.0, 1.0).variance
        tensor(inf)
        """
        return symgrad.full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        eps = self.loc.new(self._extended_shape(sample_shape)).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - (((value - self.loc) / self.scale) ** 2).log1p())

    def cdf(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return symgrad.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        return symgrad.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()
