"""Invertible maps with a log-determinant of their Jacobian, as PyTorch's
``torch.distributions.transforms``: what ``TransformedDistribution`` pushes a base distribution
through, and what ``biject_to`` / ``transform_to`` return to move between a constrained space
and the whole real line.

Each ``Transform`` maps ``x`` to ``y = t(x)``; ``t.inv`` maps back, and
``t.log_abs_det_jacobian(x, y)`` is ``log |dy/dx|`` (summed over the transform's event dims).
With ``cache_size=1`` a transform remembers its last ``(x, y)`` pair, so inverting the value it
just produced returns the very ``x`` it came from (no round-off, and the graph to ``x`` kept).

>>> import symgrad
>>> from symgrad.distributions.transforms import AffineTransform, ExpTransform
>>> t = ExpTransform()
>>> y = t(symgrad.tensor([0.0, 1.0]))
>>> y, t.inv(y), t.log_abs_det_jacobian(symgrad.tensor([0.0, 1.0]), y)
(tensor([1.0000, 2.7183]), tensor([0.0000, 1.0000]), tensor([0., 1.]))
"""

from __future__ import annotations

import functools
import math
import operator
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.utils import _sum_rightmost, broadcast_all, lazy_property
from symgrad.nn.functional import logsigmoid, pad, softplus
from symgrad.tensor import Size, Tensor

__all__ = ["AbsTransform", "AffineTransform", "ComposeTransform",
           "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform",
           "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
           "SoftplusTransform", "StickBreakingTransform", "TanhTransform", "Transform",
           "identity_transform"]

_NUMBER = (int, float, bool)


class Transform:
    """The base of the transforms: caching, the inverse, and what a subclass defines
    (``_call``, ``_inverse``, ``log_abs_det_jacobian``, ``domain``, ``codomain``, ``sign``).

    Args:
        cache_size: 0 (no cache) or 1 (remember the last ``(x, y)`` pair).

    >>> import symgrad
    >>> from symgrad.distributions.transforms import ExpTransform
    >>> t = ExpTransform(cache_size=1)
    >>> x = symgrad.tensor([0.5])
    >>> t.inv(t(x)) is x
    True
    """

    bijective = False
    domain: constraints.Constraint
    codomain: constraints.Constraint

    def __init__(self, cache_size: int = 0) -> None:
        self._cache_size = cache_size
        self._inv: Transform | None = None
        if cache_size == 1:
            self._cached_x_y: tuple[Any, Any] = (None, None)
        elif cache_size != 0:
            raise ValueError("cache_size must be 0 or 1")
        super().__init__()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_inv"] = None
        return state

    @property
    def event_dim(self) -> int:
        """How many rightmost dims make one input (and one output).

        >>> from symgrad.distributions.transforms import ExpTransform, SoftmaxTransform
        >>> ExpTransform().event_dim, SoftmaxTransform().event_dim
        (0, 1)
        """
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self) -> Transform:
        """The inverse transform (``t.inv.inv is t``).

        >>> import symgrad
        >>> from symgrad.distributions.transforms import ExpTransform
        >>> t = ExpTransform()
        >>> t.inv, t.inv.inv is t, t.inv(symgrad.tensor(1.0))
        (_InverseTransform(ExpTransform()), True, tensor(0.))
        """
        inv = self._inv
        if inv is None:
            inv = _InverseTransform(self)
            self._inv = inv
        return inv

    @property
    def sign(self) -> Any:
        """The sign of the Jacobian's determinant: +1 (increasing) or -1 (decreasing), for
        bijective transforms of one variable.

        >>> from symgrad.distributions.transforms import AffineTransform, ExpTransform
        >>> ExpTransform().sign, AffineTransform(0.0, -2.0).sign
        (1, -1)
        """
        raise NotImplementedError

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with the given cache size (itself if it has it already).

        Args:
            cache_size: 0 or 1.

        >>> from symgrad.distributions.transforms import ExpTransform
        >>> t = ExpTransform()
        >>> t.with_cache(0) is t, t.with_cache(1)._cache_size
        (True, 1)
        """
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __call__(self, x: Any) -> Any:
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def _inv_call(self, y: Any) -> Any:
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x: Any) -> Any:
        raise NotImplementedError

    def _inverse(self, y: Any) -> Any:
        raise NotImplementedError

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        """``log |dy/dx|`` at the pair ``x``, ``y = t(x)``.

        Args:
            x: an input.
            y: its output.

        >>> import symgrad
        >>> from symgrad.distributions.transforms import AffineTransform
        >>> x = symgrad.zeros(2)
        >>> AffineTransform(1.0, -3.0).log_abs_det_jacobian(x, 1 - 3 * x)
        tensor([1.0986, 1.0986])
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.__class__.__name__ + "()"

    def forward_shape(self, shape: Any) -> Any:
        """The shape of ``t(x)`` for an ``x`` of ``shape``.

        Args:
            shape: an input shape.

        >>> from symgrad.distributions.transforms import StickBreakingTransform
        >>> StickBreakingTransform().forward_shape((2, 3))
        (2, 4)
        """
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        """The shape of ``t.inv(y)`` for a ``y`` of ``shape``.

        Args:
            shape: an output shape.

        >>> from symgrad.distributions.transforms import StickBreakingTransform
        >>> StickBreakingTransform().inverse_shape((2, 4))
        (2, 3)
        """
        return shape


