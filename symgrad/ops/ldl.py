"""The LDL factorization of symmetric matrices with Bunch-Kaufman pivoting and its solve:
``torch.linalg.ldl_factor``, ``torch.linalg.ldl_factor_ex`` and ``torch.linalg.ldl_solve``, as
PyTorch 2.13 gives them on the CPU (LAPACK's sytrf and sytrs, lower triangle).

The forward is LAPACK's unblocked sytf2 (the blocked sytrf takes the same pivots) in float64,
rounded once: at column ``k`` a 1 x 1 pivot where ``|a_kk| >= alpha colmax`` (``alpha = (1 +
sqrt(17)) / 8``, ``colmax`` the largest ``|element|`` below it, at row ``imax``) or ``|a_kk| >=
alpha colmax^2 / rowmax`` (``rowmax`` the largest off-diagonal ``|element|`` of row ``imax``);
else row ``imax``'s diagonal element as a 1 x 1 pivot where ``|a_imax,imax| >= alpha rowmax``,
else the 2 x 2 pivot of rows ``k`` and ``imax``. ``pivots`` are
LAPACK's (1-based, int32: ``p > 0`` a 1 x 1 block whose row was swapped with row ``p``, ``-p``
twice a 2 x 2 block whose second row was swapped with row ``p``); ``LD`` holds ``L`` below the
diagonal (its unit diagonal left out) and the blocks of ``D`` on it (a 2 x 2 block's
off-diagonal element below the diagonal), the upper triangle zero. ``info`` is the first
column whose pivot is exactly 0, as LAPACK's (PyTorch's ``ldl_factor`` then fails with its
internal assert's message; its result there is what LAPACK leaves, and rounding decides which
exactly-zero pivots MKL finds: compared with PyTorch element for element on matrices whose
pivots are not zero, the pivots equal and ``LD`` within rounding).

PyTorch has no derivative for either: results of inputs that require grad are made by its
``NotImplemented`` node, whose backward raises (``derivative for aten::linalg_ldl_factor_ex is
not implemented``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import grad_mode
from symgrad.autograd.graph import NotImplementedNode
from symgrad.ops.registry import _TORCH_NAMES, _edge
from symgrad.return_types import _repr
from symgrad.tensor import Tensor

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0
_FLOAT = frozenset({_dtypes.float32, _dtypes.float64})


class linalg_ldl_factor(NamedTuple):
    """``(LD, pivots)`` of ``symgrad.linalg.ldl_factor``.

    >>> import symgrad
    >>> symgrad.linalg.ldl_factor(symgrad.tensor([[4.0, 2.0], [2.0, 3.0]])).pivots
    tensor([1, 2], dtype=symgrad.int32)
    """

    LD: Tensor
    pivots: Tensor

    __repr__ = _repr


class linalg_ldl_factor_ex(NamedTuple):
    """``(LD, pivots, info)`` of ``symgrad.linalg.ldl_factor_ex``.

    >>> import symgrad
    >>> symgrad.linalg.ldl_factor_ex(symgrad.zeros(2, 2)).info
    tensor(1, dtype=symgrad.int32)
    """

    LD: Tensor
    pivots: Tensor
    info: Tensor

    __repr__ = _repr


# -- forwards ---------------------------------------------------------------------------------
def _idamax(x: np.ndarray) -> int:
    """BLAS's idamax: the first of the largest ``|x|`` (a NaN only where it comes first)."""
    size = np.abs(x)
    best = 0
    for i in range(1, size.shape[0]):
        if size[i] > size[best]:
            best = i
    return best


def _swap(a: np.ndarray, first: tuple, second: tuple) -> None:
    here = a[first].copy()
    a[first] = a[second]
    a[second] = here


