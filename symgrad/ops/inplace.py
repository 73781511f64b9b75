"""In-place ops (``add_``, ``mul_``, ``zero_``, ``copy_``, ...) with PyTorch's autograd rules.

An in-place op computes its result from the tensor's current value, writes it into the same
NumPy array and bumps ``_version``. When it records, the tensor's ``grad_fn`` becomes the new
node, whose input is a copy of the old value carrying the old ``grad_fn``; nodes that saved the
tensor before see the version change and refuse to run backward. A leaf that requires grad
cannot be changed in place while grad mode is on (``no_grad`` allows it: optimizer steps).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import grad_mode
from symgrad.ops import arithmetic as A
from symgrad.ops.registry import ALL, REGISTRY, Sample, apply, defop
from symgrad.tensor import Tensor

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
# PyTorch's ScalarType names, as its cast errors print them.
_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                 "int32": "Int", "int64": "Long", "float16": "Half", "bfloat16": "BFloat16",
                 "float32": "Float", "float64": "Double"}


def rewrite(t: Tensor, fn: Callable[[Tensor], Tensor], view: bool = False) -> Tensor:
    """Replace ``t``'s value by ``fn(value)`` in place, recording it as PyTorch does.

    ``view`` marks a write through a view of ``t`` (``t[key] = value``), which PyTorch reports
    as such when ``t`` is a leaf that requires grad.
    """
    recording = grad_mode._state.enabled
    if recording and t._rg and t.grad_fn is None:
        raise RuntimeError(("a view of " if view else "") + _LEAF)
    out = fn(Tensor._make(t._data.copy(), t._rg, t.grad_fn)) if recording else fn(t)
    made = t.grad_fn
    if made is not None and made._out_ref is not None and made._out_ref() is t:
        # The node that made ``t`` saved it: hold ``t`` so that node still sees this write
        # when nothing else keeps ``t`` alive.
        made._out_ref = lambda: t
    if out.dtype is not t.dtype and not _dtypes.can_cast(out.dtype, t.dtype):
        raise RuntimeError(
            f"result type {_SCALAR_NAMES[out.dtype.name]} can't be cast to the desired output "
            f"type {_SCALAR_NAMES[t.dtype.name]}")
    if out._data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast shape "
                           f"{list(out.shape)}")
    t._data[...] = out._data
    t._version += 1
    node = out.grad_fn
    if node is not None:
        t.grad_fn = node
        t._rg = True
        # A node that saved its result saved what now lives in ``t``: later writes to ``t``
        # must be caught like writes to any saved tensor.
        if node._out_ref is not None:
            node._out_ref = weakref.ref(t)
            node._out_data = t._data
            node._out_version = t._version
    return t


def _zeros_like(g: Tensor) -> Tensor:
    return Tensor._make(np.zeros(g._data.shape, dtype=g._data.dtype), False, None)


ZERO = defop("zero", "ZeroBackward0", lambda self: np.zeros_like(self),
             vjp=lambda g: _zeros_like(g), dtype_rule="same", dtypes=ALL, kind="inplace",
             torch="self.clone().zero_()")
FILL = defop("fill", "FillBackward2", lambda self, *, value: np.full_like(self, value),
             vjp=lambda g, *, value: _zeros_like(g), dtype_rule="same", dtypes=ALL,
             kind="inplace", samples=(Sample(((2, 3),), {"value": 1.5}),),
             torch="self.clone().fill_(value)")
FILL_TENSOR = defop("fill_tensor", "FillBackward3",
                    lambda self, value: np.full_like(self, value),
                    vjp=lambda g: (_zeros_like(g), g.sum()), dtype_rule="same", dtypes=ALL,
                    kind="inplace", samples=(Sample(((2, 3), ())),),
                    torch="self.clone().fill_(value)")
COPY = defop("copy", "torch::autograd::CopyBackwards",
             lambda self, src: np.broadcast_to(src, self.shape).astype(self.dtype),
             vjp=lambda g: (_zeros_like(g), g), dtype_rule="same", dtypes=ALL, kind="inplace",
             samples=(Sample(((2, 3), (2, 3))), Sample(((2, 3), (3,)))),
             torch="self.clone().copy_(src)")


def add_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """``self += alpha * other``, in place.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 1
    >>> y.add_(10)
    tensor([11., 12.], grad_fn=<AddBackward0>)
    """
    return rewrite(self, lambda old: A.add(old, other, alpha=alpha))


def sub_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """``self -= alpha * other``, in place."""
    return rewrite(self, lambda old: A.sub(old, other, alpha=alpha))


def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other``, in place."""
    return rewrite(self, lambda old: A.mul(old, other))


def div_(self: Tensor, other: Any) -> Tensor:
    """``self /= other``, in place (integer tensors cannot hold the float result).

    >>> import symgrad
    >>> symgrad.tensor([1, 2]).div_(2)
    Traceback (most recent call last):
    ...
    RuntimeError: result type Float can't be cast to the desired output type Long
    """
    return rewrite(self, lambda old: A.div(old, other))


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros, in place.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0]).zero_()
    tensor([0., 0.])
    """
    return rewrite(self, lambda old: apply(ZERO, old))


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with one value (a number or a zero-dim tensor), in place."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        return rewrite(self, lambda old: apply(FILL_TENSOR, old, value))
    return rewrite(self, lambda old: apply(FILL, old, value=value))


def copy_(self: Tensor, src: Tensor) -> Tensor:
    """Copy ``src``'s values (broadcast, cast to this dtype) into this tensor.

    >>> import symgrad
    >>> symgrad.zeros(2, 2).copy_(symgrad.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
    except ValueError:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(np.broadcast_shapes(src._data.shape, self._data.shape))}"
                           ) from None
    return rewrite(self, lambda old: apply(COPY, old, src))


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Clamp into ``[min, max]``, in place (PyTorch records ``ClampBackward1`` either way)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return rewrite(self, lambda old: apply(REGISTRY["clamp"], old, min=min, max=max))


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """``self **= exponent``, in place."""
    return rewrite(self, lambda old: A.pow(old, exponent))


def _unary_(name: str) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return rewrite(self, lambda old: getattr(old, name)())

    method.__name__ = name + "_"
    method.__doc__ = f"``{name}`` in place."
    return method


for _fn in (add_, sub_, mul_, div_, zero_, fill_, copy_, clamp_, pow_):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.clip_ = clamp_  # type: ignore[attr-defined]
for _name in ("exp", "log", "sqrt", "neg", "abs", "sin", "cos", "tanh", "sigmoid", "reciprocal",
              "relu", "floor", "ceil", "round", "trunc"):
    setattr(Tensor, _name + "_", _unary_(_name))
Tensor.__iadd__ = add_  # type: ignore[attr-defined]
Tensor.__isub__ = sub_  # type: ignore[attr-defined]
Tensor.__imul__ = mul_  # type: ignore[attr-defined]
Tensor.__itruediv__ = div_  # type: ignore[attr-defined]
