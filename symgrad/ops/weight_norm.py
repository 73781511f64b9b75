"""Weight normalisation, as PyTorch computes it for ``nn.utils.parametrizations.weight_norm``:
``torch._weight_norm(v, g, dim)`` is ``v * (g / norm_except_dim(v, 2, dim))``, the norm taken
over every dim but ``dim`` (over all of them for ``dim = -1``).

For ``dim`` 0 or the last dim PyTorch runs one fused op (``_weight_norm_interface``), whose
node is ``WeightNormInterfaceBackward0``; that is the registry's ``weight_norm`` here. Its
forward is PyTorch's kernel: each slice's norm summed in float64 and rounded to the
accumulation dtype (float32 for float16 and bfloat16), ``g / norm`` in that dtype rounded to
the input's, then the product. Its VJP is ``_weight_norm_differentiable_backward``'s formula,
in ops, so it can be differentiated again, its projection formed so that a slice near an
axis does not cancel (``_projected``); unlike PyTorch's (whose second derivative holds the
saved norms constant: ``tests/test_torch_parity.py``) the norm is a function of ``v`` there
too. Other dims compose the ops, as PyTorch does (``MulBackward0``).
"""

from __future__ import annotations

import math

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.elementwise import where
from symgrad.ops.registry import apply, defop, expose, not_implemented
from symgrad.tensor import Tensor

__all__ = ["norm_except_dim"]

_HALVES = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})


def _axes(ndim: int, dim: int) -> tuple[int, ...]:
    """The dims a slice's norm is taken over: all but ``dim`` (0 or the last)."""
    return tuple(d for d in range(ndim) if d != dim % max(ndim, 1))


def _slice_shape(v_shape: tuple[int, ...], dim: int) -> tuple[int, ...]:
    """``v``'s shape with 1 in every dim but ``dim``: the norms', broadcasting against ``v``."""
    if not v_shape:
        return ()
    keep = dim % len(v_shape)
    return tuple(n if d == keep else 1 for d, n in enumerate(v_shape))


def _weight_norm(weight_v: np.ndarray, weight_g: np.ndarray, *, dim: int) -> np.ndarray:
    v = weight_v
    acc = np.dtype(np.float32) if v.dtype in _HALVES else v.dtype
    wide = v.astype(np.float64)
    norm = np.sqrt((wide * wide).sum(axis=_axes(v.ndim, dim), keepdims=True)).astype(acc)
    g = weight_g.reshape(norm.shape).astype(acc)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (g / norm).astype(v.dtype)
    return (v * scale).astype(v.dtype)


def _largest(v: np.ndarray, dim: int) -> np.ndarray:
    """A mask of each slice's element of largest magnitude (the first of ties): the only one
    whose share of the slice's squared norm can exceed 1/2."""
    keep = dim % v.ndim
    moved = np.moveaxis(np.abs(v), keep, 0)
    flat = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))  # -1 fails for 0 slices
    top = np.zeros(flat.shape, dtype=bool)
    if flat.size:
        top[np.arange(flat.shape[0]), np.argmax(flat, axis=1)] = True
    return np.moveaxis(top.reshape(moved.shape), 0, keep)


def _projected(g: Tensor, unit: Tensor, along: Tensor, axes: tuple[int, ...], dim: int
               ) -> Tensor:
    """``g - unit along`` per slice, ``along = unit . g``: ``g`` less its component along the
    unit slice.

    Element i is ``g_i (1 - u_i^2) - u_i sum_{j != i} u_j g_j``. Formed as ``g_i - u_i (u . g)``
    the factor ``1 - u_i^2`` is left to cancellation, which for a slice near an axis (u_i^2
    near 1) magnifies the rounding of ``u`` and of ``u . g`` by ``1 / (1 - u_i^2)``: 221 ULP
    at a row [3.5, 0.25], 498 at [1, 1e-3, -2e-3]. Every element but each slice's largest has
    ``u_i^2 <= 1/2``, so that form costs it at most a factor 2; the largest's is summed over
    the others: ``1 - u_i^2 = sum_{j != i} u_j^2`` (no cancellation) and the other terms'
    ``sum_{j != i} u_j g_j`` (cancelling only as the mathematics does). Only where some
    slice's largest has ``u_i^2 > 1/2``: the extra ops took the backward of a 256 x 512
    weight from 4.3 to 17 ms, and a slice near an axis is rare.
    """
    plain = g - unit * along
    squares = np.square(unit._data)
    if not squares.size or squares.max() <= 0.5:
        return plain
    top = Tensor._make(_largest(unit._data, dim), False, None)
    rest = where(top, 0.0, unit)  # the unit slice without its largest element
    largest = g * (rest * rest).sum(axes, keepdim=True) - unit * (g * rest).sum(axes, keepdim=True)
    return where(top, largest, plain)


