"""``renorm``: each slice of a tensor along a dim whose ``p``-norm exceeds ``maxnorm`` scaled
down to it, as PyTorch has it (``torch.renorm``, ``Tensor.renorm``, ``Tensor.renorm_``).

PyTorch scales by ``maxnorm / (norm + 1e-7)`` (so a scaled slice's norm is a hair below
``maxnorm``) and leaves a slice whose norm is at most ``maxnorm`` as it is. Its node
(``RenormBackward0``) differentiates that: ``g`` where a slice is left, and for a scaled one
``factor * g - maxnorm / (norm + 1e-7)**2 * d norm`` applied to ``sum(self * g)``, the norm's
derivative with PyTorch's conventions (``symgrad/ops/reductions.py``), written in ops so that
gradients of gradients work, in float64 as PyTorch's CPU backward computes it, and rearranged
at each slice's largest element so that its terms do not cancel (the NOTE at the VJP). The
forward's norm is computed in float64 and rounded to the dtype (float32 for float16 and
bfloat16, as PyTorch accumulates), the factor too, and the product once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops import inplace as _inplace
from symgrad.ops.elementwise import where
from symgrad.ops.reductions import NORM, _norm_forward, _norm_vjp
from symgrad.ops.registry import Kink, apply, defop, expose, refuse, wrap_dim
from symgrad.tensor import Tensor

__all__ = ["renorm"]

_EPS = 1e-7
_HALVES = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})


def _others(ndim: int, dim: int) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if d != dim)


def _acc(a: np.ndarray) -> np.dtype:
    return np.dtype(np.float32) if a.dtype in _HALVES else a.dtype


def _norms(self: np.ndarray, p: float, dim: int) -> np.ndarray:
    """The slices' norms (keeping dims), rounded to PyTorch's accumulation dtype."""
    return _norm_forward(self.astype(np.float64), p=p, dim=_others(self.ndim, dim),
                         keepdim=True).astype(_acc(self))


def _scaled(norm: np.ndarray, maxnorm: float) -> np.ndarray:
    """Which slices are scaled: PyTorch's ``norm > maxnorm``, both in the norm's dtype."""
    return norm > np.asarray(maxnorm, norm.dtype)


def _renorm(self: np.ndarray, *, p: float, dim: int, maxnorm: float) -> np.ndarray:
    norm = _norms(self, p, dim)
    bound = np.asarray(maxnorm, norm.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = (bound.astype(np.float64) / (norm.astype(np.float64) + _EPS)).astype(norm.dtype)
    factor = np.where(_scaled(norm, maxnorm), scaled, np.ones((), norm.dtype)).astype(self.dtype)
    return (self.astype(np.float64) * factor.astype(np.float64)).astype(self.dtype)


def _first_largest(self: np.ndarray, dim: int) -> Tensor:
    """A constant mask of each slice's first largest ``|self|`` (in C order; a NaN first)."""
    a = np.moveaxis(np.abs(self), dim, 0)
    flat = a.reshape(a.shape[0], -1)
    mask = np.zeros(flat.shape, bool)
    if flat.size:
        mask[np.arange(flat.shape[0]), flat.argmax(axis=1)] = True
    return Tensor._make(np.moveaxis(mask.reshape(a.shape), 0, dim), False, None)


def _rest(self: Tensor, norm: Tensor, slope: Tensor, largest: Tensor, p: float,
          dims: tuple[int, ...]) -> Tensor:
    """``norm - x_m * slope_m`` at each slice's largest element ``x_m``, from the others alone:
    ``sum(|x_i| ** p) / norm ** (p - 1)`` over ``i != m``, written ``norm * sum((|x_i| / norm)
    ** p)``, which neither overflows nor underflows where the norm does not; for ``p = inf``
    ``norm (1 - |slope_m|)``, 0 unless ``x_m`` ties with others."""
    if math.isinf(p):
        # |x_m| is the norm, and slope_m its sign over the number of ties.
        return norm * (1 - slope.abs())
    others = where(largest, 0.0, self)
    if p == 1:
        return others.abs().sum(dims, keepdim=True)
    # A zero norm is never scaled; 1 keeps that slice's unused branch finite.
    safe = where(norm == 0, 1.0, norm)
    unsigned = Tensor._make(np.where(self._data >= 0, 1.0, -1.0), False, None)
    ratio = others * unsigned / safe
    if p < 1:
        # |x| ** p has an infinite slope at 0, where the norm's convention takes 0.
        zero = ratio == 0
        powers = where(zero, 0.0, where(zero, 1.0, ratio) ** p)
    else:
        powers = ratio ** p
    return safe * powers.sum(dims, keepdim=True)


