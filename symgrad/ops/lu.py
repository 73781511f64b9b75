"""LU factorization with partial pivoting and its solves: ``torch.linalg.lu_factor``,
``torch.linalg.lu`` and ``torch.linalg.lu_solve``, with PyTorch's nodes: the packed ``LU``
one LinalgLuFactorExBackward0 node, ``L`` and ``U`` LinalgLuBackward0 nodes (``P`` a constant),
the solution a LinalgLuSolveBackward0 node.

The forward is LAPACK's getrf in float64 (rounded once): at each column the row of the largest
``|element|`` on or below the diagonal (the first of equals) is swapped up, the column below is
divided by the pivot and the rest updated; ``pivots`` (1-based, int32) name the row swapped
with each row, in order, so that ``A = P L U``. A zero pivot leaves its column as it is.

The VJPs are PyTorch's (``linalg_lu_backward``, ``linalg_lu_solve_LU``), written in symgrad
ops (triangular solves, ``tril``/``triu``, the factors recomputed by these ops), so gradients
of gradients work. For a square ``A = P L U``: ``gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T))
U^-T`` (the packed factor's ``g`` is both ``gL`` and ``gU``), written as the equal
``P L^-T (triu(gU) + (tril(L^T gL, -1) - tril(triu(gU) U^T, -1)) U^-T)`` (see
``_factors_vjp``). For ``X = (P L U)^-1 B``: ``gB`` is a solve with the adjoint, and
``gLU = tril(L^-T gR U^T, -1) + triu(gR)`` with ``gR = -U^-T gX X^T`` (the other cases by
transposition). The gradient of the factors of a matrix that is not square is not
implemented (NotImplementedError).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _wide
from symgrad.ops.decompositions import SOLVE_TRIANGULAR, _substitute
from symgrad.ops.linalg import matmul
from symgrad.ops.registry import _TORCH_NAMES, apply, defop, refuse
from symgrad.ops.triangular import TRIL, TRIU
from symgrad.return_types import _repr
from symgrad.tensor import Tensor

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve"]

_LOW = (_dtypes.float16, _dtypes.bfloat16)
_FLOAT = frozenset({_dtypes.float32, _dtypes.float64})


class linalg_lu_factor(NamedTuple):
    """``(LU, pivots)`` of ``symgrad.linalg.lu_factor``.

    >>> import symgrad
    >>> symgrad.linalg.lu_factor(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
    tensor([2, 2], dtype=symgrad.int32)
    """

    LU: Tensor
    pivots: Tensor

    __repr__ = _repr


class linalg_lu_factor_ex(NamedTuple):
    """``(LU, pivots, info)`` of ``symgrad.linalg.lu_factor_ex``.

    >>> import symgrad
    >>> symgrad.linalg.lu_factor_ex(symgrad.zeros(2, 2)).info
    tensor(1, dtype=symgrad.int32)
    """

    LU: Tensor
    pivots: Tensor
    info: Tensor

    __repr__ = _repr


class linalg_lu(NamedTuple):
    """``(P, L, U)`` of ``symgrad.linalg.lu``.

    >>> import symgrad
    >>> symgrad.linalg.lu(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]])).P
    tensor([[0., 1.],
            [1., 0.]])
    """

    P: Tensor
    L: Tensor
    U: Tensor

    __repr__ = _repr


# -- forwards ---------------------------------------------------------------------------------
def _getrf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LAPACK's getrf of each matrix of ``a`` (..., m, n) in float64: the packed factors, the
    1-based pivots (..., min(m, n)) and ``info`` (the first zero pivot's 1-based place, or 0),
    vectorised across the batch, a loop over the columns."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = np.array(a, dtype=np.float64).reshape((-1, m, n))
    rows = np.arange(lu.shape[0])
    pivots = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    for j in range(k):
        # BLAS's idamax: the first of the largest, a NaN only where it comes first (each
        # later element must compare greater, which a NaN never does)
        size = np.abs(lu[:, j:, j])
        unordered = np.isnan(size)
        p = np.where(unordered[:, 0], 0, np.argmax(np.where(unordered, -1.0, size), axis=1)) + j
        pivots[:, j] = p + 1
        top, chosen = lu[rows, j].copy(), lu[rows, p].copy()
        lu[rows, j], lu[rows, p] = chosen, top
        pivot = lu[:, j, j]
        zero = pivot == 0
        info = np.where((info == 0) & zero, j + 1, info)
        below = lu[:, j + 1:, j] / np.where(zero, 1.0, pivot)[:, None]
        lu[:, j + 1:, j] = np.where(zero[:, None], lu[:, j + 1:, j], below)
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, None, j, j + 1:]
    return (lu.reshape(batch + (m, n)), pivots.reshape(batch + (k,)),
            info.reshape(batch))


def _row_order(pivots: np.ndarray, m: int) -> np.ndarray:
    """The rows (..., m) that the row swaps ``pivots`` (1-based) bring to each place, in order:
    ``P[order[k], k] = 1``, so ``(P^T B)[k] = B[order[k]]``."""
    batch = pivots.shape[:-1]
    flat = pivots.reshape((-1, pivots.shape[-1])).astype(np.int64) - 1
    order = np.broadcast_to(np.arange(m), (flat.shape[0], m)).copy()
    rows = np.arange(flat.shape[0])
    for i in range(flat.shape[1]):
        here, there = order[rows, i].copy(), order[rows, flat[:, i]].copy()
        order[rows, i], order[rows, flat[:, i]] = there, here
    return order.reshape(batch + (m,))


def _permutation(pivots: np.ndarray, m: int, dtype: np.dtype) -> np.ndarray:
    """``P`` (..., m, m) of the row swaps ``pivots`` (1-based): ``A = P L U``."""
    order = _row_order(pivots, m)
    p = np.zeros(order.shape + (m,), dtype)
    np.put_along_axis(p, order[..., None, :], 1, axis=-2)
    return p


def _rows(b: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``b`` (..., m, k) with its rows taken in ``order`` (..., m), the batch dims broadcast:
    a permutation by moving rows, as LAPACK's laswp, where a product with ``P`` would make
    ``0 * inf`` NaN beside an infinite element."""
    batch = np.broadcast_shapes(b.shape[:-2], order.shape[:-1])
    index = np.broadcast_to(order[..., None], batch + order.shape[-1:] + b.shape[-1:])
    return np.take_along_axis(np.broadcast_to(b, batch + b.shape[-2:]), index, axis=-2)


