"""Determinants, inverses and linear solves: ``det``, ``inverse``, ``solve``, ``slogdet``.

Each is one node named as PyTorch 2.13 names it (LinalgDetBackward0, LinalgInvExBackward0,
LinalgSolveExBackward0, LinalgSlogdetBackward0). Forwards run in float64 (LAPACK's LU through
NumPy) and round once to float32; PyTorch refuses float16, bfloat16 and integers, and so do
these. The VJPs are written in these ops and matmuls, so gradients of gradients work:

- ``det``: ``g`` times the cofactor matrix: written from the entries for n <= 3 (any order, at
  singular matrices too), else ``det(A) * inv(A)^T``; at a singular matrix of n > 3 that is
  ``0 * inf``, and there the cofactor matrix is formed from the minors' determinants, a
  constant (first order exact, no second order through it). PyTorch 2.13 gives that same cofactor
  matrix under ``create_graph=True`` but zeros without it (``det([[1, 2], [2, 4]])``): the
  mathematics' derivative is the cofactor matrix, so symgrad gives it in both.
- ``inverse``: ``-inv(A)^T g inv(A)^T``, from the saved result.
- ``solve`` (``A X = B``): ``g_B = solve(A^T, g)``, ``g_A = -g_B X^T`` (``X A = B``:
  ``g_B = solve(A^T, g, left=False)``, ``g_A = -X^T g_B``).
- ``slogdet``'s ``logabsdet``: ``g * inv(A)^T``. At a singular matrix, where it is -inf and has
  no derivative, PyTorch's: getrs's solve of ``A^T X = diag(g)``, inf and NaN from the zero
  pivot (a constant); ``solve_ex``'s result there likewise (getrs with the adjoint).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.autocast_policy import autocasts
from symgrad.ops.arithmetic import _wide
from symgrad.ops.elementwise import where
from symgrad.ops.linalg import matmul
from symgrad.ops.registry import _TORCH_NAMES, apply, defop, expose, refuse
from symgrad.return_types import _repr
from symgrad.tensor import Tensor

__all__ = ["LinAlgError", "det", "inverse", "logdet", "slogdet", "inv", "inv_ex", "solve",
           "solve_ex", "matrix_power"]

_LOW = (_dtypes.float16, _dtypes.bfloat16)


class linalg_solve_ex(NamedTuple):
    """``(result, info)`` of ``symgrad.linalg.solve_ex``.

    >>> import symgrad
    >>> symgrad.linalg.solve_ex(symgrad.eye(2), symgrad.ones(2)).info
    tensor(0, dtype=symgrad.int32)
    """

    result: Tensor
    info: Tensor

    __repr__ = _repr


class LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: a linear-algebra function met a matrix it cannot
    work on (a singular one, for ``inv`` and ``solve``); a RuntimeError.

    >>> import symgrad
    >>> try:
    ...     symgrad.linalg.inv(symgrad.zeros(2, 2))
    ... except symgrad.linalg.LinAlgError as e:
    ...     print(e)
    linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because \
the input matrix is singular.
    """


# -- forwards ---------------------------------------------------------------------------------
def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64, copy=False)


# Columns per panel of ``_lu_diagonal``: matrices up to this size are one panel, factored as
# the unblocked algorithm does, to the bit.
_PANEL = 32


