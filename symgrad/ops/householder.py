"""Householder reflectors: ``torch.geqrf`` (QR in LAPACK's compact form),
``torch.linalg.householder_product`` (``torch.orgqr``, ``Tensor.orgqr``) and ``torch.ormqr``,
as PyTorch 2.13 gives them.

A matrix ``A`` (..., m, n) and scalars ``tau`` (..., k) stand for the reflectors ``H_i = I -
tau_i v_i v_i^T``, ``v_i`` being 1 at row ``i``, 0 above it and ``A``'s column ``i`` below it.
``householder_product`` is the first ``n`` columns of ``Q = H_0 H_1 ... H_(k-1)`` (one
LinalgHouseholderProductBackward0 node), ``ormqr`` multiplies ``other`` by ``Q`` or ``Q^T``
from the left or the right (one OrmqrBackward0 node), and ``geqrf`` computes the reflectors of
the QR factorization as LAPACK's geqr2 does (a GeqrfBackward0 node, which PyTorch has no
derivative for: backward raises its NotImplementedError).

Forwards run in float64 and round once; PyTorch refuses integers and the half types with
NotImplementedError, and so do these. The VJPs are written in symgrad ops, so gradients of
gradients work: with ``W_i = H_(i-1) ... H_0 G`` and ``S_i = H_(i+1) ... H_(k-1) E`` (``E``
the identity's first columns), the gradient of ``H_i`` is ``W_i S_i^T``, so ``g tau_i = -(W_i^T
v_i) . (S_i^T v_i)`` and ``g v_i = -tau_i (W_i S_i^T v_i + S_i W_i^T v_i)``, of which the
elements below the diagonal are ``A``'s gradient (the rest of ``A`` is not read).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _wide
from symgrad.ops.counting import _no_derivative, _recorded
from symgrad.ops.linalg import matmul
from symgrad.ops.registry import _TORCH_NAMES, apply, defop, expose, not_implemented
from symgrad.ops.triangular import TRIL
from symgrad.return_types import _repr
from symgrad.tensor import Tensor

__all__ = ["householder_product", "orgqr", "geqrf", "ormqr"]

_LOW = (_dtypes.float16, _dtypes.bfloat16)
_FLOAT = frozenset({_dtypes.float32, _dtypes.float64})


class geqrf_result(NamedTuple):
    """``(a, tau)`` of ``symgrad.geqrf``.

    >>> import symgrad
    >>> symgrad.geqrf(symgrad.tensor([[3.0], [4.0]])).tau
    tensor([1.6000])
    """

    a: Tensor
    tau: Tensor

    __repr__ = _repr


geqrf_result.__name__ = geqrf_result.__qualname__ = "geqrf"


# -- forwards ---------------------------------------------------------------------------------
def _reflectors(a: np.ndarray, k: int) -> np.ndarray:
    """The vectors ``v_i`` (..., m, k) of ``a`` (..., m, n): 1 on the diagonal, 0 above it,
    ``a``'s elements below."""
    m = a.shape[-2]
    return np.tril(a[..., :, :k], -1) + np.eye(m, k)


def _apply_left(v: np.ndarray, tau: np.ndarray, x: np.ndarray, order: range) -> np.ndarray:
    """``H_i x`` for each ``i`` of ``order`` in turn (the last applied outermost)."""
    for i in order:
        vi = v[..., :, i:i + 1]
        x = x - tau[..., i, None, None] * vi * np.matmul(np.swapaxes(vi, -2, -1), x)
    return x