def _lu_factor_forward(self: np.ndarray) -> np.ndarray:
    """The packed factors: ``L`` below the diagonal (its unit diagonal left out), ``U`` on and
    above it."""
    return _getrf(self)[0].astype(self.dtype)


def _lu_l_forward(self: np.ndarray) -> np.ndarray:
    """``L`` (..., m, k): unit lower triangular (trapezoidal)."""
    m, n = self.shape[-2:]
    k = min(m, n)
    low = np.tril(_getrf(self)[0][..., :, :k], -1)
    return (low + np.eye(m, k)).astype(self.dtype)


def _lu_u_forward(self: np.ndarray) -> np.ndarray:
    """``U`` (..., k, n): upper triangular (trapezoidal)."""
    k = min(self.shape[-2:])
    return np.triu(_getrf(self)[0][..., :k, :]).astype(self.dtype)


def _lu_solve_forward(LU: np.ndarray, B: np.ndarray, *, pivots: np.ndarray, left: bool,
                      adjoint: bool) -> np.ndarray:
    """``X`` with ``A X = B`` (``A^T X = B`` for ``adjoint``; ``X A = B`` or ``X A^T = B`` when
    not ``left``), ``A = P L U`` from the packed ``LU`` and ``pivots``, by substitution as
    LAPACK's getrs, the batch dims broadcast."""
    lu = LU.astype(np.float64)
    n = lu.shape[-1]
    low = np.tril(lu, -1) + np.eye(n)
    up = np.triu(lu)
    order = _row_order(pivots, n)
    b = B.astype(np.float64)
    if not left:  # X op(A) = B  <=>  op(A)^T X^T = B^T
        b, adjoint = np.swapaxes(b, -2, -1), not adjoint
    if adjoint:  # A^T X = B: U^T L^T P^T X = B
        y = _substitute(np.swapaxes(up, -2, -1), b, upper=False, unit=False)
        y = _substitute(np.swapaxes(low, -2, -1), y, upper=True, unit=True)
        x = _rows(y, np.argsort(order, axis=-1))  # P y: row order[k] of x is row k of y
    else:  # L U X = P^T B
        y = _substitute(low, _rows(b, order), upper=False, unit=True)
        x = _substitute(up, y, upper=True, unit=False)
    return (x if left else np.swapaxes(x, -2, -1)).astype(LU.dtype)