def _weight_norm_vjp(g: Tensor, weight_v: Tensor, weight_g: Tensor, *, dim: int,
                     needs: tuple[bool, ...] = (True, True)) -> tuple[Tensor | None, ...]:
    # PyTorch's _weight_norm_differentiable_backward: s = sum over the slice of (grad * v),
    # grad_v = (g / n) (grad - v s / n^2), grad_g = s / n, n the slice's norm (of v, here
    # recorded, so the second derivative has the norm's too). Written with the unit slice
    # u = v / n, grad_v = (g / n) (grad - u (u . grad)), the projection without cancellation
    # (_projected); for a one-element slice u is +-1 exactly and the gradient exactly 0 (v s /
    # n^2 left rounding noise). In float64, rounded once by the engine (in float16 the noise
    # was the whole gradient).
    g, v, weight_g = g.double(), weight_v.double(), weight_g.double()
    axes = _axes(v.ndim, dim)
    norm = (v * v).sum(axes, keepdim=True).sqrt() if axes else v.abs()
    unit = v / norm
    scale = weight_g.reshape(_slice_shape(tuple(v.shape), dim))
    along = (g * unit).sum(axes, keepdim=True) if axes else g * unit
    grad_v = None
    if needs[0]:
        grad_v = (scale / norm) * (_projected(g, unit, along, axes, dim) if axes
                                   else g - unit * along)
    grad_g = along.reshape(tuple(weight_g.shape)) if needs[1] else None
    return grad_v, grad_g


WEIGHT_NORM = defop(
    "weight_norm", "WeightNormInterfaceBackward0", _weight_norm, vjp=_weight_norm_vjp,
    dtype_rule="same", kind="reduction",
    refuses=not_implemented("weight_norm_kernel", NOT_FLOATING))


def _checked_dim(v: Tensor, dim: int) -> int:
    """PyTorch's IndexError for a dim out of ``v``'s range (``dim`` itself kept unwrapped:
    PyTorch branches on its value, -1 meaning every dim)."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"_weight_norm(): argument 'dim' (position 3) must be int, not "
                        f"{type(dim).__name__}")
    ndim = max(v.ndim, 1)
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim


@expose(method=False)
def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of each slice of ``v`` along ``dim``, over all the other dims, shaped
    to broadcast against ``v`` (1 in every other dim); ``dim = -1`` is the norm of all of ``v``,
    a 0-dim tensor. PyTorch's recorded ops: views for dim 0 and the last, transposes else.

    Args:
        v: The tensor.
        pow: The norm's order. Defaults to 2.
        dim: The dim kept; -1 for none. Defaults to 0.

    >>> import symgrad
    >>> symgrad.norm_except_dim(symgrad.tensor([[3.0, 4.0], [0.0, 1.0]]), 2, 0)
    tensor([[5.],
            [1.]])
    """
    _checked_dim(v, dim)
    if dim == 0:
        v.size(0)  # PyTorch's IndexError for a 0-dim v, before the dtype's error
    if not v.is_floating_point():  # PyTorch's norm(), not linalg.vector_norm's words
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {_dtypes._TORCH_NAMES[v.dtype.name]} instead.")
    if dim == -1:
        return v.norm(pow)
    if dim == 0:
        out = [1] * v.ndim
        out[0] = v.size(0)
        return v.contiguous().view(v.size(0), -1).norm(pow, 1).view(out)
    if dim == v.ndim - 1:
        out = [1] * v.ndim
        out[-1] = v.size(-1)
        return v.contiguous().view(-1, v.size(-1)).norm(pow, 0).view(out)
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


@expose(method=False)
def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """``v * (g / norm_except_dim(v, 2, dim))``: ``v`` rescaled so that each slice along
    ``dim`` has the norm given by ``g`` (``torch._weight_norm``). For ``dim`` 0 or the last
    dim one op (``WeightNormInterfaceBackward0``), else PyTorch's composition.

    Args:
        v: The direction.
        g: The norms: one per slice of ``v`` along ``dim`` (a 0-dim one for ``dim = -1``).
        dim: The dim whose slices are normalised; -1 for all of ``v`` at once. Defaults to 0.

    >>> import symgrad
    >>> symgrad._weight_norm(symgrad.tensor([[3.0, 4.0]]), symgrad.tensor([[10.0]]), 0)
    tensor([[6., 8.]])
    """
    names = _dtypes._TORCH_NAMES
    if dim == 0 or dim == v.ndim - 1:
        # PyTorch's fused kernel (also for a 0-dim v, whose last dim is -1): v's dtype, then
        # the dim, then g's dtype and size.
        if not v.is_floating_point():
            raise NotImplementedError(f"\"weight_norm_kernel\" not implemented for "
                                      f"'{names[v.dtype.name]}'")
        _checked_dim(v, dim)
        if v.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if v.dtype != g.dtype:
            raise RuntimeError(f"expected scalar type {names[v.dtype.name]} but found "
                               f"{names[g.dtype.name]}")
        if g.numel() != v.size(dim):
            # PyTorch's kernel reads g's memory as if it held one norm per slice.
            raise RuntimeError(f"weight_norm: expected g to hold {v.size(dim)} elements, one "
                               f"per slice of v along dim {dim}, got {g.numel()}")
        return apply(WEIGHT_NORM, v, g, dim=dim)
    return v * (g / norm_except_dim(v, 2, dim))
