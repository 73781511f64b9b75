"""Arithmetic: + - * / and powers, each a forward beside its VJP.

``g`` is the incoming gradient, ``out`` the result; inputs keep their forward names. Gradients
are summed back to each input's shape by the engine when broadcasting widened it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import Domain, Sample, apply, defop, expose
from symgrad.tensor import Tensor

ARITH = frozenset(_dtypes.ALL) - {_dtypes.bool}

# -- sums and differences -------------------------------------------------------------------------
_ALPHA = (Sample(((2, 3), (2, 3)), {"alpha": 1}), Sample(((2, 3), (3,)), {"alpha": 1}),
          Sample(((2, 1), (1, 3)), {"alpha": 2.5}))
ADD = defop("add", "AddBackward0", lambda self, other, *, alpha: self + alpha * other
            if alpha != 1 else self + other,
            vjp=lambda g, *, alpha: (g, g * alpha if alpha != 1 else g), dtypes=ARITH,
            samples=_ALPHA)
SUB = defop("sub", "SubBackward0", lambda self, other, *, alpha: self - alpha * other
            if alpha != 1 else self - other,
            vjp=lambda g, *, alpha: (g, -g * alpha if alpha != 1 else -g), dtypes=ARITH,
            samples=_ALPHA)
RSUB = defop("rsub", "RsubBackward0", lambda self, other: other - self,
             vjp=lambda g: (-g, g), dtypes=ARITH)
NEG = defop("neg", "NegBackward0", lambda self: -self, vjp=lambda g: -g, dtypes=ARITH)

# -- products and quotients -----------------------------------------------------------------------
MUL = defop("mul", "MulBackward0", lambda self, other: self * other,
            vjp=lambda g, self, other: (g * other, g * self), dtypes=ARITH)
DIV = defop("div", "DivBackward0", lambda self, other: self / other,
            vjp=lambda g, self, other: (g / other, -g * self / (other * other)),
            dtype_rule="promote_float", domain={"other": Domain(nonzero=True)})
RECIPROCAL = defop("reciprocal", "ReciprocalBackward0", lambda self: 1 / self,
                   vjp=lambda g, out: -g * out * out, dtype_rule="promote_float",
                   domain={"self": Domain(nonzero=True)})

# -- powers ---------------------------------------------------------------------------------------
# NOTE: d/dx x**0 is 0 everywhere, x = 0 included, so the exponent-0 case is written out rather
# than left to 0 * x**-1, which is nan at 0.
POW = defop("pow", "PowBackward0", lambda self, *, exponent: np.power(self, exponent),
            vjp=lambda g, self, *, exponent: g * 0 if exponent == 0
            else g * exponent * self ** (exponent - 1),
            domain={"self": Domain(low=0.0)},
            samples=tuple(Sample(((2, 3),), {"exponent": e}) for e in (2, 3, 0.5, -1.5, 0)))
# NOTE: the exponent's gradient at base 0 is taken as 0 where the exponent is >= 0 (PyTorch's
# convention), since out * log(0) would be 0 * -inf = nan.
POW_TENSOR = defop("pow_tensor", "PowBackward1", lambda self, exponent: np.power(self, exponent),
                   vjp=lambda g, self, exponent, out: (
                       g * exponent * self ** (exponent - 1),
                       g * out * where((self == 0) & (exponent >= 0), 0.0, log(self)),
                   ),
                   domain={"self": Domain(low=0.0)})
POW_SCALAR = defop("pow_scalar", "PowBackward2", lambda exponent, *, base: np.power(
                   np.asarray(base, exponent.dtype), exponent),
                   vjp=lambda g, out, *, base: g * out * float(np.log(base)),
                   domain={"exponent": Domain(low=-3.0, high=3.0)}, dtype_rule="same",
                   samples=tuple(Sample(((2, 3),), {"base": b}) for b in (2.0, 0.5)))


@expose()
def add(input: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """``input + alpha * other``, broadcasting.

    >>> import symgrad
    >>> symgrad.add(symgrad.tensor([1.0, 2.0]), 10)
    tensor([11., 12.])
    """
    return apply(ADD, input, other, alpha=alpha)


@expose()
def sub(input: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    return apply(SUB, input, other, alpha=alpha)


@expose()
def rsub(input: Tensor, other: Any) -> Tensor:
    """``other - input``."""
    return apply(RSUB, input, other)


@expose()
def mul(input: Tensor, other: Any) -> Tensor:
    """Elementwise product, broadcasting.

    >>> import symgrad
    >>> symgrad.mul(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0]))
    tensor([3., 6.])
    """
    return apply(MUL, input, other)


@expose("div", "true_divide")
def div(input: Tensor, other: Any) -> Tensor:
    """True division; integer inputs give the default float dtype."""
    return apply(DIV, input, other)


@expose()
def neg(input: Tensor) -> Tensor:
    """``-input``."""
    return apply(NEG, input)


@expose()
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``."""
    return apply(RECIPROCAL, input)


@expose()
def pow(input: Tensor | float, exponent: Tensor | float) -> Tensor:
    """``input ** exponent`` for tensor^scalar, tensor^tensor and scalar^tensor.

    >>> import symgrad
    >>> symgrad.pow(symgrad.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if not isinstance(exponent, Tensor):
        assert isinstance(input, Tensor)
        d = _dtypes.result_dtype(input.dtype if input.ndim else None,
                                 None if input.ndim else input.dtype,
                                 _dtypes._scalar_dtype(exponent))
        return apply(POW, input.to(d), exponent=exponent)
    if not isinstance(input, Tensor):
        d = _dtypes.result_dtype(exponent.dtype if exponent.ndim else None,
                                 None if exponent.ndim else exponent.dtype,
                                 _dtypes._scalar_dtype(input))
        return apply(POW_SCALAR, exponent.to(d), base=input)
    return apply(POW_TENSOR, input, exponent)


from symgrad.ops.elementwise import log, where  # noqa: E402 - the VJPs above use them