# -- backwards --------------------------------------------------------------------------------
def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _constant(data: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(data), False, None)


def _factors_vjp(a: Tensor, gl: Tensor | None, gu: Tensor | None) -> Tensor:
    """PyTorch's gradient of a square ``A = P L U`` given the gradients of ``L`` and ``U``."""
    m, n = a.shape[-2:]
    if m != n:
        raise NotImplementedError("linalg.lu: symgrad computes the gradient of the LU factors "
                                  f"of square matrices only, not of {m} by {n} ones")
    low, up = apply(LU_L, a), apply(LU_U, a)
    # PyTorch's triu(gU U^T) U^-T written as triu(gU) - tril(triu(gU) U^T, -1) U^-T (equal,
    # as U is upper triangular): a gradient that passes straight through (an element of U
    # that is one of A's) is then not divided and multiplied again by U's diagonal, whose
    # rounding left 1e-14 where the second derivative is exactly 0
    gu = None if gu is None else apply(TRIU, gu, diagonal=0)
    parts = []
    if gl is not None:
        parts.append(apply(TRIL, matmul(_mT(low), gl), diagonal=-1))
    if gu is not None:
        parts.append(-apply(TRIL, matmul(gu, _mT(up)), diagonal=-1))
    middle = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    middle = apply(SOLVE_TRIANGULAR, _mT(up), middle, upper=False, left=False,
                   unitriangular=False)
    if gu is not None:
        middle = middle + gu
    middle = apply(SOLVE_TRIANGULAR, _mT(low), middle, upper=True, left=True,
                   unitriangular=True)
    p = _permutation(_getrf(a._data)[1], m, a._data.dtype)
    return matmul(_constant(p), middle)


def _lu_factor_vjp(g: Tensor, self: Tensor) -> Tensor:
    g = _wide(g)
    return _factors_vjp(_wide(self), g, g)


def _lu_l_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _factors_vjp(_wide(self), _wide(g), None)


def _lu_u_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _factors_vjp(_wide(self), None, _wide(g))


def _lu_solve_vjp(g: Tensor, LU: Tensor, out: Tensor, *, pivots: np.ndarray, left: bool,
                  adjoint: bool) -> tuple[Tensor, Tensor]:
    g, lu, x = _wide(g), _wide(LU), _wide(out)
    n = lu.shape[-1]
    grad_b = apply(LU_SOLVE, lu, g, pivots=pivots, left=left, adjoint=not adjoint)
    low = apply(TRIL, lu, diagonal=-1) + _constant(np.eye(n, dtype=lu._data.dtype))
    up = apply(TRIU, lu, diagonal=0)
    if left != adjoint:
        r = -matmul(g if left else _mT(g), _mT(x) if left else x)
        r = apply(SOLVE_TRIANGULAR, _mT(up), r, upper=False, left=True, unitriangular=False)
        gl = apply(SOLVE_TRIANGULAR, _mT(low), matmul(r, _mT(up)), upper=True, left=True,
                   unitriangular=True)
        grad_lu = apply(TRIL, gl, diagonal=-1) + apply(TRIU, r, diagonal=0)
    else:
        p = _constant(_permutation(pivots, n, lu._data.dtype))
        r = -matmul(matmul(matmul(_mT(p), x if left else _mT(x)), _mT(g) if left else g), p)
        r = apply(SOLVE_TRIANGULAR, _mT(low), r, upper=True, left=False, unitriangular=True)
        gu = apply(SOLVE_TRIANGULAR, _mT(up), matmul(_mT(low), r), upper=False, left=False,
                   unitriangular=False)
        grad_lu = apply(TRIL, r, diagonal=-1) + apply(TRIU, gu, diagonal=0)
    return grad_lu, grad_b


_LU_REFUSALS = refuse(tuple(NOT_FLOATING) + _LOW, '"lu_cpu" not implemented for \'{dtype}\'',
                      NotImplementedError)
LU_FACTOR = defop("lu_factor", "LinalgLuFactorExBackward0", _lu_factor_forward,
                  vjp=_lu_factor_vjp, dtype_rule="same", dtypes=_FLOAT,
                  kind="linalg_nonsingular", refuses=_LU_REFUSALS)
