"""Python operators on tensors, each the op PyTorch dispatches it to."""

from __future__ import annotations

from typing import Any

from symgrad.ops import arithmetic as A
from symgrad.ops import elementwise as E
from symgrad.ops.registry import apply
from symgrad.tensor import Tensor


def _rsub(self: Tensor, other: Any) -> Tensor:
    # `2 - x` is rsub with a wrapped scalar: PyTorch names its node RsubBackward1.
    return apply(RSUB_SCALAR, self, other)


RSUB_SCALAR = A.defop("rsub_scalar", "RsubBackward1", lambda self, other: other - self,
                      vjp=lambda g: (-g, None), differentiable=("self",), dtypes=A.ARITH)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    # `2 / x` is reciprocal then mul in PyTorch, so its node is MulBackward0.
    return A.reciprocal(self) * other


_OPERATORS = {
    "__add__": A.add,
    "__radd__": A.add,
    "__sub__": A.sub,
    "__rsub__": _rsub,
    "__mul__": A.mul,
    "__rmul__": A.mul,
    "__truediv__": A.div,
    "__rtruediv__": _rtruediv,
    "__neg__": A.neg,
    "__pow__": A.pow,
    "__rpow__": lambda self, other: A.pow(other, self),
    "__eq__": E.eq,
    "__ne__": E.ne,
    "__lt__": E.lt,
    "__le__": E.le,
    "__gt__": E.gt,
    "__ge__": E.ge,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _fn)
Tensor.__hash__ = lambda self: id(self)  # type: ignore[method-assign]
