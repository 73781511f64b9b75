"""Helpers the distributions share: broadcasting parameters, probabilities to logits and back,
and ``lazy_property`` (a parameter computed from the other on first use).

>>> import symgrad
>>> from symgrad.distributions.utils import probs_to_logits
>>> probs_to_logits(symgrad.tensor([0.5, 0.25]), is_binary=True)
tensor([ 0.0000, -1.0986])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import update_wrapper
from typing import Any

import symgrad
from symgrad.tensor import Size, Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]

_NUMBER = (int, float, bool)
_EMPTY_SHAPE = Size()  # the default sample_shape


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values broadcast to one shape, numbers made tensors of the first tensor's dtype
    (the default dtype if none is a tensor).

    Args:
        *values: tensors and numbers.

    >>> import symgrad
    >>> from symgrad.distributions.utils import broadcast_all
    >>> broadcast_all(symgrad.zeros(2, dtype=symgrad.float64), 1.0)
    (tensor([0., 0.], dtype=symgrad.float64), tensor([1., 1.], dtype=symgrad.float64))
    """
    if not all(isinstance(v, (Tensor, *_NUMBER)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = next((v.dtype for v in values if isinstance(v, Tensor)),
                     symgrad.get_default_dtype())
        values = tuple(v if isinstance(v, Tensor) else symgrad.tensor(v, dtype=dtype)
                       for v in values)
    return tuple(symgrad.broadcast_tensors(*values))


def _standard_normal(shape: Sequence[int], dtype: Any) -> Tensor:
    """``empty(shape).normal_()``: the draw PyTorch's reparameterised samples start from."""
    return symgrad.empty(shape, dtype=dtype).normal_()


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: ``sigmoid`` when binary, else ``softmax`` over the last dim.

    Args:
        logits: the logits.
        is_binary: whether they are the log-odds of one event each.

    >>> import symgrad
    >>> from symgrad.distributions.utils import logits_to_probs
    >>> logits_to_probs(symgrad.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """
    if is_binary:
        return symgrad.sigmoid(logits)
    return symgrad.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept ``eps`` (the dtype's) away from 0 and 1.

    Args:
        probs: the probabilities.

    >>> import symgrad
    >>> from symgrad.distributions.utils import clamp_probs
    >>> clamp_probs(symgrad.tensor([0.0, 1.0], dtype=symgrad.float64)).tolist()
    [2.220446049250313e-16, 0.9999999999999998]
    """
    eps = symgrad.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from (clamped) probabilities: the log-odds when binary, else the log.

    Args:
        probs: the probabilities.
        is_binary: whether each is the probability of one event.

    >>> import symgrad
    >>> from symgrad.distributions.utils import probs_to_logits
    >>> probs_to_logits(symgrad.tensor([1.0, 1.0]))
    tensor([-1.1921e-07, -1.1921e-07])
    """
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return symgrad.log(ps_clamped) - symgrad.log1p(-ps_clamped)
    return symgrad.log(ps_clamped)


class lazy_property:  # noqa: N801 - PyTorch's name
    """A property computed on first use (with autograd on) and then stored on the instance:
    a distribution given ``probs`` computes ``logits`` only when asked.

    Args:
        wrapped: the function computing the value.

    >>> import symgrad
    >>> from symgrad.distributions import Bernoulli
    >>> d = Bernoulli(logits=symgrad.tensor([0.0]))
    >>> "probs" in vars(d), d.probs, "probs" in vars(d)
    (False, tensor([0.5000]), True)
    """

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with symgrad.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):  # noqa: N801
    """What a ``lazy_property`` is on the class: both, so documentation tools see a
    property."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        property.__init__(self, wrapped)
