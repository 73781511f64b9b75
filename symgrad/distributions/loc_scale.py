"""``LocScale``: what the location-scale families (``Normal``, ``Laplace``, ``Cauchy``) share:
their two parameters broadcast together into the batch shape, and ``expand``."""

from __future__ import annotations

from typing import Any

from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE, broadcast_all
from symgrad.tensor import Size

__all__ = ["LocScale"]

_NUMBER = (int, float, bool)


class LocScale(Distribution):
    """A distribution of a ``loc`` and a ``scale``, broadcast together: two Python numbers
    make an empty batch shape, else the broadcast tensors' shape is the batch shape.

    Args:
        loc: the location (a number or tensor).
        scale: the scale (a number or tensor).
        validate_args: check the parameters and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import Normal
    >>> d = Normal(symgrad.zeros(2), 1.0)
    >>> d.batch_shape, d.expand((3, 2)).scale.shape
    (symgrad.Size([2]), symgrad.Size([3, 2]))
    """

    # The family a subclass belongs to (its first class below LocScale): ``expand`` makes an
    # instance of it, and a subclass of it with an ``__init__`` of its own must give its own
    # ``expand`` (``_get_checked_instance``), as in PyTorch.
    _family: type[LocScale]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if LocScale in cls.__bases__:
            cls._family = cls

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        if isinstance(loc, _NUMBER) and isinstance(scale, _NUMBER):
            batch_shape = _EMPTY_SHAPE
        else:
            batch_shape = self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LocScale:
        """A distribution of this family whose parameters are expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
            _instance: an instance of a subclass to fill in (PyTorch's protocol).

        >>> from symgrad.distributions import Laplace
        >>> Laplace(0.0, 1.0).expand((2,)).loc
        tensor([0., 0.])
        """
        family = self._family
        new = self._get_checked_instance(family, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(LocScale, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new
