"""``torch.linalg``: norms, determinants, inverses and solves, with PyTorch's signatures.

The norms are compositions of ops symgrad has, as PyTorch composes them: a vector norm is one
node (LinalgVectorNormBackward0, the op behind ``symgrad.norm``), a matrix 1- or inf-norm a
vector 1-norm over one dim then ``amax`` over the other, the Frobenius norm a vector 2-norm over
both. The 2-norm, -2-norm and nuclear norm need singular values, which symgrad does not compute:
they raise NotImplementedError. Determinants, inverses and solves are ops of their own
(``symgrad.ops.linalg_solve``).

>>> import symgrad
>>> a = symgrad.tensor([[1.0, -2.0], [3.0, 4.0]])
>>> symgrad.linalg.norm(a), symgrad.linalg.matrix_norm(a, 1), symgrad.linalg.det(a)
(tensor(5.4772), tensor(6.), tensor(10.))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from symgrad import _dtypes
from symgrad.ops import linalg_solve as _solve_ops
from symgrad.ops.arguments import checked as _checked
from symgrad.ops.cross_product import linalg_cross as cross

# matrix decompositions (symgrad.ops.decompositions)
from symgrad.ops.decompositions import (
    cholesky_ex,
    eigh,
    eigvalsh,
    matrix_rank,
    pinv,
    qr,
    solve_triangular,
    svd,
    svdvals,
)
from symgrad.ops.decompositions import linalg_cholesky as cholesky
from symgrad.ops.least_squares import lstsq  # (helper linalg)
from symgrad.ops.linalg_compositions import (  # (helper linalg)
    multi_dot,
    tensorinv,
    tensorsolve,
    vander,
)
from symgrad.ops.linalg_solve import LinAlgError, _slogdet, inv, inv_ex, solve
from symgrad.ops.lu import lu, lu_factor, lu_factor_ex, lu_solve  # (helper linalg)
from symgrad.ops.matrix_exp import matrix_exp  # (helper linalg)
from symgrad.ops.reductions import amax, amin
from symgrad.ops.reductions import norm as _vector_norm
from symgrad.tensor import Tensor

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "det", "inv", "inv_ex",
           "solve", "slogdet", "cross", "vecdot", "matrix_power",
           # matrix decompositions (symgrad.ops.decompositions)
           "cholesky", "cholesky_ex", "solve_triangular", "eigh", "eigvalsh",
           "svd", "svdvals", "qr", "pinv", "matrix_rank",
           # products, exponentials, least squares and LU (helper linalg)
           "multi_dot", "matrix_exp", "lstsq", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
           "vander", "tensorinv", "tensorsolve"]

_TORCH_NAMES = _dtypes._TORCH_NAMES


def _floating_input(A: Tensor, name: str) -> None:
    if not A.is_floating_point():
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {_TORCH_NAMES[A.dtype.name]}")


def _cast(A: Tensor, dtype: _dtypes.dtype | None, name: str) -> Tensor:
    """``A`` in ``dtype`` (a ToCopyBackward0 node, as PyTorch records it), refusing a dtype that
    is not floating or that ``A``'s dtype would narrow to, with PyTorch's messages."""
    if dtype is None or dtype is A.dtype:
        return A
    if not dtype.is_floating_point:
        raise RuntimeError(f"linalg.{name}: dtype should be floating point or complex, but got "
                           f"{_TORCH_NAMES[dtype.name]}")
    if _dtypes.promote_types(A.dtype, dtype) is not dtype:
        raise RuntimeError(f"linalg.{name}: the dtype of the input ({_TORCH_NAMES[A.dtype.name]})"
                           " should be convertible without narrowing to the specified dtype "
                           f"({_TORCH_NAMES[dtype.name]})")
    return A.to(dtype)


def vector_norm(x: Tensor, ord: float = 2, dim: int | Sequence[int] | None = None,
                keepdim: bool = False, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The vector ``ord``-norm ``sum(|x| ** ord) ** (1 / ord)`` over ``dim`` (every element
    when None), as ``torch.linalg.vector_norm``: 0 counts the nonzero elements, ``inf`` and
    ``-inf`` are the largest and smallest ``|x|``. One LinalgVectorNormBackward0 node; the
    gradient is 0 where the norm is 0. Computed scaled by a power of 2, so the 2-norm of
    ``[1e200, 1e200]`` is ``1.4142e200`` (PyTorch 2.13's overflows to inf).

    Args:
        x: A floating tensor.
        ord: The order: any real number, ``inf`` or ``-inf``. Defaults to 2.
        dim: The dim or dims to reduce. Defaults to None: all of them.
        keepdim: Whether the reduced dims stay with size one. Defaults to False.
        dtype: The dtype ``x`` is cast to first (no narrower than ``x``'s). Defaults to None.

    >>> import math, symgrad
    >>> x = symgrad.tensor([3.0, -4.0])
    >>> symgrad.linalg.vector_norm(x), symgrad.linalg.vector_norm(x, math.inf)
    (tensor(5.), tensor(4.))
    """
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    _floating_input(x, "vector_norm")
    x = _cast(x, dtype, "vector_norm")
    if isinstance(dim, Sequence) and len(dim) == 0:
        dim = None
    return _vector_norm(x, ord, dim, keepdim)


