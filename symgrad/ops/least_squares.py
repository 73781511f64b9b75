"""Least squares: ``torch.linalg.lstsq``, its solution and residuals each one
LinalgLstsqBackward0 node (PyTorch's one node has both outputs).

The forward is the pseudoinverse's, in float64 from the SVD, rounded once: ``X = A^+ B``, the
singular values at most ``rcond * largest`` dropped. That is what LAPACK's drivers give where
``A`` has full rank (the least-squares solution of a tall ``A``, the solution of least norm of
a wide one) and where its rank is clearly lower (gelsy's complete orthogonal factorization,
gelsd's and gelss's SVD: the solution of least norm of the truncated problem); symgrad decides
the rank from the singular values for every driver, and gives gels, which assumes full rank,
the same solution. gelsy truncates by its pivoted QR, which drops other parts than the
singular values where an ``rcond`` lowers the rank of a matrix (``rcond=10`` keeps gelsy's
first pivot, gelsd nothing): that raises NotImplementedError, naming gelsd.

Which fields PyTorch fills depends on the driver (CPU default ``gelsy``): ``rank`` for all but
gels, ``singular_values`` for gelsd and gelss, ``residuals`` (the squared norms of the columns
of ``A X - B``) for a tall ``A`` with any driver but gelsy, and with gelsd or gelss only where
every matrix has full rank; the others are empty. ``rank`` and ``singular_values`` have no
gradient. The residuals of matrices without columns (n = 0) are ``|B|^2`` here, where PyTorch
2.13's gels gives 0.

The VJPs are PyTorch's (``linalg_lstsq_backward``), written in symgrad ops: the solution's
``gB = pinv(A)^T gX`` and ``gA`` the pseudoinverse's gradient for ``gX B^T``; the residuals'
``gB = -2 R gL`` and ``gA = 2 R gL X^T`` (``R = A X - B``, ``gL`` scaling each column).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.autocast_policy import autocasts
from symgrad.ops.arithmetic import _wide
from symgrad.ops.decompositions import PINV, _pinv_vjp
from symgrad.ops.linalg import matmul
from symgrad.ops.registry import _TORCH_NAMES, apply, broadcast_shapes, defop, refuse
from symgrad.return_types import _repr
from symgrad.tensor import Tensor

__all__ = ["lstsq"]

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class linalg_lstsq(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` of ``symgrad.linalg.lstsq``.

    >>> import symgrad
    >>> symgrad.linalg.lstsq(symgrad.tensor([[2.0], [0.0]]), symgrad.tensor([[4.0], [1.0]])).rank
    tensor(1)
    """

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor

    __repr__ = _repr


# -- forwards ---------------------------------------------------------------------------------
def _cut(rcond: float | None, dtype: np.dtype, m: int, n: int) -> float:
    """The relative cut of the singular values: ``rcond``, by default ``eps * max(m, n)`` of
    the input's dtype; LAPACK takes a negative one as its machine precision."""
    eps = float(np.finfo(dtype).eps)
    if rcond is None:
        return eps * max(m, n)
    return eps / 2 if rcond < 0 else float(rcond)


def _drivers_rcond(rcond: float, driver: str) -> float:
    """The cut each LAPACK driver makes of a given ``rcond``: gelsd (dlalsd) takes one outside
    (0, 1) as its machine precision (-1, which ``_cut`` reads so), gelss a negative one; gelsy
    keeps every column for a negative one (0 here)."""
    if driver == "gelsd" and not 0 < rcond < 1:
        return -1.0
    if driver in ("gelsy", "gels") and rcond < 0:
        return 0.0
    return rcond


