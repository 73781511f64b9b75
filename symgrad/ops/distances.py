"""Distances between sets of vectors, as PyTorch has them: ``cdist`` (every row of ``x1``
against every row of ``x2``, batched) and ``pdist`` (every pair of rows of one matrix).

PyTorch gives them nodes of their own (``CdistBackward0``, ``PdistBackward0``) whose gradients
are operators without a derivative (``_cdist_backward``, ``_pdist_backward``): the gradient of
a gradient raises, as there. ``cdist`` with ``p = 2`` on its matrix-product path (``compute_mode
'use_mm_for_euclid_dist'``, or by default when either side has more than 25 rows) is instead
PyTorch's ``_euclidean_dist`` (``EuclideanDistBackward0``, differentiable to any order) between
views and expansions, which its grad_fn shows.

Conventions of PyTorch's backward kernels, at the points where a distance is not
differentiable: a zero distance sends 0 for every ``p > 1``; for ``p <= 1`` each zero
difference sends 0 (``sign(0) = 0``, and ``p < 1`` takes 0 for its infinite slope); for
``p = inf`` every difference tied for the largest ``|difference|`` gets the whole gradient
(``sign(difference)`` times it), ties not split. Distances are computed in float64 and rounded
once to the dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.elementwise import where
from symgrad.ops.registry import Kink, apply, defop, expose, not_implemented, refuse
from symgrad.tensor import Tensor

__all__ = ["cdist", "pdist"]

_HALVES = (_dtypes.float16, _dtypes.bfloat16)
_WIDE = frozenset({_dtypes.float32, _dtypes.float64})
_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
          "donot_use_mm_for_euclid_dist": 2}


# -- the distances and their gradients on arrays ---------------------------------------------------
def _norms(diff: np.ndarray, p: float) -> np.ndarray:
    """The ``p``-norms of ``diff`` along its last dim (float64)."""
    a = np.abs(diff)
    if p == 0:
        # The count of nonzero differences as PyTorch's kernel sums it, min(ceil(|d|), 1):
        # a NaN difference makes the distance NaN (count_nonzero counted it as 1).
        return np.minimum(np.ceil(a), 1.0).sum(axis=-1)
    if p == 1:
        return a.sum(axis=-1)
    if p == 2:
        return np.sqrt((a * a).sum(axis=-1))
    if math.isinf(p):
        return a.max(axis=-1, initial=0.0)
    return (a ** p).sum(axis=-1) ** (1 / p)


def _slopes(diff: np.ndarray, dist: np.ndarray, p: float) -> np.ndarray:
    """d dist / d diff, element by element, with PyTorch's conventions (module docstring);
    ``dist`` is the distance as given (with a trailing dim of size one)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 0:
            return np.zeros_like(diff)
        sign = np.sign(diff)
        if p == 1:
            return sign
        a = np.abs(diff)
        if math.isinf(p):
            return np.where(a == dist, sign, 0.0)
        out = diff / dist if p == 2 else sign * a ** (p - 1) / dist ** (p - 1)
        if p < 1:
            out = np.where(diff == 0, 0.0, out)
        return np.where(dist == 0, 0.0, out)