def _matrix_dims(A: Tensor, dim: Sequence[int]) -> tuple[int, int]:
    if isinstance(dim, int) or len(dim) != 2:
        shown = str(dim) if isinstance(dim, int) else " ".join(str(d) for d in dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
    wrapped = []
    for d in dim:
        if not -A.ndim <= d < A.ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-A.ndim}, {A.ndim - 1}], but got {d})")
        wrapped.append(d % A.ndim)
    if wrapped[0] == wrapped[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({wrapped[0]}, "
                           f"{wrapped[1]})")
    return wrapped[0], wrapped[1]


def matrix_norm(input: Tensor, ord: float | str = "fro", dim: Sequence[int] = (-2, -1),
                keepdim: bool = False, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The matrix ``ord``-norm over the two dims ``dim``, as ``torch.linalg.matrix_norm``.

    ``"fro"`` is the square root of the sum of squares (a vector 2-norm over both dims); 1 and
    -1 are the largest and smallest column sum of ``|A|``, ``inf`` and ``-inf`` the largest and
    smallest row sum (a vector 1-norm, then ``amax`` or ``amin``, as PyTorch composes them). 2,
    -2 and ``"nuc"`` need singular values, which symgrad does not compute.

    Args:
        input: A floating tensor of at least 2 dims.
        ord: ``"fro"``, 1, -1, ``inf`` or ``-inf``. Defaults to ``"fro"``.
        dim: The two dims holding the matrices. Defaults to (-2, -1).
        keepdim: Whether the reduced dims stay with size one. Defaults to False.
        dtype: The dtype ``input`` is cast to first (no narrower than ``input``'s). Defaults
            to None.

    Raises:
        NotImplementedError: For ``ord`` 2, -2 or ``"nuc"``.

    >>> import math, symgrad
    >>> a = symgrad.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> symgrad.linalg.matrix_norm(a, 1), symgrad.linalg.matrix_norm(a, -math.inf)
    (tensor(6.), tensor(3.))
    """
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    _floating_input(input, "matrix_norm")
    A = _cast(input, dtype, "matrix_norm")
    rows, cols = _matrix_dims(A, dim)
    if isinstance(ord, str):
        if ord == "fro":
            return _vector_norm(A, 2, (rows, cols), keepdim)
        if ord == "nuc":
            raise NotImplementedError("linalg.matrix_norm: ord='nuc' needs singular values, "
                                      "which symgrad does not compute")
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in (2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord:g} needs singular values, "
                                  "which symgrad does not compute")
    if ord not in (1, -1, math.inf, -math.inf):
        shown = int(ord) if float(ord).is_integer() else ord
        raise RuntimeError(f"linalg.matrix_norm: Order {shown} not supported.")
    # PyTorch's composition: the 1-norms along one dim (columns for +-1, rows for +-inf), then
    # the extreme over the other.
    summed, extreme = (rows, cols) if abs(ord) == 1 else (cols, rows)
    if not keepdim and extreme > summed:
        extreme -= 1
    sums = _vector_norm(A, 1, summed, keepdim)
    if ord > 0 and sums.shape[extreme] == 0:
        # Of no sums the largest is 0, as PyTorch gives (amax would refuse an empty dim).
        return sums.sum(extreme, keepdim)
    return (amax if ord > 0 else amin)(sums, extreme, keepdim)


def norm(input: Tensor, ord: float | str | None = None, dim: int | Sequence[int] | None = None,
         keepdim: bool = False, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """A vector or matrix norm, as ``torch.linalg.norm`` chooses: a matrix norm where ``ord`` is
    given and there are two dims (``dim`` of length 2, or a 2-d ``input`` without ``dim``), or
    ``ord`` is a string; else a vector norm (of order 2 when ``ord`` is None), over every
    element when neither ``ord`` nor ``dim`` is given.

    Args:
        input: A floating tensor.
        ord: The order (see ``vector_norm`` and ``matrix_norm``). Defaults to None.
        dim: One dim (a vector norm) or two (a matrix norm). Defaults to None.
        keepdim: Whether the reduced dims stay with size one. Defaults to False.
        dtype: The dtype ``input`` is cast to first (no narrower than ``input``'s). Defaults
            to None.

    >>> import symgrad
    >>> a = symgrad.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> symgrad.linalg.norm(a, 1), symgrad.linalg.norm(a, 1, dim=1)
    (tensor(6.), tensor([3., 7.]))
    """
    dims = [dim] if isinstance(dim, int) else None if dim is None else list(dim)
    if dims is not None:
        if len(dims) not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {dims}")
    elif ord is not None and input.ndim not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {input.ndim}D.")
    if isinstance(ord, str) or (ord is not None and (
            len(dims) == 2 if dims is not None else input.ndim == 2)):
        return matrix_norm(input, ord, (0, 1) if dims is None else dims, keepdim, dtype=dtype)
    return vector_norm(input, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


def slogdet(A: Tensor) -> Any:
    """The sign and the log of the absolute value of the determinant of each matrix of ``A``,
    as ``torch.linalg.slogdet`` (``symgrad.slogdet``'s, under this module's type name).

    Args:
        A: A float32 or float64 tensor of square matrices.

    >>> import symgrad
    >>> symgrad.linalg.slogdet(symgrad.tensor([[0.0, 2.0], [3.0, 0.0]])).sign
    tensor(-1.)
    """
    from symgrad import return_types

    return return_types.linalg_slogdet(*_slogdet(A, "linalg.slogdet"))


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot products of the vectors of ``x`` and ``y`` along ``dim``, the other dims
    broadcast, as ``torch.linalg.vecdot``: ``(x * y).sum(dim)``, the nodes PyTorch records
    (MulBackward0, SumBackward1).

    Args:
        x: The first vectors (floating).
        y: The second vectors, of ``x``'s dtype.
        dim: The dim holding the vectors. Defaults to -1.

    >>> import symgrad
    >>> symgrad.linalg.vecdot(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]), symgrad.tensor([1.0, -1.0]))
    tensor([-1., -1.])
    """
    if x.dtype is not y.dtype:
        raise RuntimeError("linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {_TORCH_NAMES[x.dtype.name]} and y of type "
                           f"{_TORCH_NAMES[y.dtype.name]} instead")
    _floating_input(x, "vecdot")
    return (x * y).sum(dim)


def det(A: Tensor) -> Tensor:
    """The determinant of each matrix of ``A``, as ``torch.linalg.det`` (see ``symgrad.det``).

    Args:
        A: A float32 or float64 tensor of square matrices (..., n, n).

    >>> import symgrad
    >>> symgrad.linalg.det(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    return _solve_ops.det(A)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` to the integer power ``n``, as ``torch.linalg.matrix_power`` (see
    ``symgrad.matrix_power``).

    Args:
        input: A tensor of square matrices (..., m, m).
        n: The exponent.

    >>> import symgrad
    >>> symgrad.linalg.matrix_power(symgrad.tensor([[0.0, 1.0], [1.0, 0.0]]), 2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _solve_ops.matrix_power(input, n)


# PyTorch's argument parser names a wrong argument of ``torch.linalg.det(2.5)``
# (``linalg_det(): argument 'A' (position 1) must be Tensor, not float``): the same check here.
for _name in __all__[1:]:
    _fn = globals()[_name]
    _wrapped = _checked(_fn, f"linalg_{_name}", method=False)
    _wrapped.__module__, _wrapped.__qualname__ = __name__, _name
    globals()[_name] = _wrapped
del _name, _fn, _wrapped