def _householder_forward(input: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """The first ``n`` columns of ``H_0 H_1 ... H_(k-1)``, applied to them from the last."""
    a, t = input.astype(np.float64), tau.astype(np.float64)
    m, n = a.shape[-2:]
    k = t.shape[-1]
    x = np.broadcast_to(np.eye(m, n), a.shape)
    out = _apply_left(_reflectors(a, k), t, x, range(k - 1, -1, -1))
    return np.asarray(out, dtype=input.dtype)


def _ormqr_forward(input: np.ndarray, tau: np.ndarray, other: np.ndarray, *, left: bool,
                   transpose: bool) -> np.ndarray:
    """``Q other`` (``Q^T other`` for ``transpose``; ``other Q`` or ``other Q^T`` when not
    ``left``), ``Q`` the product of the reflectors, by applying them in turn."""
    a, t, c = (x.astype(np.float64) for x in (input, tau, other))
    k = t.shape[-1]
    v = _reflectors(a, k)
    if not left:  # C Q = (Q^T C^T)^T
        c, transpose = np.swapaxes(c, -2, -1), not transpose
    order = range(k) if transpose else range(k - 1, -1, -1)
    out = _apply_left(v, t, c, order)
    if not left:
        out = np.swapaxes(out, -2, -1)
    return np.asarray(out, dtype=other.dtype)


def _geqr2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's geqr2 of each matrix of ``a`` (..., m, n) in float64: the reflectors below the
    diagonal and ``R`` on and above it, and ``tau`` (..., min(m, n)). Each reflector is larfg's:
    ``beta = -sign(alpha) |x|``, ``tau = (beta - alpha) / beta``, ``v = x / (alpha - beta)``;
    ``tau = 0`` where the column below the diagonal is 0.

    >>> [x.tolist() for x in _geqr2(np.array([[np.inf], [0.0], [np.nan]]))]
    [[[nan], [nan], [nan]], [nan]]
    """
    m, n = a.shape[-2:]
    k = min(m, n)
    out = np.array(a, dtype=np.float64)
    taus = np.zeros(a.shape[:-2] + (k,))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(k):
            alpha = out[..., i, i]
            below = out[..., i + 1:, i]
            xnorm = np.sqrt(np.sum(below * below, axis=-1))
            # |x| of a column holding a NaN is NaN (as vector_norm's), also beside an
            # infinity, where C's hypot gives inf (fuzzer seeds 2377 #201, 2390 #26).
            norm = np.where(np.isnan(xnorm) | np.isnan(alpha), np.nan, np.hypot(alpha, xnorm))
            beta = -np.copysign(norm, alpha)
            skip = xnorm == 0
            tau = np.where(skip, 0.0, (beta - alpha) / np.where(skip, 1.0, beta))
            scale = np.where(skip, 1.0, 1.0 / np.where(skip, 1.0, alpha - beta))
            out[..., i + 1:, i] = below * scale[..., None]
            out[..., i, i] = np.where(skip, alpha, beta)
            taus[..., i] = tau
            if i + 1 < n:
                v = np.concatenate([np.ones(a.shape[:-2] + (1,)), out[..., i + 1:, i]], -1)
                block = out[..., i:, i + 1:]
                w = np.einsum("...r,...rc->...c", v, block)
                out[..., i:, i + 1:] = block - tau[..., None, None] * v[..., :, None] * w[
                    ..., None, :]
    return out, taus


# -- backwards --------------------------------------------------------------------------------
def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _constant(data: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(data), False, None)


def _chain_vjp(a: Tensor, tau: Tensor, gq: Tensor, columns: int
               ) -> tuple[Tensor, Tensor]:
    """The gradients of ``A`` and ``tau`` given the gradient ``gq`` (..., m, columns) of ``Q =
    H_0 ... H_(k-1) E``, ``E`` the identity's first ``columns`` columns (see the module)."""
    m, n = a.shape[-2:]
    k = tau.shape[-1]
    dtype = a._data.dtype
    v = apply(TRIL, a[..., :, :k], diagonal=-1) + _constant(np.eye(m, k, dtype=dtype))
    vs = [v[..., :, i:i + 1] for i in range(k)]
    ts = [tau[..., i:i + 1].unsqueeze(-1) for i in range(k)]

    def reflect(i: int, x: Tensor) -> Tensor:
        return x - ts[i] * matmul(vs[i], matmul(_mT(vs[i]), x))

    suffixes: list[Tensor] = [_constant(np.broadcast_to(
        np.eye(m, columns, dtype=dtype), tuple(a.shape[:-2]) + (m, columns)).copy())]
    for i in range(k - 1, 0, -1):
        suffixes.append(reflect(i, suffixes[-1]))
    suffixes.reverse()  # suffixes[i] = S_i
    w = gq
    grad_v, grad_tau = [], []
    for i in range(k):
        s = suffixes[i]
        along = matmul(_mT(s), vs[i])   # S_i^T v_i
        across = matmul(_mT(w), vs[i])  # W_i^T v_i
        grad_tau.append(-(along * across).sum((-2, -1)))
        grad_v.append(-ts[i] * (matmul(w, along) + matmul(s, across)))
        if i + 1 < k:
            w = reflect(i, w)
    from symgrad.ops.shape import cat, stack

    if k:
        columns_of_a = cat(grad_v, -1)
        if n > k:
            zeros = _constant(np.zeros(tuple(a.shape[:-2]) + (m, n - k), dtype))
            columns_of_a = cat([columns_of_a, zeros], -1)
        grad_a = apply(TRIL, columns_of_a, diagonal=-1)
        grad_t = stack(grad_tau, -1)
    else:
        grad_a = _constant(np.zeros(tuple(a.shape), dtype))
        grad_t = _constant(np.zeros(tuple(tau.shape), dtype))
    return grad_a, grad_t


def _householder_vjp(g: Tensor, input: Tensor, tau: Tensor
                     ) -> tuple[Tensor | None, Tensor | None]:
    if tau.shape[-1] == 0:  # no reflectors: the identity's columns read neither (PyTorch: None)
        return None, None
    return _chain_vjp(_wide(input), _wide(tau), _wide(g), input.shape[-1])


def _ormqr_vjp(g: Tensor, input: Tensor, tau: Tensor, other: Tensor, *, left: bool,
               transpose: bool) -> tuple[Tensor, Tensor, Tensor]:
    g, a, t, c = _wide(g), _wide(input), _wide(tau), _wide(other)
    grad_other = apply(ORMQR, a, t, g, left=left, transpose=not transpose)
    if left:
        gq = matmul(c, _mT(g)) if transpose else matmul(g, _mT(c))
    else:
        gq = matmul(_mT(g), c) if transpose else matmul(_mT(c), g)
    grad_a, grad_t = _chain_vjp(a, t, gq, a.shape[-2])
    return grad_a, grad_t, grad_other


HOUSEHOLDER_PRODUCT = defop(
    "householder_product", "LinalgHouseholderProductBackward0", _householder_forward,
    vjp=_householder_vjp, dtype_rule="same", dtypes=_FLOAT, kind="linalg",
    refuses=not_implemented("orgqr_cpu", tuple(NOT_FLOATING) + _LOW))
ORMQR = defop(
    "ormqr", "OrmqrBackward0", _ormqr_forward, vjp=_ormqr_vjp, dtype_rule="same",
    dtypes=_FLOAT, kind="linalg",
    refuses=not_implemented("ormqr_cpu", tuple(NOT_FLOATING) + _LOW))

_GEQRF = _no_derivative("GeqrfBackward0", "geqrf")


# -- public functions -------------------------------------------------------------------------
def _refuse_kernel(t: Tensor, kernel: str) -> None:
    if t.dtype not in _FLOAT:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_TORCH_NAMES[t.dtype.name]}'")