LU_L = defop("lu_l", "LinalgLuBackward0", _lu_l_forward, vjp=_lu_l_vjp, dtype_rule="same",
             dtypes=_FLOAT, kind="linalg_nonsingular", refuses=_LU_REFUSALS)
LU_U = defop("lu_u", "LinalgLuBackward0", _lu_u_forward, vjp=_lu_u_vjp, dtype_rule="same",
             dtypes=_FLOAT, kind="linalg_nonsingular", refuses=_LU_REFUSALS)
LU_SOLVE = defop(
    "lu_solve", "LinalgLuSolveBackward0", _lu_solve_forward, vjp=_lu_solve_vjp,
    dtype_rule="same", dtypes=_FLOAT, kind="linalg_nonsingular",
    refuses=refuse(tuple(NOT_FLOATING), "torch.linalg.lu_solve: Expected a floating point or "
                   "complex tensor as input. Got {dtype}")
    | refuse(_LOW, '"linalg.lu_solve_cpu" not implemented for \'{dtype}\'', NotImplementedError))


# -- public functions -------------------------------------------------------------------------
def _factor_checks(A: Tensor, name: str, pivot: bool) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    if A.dtype not in _FLOAT:
        raise NotImplementedError(f'"lu_cpu" not implemented for \'{_TORCH_NAMES[A.dtype.name]}\'')


def _zero_pivot(info: np.ndarray, name: str) -> RuntimeError:
    flat = info.reshape(-1)
    at = int(np.flatnonzero(flat)[0])
    batch = f"(Batch element {at}): " if info.ndim else ""
    return RuntimeError(f"torch.linalg.{name}: {batch}U[{flat[at]},{flat[at]}] is zero and "
                        "using it on lu_solve would result in a division by zero. If you still "
                        "want to perform the factorization, consider calling linalg.lu(A, pivot)"
                        " or linalg.lu_factor_ex(A, pivot)")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False
                 ) -> linalg_lu_factor_ex:
    """The LU factorization with partial pivoting of each matrix of ``A`` (..., m, n) and
    LAPACK's ``info``, as ``torch.linalg.lu_factor_ex``: ``LU`` packs ``L`` (below the
    diagonal, its unit diagonal left out) and ``U``; ``pivots`` (1-based, int32) name the row
    swapped with each row; ``info`` is 0, or the place of the first zero pivot (the factors are
    still exact there, but ``U`` is singular). One LinalgLuFactorExBackward0 node.

    Args:
        A: A float32 or float64 tensor of matrices.
        pivot: Whether to pivot; PyTorch's CPU kernel only pivots. Defaults to True.
        check_errors: Whether a zero pivot raises. Defaults to False.

    >>> import symgrad
    >>> symgrad.linalg.lu_factor_ex(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]])).LU
    tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]])
    """
    _factor_checks(A, "torch.lu_factor", pivot)
    _, pivots, info = _getrf(A._data)
    if check_errors and info.any():
        raise _zero_pivot(info, "lu_factor_ex")
    return linalg_lu_factor_ex(apply(LU_FACTOR, A), _constant(pivots), _constant(info))


def lu_factor(A: Tensor, *, pivot: bool = True) -> linalg_lu_factor:
    """The LU factorization with partial pivoting of each matrix of ``A`` (..., m, n), as
    ``torch.linalg.lu_factor``: ``(LU, pivots)`` as ``lu_factor_ex`` gives them, raising where
    a pivot is zero (``lu_solve`` would divide by it).

    Args:
        A: A float32 or float64 tensor of matrices.
        pivot: Whether to pivot; PyTorch's CPU kernel only pivots. Defaults to True.

    Raises:
        RuntimeError: A pivot is zero (PyTorch's message names it and the batch element).

    >>> import symgrad
    >>> LU, pivots = symgrad.linalg.lu_factor(symgrad.tensor([[0.0, 2.0], [4.0, 1.0]]))
    >>> LU, pivots
    (tensor([[4., 1.],
            [0., 2.]]), tensor([2, 2], dtype=symgrad.int32))
    """
    _factor_checks(A, "torch.lu_factor", pivot)
    info = _getrf(A._data)[2]
    if info.any():
        raise _zero_pivot(info, "lu_factor")
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return linalg_lu_factor(LU, pivots)


