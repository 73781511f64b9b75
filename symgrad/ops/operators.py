"""Python operators on tensors, each the op PyTorch dispatches it to."""

from __future__ import annotations

from typing import Any

from symgrad.ops import arithmetic as A
from symgrad.ops import elementwise as E
from symgrad.ops.registry import apply
from symgrad.tensor import Tensor


def _rsub(self: Tensor, other: Any) -> Tensor:
    # `2 - x` is rsub with a wrapped scalar: PyTorch names its node RsubBackward1.
    A._no_bool_in_subtraction(self, other)
    return apply(RSUB_SCALAR, self, other)


RSUB_SCALAR = A.defop("rsub_scalar", "RsubBackward1", lambda self, other: other - self,
                      vjp=lambda g: (-g, None), differentiable=("self",), dtypes=A.ARITH,
                      refuses=A._BOOL_SUBTRACTION)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    # `2 / x` is reciprocal then mul in PyTorch, so its node is MulBackward0.
    return A.reciprocal(self) * other


def _rpow(self: Tensor, other: Any) -> Tensor:
    return A.pow(other, self)


def _rfloordiv(self: Tensor, other: Any) -> Tensor:
    return A.floor_divide(other, self)


def _rmod(self: Tensor, other: Any) -> Tensor:
    return A.remainder(other, self)


def _pos(self: Tensor) -> Tensor:
    # unary + is an alias: PyTorch returns the tensor itself.
    return self


_OPERATORS = {
    "__add__": A.add,
    "__radd__": A.add,
    "__sub__": A.sub,
    "__rsub__": _rsub,
    "__mul__": A.mul,
    "__rmul__": A.mul,
    "__truediv__": A.div,
    "__rtruediv__": _rtruediv,
    "__floordiv__": A.floor_divide,
    "__rfloordiv__": _rfloordiv,
    "__mod__": A.remainder,
    "__rmod__": _rmod,
    "__neg__": A.neg,
    "__pos__": _pos,
    "__abs__": A.abs,
    "__pow__": A.pow,
    "__rpow__": _rpow,
    "__eq__": E.eq,
    "__ne__": E.ne,
    "__lt__": E.lt,
    "__le__": E.le,
    "__gt__": E.gt,
    "__ge__": E.ge,
    "__and__": E.bitwise_and,
    "__rand__": E.bitwise_and,
    "__or__": E.bitwise_or,
    "__ror__": E.bitwise_or,
    "__xor__": E.bitwise_xor,
    "__rxor__": E.bitwise_xor,
    "__invert__": E.bitwise_not,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _fn)
Tensor.__hash__ = lambda self: id(self)  # type: ignore[method-assign]