def _tau_batch(input: Tensor, tau: Tensor, name: str) -> None:
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if input.ndim > 2 and tuple(tau.shape[:-1]) != tuple(input.shape[:-2]) \
            or input.ndim - tau.ndim != 1:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")


def householder_product(input: Tensor, tau: Tensor) -> Tensor:
    """The first ``n`` columns of the product ``H_0 H_1 ... H_(k-1)`` of the Householder
    reflectors ``H_i = I - tau_i v_i v_i^T`` stored in ``input`` (..., m, n) and ``tau`` (...,
    k), ``v_i`` being 1 at row ``i``, 0 above and ``input``'s column ``i`` below, as
    ``torch.linalg.householder_product`` and ``torch.orgqr``: one
    LinalgHouseholderProductBackward0 node (only the elements below the diagonal of the first
    ``k`` columns of ``input`` are read, and only they get a gradient).

    Args:
        input: The reflectors, a float32 or float64 tensor (..., m, n) with ``m >= n``.
        tau: Their scale factors (..., k), ``k <= n``, of ``input``'s dtype and batch shape.

    >>> import symgrad
    >>> A, tau = symgrad.geqrf(symgrad.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> symgrad.linalg.householder_product(A, tau)
    tensor([[-0.6000, -0.8000],
            [-0.8000,  0.6000]])
    """
    name = "torch.linalg.householder_product"
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if input.shape[-2] < input.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if input.shape[-1] < tau.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    _tau_batch(input, tau, name)
    if tau.dtype is not input.dtype:
        raise RuntimeError(f"{name}: tau dtype {_TORCH_NAMES[tau.dtype.name]} does not match "
                           f"input dtype {_TORCH_NAMES[input.dtype.name]}")
    _refuse_kernel(input, "orgqr_cpu")
    return apply(HOUSEHOLDER_PRODUCT, input, tau)


@expose()
def orgqr(input: Tensor, input2: Tensor) -> Tensor:
    """``householder_product(input, input2)``, as ``torch.orgqr`` and ``Tensor.orgqr`` (LAPACK's
    name; PyTorch names the second argument ``input2``).

    Args:
        input: The reflectors, a float32 or float64 tensor (..., m, n) with ``m >= n``.
        input2: Their scale factors (..., k), ``k <= n``.

    >>> import symgrad
    >>> symgrad.orgqr(symgrad.tensor([[1.0], [1.0]]), symgrad.tensor([1.0]))
    tensor([[ 0.],
            [-1.]])
    """
    return householder_product(input, input2)