def lu(A: Tensor, *, pivot: bool = True) -> linalg_lu:
    """The LU factorization with partial pivoting ``A = P L U`` of each matrix of ``A`` (..., m,
    n), as ``torch.linalg.lu``: ``P`` a permutation matrix (m x m, a constant), ``L`` unit
    lower triangular (m x k), ``U`` upper triangular (k x n), ``k = min(m, n)``; ``L`` and ``U``
    are LinalgLuBackward0 nodes (their gradient is implemented for square matrices).

    Args:
        A: A float32 or float64 tensor of matrices.
        pivot: Whether to pivot; PyTorch's CPU kernel only pivots. Defaults to True.

    >>> import symgrad
    >>> P, L, U = symgrad.linalg.lu(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> L, U
    (tensor([[1.0000, 0.0000],
            [0.3333, 1.0000]]), tensor([[3.0000, 4.0000],
            [0.0000, 0.6667]]))
    """
    _factor_checks(A, "linalg.lu", pivot)
    pivots = _getrf(A._data)[1]
    p = _permutation(pivots, A.shape[-2], A._data.dtype)
    return linalg_lu(_constant(p), apply(LU_L, A), apply(LU_U, A))


def _solve_checks(LU: Tensor, pivots: Tensor, B: Tensor, left: bool) -> None:
    """PyTorch's checks of ``lu_solve``, in its order."""
    names = _TORCH_NAMES
    if not LU.is_floating_point():
        raise RuntimeError("torch.linalg.lu_solve: Expected a floating point or complex tensor "
                           f"as input. Got {names[LU.dtype.name]}")
    if LU.dtype is not B.dtype:
        raise RuntimeError("linalg.lu_solve: Expected LU and B to have the same dtype, but found "
                           f"LU of type {names[LU.dtype.name]} and B of type "
                           f"{names[B.dtype.name]} instead")
    if pivots.dtype is not _dtypes.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type "
                           "torch.int32")
    if LU.ndim < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError("torch.linalg.lu_solve: A must be batches of square matrices, but "
                           f"they are {LU.shape[-2]} by {LU.shape[-1]} matrices")
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError("linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x"
                           f"{B.shape[-1]})")
    if pivots.ndim < 1 or pivots.shape[-1] != n:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError("linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the "
                           f"same, but got pivots with shape {list(pivots.shape)} instead")


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
             adjoint: bool = False) -> Tensor:
    """``X`` with ``A X = B`` for ``A = P L U`` given by ``lu_factor`` (``A^T X = B`` for
    ``adjoint``; ``X A = B``, ``X A^T = B`` when not ``left``), the batch dims broadcast, as
    ``torch.linalg.lu_solve``: one LinalgLuSolveBackward0 node, differentiable in ``LU`` and
    ``B`` (the pivots are integers).

    Args:
        LU: The packed factors (..., n, n), float32 or float64.
        pivots: The 1-based row swaps (..., n), int32.
        B: The right-hand sides (..., n, k), or (..., k, n) when not ``left``.
        left: Whether to solve ``op(A) X = B`` (else ``X op(A) = B``). Defaults to True.
        adjoint: Whether ``op(A)`` is ``A^T`` (else ``A``). Defaults to False.

    >>> import symgrad
    >>> A = symgrad.tensor([[2.0, 1.0], [4.0, 3.0]])
    >>> LU, pivots = symgrad.linalg.lu_factor(A)
    >>> symgrad.linalg.lu_solve(LU, pivots, symgrad.tensor([[4.0], [10.0]]))
    tensor([[1.],
            [2.]])
    """
    _solve_checks(LU, pivots, B, left)
    swaps = pivots._data
    if swaps.size and swaps.min() < 1:
        raise RuntimeError("Pivots given to lu_solve must all be greater or equal to 1. Did you "
                           "properly pass the result of lu_factor?")
    if swaps.size and swaps.max() > LU.shape[-2]:
        raise RuntimeError("Pivots given to lu_solve must all be smaller or equal to "
                           "LU.size(-2). Did you properly pass the result of lu_factor?")
    if LU.dtype in _LOW:
        raise NotImplementedError('"linalg.lu_solve_cpu" not implemented for '
                                  f"'{_TORCH_NAMES[LU.dtype.name]}'")
    return apply(LU_SOLVE, LU, B, pivots=np.array(swaps), left=left, adjoint=adjoint)