class _InverseTransform(Transform):
    """The inverse of a transform (``Transform.inv``)."""

    def __init__(self, transform: Transform) -> None:
        super().__init__(cache_size=transform._cache_size)
        self._inv: Transform = transform

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        return self._inv.codomain

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        return self._inv.domain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self._inv.bijective

    @property
    def sign(self) -> Any:
        return self._inv.sign

    @property
    def inv(self) -> Transform:
        return self._inv

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self.inv.with_cache(cache_size).inv

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._inv!r})"

    def __call__(self, x: Any) -> Any:
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape: Any) -> Any:
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self._inv.forward_shape(shape)


class ComposeTransform(Transform):
    """Transforms applied one after the other; each caches for itself.

    Args:
        parts: the transforms, first applied first.
        cache_size: 0 or 1, given to each part.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import AffineTransform, ComposeTransform, ExpTransform
    >>> t = ComposeTransform([ExpTransform(), AffineTransform(1.0, 2.0)])
    >>> x = symgrad.tensor([0.0, 1.0])
    >>> t(x), t.log_abs_det_jacobian(x, t(x))
    (tensor([3.0000, 6.4366]), tensor([0.6931, 1.6931]))
    """

    def __init__(self, parts: list[Transform], cache_size: int = 0) -> None:
        if cache_size:
            parts = [part.with_cache(cache_size) for part in parts]
        super().__init__(cache_size=cache_size)
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        """The first part's domain, over as many event dims as the chain needs.

        >>> from symgrad.distributions.transforms import ComposeTransform, ExpTransform
        >>> ComposeTransform([ExpTransform()]).domain
        Real()
        """
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim += part.domain.event_dim - part.codomain.event_dim
            event_dim = max(event_dim, part.domain.event_dim)
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        """The last part's codomain, over as many event dims as the chain needs.

        >>> from symgrad.distributions.transforms import ComposeTransform, ExpTransform
        >>> ComposeTransform([ExpTransform()]).codomain
        GreaterThan(lower_bound=0.0)
        """
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim += part.codomain.event_dim - part.domain.event_dim
            event_dim = max(event_dim, part.codomain.event_dim)
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @lazy_property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(p.bijective for p in self.parts)

    @lazy_property
    def sign(self) -> Any:  # type: ignore[override]
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self) -> Transform:
        """The parts' inverses in reverse order.

        >>> from symgrad.distributions.transforms import ComposeTransform, ExpTransform
        >>> ComposeTransform([ExpTransform()]).inv.parts
        [_InverseTransform(ExpTransform())]
        """
        inv = self._inv
        if inv is None:
            inv = ComposeTransform([p.inv for p in reversed(self.parts)])
            self._inv = inv
            inv._inv = self
        return inv

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x: Any) -> Any:
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        if not self.parts:
            return symgrad.zeros_like(x)
        # The intermediates cost nothing when the parts cache.
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        terms = []
        event_dim = self.domain.event_dim
        for part, x_in, y_out in zip(self.parts, xs[:-1], xs[1:], strict=True):
            terms.append(_sum_rightmost(part.log_abs_det_jacobian(x_in, y_out),
                                        event_dim - part.domain.event_dim))
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return functools.reduce(operator.add, terms)

    def forward_shape(self, shape: Any) -> Any:
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def __repr__(self) -> str:
        return (self.__class__.__name__ + "(\n    "
                + ",\n    ".join(repr(p) for p in self.parts) + "\n)")


