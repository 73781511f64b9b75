"""``sgn`` (the sign of a real tensor, SgnBackward0), ``dist`` (the p-norm of a difference,
DistBackward0) and ``frexp`` (mantissa and exponent, FrexpBackward0): PyTorch records each as
an op of its own, so each is declared here once, with its meaning for the judge in
``oracle/semantics/sgn_dist_frexp.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes, return_types
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops import inplace as _inplace
from symgrad.ops.arithmetic import _BOOL_SUBTRACTION, _no_bool_in_subtraction, _sign, _zeros
from symgrad.ops.elementwise import exp2
from symgrad.ops.reductions import NORM, _norm_forward, _norm_vjp
from symgrad.ops.registry import (
    ALL,
    Kink,
    apply,
    broadcast_shapes,
    defop,
    expose,
    refuse,
)
from symgrad.tensor import Tensor

__all__ = ["sgn", "dist", "frexp"]


# -- sgn -------------------------------------------------------------------------------------------
# For real numbers sgn is sign; PyTorch's sgn_backward, (g - Re(g conj(sgn)) sgn) / |x|, is 0
# where x != 0 and 0 (its where) at x == 0. Its node saves self and the result, so a write to
# either before backward raises, though the VJP reads neither.
def _sgn(self: np.ndarray) -> np.ndarray:
    return _sign(self)


SGN = defop("sgn", "SgnBackward0", _sgn, vjp=lambda g, self: _zeros(g), dtypes=ALL,
            kinks=(Kink("self", "self == 0", lambda self, **_: self == 0, "zero"),),
            checks_out=True)


@expose()
def sgn(input: Tensor) -> Tensor:
    """The sign of each element, -1, 0 or 1 (``sign`` for real tensors, NaN giving 0); its
    gradient is zero everywhere (SgnBackward0).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.sgn(symgrad.tensor([-2.5, 0.0, 3.0], requires_grad=True))
    tensor([-1.,  0.,  1.], grad_fn=<SgnBackward0>)
    """
    return apply(SGN, input)


def _sgn_(self: Tensor) -> Tensor:
    """``sgn`` in place: ``self`` holds the sign of each element and is returned.

    >>> import symgrad
    >>> x = symgrad.tensor([-2.5, 0.0, 3.0])
    >>> x.sgn_() is x, x
    (True, tensor([-1.,  0.,  1.]))
    """
    return _inplace.rewrite(self, lambda old: apply(SGN, old))


Tensor.sgn_ = _sgn_  # type: ignore[attr-defined]


# -- dist ------------------------------------------------------------------------------------------
def _dist(self: np.ndarray, other: np.ndarray, *, p: float) -> np.ndarray:
    # PyTorch's norm(self - other, p): the difference is rounded to the dtype first.
    return _norm_forward(np.subtract(self, other), p=p, dim=None, keepdim=False)


def _dist_vjp(g: Tensor, self: Tensor, other: Tensor, out: Tensor, *, p: float,
              needs: tuple[bool, bool]) -> tuple[Tensor | None, Tensor | None]:
    if p == 0:
        # The count of nonzeros: PyTorch's norm_backward gives no gradient, which its
        # DistBackward0 negates for other (so refuses) where other's is needed.
        if needs[1]:
            raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor "
                               "in C++) for argument #0 'self'")
        return None, None
    diff = self - other
    grad = _norm_vjp(g, diff, out, p=p, dim=None, keepdim=False, self_shape=tuple(diff.shape))
    return (grad if needs[0] else None), (-grad if needs[1] else None)


def _diff_zero(self: np.ndarray, other: np.ndarray, **_: Any) -> np.ndarray:
    return np.subtract(self, other) == 0


def _diff_ties(self: np.ndarray, other: np.ndarray, *, p: float = 2.0, **_: Any) -> np.ndarray:
    return NORM.kinks[1].at(np.subtract(self, other), p=p, dim=None, keepdim=False)


# The norm's kinks (the same labels as ``norm``'s), in the difference: each input has them.
DIST = defop("dist", "DistBackward0", _dist, vjp=_dist_vjp, kind="reduction",
             refuses=refuse(_dtypes.INTEGRAL, "norm(): input dtype should be "
                            "either floating point or complex. Got {dtype} instead.")
             | _BOOL_SUBTRACTION,
             kinks=tuple(Kink(arg, NORM.kinks[i].where, at, NORM.kinks[i].convention)
                         for arg in ("self", "other")
                         for i, at in ((0, _diff_zero), (1, _diff_ties))))


@expose()
def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast together): ``norm(input - other, p)``
    recorded as one node, DistBackward0. ``p`` = 0 counts the nonzero differences, +-inf takes
    the largest or smallest absolute one.

    Args:
        input: A floating-point tensor.
        other: A tensor broadcastable with ``input``.
        p: The order of the norm (a number or a one-element tensor). Defaults to 2.

    >>> import symgrad
    >>> symgrad.dist(symgrad.tensor([1.0, 2.0]), symgrad.tensor([4.0, 6.0]))
    tensor(5.)
    >>> symgrad.dist(symgrad.tensor([1.0, 2.0]), symgrad.tensor([4.0, 6.0]), 1)
    tensor(7.)
    """
    if isinstance(p, Tensor):
        p = p.item()
    if isinstance(p, bool) or not isinstance(p, int | float):
        raise TypeError(f"dist(): argument 'p' (position 3) must be Number, not "
                        f"{type(p).__name__}")
    broadcast_shapes(tuple(input.shape), tuple(other.shape))
    _no_bool_in_subtraction(input, other)  # one bool beside a number: PyTorch's input - other
    return apply(DIST, input, other, p=float(p))


# -- frexp -----------------------------------------------------------------------------------------
# The mantissa is ``self * 2**-exponent``, with the exponent an input of the node (a constant,
# not differentiated): its gradient is PyTorch's ``g / exponent.exp2()``, the exponent's
# power of two computed in the default dtype as PyTorch's is (so 2**-exponent of a float64
# subnormal is 0 there, and the gradient inf, as in PyTorch).
def _mantissa(self: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    return np.ldexp(self.astype(np.float64), -exponent.astype(np.int64)).astype(self.dtype)


FREXP = defop("frexp", "FrexpBackward0", _mantissa,
              vjp=lambda g, exponent: (g / exp2(exponent), None), dtype_rule="same",
              differentiable=("self",),
              refuses=refuse(NOT_FLOATING, "torch.frexp() only supports floating-point dtypes"))


@expose()
def frexp(input: Tensor) -> return_types.frexp:
    """Each element as ``mantissa * 2**exponent``, the mantissa's magnitude in [0.5, 1) (0, inf
    and NaN keep their value, with exponent 0) and the exponent an int32 tensor. The mantissa's
    gradient is ``g / 2**exponent`` (FrexpBackward0).

    Args:
        input: A floating-point tensor.

    >>> import symgrad
    >>> symgrad.frexp(symgrad.tensor([8.0, -0.75, 0.0]))
    symgrad.return_types.frexp(
    mantissa=tensor([ 0.5000, -0.7500,  0.0000]),
    exponent=tensor([4, 0, 0], dtype=symgrad.int32))
    """
    if not input.is_floating_point():
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    with np.errstate(invalid="ignore"):
        _, e = np.frexp(input._data.astype(np.float64))
    exponent = Tensor._make(e.astype(np.int32), False, None)
    return return_types.frexp(apply(FREXP, input, exponent), exponent)

