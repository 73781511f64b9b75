"""``biject_to`` and ``transform_to``: from a constraint to a transform of the whole real line
onto it, as PyTorch's ``torch.distributions.constraint_registry`` (an unconstrained parameter
optimised, then mapped onto its constraint).

``biject_to(c)`` is a bijection (for HMC and the like); ``transform_to(c)`` need not be (the
simplex gets ``SoftmaxTransform``). Both look up the constraint's class.

>>> import symgrad
>>> from symgrad.distributions import biject_to, constraints
>>> t = biject_to(constraints.interval(0.0, 2.0))
>>> t(symgrad.tensor([0.0]))
tensor([1.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symgrad.distributions import constraints, transforms

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

_NUMBER = (int, float, bool)


class ConstraintRegistry:
    """Constraint classes and the factories of their transforms; called with a constraint,
    the transform its class's factory makes (``NotImplementedError`` if none is registered).

    Args:
        constraint: (calling the registry) a constraint object.

    >>> from symgrad.distributions import constraints
    >>> from symgrad.distributions.constraint_registry import ConstraintRegistry
    >>> from symgrad.distributions.transforms import ExpTransform
    >>> mine = ConstraintRegistry()
    >>> _ = mine.register(constraints.positive, lambda c: ExpTransform())
    >>> mine(constraints.positive)
    ExpTransform()
    """

    def __init__(self) -> None:
        self._registry: dict[type, Callable[[Any], transforms.Transform]] = {}
        super().__init__()

    def register(self, constraint: Any, factory: Callable[[Any], Any] | None = None) -> Any:
        """Register ``factory`` (constraint -> transform) for a constraint class (or the
        class of a constraint object); without ``factory``, a decorator.

        Args:
            constraint: a ``Constraint`` subclass, or an instance of one.
            factory: a function from a constraint object to a ``Transform``.

        >>> from symgrad.distributions import constraints
        >>> from symgrad.distributions.constraint_registry import ConstraintRegistry
        >>> from symgrad.distributions.transforms import ExpTransform
        >>> mine = ConstraintRegistry()
        >>> @mine.register(constraints.greater_than)
        ... def _exp(constraint):
        ...     return ExpTransform()
        >>> mine(constraints.positive)
        ExpTransform()
        """
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint,
                                                               constraints.Constraint):
            raise TypeError(f"Expected constraint to be either a Constraint subclass or "
                            f"instance, but got {constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: Any) -> transforms.Transform:
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(
                f"Cannot transform {type(constraint).__name__} constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


@biject_to.register(constraints.real)
@transform_to.register(constraints.real)
def _transform_to_real(constraint: Any) -> transforms.Transform:
    return transforms.identity_transform


@biject_to.register(constraints.independent)
def _biject_to_independent(constraint: Any) -> transforms.Transform:
    return transforms.IndependentTransform(biject_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_to_independent(constraint: Any) -> transforms.Transform:
    return transforms.IndependentTransform(transform_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


# ``positive`` is a ``greater_than`` (and ``nonnegative`` a ``greater_than_eq``): the lookup is
# by class, so they get the shifted exp below, as in PyTorch.
@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
@transform_to.register(constraints.greater_than)
@transform_to.register(constraints.greater_than_eq)
def _transform_to_greater_than(constraint: Any) -> transforms.Transform:
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.lower_bound, 1)])


@biject_to.register(constraints.less_than)
@transform_to.register(constraints.less_than)
def _transform_to_less_than(constraint: Any) -> transforms.Transform:
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.upper_bound, -1)])


@biject_to.register(constraints.interval)
@biject_to.register(constraints.half_open_interval)
@transform_to.register(constraints.interval)
@transform_to.register(constraints.half_open_interval)
def _transform_to_interval(constraint: Any) -> transforms.Transform:
    lower_is_0 = isinstance(constraint.lower_bound, _NUMBER) and constraint.lower_bound == 0
    upper_is_1 = isinstance(constraint.upper_bound, _NUMBER) and constraint.upper_bound == 1
    if lower_is_0 and upper_is_1:
        return transforms.SigmoidTransform()
    loc = constraint.lower_bound
    scale = constraint.upper_bound - constraint.lower_bound
    return transforms.ComposeTransform([transforms.SigmoidTransform(),
                                        transforms.AffineTransform(loc, scale)])


@biject_to.register(constraints.simplex)
def _biject_to_simplex(constraint: Any) -> transforms.Transform:
    return transforms.StickBreakingTransform()


@transform_to.register(constraints.simplex)
def _transform_to_simplex(constraint: Any) -> transforms.Transform:
    return transforms.SoftmaxTransform()
