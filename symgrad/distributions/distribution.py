"""``Distribution``: the base of the probability distributions, as PyTorch's.

A distribution has a ``batch_shape`` (independent, differently parameterised copies) and an
``event_shape`` (the shape of one draw); ``sample(sample_shape)`` returns a tensor of shape
``sample_shape + batch_shape + event_shape``. With validation on (the default, as in PyTorch
when Python runs without ``-O``) parameters and ``log_prob``'s values are checked, raising
PyTorch's ``ValueError`` messages.

>>> import symgrad
>>> from symgrad.distributions import Normal
>>> d = Normal(symgrad.zeros(3), 1.0)
>>> d.batch_shape, d.event_shape, d.sample((2,)).shape
(symgrad.Size([3]), symgrad.Size([]), symgrad.Size([2, 3]))
"""

from __future__ import annotations

import warnings
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.utils import _EMPTY_SHAPE, lazy_property
from symgrad.tensor import Size, Tensor

__all__ = ["Distribution"]


class Distribution:
    """The base of the distributions: shapes, sampling, validation, and what a subclass
    defines (``log_prob``, ``rsample``, ``entropy``, ``mean``, ``variance``, ...).

    Args:
        batch_shape: the shape of the batch of distributions.
        event_shape: the shape of one draw.
        validate_args: check parameters and ``log_prob``'s values (None: the default, which
            ``set_default_validate_args`` sets; True at start).

    >>> import symgrad
    >>> from symgrad.distributions import Distribution
    >>> Distribution(symgrad.Size([2]), validate_args=False).batch_shape
    symgrad.Size([2])
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for distributions made without ``validate_args``.

        Args:
            value: True or False.

        >>> from symgrad.distributions import Distribution, Normal
        >>> Distribution.set_default_validate_args(False)
        >>> Normal(0.0, -1.0).scale
        tensor(-1.)
        >>> Distribution.set_default_validate_args(True)
        """
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = _EMPTY_SHAPE, event_shape: Any = _EMPTY_SHAPE,
                 validate_args: bool | None = None) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
                warnings.warn(f"{self.__class__} does not define `arg_constraints`. Please set "
                              "`arg_constraints = {}` or initialize the distribution with "
                              "`validate_args=False` to turn off validation.", stacklevel=2)
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param),
                                                             lazy_property):
                    continue  # a lazily computed parameter: checked through the other
                value = getattr(self, param)
                valid = constraint.check(value)
                if not bool(valid.all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}")
        super().__init__()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A distribution of the same parameters broadcast to ``batch_shape`` (views, no
        copy; not validated again).

        Args:
            batch_shape: the new batch shape.
            _instance: the instance to fill (for subclasses).

        >>> import symgrad
        >>> from symgrad.distributions import Normal
        >>> Normal(0.0, 1.0).expand((2, 3)).batch_shape
        symgrad.Size([2, 3])
        """
        raise NotImplementedError

    @property
    def batch_shape(self) -> Size:
        """The shape over which parameters are batched.

        >>> import symgrad
        >>> symgrad.distributions.Normal(symgrad.zeros(2, 3), 1.0).batch_shape
        symgrad.Size([2, 3])
        """
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of a single draw.

        >>> import symgrad
        >>> from symgrad.distributions import Independent, Normal
        >>> Independent(Normal(symgrad.zeros(2, 3), 1.0), 1).event_shape
        symgrad.Size([3])
        """
        return self._event_shape

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """Each parameter's constraint, checked on construction when validating.

        A subclass defines it; the base raises ``NotImplementedError``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 1.0).arg_constraints
        {'loc': Real(), 'scale': GreaterThan(lower_bound=0.0)}
        >>> symgrad.distributions.Distribution(validate_args=False).arg_constraints
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    @property
    def support(self) -> Any:
        """The constraint every value ``log_prob`` accepts satisfies.

        A subclass defines it; the base raises ``NotImplementedError``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 1.0).support
        Real()
        >>> symgrad.distributions.Distribution(validate_args=False).support
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        """The mean.

        A subclass defines it; the base raises ``NotImplementedError``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(1.0, 2.0).mean
        tensor(1.)
        >>> symgrad.distributions.Distribution(validate_args=False).mean
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    @property
    def mode(self) -> Tensor:
        """The mode.

        A subclass defines it; the base raises ``NotImplementedError``.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.2, 0.8])).mode
        tensor([0., 1.])
        >>> symgrad.distributions.Distribution(validate_args=False).mode
        Traceback (most recent call last):
        ...
        NotImplementedError: <class '...Distribution'> does not implement mode
        """
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance.

        A subclass defines it; the base raises ``NotImplementedError``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 2.0).variance
        tensor(4.)
        >>> symgrad.distributions.Distribution(validate_args=False).variance
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: ``variance.sqrt()``.

        >>> import symgrad
        >>> symgrad.distributions.Bernoulli(probs=symgrad.tensor([0.5, 0.1])).stddev
        tensor([0.5000, 0.3000])
        """
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, not recorded by
        autograd.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> from symgrad.distributions import Normal
        >>> _ = symgrad.manual_seed(0)
        >>> Normal(symgrad.tensor([0.0, 10.0]), 1.0).sample()
        tensor([1.5410, 9.7066])
        """
        with symgrad.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: differentiable in the parameters.

        A subclass with ``has_rsample`` defines it; the base raises ``NotImplementedError``.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> _ = symgrad.manual_seed(0)
        >>> symgrad.distributions.Normal(symgrad.tensor([0.0, 10.0]), 1.0).rsample()
        tensor([1.5410, 9.7066])
        >>> symgrad.distributions.Distribution(validate_args=False).rsample()
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``.

        A subclass defines it; the base raises ``NotImplementedError``.

        Args:
            value: a tensor broadcastable to ``batch_shape + event_shape``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 1.0).log_prob(symgrad.tensor([0.0, 1.0]))
        tensor([-0.9189, -1.4189])
        >>> symgrad.distributions.Distribution(validate_args=False).log_prob(symgrad.zeros(1))
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``.

        A subclass defines it; the base raises ``NotImplementedError``.

        Args:
            value: a tensor.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 1.0).cdf(symgrad.tensor([0.0, 1.0]))
        tensor([0.5000, 0.8413])
        >>> symgrad.distributions.Distribution(validate_args=False).cdf(symgrad.zeros(1))
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse cumulative distribution function at ``value``.

        A subclass defines it; the base raises ``NotImplementedError``.

        Args:
            value: a tensor of probabilities.

        >>> import symgrad
        >>> symgrad.distributions.Exponential(1.0).icdf(symgrad.tensor(0.5))
        tensor(0.6931)
        >>> symgrad.distributions.Distribution(validate_args=False).icdf(symgrad.zeros(1))
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """All values of a discrete distribution, along a new first dim.

        A subclass with ``has_enumerate_support`` defines it; the base raises
        ``NotImplementedError``.

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
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy, of shape ``batch_shape``.

        A subclass defines it; the base raises ``NotImplementedError``.

        >>> import symgrad
        >>> symgrad.distributions.Normal(0.0, 1.0).entropy()
        tensor(1.4189)
        >>> symgrad.distributions.Distribution(validate_args=False).entropy()
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        """``exp(entropy())``.

        >>> import symgrad
        >>> symgrad.distributions.Categorical(probs=symgrad.ones(4)).perplexity()
        tensor(4.)
        """
        return symgrad.exp(self.entropy())

    def _extended_shape(self, sample_shape: Any = _EMPTY_SHAPE) -> Size:
        return Size(tuple(sample_shape)) + self._batch_shape + self._event_shape

    def _validate_sample(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = len(value.size()) - len(self._event_shape)
        if value.size()[event_dim_start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{value.size()} vs {self._event_shape}.")
        actual_shape = value.size()
        expected_shape = self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual_shape), reversed(expected_shape), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{actual_shape} vs {expected_shape}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `support` to enable sample "
                          "validation. Please initialize the distribution with "
                          "`validate_args=False` to turn off validation.", stacklevel=2)
            return
        valid = support.check(value)
        if not bool(valid.all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support ({support!r}) "
                             f"of the distribution {self!r}, but found invalid values:\n{value}")

    def _get_checked_instance(self, cls: type, _instance: Any = None) -> Any:
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(
            f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}"
            for p in names)
        return self.__class__.__name__ + "(" + args + ")"


class ExponentialFamily(Distribution):
    """The base of the exponential-family distributions (``Normal``, ``Bernoulli``,
    ``Exponential``); ``kl_divergence`` between two different families is not defined.

    Args:
        batch_shape: the shape of the batch of distributions.
        event_shape: the shape of one draw.
        validate_args: check parameters and ``log_prob``'s values.

    >>> from symgrad.distributions import ExponentialFamily, Normal
    >>> isinstance(Normal(0.0, 1.0), ExponentialFamily)
    True
    """