# NOTE: the scale's VJP is (maxnorm / d) (g - slope * sum(x g) / d), d = norm + 1e-7, slope
# the norm's derivative. At a slice's largest element x_m, x_m slope_m / d is near 1 (exactly
# norm / d where x_m is the slice's only nonzero), and g_m - g_m x_m slope_m / d cancelled to
# its 1e-7 term alone, about 1e-7 / norm of g_m: 6.4e5 ULP off in float64 for the slice
# [0, 1], up to 6.5e7 for [5.5, 0, ...]. There it is (g_m (norm - x_m slope_m + 1e-7) -
# slope_m sum'(x g)) / d, sum' over the others and norm - x_m slope_m from them alone
# (``_rest``), never formed from x_m; the other elements' x slope / d is at most 1/2 and they
# keep the plain form. Both forms are the same function, so the second order follows, and its
# terms no longer cancel either (4e6-1.2e8 ULP before). A cotangent parallel to the slice
# (g = c x) still leaves the 1e-7 term alone across the elements.
def _renorm_vjp(g: Tensor, self: Tensor, *, p: float, dim: int, maxnorm: float) -> Tensor:
    # The slices the forward scaled (a norm a hair above maxnorm in float64 may round to it).
    scaled = Tensor._make(_scaled(_norms(self._data, p, dim), maxnorm), False, None)
    # In float64, PyTorch's CPU accumulation type (terms across a slice may still cancel).
    g, self = g.double(), self.double()
    dims = _others(self.ndim, dim)
    norm = apply(NORM, self, p=p, dim=dims, keepdim=True)
    slope = _norm_vjp(Tensor._make(np.ones(norm.shape), False, None), self, norm, p=p,
                      dim=dims, keepdim=True, self_shape=tuple(self.shape))
    largest = _first_largest(self._data, dim)
    gx = self * g
    d = norm + _EPS
    at_largest = (g * (_rest(self, norm, slope, largest, p, dims) + _EPS)
                  - slope * where(largest, 0.0, gx).sum(dims, keepdim=True)) / d
    elsewhere = g - slope * gx.sum(dims, keepdim=True) / d
    return where(scaled, maxnorm / d * where(largest, at_largest, elsewhere), g)


def _scaled_zeros(self: np.ndarray, *, p: float, dim: int, maxnorm: float) -> np.ndarray:
    """The zero elements of a scaled slice, for ``p <= 1`` (where |x| has its kink)."""
    if p > 1:
        return np.zeros(np.shape(self), bool)
    self = np.asarray(self)
    return (self == 0) & _scaled(_norms(self, p, dim), maxnorm)


RENORM = defop(
    "renorm", "RenormBackward0", _renorm, vjp=_renorm_vjp, dtype_rule="same", kind="reduction",
    kinks=(Kink("self", "self == 0 in a scaled slice, p <= 1 (the norm's kink; p < 1 takes 0 "
                "for an infinite slope)", _scaled_zeros, "zero"),),
    refuses=refuse(NOT_FLOATING, "linalg.vector_norm: Expected a floating point or complex "
                   "tensor as input. Got {dtype}"))


def _number(value: Any, name: str, position: int) -> Any:
    """``value`` as PyTorch's parser reads a Number (or a one-element tensor)."""
    if isinstance(value, Tensor) and value.numel() == 1:
        return value.item()
    if not isinstance(value, (int, float, complex)):
        raise TypeError(f"renorm(): argument '{name}' (position {position}) must be Number, "
                        f"not {type(value).__name__}")
    return value


def _checked(input: Tensor, p: Any, dim: int, maxnorm: Any) -> tuple[float, int, float]:
    """PyTorch's checks of ``renorm``'s arguments, in its order."""
    if isinstance(p, complex):
        raise RuntimeError("renorm: p must be real-valued")
    if not float(p) > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if isinstance(maxnorm, complex):
        raise RuntimeError("renorm: maxnorm must be real-valued")
    if not float(maxnorm) >= 0:
        bound = float(maxnorm)
        shown = int(bound) if bound.is_integer() else bound
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {shown}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           f"dimensions")
    return float(p), wrap_dim(dim, input.ndim), float(maxnorm)


@expose()
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled by
    ``maxnorm / (norm + 1e-7)``; the other slices as they are.

    Args:
        input: A float tensor of at least 2 dims.
        p: The norm's order, positive (``inf`` takes the largest ``|x|``).
        dim: The dim along which the slices are taken (each slice is one index of it).
        maxnorm: The largest norm a slice keeps, at least 0.

    >>> import symgrad
    >>> symgrad.renorm(symgrad.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    p = _number(p, "p", 2)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"renorm(): argument 'dim' (position 3) must be int, not "
                        f"{type(dim).__name__}")
    maxnorm = _number(maxnorm, "maxnorm", 4)
    p, dim, maxnorm = _checked(input, p, dim, maxnorm)
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtypes._TORCH_NAMES[input.dtype.name]}")
    return apply(RENORM, input, p=p, dim=dim, maxnorm=maxnorm)


def _renorm_(self: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``renorm``, written into this tensor.

    Args:
        p: The norm's order, positive.
        dim: The dim along which the slices are taken.
        maxnorm: The largest norm a slice keeps, at least 0.

    >>> import symgrad
    >>> symgrad.tensor([[3.0, 4.0], [0.3, 0.4]]).renorm_(1, 0, 1.4)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    return _inplace.rewrite(self, lambda old: renorm(old, p, dim, maxnorm))


Tensor.renorm_ = _renorm_  # type: ignore[attr-defined]