@expose(method=False)
def geqrf(input: Tensor) -> geqrf_result:
    """The QR factorization of each matrix of ``input`` (..., m, n) in LAPACK's compact form,
    as ``torch.geqrf``: ``a`` holds ``R`` on and above the diagonal and the Householder
    vectors below it, ``tau`` (..., min(m, n)) their scale factors, as geqr2 computes them
    (``householder_product(a, tau)`` is ``Q``). PyTorch has no derivative for it: the results
    record a GeqrfBackward0 node whose backward raises.

    Args:
        input: A float32 or float64 tensor of matrices.

    >>> import symgrad
    >>> symgrad.geqrf(symgrad.tensor([[3.0, 1.0], [4.0, 2.0]])).a
    tensor([[-5.0000, -2.2000],
            [ 0.5000,  0.4000]])
    """
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _refuse_kernel(input, "geqrf_cpu")
    a, tau = _geqr2(input._data)
    dtype = input._data.dtype
    a_out = _recorded(_constant(a.astype(dtype)), input, _GEQRF)
    tau_out = _recorded(_constant(tau.astype(dtype)), input, _GEQRF)
    if a_out._fn is not None:
        tau_out._fn = a_out._fn  # one node, both outputs
    return geqrf_result(a_out, tau_out)


@expose()
def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True,
          transpose: bool = False) -> Tensor:
    """``Q other`` for the product ``Q = H_0 ... H_(k-1)`` of the Householder reflectors in
    ``input`` and ``tau`` (as ``householder_product`` reads them, ``Q`` being m x m), as
    ``torch.ormqr``: ``Q^T other`` for ``transpose``, ``other Q`` (``other Q^T``) when not
    ``left``. One OrmqrBackward0 node, differentiable in all three.

    Args:
        input: The reflectors (..., m, n), float32 or float64.
        tau: Their scale factors (..., k), ``k = min(other's multiplied dim, n)``.
        other: The matrices multiplied (..., m, p), or (..., p, m) when not ``left``.
        left: Whether ``Q`` multiplies from the left. Defaults to True.
        transpose: Whether ``Q^T`` is used. Defaults to False.

    >>> import symgrad
    >>> A, tau = symgrad.geqrf(symgrad.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> symgrad.ormqr(A, tau, symgrad.eye(2), transpose=True)
    tensor([[-0.6000, -0.8000],
            [-0.8000,  0.6000]])
    """
    if input.ndim < 2:
        raise RuntimeError("torch.ormqr: input must have at least 2 dimensions.")
    if other.ndim < 2:
        raise RuntimeError("torch.ormqr: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if tau.shape[-1] != min(other.shape[side], input.shape[-1]):
        raise RuntimeError(f"torch.ormqr: tau.shape[-1] must be equal to min(other.shape[{side}],"
                           " input.shape[-1])")
    if other.shape[side] != input.shape[-2]:
        raise RuntimeError(f"torch.ormqr: other.shape[{side}] must be equal to input.shape[-2]")
    if input.ndim - tau.ndim != 1:
        raise RuntimeError("torch.ormqr: Expected tau to have one dimension less than input, "
                           f"but got tau.ndim equal to {tau.ndim} and input.ndim is equal to "
                           f"{input.ndim}")
    _tau_batch(input, tau, "torch.ormqr")
    if input.ndim != other.ndim:
        raise RuntimeError("torch.ormqr: Expected other to have the same number of dimensions "
                           f"as input, but got other.ndim equal to {other.ndim} and input.ndim "
                           f"is equal to {input.ndim}")
    if input.ndim > 2 and tuple(other.shape[:-2]) != tuple(input.shape[:-2]):
        raise RuntimeError("torch.ormqr: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(other.shape[:-2])}")
    for label, t in (("tau", tau), ("other", other)):
        if t.dtype is not input.dtype:
            raise RuntimeError(f"torch.ormqr: Expected input and {label} to have the same dtype,"
                               f" but input has dtype{_TORCH_NAMES[input.dtype.name]} and "
                               f"{label} has dtype {_TORCH_NAMES[t.dtype.name]}")
    _refuse_kernel(input, "ormqr_cpu")
    return apply(ORMQR, input, tau, other, left=left, transpose=transpose)