identity_transform = ComposeTransform([])
identity_transform.__doc__ = """The composition of no transforms: ``x`` itself, of
log-determinant 0 (``biject_to(constraints.real)``).

Args:
    x: (calling it) any tensor.

>>> import symgrad
>>> from symgrad.distributions.transforms import identity_transform
>>> identity_transform(symgrad.tensor([1.5]))
tensor([1.5000])
"""


class IndependentTransform(Transform):
    """``base_transform`` with ``reinterpreted_batch_ndims`` more rightmost dims taken as one
    event: the same map, its log-determinant summed over those dims.

    Args:
        base_transform: the transform.
        reinterpreted_batch_ndims: how many more dims make one event.
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import ExpTransform, IndependentTransform
    >>> t = IndependentTransform(ExpTransform(), 1)
    >>> x = symgrad.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> t.log_abs_det_jacobian(x, t(x)), t.domain
    (tensor([1., 5.]), IndependentConstraint(Real(), 1))
    """

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int,
                 cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims,
                                    cache_size=cache_size)

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        """The base domain over ``reinterpreted_batch_ndims`` more dims.

        >>> from symgrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 2).domain.event_dim
        2
        """
        return constraints.independent(self.base_transform.domain,
                                       self.reinterpreted_batch_ndims)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        """The base codomain over ``reinterpreted_batch_ndims`` more dims.

        >>> from symgrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 1).codomain
        IndependentConstraint(GreaterThan(lower_bound=0.0), 1)
        """
        return constraints.independent(self.base_transform.codomain,
                                       self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        """The base transform's.

        >>> from symgrad.distributions.transforms import AbsTransform, IndependentTransform
        >>> IndependentTransform(AbsTransform(), 1).bijective
        False
        """
        return self.base_transform.bijective

    @property
    def sign(self) -> Any:
        """The base transform's.

        >>> from symgrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 1).sign
        1
        """
        return self.base_transform.sign

    def _call(self, x: Any) -> Any:
        if x.dim() < self.domain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform(x)

    def _inverse(self, y: Any) -> Any:
        if y.dim() < self.codomain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        result = self.base_transform.log_abs_det_jacobian(x, y)
        return _sum_rightmost(result, self.reinterpreted_batch_ndims)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.base_transform!r}, "
                f"{self.reinterpreted_batch_ndims})")

    def forward_shape(self, shape: Any) -> Any:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self.base_transform.inverse_shape(shape)