def _sytf2(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """LAPACK's sytf2 (lower) of one symmetric matrix in float64: ``LD``, pivots, info."""
    a = np.array(matrix, dtype=np.float64)
    n = a.shape[0]
    pivots = np.zeros(n, np.int32)
    info = 0
    k = 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        while k < n:
            step = 1
            absakk = abs(a[k, k])
            imax = k + 1 + _idamax(a[k + 1:, k]) if k < n - 1 else k
            colmax = abs(a[imax, k]) if k < n - 1 else 0.0
            if max(absakk, colmax) == 0 or math.isnan(absakk):
                info = info or k + 1
                kp = k
            else:
                if absakk >= _ALPHA * colmax:
                    kp = k
                else:
                    jmax = k + _idamax(a[imax, k:imax])
                    rowmax = abs(a[imax, jmax])
                    if imax < n - 1:
                        jmax = imax + 1 + _idamax(a[imax + 1:, imax])
                        rowmax = max(rowmax, abs(a[jmax, imax]))
                    if absakk >= _ALPHA * colmax * (colmax / rowmax):
                        kp = k
                    elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                        kp = imax
                    else:
                        kp, step = imax, 2
                kk = k + step - 1
                if kp != kk:
                    # swap rows and columns kk and kp of the trailing lower triangle
                    _swap(a, (slice(kp + 1, None), kk), (slice(kp + 1, None), kp))
                    _swap(a, (slice(kk + 1, kp), kk), (kp, slice(kk + 1, kp)))
                    _swap(a, (kk, kk), (kp, kp))
                    if step == 2:
                        _swap(a, (k + 1, k), (kp, k))
                if step == 1:
                    if k < n - 1:
                        d11 = 1.0 / a[k, k]
                        x = a[k + 1:, k].copy()
                        rest = a[k + 1:, k + 1:]
                        a[k + 1:, k + 1:] = np.tril(rest - d11 * np.outer(x, x)) + np.triu(rest, 1)
                        a[k + 1:, k] = d11 * x
                elif k < n - 2:
                    d21 = a[k + 1, k]
                    d11 = a[k + 1, k + 1] / d21
                    d22 = a[k, k] / d21
                    d21 = 1.0 / (d11 * d22 - 1.0) / d21
                    for j in range(k + 2, n):
                        wk = d21 * (d11 * a[j, k] - a[j, k + 1])
                        wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
                        a[j:, j] = a[j:, j] - a[j:, k] * wk - a[j:, k + 1] * wkp1
                        a[j, k], a[j, k + 1] = wk, wkp1
            if step == 1:
                pivots[k] = kp + 1
            else:
                pivots[k] = pivots[k + 1] = -(kp + 1)
            k += step
    return np.tril(a), pivots, info


def _sytrs(ld: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
    """LAPACK's sytrs (lower) of one factorization: ``X`` with ``P L D L^T P^T X = B``."""
    b = np.array(b, dtype=np.float64)
    n = ld.shape[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = 0
        while k < n:  # L D Y = B
            if pivots[k] > 0:
                kp = pivots[k] - 1
                if kp != k:
                    _swap(b, (k,), (kp,))
                b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
                b[k] = b[k] / ld[k, k]
                k += 1
            else:
                kp = -pivots[k] - 1
                if kp != k + 1:
                    _swap(b, (k + 1,), (kp,))
                b[k + 2:] -= np.outer(ld[k + 2:, k], b[k])
                b[k + 2:] -= np.outer(ld[k + 2:, k + 1], b[k + 1])
                akm1k = ld[k + 1, k]
                akm1 = ld[k, k] / akm1k
                ak = ld[k + 1, k + 1] / akm1k
                denom = akm1 * ak - 1.0
                bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
                b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
                k += 2
        k = n - 1
        while k >= 0:  # L^T X = Y
            if pivots[k] > 0:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
                kp = pivots[k] - 1
                if kp != k:
                    _swap(b, (k,), (kp,))
                k -= 1
            else:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
                b[k - 1] -= ld[k + 1:, k - 1] @ b[k + 1:]
                kp = -pivots[k] - 1
                if kp != k:
                    _swap(b, (k,), (kp,))
                k -= 2
    return b


def _factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = a.shape[-1]
    batch = a.shape[:-2]
    flat = a.reshape((math.prod(batch), n, n))
    ld = np.zeros(flat.shape)
    pivots = np.zeros(flat.shape[:-1], np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    for i in range(flat.shape[0]):
        ld[i], pivots[i], info[i] = _sytf2(flat[i])
    return (ld.reshape(a.shape).astype(a.dtype), pivots.reshape(batch + (n,)),
            info.reshape(batch))


# -- public functions -------------------------------------------------------------------------
def _constant(data: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(data), False, None)


def _no_derivative(data: np.ndarray, inputs: tuple[Tensor, ...], aten: str) -> Tensor:
    """``data``, made by PyTorch's ``NotImplemented`` node when an input requires grad."""
    sources = [t for t in inputs if t.requires_grad]
    if not sources or not grad_mode.is_grad_enabled():
        return _constant(data)
    node = NotImplementedNode(f"derivative for aten::{aten} is not implemented",
                              inputs=tuple(_edge(t) for t in sources))
    return Tensor._make(np.asarray(data), True, node)


def _square(A: Tensor, name: str) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if not A.is_floating_point():
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_NAMES[A.dtype.name]}")


def _internal_error(name: str, info: np.ndarray) -> RuntimeError:
    code = int(info.reshape(-1)[np.flatnonzero(info.reshape(-1))[0]])
    return RuntimeError('false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/aten/src/ATen/'
                        'native/BatchLinearAlgebra.cpp":1642, please report a bug to PyTorch. '
                        f"{name}: Unknown error code: {code}.")


def ldl_factor_ex(input: Tensor, *, hermitian: bool = False, check_errors: bool = False
                  ) -> linalg_ldl_factor_ex:
    """The LDL factorization ``A = P L D L^T P^T`` of each symmetric matrix of ``A`` (only its
    lower triangle is read) with LAPACK's Bunch-Kaufman pivoting, as
    ``torch.linalg.ldl_factor_ex``: the compact ``LD``, LAPACK's 1-based int32 ``pivots``
    (negative for a 2 x 2 block) and ``info`` (0, or the first zero pivot's column). See the
    module for the layout; PyTorch has no derivative for it.

    Args:
        input: A float32 or float64 tensor of square matrices (..., n, n) (PyTorch's
            documentation calls it ``A``; its argument parser takes ``input``).
        hermitian: Whether ``input`` is Hermitian rather than symmetric (the same for real
            matrices). Defaults to False.
        check_errors: Whether a zero pivot raises (PyTorch's internal assert). Defaults to
            False.

    >>> import symgrad
    >>> symgrad.linalg.ldl_factor_ex(symgrad.tensor([[0.0, 1.0], [1.0, 0.0]]))
    symgrad.return_types.linalg_ldl_factor_ex(
    LD=tensor([[0., 0.],
            [1., 0.]]),
    pivots=tensor([-2, -2], dtype=symgrad.int32),
    info=tensor(0, dtype=symgrad.int32))
    """
    name = "torch.linalg.ldl_factor_ex"
    A = input
    _square(A, name)
    if A.dtype not in _FLOAT:
        raise NotImplementedError('"ldl_factor_kernel_cpu" not implemented for '
                                  f"'{_TORCH_NAMES[A.dtype.name]}'")
    ld, pivots, info = _factor(A._data)
    if check_errors and info.any():
        raise _internal_error(name, info)
    return linalg_ldl_factor_ex(_no_derivative(ld, (A,), "linalg_ldl_factor_ex"),
                                _constant(pivots), _constant(info))


def ldl_factor(input: Tensor, *, hermitian: bool = False) -> linalg_ldl_factor:
    """``(LD, pivots)`` of ``ldl_factor_ex``, as ``torch.linalg.ldl_factor``: a zero pivot
    raises (PyTorch's internal assert, naming LAPACK's ``info``).

    Args:
        input: A float32 or float64 tensor of square symmetric matrices (..., n, n) (``A`` in
            PyTorch's documentation, ``input`` to its argument parser).
        hermitian: Whether ``input`` is Hermitian rather than symmetric (the same for real
            matrices). Defaults to False.

    >>> import symgrad
    >>> LD, pivots = symgrad.linalg.ldl_factor(symgrad.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> LD
    tensor([[4.0000, 0.0000],
            [0.5000, 2.0000]])
    """
    A = input
    _square(A, "torch.linalg.ldl_factor_ex")
    if A.dtype not in _FLOAT:
        raise NotImplementedError('"ldl_factor_kernel_cpu" not implemented for '
                                  f"'{_TORCH_NAMES[A.dtype.name]}'")
    ld, pivots, info = _factor(A._data)
    if info.any():
        raise _internal_error("torch.linalg.ldl_factor", info)
    return linalg_ldl_factor(_no_derivative(ld, (A,), "linalg_ldl_factor_ex"),
                             _constant(pivots))


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """``X`` with ``A X = B`` for ``A = P L D L^T P^T`` given by ``ldl_factor``, the batch dims
    broadcast, as ``torch.linalg.ldl_solve`` (LAPACK's sytrs); PyTorch has no derivative for
    it.

    Args:
        LD: The compact factorization (..., n, n), float32 or float64.
        pivots: LAPACK's pivots (..., n), integers.
        B: The right-hand sides (..., n, k), of ``LD``'s dtype.
        hermitian: Whether the factorization is of a Hermitian matrix (the same for real
            ones). Defaults to False.

    >>> import symgrad
    >>> LD, pivots = symgrad.linalg.ldl_factor(symgrad.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> symgrad.linalg.ldl_solve(LD, pivots, symgrad.tensor([[6.0], [5.0]]))
    tensor([[1.],
            [1.]])
    """
    name = "torch.linalg.ldl_solve"
    if LD.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if LD.shape[-1] != LD.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{LD.shape[-2]} by {LD.shape[-1]} matrices")
    if B.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(B.ndim, 1)}"
                         f", {max(B.ndim, 1) - 1}], but got -2)")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {list(pivots.shape)} instead")
    if not LD.is_floating_point():
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_NAMES[LD.dtype.name]}")
    if B.dtype is not LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_TORCH_NAMES[B.dtype.name]} and A of type "
                           f"{_TORCH_NAMES[LD.dtype.name]} instead.")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError("Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix "
                           f"is {n} by {n} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    if LD.dtype not in _FLOAT:
        raise NotImplementedError('"ldl_solve_cpu" not implemented for '
                                  f"'{_TORCH_NAMES[LD.dtype.name]}'")
    batch = np.broadcast_shapes(tuple(LD.shape[:-2]), tuple(B.shape[:-2]))
    count = math.prod(batch)
    ld = np.broadcast_to(LD._data.astype(np.float64), batch + (n, n)).reshape((count, n, n))
    piv = np.broadcast_to(pivots._data.astype(np.int64), batch + (n,)).reshape((count, n))
    b = np.broadcast_to(B._data.astype(np.float64), batch + tuple(B.shape[-2:]))
    flat = b.reshape((count,) + tuple(B.shape[-2:]))
    out = np.stack([_sytrs(ld[i], piv[i], flat[i]) for i in range(flat.shape[0])]) \
        if flat.shape[0] else np.zeros(flat.shape)
    data = out.reshape(b.shape).astype(LD._data.dtype)
    return _no_derivative(data, (LD, B), "linalg_ldl_solve")