def _wide(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _cdist_forward(x1: np.ndarray, x2: np.ndarray, *, p: float) -> np.ndarray:
    diff = _wide(x1)[..., :, None, :] - _wide(x2)[..., None, :, :]
    return _norms(diff, p).astype(x1.dtype)


def _cdist_backward_forward(grad: np.ndarray, x1: np.ndarray, x2: np.ndarray,
                            cdist: np.ndarray, *, p: float) -> np.ndarray:
    """The gradient in ``x1``, in the batch shape ``x1`` and ``x2`` broadcast to."""
    diff = _wide(x1)[..., :, None, :] - _wide(x2)[..., None, :, :]
    dist = np.broadcast_to(_wide(cdist), diff.shape[:-1])[..., None]
    out = (_wide(grad)[..., None] * _slopes(diff, dist, p)).sum(axis=-2)
    return out.astype(x1.dtype)


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``i < j`` of ``pdist``'s pairs, in its order."""
    return np.triu_indices(n, 1)


def _pdist_forward(self: np.ndarray, *, p: float) -> np.ndarray:
    i, j = _pairs(self.shape[0])
    return _norms(_wide(self)[i] - _wide(self)[j], p).astype(self.dtype)


def _pdist_backward_forward(grad: np.ndarray, self: np.ndarray, pdist: np.ndarray, *,
                            p: float) -> np.ndarray:
    i, j = _pairs(self.shape[0])
    diff = _wide(self)[i] - _wide(self)[j]
    each = _wide(grad)[:, None] * _slopes(diff, _wide(pdist)[:, None], p)
    out = np.zeros(self.shape, np.float64)
    np.add.at(out, i, each)
    np.subtract.at(out, j, each)
    return out.astype(self.dtype)


def _no_derivative(name: str) -> Any:
    def vjp(g: Tensor) -> Any:
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")

    return vjp


# -- kinks ---------------------------------------------------------------------------------------
def _cdist_pairs(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    return np.asarray(x1)[..., :, None, :] - np.asarray(x2)[..., None, :, :]


def _any_to(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``mask`` reduced by ``any`` over the dims broadcasting added to ``shape``."""
    lead = mask.ndim - len(shape)
    mask = mask.any(axis=tuple(range(lead))) if lead else mask
    wide = tuple(k for k, s in enumerate(shape) if s == 1 and mask.shape[k] != 1)
    return mask.any(axis=wide, keepdims=True) if wide else mask


def _kink_at(first: bool) -> Any:
    """A mask over ``x1`` (``first``) or ``x2`` of the elements with a pair at a kink."""
    def at(x1: np.ndarray, x2: np.ndarray, *, p: float = 2.0, **_: Any) -> np.ndarray:
        diff = _cdist_pairs(x1, x2).astype(np.float64)
        hit = _zero_kink(diff, _norms(diff, p)[..., None], p)
        return _any_to(hit.any(axis=-2 if first else -3), np.shape(x1 if first else x2))

    return at


def _zero_kink(diff: np.ndarray, dist: np.ndarray, p: float) -> np.ndarray:
    if p <= 1:
        return diff == 0
    return np.broadcast_to(dist == 0, diff.shape)


_ZERO = ("x1 row == x2 row (p > 1: a zero distance; p <= 1: each zero difference, where p < 1 "
         "takes 0 for an infinite slope)")


# A tie of p = inf gives each tied difference sign(difference) times the gradient (the
# one-sided derivative towards a larger |difference|): a choice per element that no kink
# convention names, so ties are not declared; samples have none.
_CDIST_KINKS = tuple(Kink(arg, _ZERO, _kink_at(arg == "x1"), "zero") for arg in ("x1", "x2"))


# -- the ops -------------------------------------------------------------------------------------
def _refuse_cdist() -> Any:
    return (refuse(NOT_FLOATING, "cdist only supports floating-point dtypes, X1 got: {dtype}")
            | not_implemented("cdist", _HALVES))


CDIST_BACKWARD = defop(
    "cdist_backward", "CdistBackwardBackward0", _cdist_backward_forward,
    vjp=_no_derivative("_cdist_backward"), differentiable=(), double_backward=False,
    dtype_rule="same", dtypes=_WIDE, kind="linalg",
    refuses=not_implemented("cdist_backward", tuple(NOT_FLOATING) + _HALVES))


def _cdist_vjp(g: Tensor, x1: Tensor, x2: Tensor, out: Tensor, *, p: float,
               needs: tuple[bool, ...]) -> tuple[Tensor | None, Tensor | None]:
    return (apply(CDIST_BACKWARD, g, x1, x2, out, p=p) if needs[0] else None,
            apply(CDIST_BACKWARD, g.mT, x2, x1, out.mT, p=p) if needs[1] else None)


CDIST = defop("cdist", "CdistBackward0", _cdist_forward, vjp=_cdist_vjp, dtype_rule="same",
              dtypes=_WIDE, kind="linalg", double_backward=False, kinks=_CDIST_KINKS,
              refuses=_refuse_cdist())


# NOTE: PyTorch's _euclidean_dist_backward, as it writes it: a zero distance sends 0 (the
# masked ratio), and every piece is an op, so its gradient has gradients to any order.
def _euclidean_vjp(g: Tensor, x1: Tensor, x2: Tensor, out: Tensor) -> tuple[Tensor, Tensor]:
    zero = out == 0
    ratio = where(zero, 0.0, g / where(zero, 1.0, out))
    return (x1 * ratio.sum(-1, keepdim=True) - ratio.matmul(x2),
            x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT.matmul(x1))


EUCLIDEAN_DIST = defop(
    "euclidean_dist", "EuclideanDistBackward0",
    lambda x1, x2: _cdist_forward(x1, x2, p=2.0), vjp=_euclidean_vjp,
    dtype_rule="same", kind="linalg",
    kinks=_CDIST_KINKS,
    refuses=refuse(NOT_FLOATING, "result type Float can't be cast to the desired output type "
                   "Long"))

PDIST_BACKWARD = defop(
    "pdist_backward", "PdistBackwardBackward0", _pdist_backward_forward,
    vjp=_no_derivative("_pdist_backward"), differentiable=(), double_backward=False,
    dtype_rule="same", dtypes=_WIDE, kind="linalg",
    refuses=not_implemented("pdist_backward", tuple(NOT_FLOATING) + _HALVES))


def _pdist_kink_at(self: np.ndarray, *, p: float) -> np.ndarray:
    i, j = _pairs(np.shape(self)[0])
    diff = (np.asarray(self)[i] - np.asarray(self)[j]).astype(np.float64)
    hit = _zero_kink(diff, _norms(diff, p)[..., None], p)
    mask = np.zeros(np.shape(self), bool)
    np.logical_or.at(mask, i, hit)
    np.logical_or.at(mask, j, hit)
    return mask


PDIST = defop(
    "pdist", "PdistBackward0", _pdist_forward,
    vjp=lambda g, self, out, *, p: apply(PDIST_BACKWARD, g, self, out, p=p),
    double_backward=False, dtype_rule="same", dtypes=_WIDE, kind="linalg",
    kinks=(Kink("self", _ZERO.replace("x1 row == x2 row", "two rows equal"), _pdist_kink_at,
                "zero"),),
    refuses=refuse(NOT_FLOATING, "pdist only supports floating-point dtypes")
    | not_implemented("pdist", _HALVES))


# -- public functions ----------------------------------------------------------------------------
def _order(p: Any, where: str) -> float:
    """``p`` as PyTorch's parser reads a float argument (a number or a one-element tensor)."""
    if isinstance(p, Tensor) and p.numel() == 1:
        return float(p.item())
    if not isinstance(p, (int, float)):
        raise TypeError(f"{where} must be float, not {type(p).__name__}")
    return float(p)


def _check_cdist(x1: Tensor, x2: Tensor, p: float) -> None:
    """PyTorch's checks, in its order."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_dtypes._TORCH_NAMES[x.dtype.name]}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")


def _batch_shape(x1: Tensor, x2: Tensor) -> tuple[int, ...]:
    a, b = tuple(x1.shape[:-2]), tuple(x2.shape[:-2])
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for k in range(n - 1, -1, -1):
        if a[k] != b[k] and 1 not in (a[k], b[k]):
            raise RuntimeError(f"The size of tensor a ({a[k]}) must match the size of tensor b "
                               f"({b[k]}) at non-singleton dimension {k}")
    return tuple(max(s, t) if 0 not in (s, t) else 0 for s, t in zip(a, b, strict=True))


def _flattened(x: Tensor, batch: tuple[int, ...]) -> Tensor:
    """PyTorch's ``x.expand(batch + rows).contiguous().view(-1, rows, cols)``: a broadcast
    expansion is copied (``CloneBackward0``), one that adds nothing is not."""
    size = (*batch, *x.shape[-2:])
    out = x.expand(*size)
    if math.prod(size) != x.numel():
        out = out.clone()
    return out.view(math.prod(batch), *x.shape[-2:])


def _euclidean(x1: Tensor, x2: Tensor, batch: tuple[int, ...]) -> Tensor:
    shape = (*batch, x1.shape[-2], x2.shape[-2])
    if math.prod(batch) == 1:
        return apply(EUCLIDEAN_DIST, x1, x2).view(*shape)
    return apply(EUCLIDEAN_DIST, _flattened(x1, batch), _flattened(x2, batch)).view(*shape)


@expose(method=False)
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` and each row of ``x2``, batched.

    ``p = 0`` counts the differing coordinates, ``p = inf`` takes the largest difference.
    For ``p = 2`` a matrix-product path is taken (as PyTorch does) with ``compute_mode
    'use_mm_for_euclid_dist'``, or by default when either input has more than 25 rows; it is
    recorded as PyTorch records it (``EuclideanDistBackward0`` between views), and other
    cases as ``CdistBackward0``, whose gradient has no gradient of its own.

    Args:
        x1: A float tensor ``(*batch1, P, M)``.
        x2: A float tensor ``(*batch2, R, M)``, its batch dims broadcasting against ``x1``'s.
        p: The norm's order, at least 0. Defaults to 2.
        compute_mode: ``'use_mm_for_euclid_dist_if_necessary'`` (the default),
            ``'use_mm_for_euclid_dist'`` or ``'donot_use_mm_for_euclid_dist'``.

    >>> import symgrad
    >>> symgrad.cdist(symgrad.tensor([[0.0, 0.0], [1.0, 1.0]]), symgrad.tensor([[3.0, 4.0]]))
    tensor([[5.0000],
            [3.6056]])
    """
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode = _MODES[compute_mode]
    p = _order(p, "cdist(): argument 'p' (position 3)")
    _check_cdist(x1, x2, p)
    batch = _batch_shape(x1, x2)
    mm = p == 2 and (mode == 1 or (mode == 0 and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    if x1.dtype is not x2.dtype and not (x1.numel() and x2.numel()):
        # PyTorch's cdist of an empty input skips its kernels and their dtype check: zeros of
        # x1's dtype (x2's gradient, zeros, in x2's).
        return apply(CDIST, x1, x2.to(x1.dtype), p=p)
    if x1.dtype is not x2.dtype:
        if mm:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_dtypes._CPP_NAMES[x1.dtype.name]} != "
                               f"{_dtypes._CPP_NAMES[x2.dtype.name]}")
        raise RuntimeError(f"expected scalar type {_dtypes._TORCH_NAMES[x1.dtype.name]} but "
                           f"found {_dtypes._TORCH_NAMES[x2.dtype.name]}")
    if mm and x1.numel() and x2.numel():
        return _euclidean(x1, x2, batch)
    return apply(CDIST, x1, x2, p=p)


@expose(method=False)
def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distance between each pair of rows of ``input``: row ``i`` against each
    later row ``j``, in the order ``(0, 1), (0, 2), ..., (1, 2), ...``.

    Args:
        input: A float matrix ``(N, M)``.
        p: The norm's order, at least 0. Defaults to 2.

    >>> import symgrad
    >>> symgrad.pdist(symgrad.tensor([[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]]))
    tensor([5., 3., 4.])
    """
    p = _order(p, "pdist(): argument 'p'")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    if not p >= 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return apply(PDIST, input, p=p)