def _lu_diagonal(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per matrix of ``a`` (..., n, n), from its LU factorisation with partial pivoting (the
    largest ``|pivot|``, the first on a tie, as LAPACK's getrf): the diagonal of U, the sign of
    the row permutation and getrf's ``info`` (the 1-based position of the first exactly zero
    pivot, 0 if none). Vectorised across the batch.

    Blocked as LAPACK's getrf is: each panel of ``_PANEL`` columns is eliminated column by
    column, and the rest of the matrix is brought up to date once per panel, its rows of the
    panel by forward substitution and the rows below by one matrix product. Column by column
    over the whole matrix, every column rewrote everything to its lower right: a 256 x 256
    determinant took 45 ms, where LAPACK's factorization takes 1."""
    n = a.shape[-1]
    batch = a.shape[:-2]
    u = np.array(a, dtype=np.float64).reshape((math.prod(batch), n, n))
    info = np.zeros(u.shape[0], dtype=np.int64)
    parity = np.ones(u.shape[0])
    with np.errstate(invalid="ignore", over="ignore"):
        for j0 in range(0, n, _PANEL):
            j1 = min(j0 + _PANEL, n)
            for k in range(j0, j1):
                parity, info = _eliminate(u, k, j1, parity, info)
            for k in range(j0, j1 - 1):  # U's rows of the panel, right of it: L11^-1 A12
                u[:, k + 1:j1, j1:] -= u[:, k + 1:j1, k, None] * u[:, None, k, j1:]
            u[:, j1:, j1:] -= u[:, j1:, j0:j1] @ u[:, j0:j1, j1:]
    return (np.diagonal(u, axis1=-2, axis2=-1).reshape(batch + (n,)), parity.reshape(batch),
            info.reshape(batch))


def _eliminate(u: np.ndarray, k: int, end: int, parity: np.ndarray, info: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """One column ``k`` of ``_lu_diagonal``'s panel (columns up to ``end``): the pivot's row
    swapped in across the whole matrix, L's column stored below the diagonal, the panel's
    columns to the right updated. Returns the permutation's sign and ``info``, updated."""
    rows = np.arange(u.shape[0])
    p = np.argmax(np.abs(u[:, k:, k]), axis=1) + k
    parity = np.where(p != k, -parity, parity)
    top, pivot_row = u[rows, k].copy(), u[rows, p].copy()
    u[rows, k], u[rows, p] = pivot_row, top
    pivot = u[:, k, k]
    zero = pivot == 0
    info = np.where((info == 0) & zero, k + 1, info)
    factors = np.where(zero[:, None], 0.0, u[:, k + 1:, k] / np.where(zero, 1.0, pivot)[:, None])
    u[:, k + 1:, k] = factors
    u[:, k + 1:, k + 1:end] -= factors[:, :, None] * u[:, None, k, k + 1:end]
    return parity, info


def _zero_pivots(a: np.ndarray) -> np.ndarray:
    """getrf's ``info`` per matrix (see ``_lu_diagonal``)."""
    return _lu_diagonal(a)[2]


def _singular(prefix: str, a: np.ndarray, message: str) -> LinAlgError:
    """PyTorch's error for the first singular matrix of the batch ``a``: ``message`` is given
    the pivot's position (``{pivot}``), and a batch's element is named before it."""
    info = _zero_pivots(a)
    flat = info.reshape(-1)
    bad = np.flatnonzero(flat)
    at = int(bad[0]) if bad.size else 0
    pivot = int(flat[at]) if bad.size else a.shape[-1]
    batch = f"(Batch element {at}): " if a.ndim > 2 else ""
    return LinAlgError(f"{prefix}: {batch}{message.format(pivot=pivot)}")


_INV_SINGULAR = ("The diagonal element {pivot} is zero, the inversion could not be completed "
                 "because the input matrix is singular.")
_SOLVE_SINGULAR = "The solver failed because the input matrix is singular."


def _det_forward(self: np.ndarray) -> np.ndarray:
    """``det(self)`` of each matrix: the product of LU's pivots in float64, times the
    permutation's sign, as PyTorch forms it (NumPy's ``det`` goes through the sum of their logs:
    ``det([[2, 1, 0], [1, 3, 1], [0, 1, 1]])`` came out 3.0000000000000004, not 3)."""
    diagonal, parity, _ = _lu_diagonal(_f64(self))
    return np.asarray(parity * np.prod(diagonal, axis=-1)).astype(self.dtype)


def _inverse_forward(self: np.ndarray) -> np.ndarray:
    """The inverse of each matrix, through LU in float64; PyTorch's error at a singular one."""
    a = _f64(self)
    try:
        out = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        out = _substituted(a, np.broadcast_to(np.eye(a.shape[-1]), a.shape), "linalg.inv",
                           _INV_SINGULAR)
    return out.astype(self.dtype)


def _substituted(a: np.ndarray, b: np.ndarray, prefix: str, message: str) -> np.ndarray:
    """``X`` with ``A X = B`` through symgrad's getrf and getrs, where NumPy's LAPACK met an
    exactly zero pivot: PyTorch's error if symgrad's factorization meets one too, else its
    solution. A matrix singular in exact arithmetic leaves a last pivot of rounding noise, zero
    in one LAPACK's order of operations and not in another's ([[1, 2, 3], [4, 5, 6], [7, 8, 9]]:
    NumPy's is zero, PyTorch's and symgrad's are not, and PyTorch gives the huge finite
    inverse), so whether such a matrix raises follows symgrad's own ``info``, not NumPy's."""
    from symgrad.ops.lu import _getrf, _lu_solve_forward

    lu, pivots, info = _getrf(a)
    if info.any():
        raise _singular(prefix, a, message)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _lu_solve_forward(lu, b, pivots=pivots, left=True, adjoint=False)


def _solve_forward(A: np.ndarray, B: np.ndarray, *, left: bool, vector: bool) -> np.ndarray:
    """``X`` with ``A X = B`` (``X A = B`` when not ``left``), the batch dims broadcast; a
    ``vector`` B is one right-hand side per matrix."""
    a, b = _f64(A), _f64(B)
    if not left:
        a, b = np.swapaxes(a, -2, -1), np.swapaxes(b, -2, -1)
    if vector:
        b = b[..., None]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    try:
        x = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        x = _substituted(a, b, "torch.linalg.solve", _SOLVE_SINGULAR)
    if vector:
        x = x[..., 0]
    if not left:
        x = np.swapaxes(x, -2, -1)
    return x.astype(A.dtype)


def _slogdet_np(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sign and ``log |det|`` of each matrix of the float64 ``a``: the permutation's sign
    times its pivots' signs, and the sum of the logs of LU's ``|pivots|`` (-inf at a singular
    matrix). LAPACK's factorization through NumPy for finite matrices (0.5 ms at 256 x 256,
    where ``_lu_diagonal`` takes 15); at a NaN or infinity, ``_lu_diagonal``'s, whose pivot
    search meets them as PyTorch's does. A NaN pivot's sign is 0, as PyTorch's (and symgrad's)
    ``sign(nan)``: the sign of a determinant that is NaN is +-0 (NumPy's ``sign`` gave NaN;
    fuzzer seeds 2226 #272, 2289 #1080)."""
    if a.size and np.isfinite(a).all():
        return np.linalg.slogdet(a)
    diagonal, parity, _ = _lu_diagonal(a)
    signs = np.where(np.isnan(diagonal), 0.0, np.sign(diagonal))
    with np.errstate(divide="ignore"):
        return (parity * np.prod(signs, axis=-1), np.sum(np.log(np.abs(diagonal)), axis=-1))


def _logabsdet_forward(self: np.ndarray) -> np.ndarray:
    """``log |det(self)|`` of each matrix (``_slogdet_np``)."""
    return np.asarray(_slogdet_np(_f64(self))[1]).astype(self.dtype)


# -- backwards --------------------------------------------------------------------------------
def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix of each matrix (``d det / d a``), from the determinants of its
    minors: defined at singular matrices too, where ``det * inv^T`` is not."""
    n = a.shape[-1]
    if n == 1:
        return np.ones_like(a)
    out = np.empty_like(a)
    for i in range(n):
        keep_i = [r for r in range(n) if r != i]
        for j in range(n):
            keep_j = [c for c in range(n) if c != j]
            minor = a[..., keep_i, :][..., keep_j]
            out[..., i, j] = (-1) ** (i + j) * _det_forward(minor)
    return out


def _small_cofactors(a: Tensor) -> Tensor:
    """The cofactor matrix of each 1 x 1, 2 x 2 or 3 x 3 matrix, written in symgrad ops from
    its entries (so differentiable again, and defined at singular matrices): 1; ``[[d, -c],
    [-b, a]]``; for 3 x 3, ``C[i, j] = a[i+1, j+1] a[i+2, j+2] - a[i+1, j+2] a[i+2, j+1]``
    (indices mod 3), each a difference of two products, as exact as the mathematics' terms
    (``det * inv(A)^T`` was 3.6e-17 where a cofactor is exactly 0)."""
    n = a.shape[-1]
    if n == 1:
        return a * 0 + 1
    if n == 2:
        signs = Tensor._make(np.array([[1.0, -1.0], [-1.0, 1.0]], a._data.dtype), False, None)
        return a.flip((-2, -1)) * signs

    def rolled(rows: int, cols: int) -> Tensor:
        return a.roll((-rows, -cols), (-2, -1))

    return rolled(1, 1) * rolled(2, 2) - rolled(1, 2) * rolled(2, 1)


def _det_vjp(g: Tensor, self: Tensor, out: Tensor) -> Tensor:
    g, a = _wide(g), _wide(self)
    scale = g.unsqueeze(-1).unsqueeze(-1)
    if a.shape[-1] <= 3:
        return scale * _small_cofactors(a)
    if out._data.dtype != np.float64:
        out = apply(DET, a)
    if np.all(out._data != 0):
        return scale * out.unsqueeze(-1).unsqueeze(-1) * _mT(apply(INVERSE, a))
    cofactors = Tensor._make(_cofactors(a._data), False, None)
    return scale * cofactors


def _inverse_vjp(g: Tensor, out: Tensor) -> Tensor:
    t = _mT(_wide(out))
    return -matmul(matmul(t, _wide(g)), t)


def _singular_matrices(a: np.ndarray) -> np.ndarray:
    """Whether each matrix of ``a`` (..., n, n) is singular: getrf meets an exactly zero pivot
    factoring it or its transpose (PyTorch's slogdet backward factors the transpose).

    LAPACK's getrf, through NumPy's slogdet (a sign of 0), screens first: symgrad's own
    ``_getrf``, which gives the factors the singular path needs, runs in Python, and on every
    backward it made solve's 52 times slower at 64 x 64 (6.7 ms, not 129 us)."""
    from symgrad.ops.lu import _getrf

    if a.size == 0:
        return np.zeros(a.shape[:-2], bool)
    with np.errstate(all="ignore"):
        signs = np.linalg.slogdet(a)[0] * np.linalg.slogdet(np.swapaxes(a, -2, -1))[0]
    if np.all(signs != 0):
        return np.zeros(a.shape[:-2], bool)
    return (_getrf(a)[2] != 0) | (_getrf(np.swapaxes(a, -2, -1))[2] != 0)


def _getrs(a: np.ndarray, rhs: np.ndarray, *, left: bool = True, adjoint: bool) -> Tensor:
    """A solve with each matrix of ``a`` by substitution through its getrf factors, as
    LAPACK's getrs (``_lu_solve_forward``): at a singular matrix the zero pivot's divisions
    leave inf and NaN, as PyTorch's do. A constant: there is no derivative to go on with."""
    from symgrad.ops.lu import _getrf, _lu_solve_forward

    lu, pivots, _ = _getrf(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = _lu_solve_forward(lu, rhs, pivots=pivots, left=left, adjoint=adjoint)
    return Tensor._make(x, False, None)


def _at_singular(singular: np.ndarray, a: Tensor, there: Any, elsewhere: Any) -> Tensor:
    """``there(a)`` at the singular matrices of ``a`` (the mask ``singular`` of its batch),
    ``elsewhere(a)`` at the others, which see the identity in place of the singular ones (so
    that their differentiable inverses and solves exist)."""
    if not singular.any():
        return elsewhere(a)
    mask = Tensor._make(singular[..., None, None], False, None)
    regular = elsewhere(where(mask, Tensor._make(np.eye(a.shape[-1]), False, None), a))
    return where(mask if regular.ndim >= a.ndim else mask[..., 0], there(a), regular)


def _solve_vjp(g: Tensor, A: Tensor, out: Tensor, *, left: bool, vector: bool
               ) -> tuple[Tensor, Tensor]:
    g, a, x = _wide(g), _wide(A), _wide(out)

    def singular_b(a: Tensor) -> Tensor:
        # solve_ex's result at a singular A: PyTorch's backward solves with the adjoint through
        # A's factors (lu_solve(LU, pivots, g, adjoint=True)), inf and NaN there.
        rhs = g._data[..., None] if vector else g._data
        solved = _getrs(a._data, rhs, left=left, adjoint=True)
        return solved[..., 0] if vector else solved

    # A finite solution says A's factors had no zero pivot: the regular path, with no
    # factoring (the singular test costs two LU factorizations, 18% of a 64 x 64 backward).
    singular = (np.zeros(a.shape[:-2], bool) if np.isfinite(x._data).all()
                else _singular_matrices(a._data))
    grad_b = _at_singular(singular, a, singular_b,
                          lambda a: apply(SOLVE, _mT(a), g, left=left, vector=vector))
    if vector:
        grad_a = -(grad_b.unsqueeze(-1) * x.unsqueeze(-2))
    elif left:
        grad_a = -matmul(grad_b, _mT(x))
    else:
        grad_a = -matmul(_mT(x), grad_b)
    return grad_a, grad_b


def _logabsdet_vjp(g: Tensor, self: Tensor) -> Tensor:
    g, a = _wide(g), _wide(self)
    scale = g.unsqueeze(-1).unsqueeze(-1)
    # log |det A| is -inf at a singular A and has no derivative there: PyTorch's gradient there
    # is its solve of A^T X = diag(g) through the factors of A^T, inf and NaN from the zero
    # pivot's divisions (1 / 0 and 0 / 0), where inverting A raised.
    rhs = g._data[..., None, None] * np.eye(a.shape[-1])
    return _at_singular(_singular_matrices(a._data), a,
                        lambda a: _getrs(np.swapaxes(a._data, -2, -1), rhs, adjoint=False),
                        lambda a: scale * _mT(apply(INVERSE, a)))


def _refusals(name: str, low: str) -> dict[np.dtype, Any]:
    """PyTorch's refusals: integers and bool as not floating, the half types as ``low``."""
    found = refuse(NOT_FLOATING, f"{name}: Expected a floating point or complex tensor as "
                                 "input. Got {dtype}")
    if low == "lu":
        return found | refuse(_LOW, '"lu_cpu" not implemented for \'{dtype}\'',
                              NotImplementedError)
    return found | refuse(_LOW, f"{name}: Low precision dtypes not supported. Got {{dtype}}")


_FLOAT = frozenset({_dtypes.float32, _dtypes.float64})
# The kind of the ops defined only at nonsingular matrices (inverse, solve, log |det|): random
# programs (``program_ops``), which take "linalg" ops as defined on all reals, leave them out.
_NONSINGULAR = "linalg_nonsingular"
DET = defop("det", "LinalgDetBackward0", _det_forward, vjp=_det_vjp, dtype_rule="same",
            dtypes=_FLOAT, kind="linalg", refuses=_refusals("linalg.det", "lu"))
INVERSE = defop("inverse", "LinalgInvExBackward0", _inverse_forward, vjp=_inverse_vjp,
                dtype_rule="same", dtypes=_FLOAT, kind=_NONSINGULAR,
                refuses=_refusals("linalg.inv", "low"))
SOLVE = defop("solve", "LinalgSolveExBackward0", _solve_forward, vjp=_solve_vjp,
              dtype_rule="same", dtypes=_FLOAT, kind=_NONSINGULAR,
              refuses=_refusals("linalg.solve", "lu"))
LOGABSDET = defop("slogdet", "LinalgSlogdetBackward0", _logabsdet_forward, vjp=_logabsdet_vjp,
                  dtype_rule="same", dtypes=_FLOAT, kind=_NONSINGULAR,
                  refuses=_refusals("linalg.slogdet", "low"))


def _sign_of_det(self: np.ndarray) -> np.ndarray:
    return np.asarray(_slogdet_np(_f64(self))[0]).astype(self.dtype)


# slogdet's sign: an output of PyTorch's LinalgSlogdetBackward0, which for real matrices reads
# no gradient of it and sends none (``A.grad`` stays None after ``sign.sum().backward()``).
SLOGDET_SIGN = defop("slogdet_sign", "LinalgSlogdetBackward0", _sign_of_det,
                     vjp=lambda g, self: None, differentiable=(), dtype_rule="same",
                     dtypes=_FLOAT, kind=_NONSINGULAR, refuses=_refusals("linalg.slogdet", "low"))


# -- public functions -------------------------------------------------------------------------
def _square(A: Tensor, name: str, low: str | None = "low") -> None:
    """PyTorch's checks of a batch of square matrices, in its order: dims, shape, dtype."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    kind = _TORCH_NAMES[A.dtype.name]
    if not A.is_floating_point():
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {kind}")
    if A.dtype in _LOW:
        if low == "lu":
            raise NotImplementedError(f'"lu_cpu" not implemented for \'{kind}\'')
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {kind}")


@expose()
def det(input: Tensor) -> Tensor:
    """The determinant of each matrix of ``input`` (..., n, n), as ``torch.det`` and
    ``torch.linalg.det``: one LinalgDetBackward0 node, whose gradient is the cofactor matrix
    (also at a singular matrix).

    Args:
        input: A float32 or float64 tensor of square matrices.

    >>> import symgrad
    >>> a = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> d = symgrad.det(a); d.backward(); d, a.grad
    (tensor(-2., grad_fn=<LinalgDetBackward0>), tensor([[ 4., -3.],
            [-2.,  1.]]))
    """
    _square(input, "linalg.det", "lu")
    return apply(DET, input)


@expose(autocast="fp32")
def inverse(input: Tensor) -> Tensor:
    """The inverse of each matrix of ``input`` (..., n, n), as ``torch.inverse`` and
    ``torch.linalg.inv``: one LinalgInvExBackward0 node.

    Args:
        input: A float32 or float64 tensor of square matrices.

    Raises:
        LinAlgError: A matrix is singular (PyTorch's message names its zero pivot).

    >>> import symgrad
    >>> symgrad.inverse(symgrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _square(input, "linalg.inv")
    return apply(INVERSE, input)


def _slogdet(A: Tensor, name: str) -> tuple[Tensor, Tensor]:
    _square(A, name)
    return apply(SLOGDET_SIGN, A), apply(LOGABSDET, A)


@expose()
def slogdet(input: Tensor) -> Any:
    """The sign and the log of the absolute value of the determinant of each matrix of
    ``input``, as ``torch.slogdet``: ``(sign, logabsdet)``, each made by a
    LinalgSlogdetBackward0 node: ``logabsdet``'s gradient is ``inv(input)^T``, and ``sign``
    sends none (as PyTorch's for real inputs).

    Args:
        input: A float32 or float64 tensor of square matrices.

    >>> import symgrad
    >>> sign, logabsdet = symgrad.slogdet(symgrad.tensor([[0.0, 2.0], [3.0, 0.0]]))
    >>> sign, logabsdet
    (tensor(-1.), tensor(1.7918))
    """
    from symgrad import return_types

    return return_types.slogdet(*_slogdet(input, "linalg.slogdet"))


@expose()
def logdet(input: Tensor) -> Tensor:
    """``log(det(input))`` of each matrix, as ``torch.logdet``: NaN where the determinant is
    negative, -inf where it is 0 (PyTorch's ``where(sign == -1, nan, logabsdet)``).

    Args:
        input: A float32 or float64 tensor of square matrices.

    >>> import symgrad
    >>> symgrad.logdet(symgrad.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    sign, logabsdet = _slogdet(input, "logdet")
    return where(sign == -1, math.nan, logabsdet)


@autocasts("fp32")
def inv(A: Tensor) -> Tensor:
    """The inverse of each matrix of ``A`` (``torch.linalg.inv``; see ``symgrad.inverse``).

    Args:
        A: A float32 or float64 tensor of square matrices.

    >>> import symgrad
    >>> symgrad.linalg.inv(symgrad.tensor([[0.0, 1.0], [1.0, 0.0]]))
    tensor([[0., 1.],
            [1., 0.]])
    """
    return inverse(A)


def inv_ex(A: Tensor, *, check_errors: bool = False) -> Any:
    """The inverse of each matrix and LAPACK's ``info`` for it (0, or the position of the zero
    pivot of a singular matrix, whose inverse is then not meaningful), as
    ``torch.linalg.inv_ex``; with ``check_errors`` a singular matrix raises as ``inv`` does.

    Args:
        A: A float32 or float64 tensor of square matrices.
        check_errors: Whether a singular matrix raises. Defaults to False.

    >>> import symgrad
    >>> symgrad.linalg.inv_ex(symgrad.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=symgrad.int32)
    """
    from symgrad import return_types

    _square(A, "linalg.inv")
    info = _zero_pivots(A._data).astype(np.int32) if A.shape[-1] else np.zeros(
        A.shape[:-2], np.int32)
    if check_errors or not info.any():
        out = apply(INVERSE, A)
    else:
        # PyTorch's inv_ex is solve_ex(A, I): at a singular matrix, what getrs leaves after the
        # zero pivot's divisions (inf and NaN where they reach, and the rows they do not).
        eye = np.broadcast_to(np.eye(A.shape[-1]), A.shape)
        data = _getrs(_f64(A._data), eye, adjoint=False)._data.astype(A._data.dtype)
        ok = info == 0
        if ok.any():
            data[ok] = _inverse_forward(A._data[ok])
        out = _recorded_inverse(A, data)
    return return_types.linalg_inv_ex(out, Tensor._make(np.asarray(info), False, None))


def _recorded_inverse(A: Tensor, data: np.ndarray) -> Tensor:
    """``data`` as the result of an inverse node of ``A`` when ``A`` requires grad: PyTorch's
    ``inv_ex`` records its LinalgInvExBackward0 node whatever LAPACK left at a singular matrix
    (getrs's inf and NaN; its gradient there is not finite either)."""
    from symgrad.autograd import grad_mode
    from symgrad.ops.registry import _record

    if A.requires_grad and grad_mode.is_grad_enabled():
        return _record(INVERSE, {}, (A,), data)
    return Tensor._make(data, False, None)


@autocasts("fp32")
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when ``left`` is False) for each matrix of ``A``, the
    batch dims broadcast, as ``torch.linalg.solve``: one LinalgSolveExBackward0 node. ``B`` is
    one vector per matrix where it is 1-d or ``A``'s shape without its last dim.

    Args:
        A: A float32 or float64 tensor of square matrices (..., n, n).
        B: The right-hand sides (..., n, k), or vectors (..., n), of ``A``'s dtype.
        left: Whether to solve ``A X = B`` (else ``X A = B``). Defaults to True.

    Raises:
        LinAlgError: A matrix is singular.

    >>> import symgrad
    >>> symgrad.linalg.solve(symgrad.tensor([[2.0, 0.0], [0.0, 4.0]]), symgrad.tensor([1.0, 2.0]))
    tensor([0.5000, 0.5000])
    """
    vector = _solve_checks(A, B, left)
    return apply(SOLVE, A, B, left=left, vector=vector)


def _solve_checks(A: Tensor, B: Tensor, left: bool) -> bool:
    """PyTorch's checks of ``linalg.solve`` (and ``solve_ex``), in its order; whether ``B`` is
    one vector per matrix."""
    _square(A, "linalg.solve", "lu")
    if A.dtype is not B.dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_TORCH_NAMES[A.dtype.name]} and B of type "
                           f"{_TORCH_NAMES[B.dtype.name]} instead")
    vector = left and (B.ndim == 1 or (B.ndim == A.ndim - 1 and
                                       tuple(B.shape) == tuple(A.shape[:-1])))
    n = A.shape[-1]
    rows = B.shape[-1] if vector else B.shape[-2] if left else B.shape[-1]
    if B.ndim < 1 or rows != n:
        shape = f"{B.shape[-1]}x1" if vector or B.ndim == 1 else f"{B.shape[-2]}x{B.shape[-1]}"
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {shape})")
    return vector


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> Any:
    """``solve`` with LAPACK's ``info``, as ``torch.linalg.solve_ex``: ``(result, info)``,
    ``info`` (int32, one per matrix of the broadcast batch) 0, or the position of the first
    zero pivot of a singular matrix. There ``result`` holds what LAPACK's getrs leaves (the
    substitution's inf and NaN, computed as getrs does), unless ``check_errors`` raises.
    ``result`` is one LinalgSolveExBackward0 node, as ``solve``'s.

    Args:
        A: A float32 or float64 tensor of square matrices (..., n, n).
        B: The right-hand sides (..., n, k), or vectors (..., n), of ``A``'s dtype.
        left: Whether to solve ``A X = B`` (else ``X A = B``). Defaults to True.
        check_errors: Whether a singular matrix raises. Defaults to False.

    Raises:
        LinAlgError: A matrix is singular and ``check_errors`` is set.

    >>> import symgrad
    >>> out = symgrad.linalg.solve_ex(symgrad.tensor([[2.0, 0.0], [0.0, 4.0]]),
    ...                               symgrad.tensor([1.0, 2.0]))
    >>> out.result, out.info
    (tensor([0.5000, 0.5000]), tensor(0, dtype=symgrad.int32))
    """
    from symgrad.ops.lu import _getrf, _lu_solve_forward
    from symgrad.ops.registry import _record

    vector = _solve_checks(A, B, left)
    b_batch = B.shape[:-1] if vector else B.shape[:-2]
    batch = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(b_batch))
    a = np.broadcast_to(A._data, batch + tuple(A.shape[-2:]))
    info = (_zero_pivots(a).astype(np.int32) if A.shape[-1]
            else np.zeros(batch, np.int32))
    if not info.any():
        out = apply(SOLVE, A, B, left=left, vector=vector)
    elif check_errors:
        raise _singular("torch.linalg.solve_ex", a, _SOLVE_SINGULAR)
    else:
        lu, pivots, _ = _getrf(a)
        b = _f64(B._data)[..., None] if vector else _f64(B._data)
        b = np.broadcast_to(b, batch + b.shape[-2:])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            data = _lu_solve_forward(lu, b, pivots=pivots, left=left, adjoint=False)
        data = (data[..., 0] if vector else data).astype(A._data.dtype)
        from symgrad.autograd import grad_mode

        if (A.requires_grad or B.requires_grad) and grad_mode.is_grad_enabled():
            out = _record(SOLVE, {"left": left, "vector": vector}, (A, B), data)
        else:
            out = Tensor._make(data, False, None)
    return linalg_solve_ex(out, Tensor._make(info, False, None))



@expose()
def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` to the integer power ``n`` (each matrix of a batch), as ``torch.matrix_power`` and
    ``torch.linalg.matrix_power`` compose it: the identity for 0 (a CopyBackwards node, whose
    gradient is 0), a clone for 1, ``inverse(input)`` raised to ``-n`` for negative ``n``, else
    matmuls by repeated squaring (``a @ a`` for 2, ``(a @ a) @ a`` for 3).

    Args:
        input: A tensor of square matrices (..., m, m); integers too, for ``n >= 0``.
        n: The exponent.

    >>> import symgrad
    >>> symgrad.matrix_power(symgrad.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    >>> symgrad.matrix_power(symgrad.tensor([[2.0, 0.0], [0.0, 4.0]]), -1)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {input.shape[-2]} by {input.shape[-1]} matrices")
    a = input
    if n == 0:
        identity = Tensor._make(np.broadcast_to(np.eye(a.shape[-1], dtype=a._data.dtype),
                                                tuple(a.shape)).copy(), False, None)
        return a.clone().copy_(identity)
    inverted = n < 0
    if inverted:
        a, n = inverse(a), -n
    if n == 1:
        return a if inverted else a.clone()  # PyTorch's power -1 is the inverse's own node
    if n <= 3:
        square = matmul(a, a)
        return square if n == 2 else matmul(square, a)
    # PyTorch's repeated squaring: a^(2^k) for each bit of n, the set bits' powers multiplied
    # in order.
    power = result = None
    while n:
        power = a if power is None else matmul(power, power)
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
    return result