class ReshapeTransform(Transform):
    """Reshape the rightmost dims from ``in_shape`` to ``out_shape`` (log-determinant 0).

    Args:
        in_shape: the input's event shape.
        out_shape: the output's event shape, of as many elements.
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import ReshapeTransform
    >>> t = ReshapeTransform((4,), (2, 2))
    >>> x = symgrad.zeros(3, 4)
    >>> t(x).shape, t.log_abs_det_jacobian(x, t(x))
    (symgrad.Size([3, 2, 2]), tensor([0., 0., 0.]))
    """

    bijective = True

    def __init__(self, in_shape: Any, out_shape: Any, cache_size: int = 0) -> None:
        self.in_shape = Size(in_shape)
        self.out_shape = Size(out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @constraints.dependent_property
    def domain(self) -> Any:
        """Reals over ``len(in_shape)`` dims.

        >>> from symgrad.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((4,), (2, 2)).domain
        IndependentConstraint(Real(), 1)
        """
        return constraints.independent(constraints.real, len(self.in_shape))

    @constraints.dependent_property
    def codomain(self) -> Any:
        """Reals over ``len(out_shape)`` dims.

        >>> from symgrad.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((4,), (2, 2)).codomain
        IndependentConstraint(Real(), 2)
        """
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x: Any) -> Any:
        return x.reshape(x.shape[:x.dim() - len(self.in_shape)] + self.out_shape)

    def _inverse(self, y: Any) -> Any:
        return y.reshape(y.shape[:y.dim() - len(self.out_shape)] + self.in_shape)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return x.new_zeros(x.shape[:x.dim() - len(self.in_shape)])

    def forward_shape(self, shape: Any) -> Any:
        return self._moved(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self._moved(shape, self.out_shape, self.in_shape)

    @staticmethod
    def _moved(shape: Any, old: Size, new: Size) -> Any:
        if len(shape) < len(old):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(old)
        if shape[cut:] != old:
            raise ValueError(f"Shape mismatch: expected {shape[cut:]} but got {old}")
        return shape[:cut] + new


class ExpTransform(Transform):
    """``y = exp(x)``.

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import ExpTransform
    >>> ExpTransform()(symgrad.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpTransform)

    def _call(self, x: Any) -> Any:
        return x.exp()

    def _inverse(self, y: Any) -> Any:
        return y.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return x


class PowerTransform(Transform):
    """``y = x ** exponent`` on the positive reals.

    Args:
        exponent: the exponent (a number or tensor).
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import PowerTransform
    >>> t = PowerTransform(symgrad.tensor(2.0))
    >>> x = symgrad.tensor([1.0, 3.0])
    >>> t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x))
    (tensor([1., 9.]), tensor([1., 3.]), tensor([0.6931, 1.7918]))
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        (self.exponent,) = broadcast_all(exponent)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @lazy_property
    def sign(self) -> Any:  # type: ignore[override]
        return self.exponent.sign()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PowerTransform):
            return False
        return bool(self.exponent.eq(other.exponent).all().item())

    def _call(self, x: Any) -> Any:
        return x.pow(self.exponent)

    def _inverse(self, y: Any) -> Any:
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape: Any) -> Any:
        return symgrad.broadcast_shapes(shape, getattr(self.exponent, "shape", ()))

    def inverse_shape(self, shape: Any) -> Any:
        return symgrad.broadcast_shapes(shape, getattr(self.exponent, "shape", ()))


def _clipped_sigmoid(x: Tensor) -> Tensor:
    """``sigmoid(x)`` kept within ``[tiny, 1 - eps]`` of its dtype (so its logit is finite)."""
    finfo = symgrad.finfo(x.dtype)
    return symgrad.clamp(symgrad.sigmoid(x), min=finfo.tiny, max=1.0 - finfo.eps)