def _svd_solve(a: np.ndarray, b: np.ndarray, cut: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X = A^+ B`` per matrix (float64, batch dims broadcast), the singular values and the
    rank, the singular values at most ``cut * largest`` dropped."""
    m, n = a.shape[-2:]
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + (m, n))
    b = np.broadcast_to(b, batch + b.shape[-2:])
    k = min(m, n)
    if k == 0:
        return (np.zeros(batch + (n, b.shape[-1])), np.zeros(batch + (0,)),
                np.zeros(batch, np.int64))
    if not np.isfinite(a).all():  # (the public function refuses these; the op gives NaN)
        return (np.full(batch + (n, b.shape[-1]), np.nan), np.full(batch + (k,), np.nan),
                np.zeros(batch, np.int64))
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    keep = s > cut * s[..., :1]
    inv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    x = np.swapaxes(vh, -2, -1) @ (inv[..., None] * (np.swapaxes(u, -2, -1) @ b))
    return x, s, keep.sum(axis=-1)


def _solution(A: np.ndarray, B: np.ndarray, rcond: float | None, vector: bool) -> np.ndarray:
    a, b = A.astype(np.float64), B.astype(np.float64)
    if vector:
        b = b[..., None]
    return _svd_solve(a, b, _cut(rcond, A.dtype, *A.shape[-2:]))[0]


def _lstsq_forward(A: np.ndarray, B: np.ndarray, *, rcond: float | None, vector: bool
                   ) -> np.ndarray:
    """The least-squares solution ``X = A^+ B`` (``(..., n, k)``, or ``(..., n)`` for a
    ``vector`` B)."""
    x = _solution(A, B, rcond, vector)
    return (x[..., 0] if vector else x).astype(A.dtype)


def _lstsq_residuals_forward(A: np.ndarray, B: np.ndarray, *, rcond: float | None,
                             vector: bool, empty: bool) -> np.ndarray:
    """The squared norms of the columns of ``A X - B`` (``(..., k)``, k = 1 for a ``vector``
    B); shape ``(0,)`` where PyTorch's driver leaves them ``empty``."""
    if empty:
        return np.zeros((0,), A.dtype)
    x = _solution(A, B, rcond, vector)
    b = B.astype(np.float64)
    r = np.matmul(A.astype(np.float64), x) - (b[..., None] if vector else b)
    return np.sum(r * r, axis=-2).astype(A.dtype)


# -- backwards --------------------------------------------------------------------------------
def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _lstsq_vjp(g: Tensor, A: Tensor, B: Tensor, *, rcond: float | None, vector: bool
               ) -> tuple[Tensor, Tensor]:
    g, a, b = _wide(g), _wide(A), _wide(B)
    gx = g.unsqueeze(-1) if vector else g
    bm = b.unsqueeze(-1) if vector else b
    p = apply(PINV, a, atol=None, rtol=None, hermitian=False)
    grad_a = _pinv_vjp(matmul(gx, _mT(bm)), a, p, atol=None, rtol=None, hermitian=False)
    grad_b = matmul(_mT(p), gx)
    return grad_a, grad_b[..., 0] if vector else grad_b


def _lstsq_residuals_vjp(g: Tensor, A: Tensor, B: Tensor, *, rcond: float | None,
                         vector: bool, empty: bool) -> tuple[Any, Any]:
    if empty:
        return None, None
    g, a, b = _wide(g), _wide(A), _wide(B)
    x = apply(LSTSQ, a, b, rcond=rcond, vector=vector)
    xm = x.unsqueeze(-1) if vector else x
    bm = b.unsqueeze(-1) if vector else b
    scaled = (matmul(a, xm) - bm) * (2 * g.unsqueeze(-2))
    grad_b = -scaled
    return matmul(scaled, _mT(xm)), grad_b[..., 0] if vector else grad_b


_FLOAT = frozenset({_dtypes.float32, _dtypes.float64})
_REFUSALS = refuse(tuple(NOT_FLOATING) + (_dtypes.float16, _dtypes.bfloat16),
                   "This function doesn't handle types other than float and double")
LSTSQ = defop("lstsq", "LinalgLstsqBackward0", _lstsq_forward, vjp=_lstsq_vjp,
              dtype_rule="same", dtypes=_FLOAT, kind="linalg_nonsingular", refuses=_REFUSALS)
LSTSQ_RESIDUALS = defop("lstsq_residuals", "LinalgLstsqBackward0", _lstsq_residuals_forward,
                        vjp=_lstsq_residuals_vjp, dtype_rule="same", dtypes=_FLOAT,
                        kind="linalg_nonsingular", refuses=_REFUSALS)


# -- public function --------------------------------------------------------------------------
def _checks(input: Tensor, b: Tensor, rcond: Any, driver: Any) -> bool:
    """PyTorch's checks, in its order; whether ``b`` is one vector per matrix."""
    if rcond is not None and (isinstance(rcond, bool) or not isinstance(rcond, (int, float))):
        raise TypeError(f"linalg_lstsq(): argument 'rcond' must be float, not "
                        f"{type(rcond).__name__}")
    if driver is not None and not isinstance(driver, str):
        raise TypeError(f"linalg_lstsq(): argument 'driver' must be str, not "
                        f"{type(driver).__name__}")
    if input.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if b.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if input.dtype is not b.dtype:
        raise RuntimeError("torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {_TORCH_NAMES[input.dtype.name]} and "
                           f"other's dtype {_TORCH_NAMES[b.dtype.name]}")
    if not 0 <= input.ndim - b.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    vector = b.ndim == 1 or (b.ndim == input.ndim - 1
                             and tuple(b.shape) == tuple(input.shape[:-1]))
    rows = b.shape[-1] if vector else b.shape[-2]
    if rows != input.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size("
                           f"{-1 if vector else -2})")
    if driver is not None and driver.lower() not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    if input.dtype not in _FLOAT:
        raise RuntimeError("This function doesn't handle types other than float and double")
    if input.ndim - b.ndim == 1 and not vector:
        # PyTorch broadcasts a right-hand side one dim short as vectors (its leading dims
        # against the matrices' batch) but solves it as matrices, the solution repeated over
        # that batch: its error where they do not broadcast, symgrad's where they do
        broadcast_shapes(tuple(input.shape[:-2]), tuple(b.shape[:-1]))
        raise NotImplementedError(
            "linalg.lstsq: a right-hand side of one dim fewer than the matrices that is not one "
            f"vector per matrix ({list(b.shape)} for {list(input.shape)}) is not implemented")
    return vector


def _constant(data: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(data), False, None)


@autocasts("fp32")
def lstsq(input: Tensor, b: Tensor, rcond: float | None = None, *, driver: str | None = None
          ) -> linalg_lstsq:
    """The least-squares solution of ``A X = B`` for each matrix of ``input`` (``A``, ..., m,
    n), the batch dims broadcast, as ``torch.linalg.lstsq`` on the CPU: ``X`` minimizes
    ``|A X - B|`` (of least norm where that leaves a choice, as LAPACK's drivers give it where
    ``A`` has full rank). ``solution`` and ``residuals`` are LinalgLstsqBackward0 nodes with
    PyTorch's gradients (through the pseudoinverse); which fields are filled follows the
    driver, as PyTorch's (see the module docstring).

    Args:
        input: ``A``: float32 or float64 matrices (..., m, n).
        b: ``B``: right-hand sides (..., m, k) of ``A``'s dtype, or one vector per matrix
            (..., m).
        rcond: The singular values at most ``rcond`` times the largest count as 0. Defaults
            to None: ``eps * max(m, n)`` of the dtype.
        driver: LAPACK's driver: ``"gelsy"`` (the default), ``"gels"``, ``"gelsd"`` or
            ``"gelss"``, in any case. Defaults to None.

    Raises:
        RuntimeError: ``input`` or ``b`` holds a NaN or an infinity (PyTorch raises too).
        NotImplementedError: ``rcond`` lowers the rank of a matrix for the driver gelsy; or
            ``b`` has one dim fewer than ``input`` but is not one vector per matrix (PyTorch
            solves it as matrices and repeats the solution over its leading dims).

    >>> import symgrad
    >>> a = symgrad.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> out = symgrad.linalg.lstsq(a, symgrad.tensor([1.0, 1.0, 0.0]), driver="gelsd")
    >>> out.solution, out.residuals, out.rank, out.singular_values
    (tensor([0.3333, 0.3333]), tensor([1.3333]), tensor(2), tensor([1.7321, 1.0000]))
    """
    vector = _checks(input, b, rcond, driver)
    if not (np.isfinite(input._data).all() and np.isfinite(b._data).all()):
        # LAPACK's drivers reject them (PyTorch 2.13 raises its internal assert, "Argument 4
        # has illegal value"); a least-squares solution of them has no meaning
        raise RuntimeError("torch.linalg.lstsq: the input or the right-hand side holds a NaN or "
                           "an infinity, which LAPACK's least-squares drivers reject")
    driver = "gelsy" if driver is None else driver.lower()
    if rcond is not None:
        rcond = _drivers_rcond(float(rcond), driver)
    m, n = input.shape[-2:]
    # the rank and singular values of the matrices of ``input``, not broadcast (PyTorch's)
    a64 = input._data.astype(np.float64)
    dtype = input._data.dtype
    _, s, rank = _svd_solve(a64, np.zeros(a64.shape[:-1] + (0,)), _cut(rcond, dtype, m, n))
    if driver == "gelsy" and rcond is not None and np.any(
            rank < _svd_solve(a64, np.zeros(a64.shape[:-1] + (0,)),
                               _cut(None, dtype, m, n))[2]):
        raise NotImplementedError(
            "linalg.lstsq: an rcond that lowers the rank is not implemented for the driver "
            "'gelsy' (its pivoted QR truncates otherwise than the singular values); pass "
            "driver='gelsd'")
    solution = apply(LSTSQ, input, b, rcond=rcond, vector=vector)
    full = bool(np.all(rank == n))
    empty = not (m > n and driver != "gelsy" and (driver == "gels" or full))
    residuals = apply(LSTSQ_RESIDUALS, input, b, rcond=rcond, vector=vector, empty=empty)
    return linalg_lstsq(
        solution, residuals,
        _constant(np.zeros((0,), np.int64) if driver == "gels" else rank.astype(np.int64)),
        _constant(s.astype(dtype) if driver in ("gelsd", "gelss") else np.zeros((0,), dtype)))
