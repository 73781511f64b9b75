"""Shape ops: views and copies whose gradient moves values back to where they came from."""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import ALL, Sample, apply, defop, expose
from symgrad.tensor import Tensor


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


RESHAPE = defop("reshape", "ViewBackward0",
                lambda self, *, shape: np.reshape(self, shape),
                vjp=lambda g, *, self_shape: g.reshape(self_shape),
                dtype_rule="same", dtypes=ALL, kind="shape",
                samples=(Sample(((2, 3),), {"shape": (3, 2)}), Sample(((2, 3),), {"shape": (6,)})))
# expand's gradient is the broadcast reduction itself.
EXPAND = defop("expand", "ExpandBackward0",
               lambda self, *, shape: np.broadcast_to(self, shape),
               vjp=lambda g, *, self_shape: g.sum_to_size(self_shape),
               dtype_rule="same", dtypes=ALL, kind="shape",
               samples=(Sample(((2, 1),), {"shape": (2, 3)}), Sample(((3,),), {"shape": (2, 3)})))
TO_COPY = defop("to_copy", "ToCopyBackward0",
                lambda self, *, dtype: self.astype(_dtypes._NAMES[dtype].np),
                vjp=lambda g: g, dtype_rule="same", dtypes=ALL, kind="shape",
                samples=(Sample(((2, 3),), {"dtype": "float64"}),
                         Sample(((2, 3),), {"dtype": "float32"})))


@expose("reshape", "view")
def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same values in a new shape; one dim may be -1.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).reshape(2, 3).shape
    symgrad.Size([2, 3])
    """
    target = _shape_args(shape)
    try:
        new = np.reshape(input._data, target).shape
    except ValueError:
        raise RuntimeError(
            f"shape '{list(target)}' is invalid for input of size {input.numel()}"
        ) from None
    return apply(RESHAPE, input, shape=new)


@expose()
def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying (-1 keeps a dim)."""
    target = list(_shape_args(sizes))
    lead = len(target) - input.ndim
    for i, s in enumerate(input.shape):
        if target[lead + i] == -1:
            target[lead + i] = s
    return apply(EXPAND, input, shape=tuple(target))


@expose(method=False)
def broadcast_to(input: Tensor, size: Any) -> Tensor:
    """``input.expand(size)``."""
    return expand(input, tuple(size))


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Sum broadcast dims away so the result has ``size``."""
    shape = _shape_args(size)
    if tuple(input.shape) == shape:
        return input
    lead = input.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and input.shape[lead + i] != 1)
    out = input.sum(dim=dims, keepdim=True) if dims else input
    return out.reshape(shape) if lead else out


Tensor.sum_to_size = sum_to_size  # type: ignore[attr-defined]


def to(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """A copy converted to a dtype (``to(dtype)``, ``to("cpu")``, ``to(other)``); same tensor
    when nothing changes."""
    target = kwargs.get("dtype")
    for a in args:
        if isinstance(a, _dtypes.dtype):
            target = a
        elif isinstance(a, Tensor):
            target = a.dtype
    if target is None or target is input.dtype:
        return input
    if not target.is_floating_point or not input.is_floating_point():
        from symgrad.autograd import grad_mode

        with grad_mode.no_grad():
            return apply(TO_COPY, input, dtype=target.name)
    return apply(TO_COPY, input, dtype=target.name)


Tensor.to = to  # type: ignore[attr-defined]
for _name, _dt in [("float", _dtypes.float32), ("double", _dtypes.float64),
                   ("half", _dtypes.float16), ("bfloat16", _dtypes.bfloat16),
                   ("int", _dtypes.int32), ("long", _dtypes.int64), ("bool", _dtypes.bool)]:
    setattr(Tensor, _name, lambda self, _dt=_dt: to(self, _dt))