class SigmoidTransform(Transform):
    """``y = sigmoid(x)`` (kept within ``[tiny, 1 - eps]``), ``x = logit(y)``.

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import SigmoidTransform
    >>> t = SigmoidTransform()
    >>> x = symgrad.tensor([0.0, 2.0])
    >>> t(x), t.log_abs_det_jacobian(x, t(x))
    (tensor([0.5000, 0.8808]), tensor([-1.3863, -2.2539]))
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigmoidTransform)

    def _call(self, x: Any) -> Any:
        return _clipped_sigmoid(x)

    def _inverse(self, y: Any) -> Any:
        finfo = symgrad.finfo(y.dtype)
        y = y.clamp(min=finfo.tiny, max=1.0 - finfo.eps)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -softplus(-x) - softplus(x)


class SoftplusTransform(Transform):
    """``y = log(1 + exp(x))`` (linear past 20, as ``softplus``).

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import SoftplusTransform
    >>> t = SoftplusTransform()
    >>> t(symgrad.tensor([0.0])), t.inv(symgrad.tensor([0.6931472]))
    (tensor([0.6931]), tensor([0.]))
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftplusTransform)

    def _call(self, x: Any) -> Any:
        return softplus(x)

    def _inverse(self, y: Any) -> Any:
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -softplus(-x)


class TanhTransform(Transform):
    """``y = tanh(x)``; the inverse is ``atanh``, unclamped (``cache_size=1`` keeps the
    input of values at +-1).

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import TanhTransform
    >>> t = TanhTransform()
    >>> x = symgrad.tensor([0.0, 1.0])
    >>> t(x), t.log_abs_det_jacobian(x, t(x))
    (tensor([0.0000, 0.7616]), tensor([ 0.0000, -0.8676]))
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TanhTransform)

    def _call(self, x: Any) -> Any:
        return x.tanh()

    def _inverse(self, y: Any) -> Any:
        return symgrad.atanh(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        # log(1 - tanh(x)^2) without the cancellation near |x| large (TensorFlow Probability's).
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(Transform):
    """``y = |x|``: not bijective; the inverse returns ``y``.

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import AbsTransform
    >>> AbsTransform()(symgrad.tensor([-2.0, 3.0])), AbsTransform().inv(symgrad.tensor(2.0))
    (tensor([2., 3.]), tensor(2.))
    """

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AbsTransform)

    def _call(self, x: Any) -> Any:
        return x.abs()

    def _inverse(self, y: Any) -> Any:
        return y


class AffineTransform(Transform):
    """``y = loc + scale * x``.

    Args:
        loc: the shift (a number or tensor).
        scale: the factor (a number or tensor).
        event_dim: how many rightmost dims make one value (the log-determinant sums them).
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import AffineTransform
    >>> t = AffineTransform(1.0, symgrad.tensor([2.0, -0.5]), event_dim=1)
    >>> x = symgrad.tensor([1.0, 2.0])
    >>> t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x))
    (tensor([3., 0.]), tensor([1., 2.]), tensor(0.))
    """

    bijective = True

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim

    @property
    def event_dim(self) -> int:
        """How many rightmost dims make one value.

        >>> from symgrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, 1.0, event_dim=2).event_dim
        2
        """
        return self._event_dim

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        """The reals over ``event_dim`` dims.

        >>> from symgrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, 1.0).domain, AffineTransform(0.0, 1.0, 1).domain
        (Real(), IndependentConstraint(Real(), 1))
        """
        if self.event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self.event_dim)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        """The reals over ``event_dim`` dims.

        >>> from symgrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, 1.0).codomain
        Real()
        """
        if self.event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self.event_dim)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self.event_dim, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AffineTransform):
            return False
        for mine, theirs in ((self.loc, other.loc), (self.scale, other.scale)):
            if isinstance(mine, _NUMBER) and isinstance(theirs, _NUMBER):
                if mine != theirs:
                    return False
            elif not (mine == theirs).all().item():
                return False
        return True

    @property
    def sign(self) -> Any:
        """The sign of ``scale``.

        >>> import symgrad
        >>> from symgrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, -2.0).sign, AffineTransform(0.0, symgrad.tensor([2.0])).sign
        (-1, tensor([1.]))
        """
        if isinstance(self.scale, _NUMBER):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x: Any) -> Any:
        return self.loc + self.scale * x

    def _inverse(self, y: Any) -> Any:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        shape = x.shape
        scale = self.scale
        if isinstance(scale, _NUMBER):
            result = symgrad.full_like(x, math.log(abs(scale)))
        else:
            result = symgrad.abs(scale).log()
        if self.event_dim:
            result = result.view(result.size()[:-self.event_dim] + (-1,)).sum(-1)
            shape = shape[:-self.event_dim]
        return result.expand(shape)

    def forward_shape(self, shape: Any) -> Any:
        return symgrad.broadcast_shapes(shape, getattr(self.loc, "shape", ()),
                                        getattr(self.scale, "shape", ()))

    def inverse_shape(self, shape: Any) -> Any:
        return symgrad.broadcast_shapes(shape, getattr(self.loc, "shape", ()),
                                        getattr(self.scale, "shape", ()))


class SoftmaxTransform(Transform):
    """The reals to the simplex by ``exp`` and normalising over the last dim (not
    bijective; the inverse is ``log``).

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import SoftmaxTransform
    >>> SoftmaxTransform()(symgrad.tensor([0.0, 0.0, 1.0]))
    tensor([0.2119, 0.2119, 0.5761])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    def _call(self, x: Any) -> Any:
        probs = (x - x.max(-1, True)[0]).exp()
        return probs / probs.sum(-1, True)

    def _inverse(self, y: Any) -> Any:
        return y.log()

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape


class StickBreakingTransform(Transform):
    """The reals of ``n`` dims to the simplex of ``n + 1`` by breaking a stick: each
    coordinate's sigmoid takes its share of what the ones before left (bijective).

    Args:
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions.transforms import StickBreakingTransform
    >>> t = StickBreakingTransform()
    >>> y = t(symgrad.tensor([0.0, 0.0]))
    >>> y, t.inv(y)
    (tensor([0.3333, 0.3333, 0.3333]), tensor([ 0.0000e+00, -1.1921e-07]))
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    def _call(self, x: Any) -> Any:
        offset = x.shape[-1] + 1 - x.new_ones(x.shape[-1]).cumsum(-1)
        z = _clipped_sigmoid(x - offset.log())
        z_cumprod = (1 - z).cumprod(-1)
        return pad(z, [0, 1], value=1) * pad(z_cumprod, [1, 0], value=1)

    def _inverse(self, y: Any) -> Any:
        y_crop = y[..., :-1]
        offset = y.shape[-1] - y.new_ones(y_crop.shape[-1]).cumsum(-1)
        # kept positive where y[-1] ~ 0 or sum(y[:-1]) ~ 1 rounds it to 0 or below
        sf = symgrad.clamp(1 - y_crop.cumsum(-1), min=symgrad.finfo(y.dtype).tiny)
        return y_crop.log() - sf.log() + offset.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        offset = x.shape[-1] + 1 - x.new_ones(x.shape[-1]).cumsum(-1)
        x = x - offset.log()
        # 1 - sigmoid(x) = exp(-x) * sigmoid(x)
        return (-x + logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape[:-1] + (shape[-1] - 1,)


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)``, to the unit interval; the inverse is its ``icdf``.

    Args:
        distribution: a distribution with ``cdf``, ``icdf`` and ``log_prob``.
        cache_size: 0 or 1.

    >>> import symgrad
    >>> from symgrad.distributions import Normal
    >>> from symgrad.distributions.transforms import CumulativeDistributionTransform
    >>> t = CumulativeDistributionTransform(Normal(0.0, 1.0))
    >>> t(symgrad.tensor([0.0, 1.0]))
    tensor([0.5000, 0.8413])
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> Any:  # type: ignore[override]
        """The distribution's support.

        >>> from symgrad.distributions import Exponential
        >>> from symgrad.distributions.transforms import CumulativeDistributionTransform
        >>> CumulativeDistributionTransform(Exponential(1.0)).domain
        GreaterThanEq(lower_bound=0.0)
        """
        return self.distribution.support

    def _call(self, x: Any) -> Any:
        return self.distribution.cdf(x)

    def _inverse(self, y: Any) -> Any:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)
