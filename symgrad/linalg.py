"""``torch.linalg``: norms, determinants, inverses and solves, with PyTorch's signatures.

The norms are compositions of ops symgrad has, as PyTorch composes them: a vector norm is one
node (LinalgVectorNormBackward0, the op behind ``symgrad.norm``), a matrix 1- or inf-norm a
vector 1-norm over one dim then ``amax`` over the other, the Frobenius norm a vector 2-norm over
both, the 2-norm, -2-norm and nuclear norm ``amax``, ``amin`` or ``sum`` of ``svdvals``, and
``cond`` PyTorch's composition of these with ``svdvals`` or ``inv_ex``. Determinants, inverses
and solves are ops of their own (``symgrad.ops.linalg_solve``), and so is the Householder
product (``symgrad.ops.householder``).

>>> import symgrad
>>> a = symgrad.tensor([[1.0, -2.0], [3.0, 4.0]])
>>> symgrad.linalg.norm(a), symgrad.linalg.matrix_norm(a, 1), symgrad.linalg.det(a)
(tensor(5.4772), tensor(6.), tensor(10.))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autocast_policy import autocasts
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
from symgrad.ops.householder import householder_product  # (helper linalg2)
from symgrad.ops.ldl import ldl_factor, ldl_factor_ex, ldl_solve  # (helper linalg2)
from symgrad.ops.least_squares import lstsq  # (helper linalg)
from symgrad.ops.linalg import matmul as _matmul
from symgrad.ops.linalg_compositions import (  # (helper linalg)
    multi_dot,
    tensorinv,
    tensorsolve,
    vander,
)
from symgrad.ops.linalg_solve import LinAlgError, _slogdet, inv, inv_ex, solve, solve_ex
from symgrad.ops.lu import lu, lu_factor, lu_factor_ex, lu_solve  # (helper linalg)
from symgrad.ops.matrix_exp import matrix_exp  # (helper linalg)
from symgrad.ops.reductions import amax, amin, check_norm_dtype
from symgrad.ops.reductions import norm as _vector_norm
from symgrad.ops.shape_more import diagonal as _diagonal
from symgrad.tensor import Tensor

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "det", "inv", "inv_ex",
           "solve", "slogdet", "cross", "vecdot", "matrix_power",
           # matrix decompositions (symgrad.ops.decompositions)
           "cholesky", "cholesky_ex", "solve_triangular", "eigh", "eigvalsh",
           "svd", "svdvals", "qr", "pinv", "matrix_rank",
           # products, exponentials, least squares and LU (helper linalg)
           "multi_dot", "matrix_exp", "lstsq", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
           "vander", "tensorinv", "tensorsolve",
           # aliases, solve_ex, cond, Householder products (helper linalg2)
           "matmul", "diagonal", "solve_ex", "cond", "householder_product", "ldl_factor",
           "ldl_factor_ex", "ldl_solve"]

_TORCH_NAMES = _dtypes._TORCH_NAMES


def _floating_input(A: Tensor, name: str) -> None:
    if not A.is_floating_point():
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {_TORCH_NAMES[A.dtype.name]}")


def _cast(A: Tensor, dtype: _dtypes.dtype | None, name: str) -> Tensor:
    """``A`` in ``dtype`` (a ToCopyBackward0 node, as PyTorch records it), refusing a dtype that
    is not floating or that ``A``'s dtype would narrow to, with PyTorch's messages."""
    check_norm_dtype(A, dtype, name)
    return A if dtype is None else A.to(dtype)


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
    check_norm_dtype(x, dtype, "vector_norm")
    if isinstance(dim, Sequence) and len(dim) == 0:
        dim = None
    return _vector_norm(x, ord, dim, keepdim, dtype=dtype)


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
    smallest row sum (a vector 1-norm, then ``amax`` or ``amin``, as PyTorch composes them). 2
    and -2 are the largest and smallest singular value, ``"nuc"`` their sum (``svdvals`` of the
    matrices permuted to the last two dims, then ``amax``, ``amin`` or ``sum``, as PyTorch).

    Args:
        input: A floating tensor of at least 2 dims.
        ord: ``"fro"``, ``"nuc"``, 2, -2, 1, -1, ``inf`` or ``-inf``. Defaults to ``"fro"``.
        dim: The two dims holding the matrices. Defaults to (-2, -1).
        keepdim: Whether the reduced dims stay with size one. Defaults to False.
        dtype: The dtype ``input`` is cast to first (no narrower than ``input``'s). Defaults
            to None.

    >>> import math, symgrad
    >>> a = symgrad.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> symgrad.linalg.matrix_norm(a, 1), symgrad.linalg.matrix_norm(a, -math.inf)
    (tensor(6.), tensor(3.))
    """
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    _floating_input(input, "matrix_norm")
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if not isinstance(ord, str) and ord not in (2, -2, 1, -1, math.inf, -math.inf):
        shown = int(ord) if float(ord).is_integer() else ord
        raise RuntimeError(f"linalg.matrix_norm: Order {shown} not supported.")
    if (ord == "nuc" or ord in (2, -2)) and input.dtype in (_dtypes.float16, _dtypes.bfloat16):
        raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got "
                           f"{_TORCH_NAMES[input.dtype.name]}")
    check_norm_dtype(input, dtype, "matrix_norm")
    rows, cols = _matrix_dims(input, dim)
    if ord == "fro":  # the vector norms' nodes read the input and cast it, as PyTorch's
        return _vector_norm(input, 2, (rows, cols), keepdim, dtype=dtype)
    if ord == "nuc" or ord in (2, -2):  # svdvals of a ToCopyBackward0, as PyTorch's
        return _spectral_norm(_cast(input, dtype, "matrix_norm"), ord, rows, cols, keepdim)
    if ord not in (1, -1, math.inf, -math.inf):
        shown = int(ord) if float(ord).is_integer() else ord
        raise RuntimeError(f"linalg.matrix_norm: Order {shown} not supported.")
    # PyTorch's composition: the 1-norms along one dim (columns for +-1, rows for +-inf), then
    # the extreme over the other.
    summed, extreme = (rows, cols) if abs(ord) == 1 else (cols, rows)
    if not keepdim and extreme > summed:
        extreme -= 1
    sums = _vector_norm(input, 1, summed, keepdim, dtype=dtype)
    if ord > 0 and sums.shape[extreme] == 0:
        # Of no sums the largest is 0, as PyTorch gives (amax would refuse an empty dim): a
        # new tensor of zeros, outside the graph, as PyTorch's (no grad_fn, no requires_grad).
        return sums.detach().sum(extreme, keepdim)
    return (amax if ord > 0 else amin)(sums, extreme, keepdim)


def _spectral_norm(A: Tensor, ord: float | str, rows: int, cols: int, keepdim: bool
                   ) -> Tensor:
    """The 2-norm, -2-norm or nuclear norm, as PyTorch composes them: the matrices' dims
    permuted last, ``svdvals``, then ``amax``, ``amin`` or ``sum`` over the last dim (and with
    ``keepdim`` an unsqueeze and the inverse permutation)."""
    order = [d for d in range(A.ndim) if d not in (rows, cols)] + [rows, cols]
    values = svdvals(A.permute(order))
    if ord == 2 and values.shape[-1] == 0:
        # Of no singular values the largest is 0, as PyTorch gives: zeros outside the graph.
        out = values.detach().sum(-1, keepdim)
    elif ord == "nuc":
        out = values.sum(-1, keepdim)
    else:
        out = (amax if ord == 2 else amin)(values, -1, keepdim)
    if keepdim:
        inverse = [order.index(d) for d in range(A.ndim)]
        out = out.unsqueeze(-1).permute(inverse)
    return out


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


@autocasts("lower")
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


@autocasts("lower")
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product, as ``torch.linalg.matmul`` (an alias of ``symgrad.matmul``: dot, mv,
    mm or a batched product, by the operands' dims).

    Args:
        input: A tensor of at least 1 dim.
        other: A tensor of at least 1 dim whose matrix dims fit ``input``'s.

    >>> import symgrad
    >>> symgrad.linalg.matmul(symgrad.tensor([[1.0, 2.0]]), symgrad.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    return _matmul(input, other)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices of ``A`` as its last dim, as ``torch.linalg.diagonal``:
    ``symgrad.diagonal`` with the last two dims as the default matrix dims (a view, one
    DiagonalBackward0 node).

    Args:
        A: A tensor of at least 2 dims.
        offset: Which diagonal: 0 the main one, positive above it, negative below. Defaults
            to 0.
        dim1: The dim of the rows. Defaults to -2.
        dim2: The dim of the columns. Defaults to -1.

    >>> import symgrad
    >>> symgrad.linalg.diagonal(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]), offset=1)
    tensor([2.])
    """
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"linalg_diagonal(): argument 'offset' must be int, not "
                        f"{type(offset).__name__}")
    return _diagonal(A, offset, dim1, dim2)


diagonal = linalg_diagonal


_COND_ORDERS = (2, -2, 1, -1, math.inf, -math.inf)


def _cond_name(p: float | str) -> str:
    """``p`` as PyTorch's ``linalg.cond(ord=...)`` message writes it (C++'s ``to_string`` of a
    float: ``1.000000``, ``inf``)."""
    if isinstance(p, str):
        return p
    if isinstance(p, float):
        return ("inf" if p > 0 else "-inf") if math.isinf(p) else f"{p:f}"
    return str(p)


def cond(input: Tensor, p: float | str | None = None) -> Tensor:
    """The condition number of each matrix of ``input`` in the matrix norm ``p``, as
    ``torch.linalg.cond`` composes it: for ``p`` None, 2 or -2 the ratio of the largest and
    smallest singular value (``svdvals``, two narrows, a division and a squeeze; the matrices
    need not be square); for ``"nuc"`` the sum of the singular values times the sum of their
    reciprocals; for ``"fro"``, 1, -1, ``inf`` and ``-inf`` ``matrix_norm(A, p) *
    matrix_norm(inv(A), p)`` with ``inv_ex``'s inverse filled with inf at a singular matrix
    and the product's NaN made inf (``nan_to_num_``). Empty matrices give 0 (a constant).
    As in PyTorch 2.13, the fill is in place on the result the inverse's node saves, so
    backward through those norms raises PyTorch's error of a variable modified in place.

    Args:
        input: A float32 or float64 tensor of matrices (..., m, n), square for all ``p`` but
            None, 2 and -2.
        p: The norm: None (2), 2, -2, 1, -1, ``inf``, ``-inf``, ``"fro"`` or ``"nuc"``.
            Defaults to None.

    >>> import math, symgrad
    >>> a = symgrad.tensor([[1.0, 0.0], [0.0, 4.0]])
    >>> symgrad.linalg.cond(a), symgrad.linalg.cond(a, math.inf), symgrad.linalg.cond(a, "nuc")
    (tensor(4.), tensor(4.), tensor(6.2500))
    """
    if input.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    ord = 2 if p is None else p
    if (ord not in ("fro", "nuc")) if isinstance(ord, str) else (ord not in _COND_ORDERS):
        shown = ord if isinstance(ord, str) else f"{ord:g}"
        raise RuntimeError(f"linalg.cond got an invalid norm type: {shown}")
    if (isinstance(ord, str) or abs(ord) != 2) and input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={_cond_name(ord)}): A must be batches of square "
                           f"matrices, but they are {input.shape[-2]} by {input.shape[-1]} "
                           "matrices")
    if input.numel() == 0:
        return Tensor._make(np.zeros(tuple(input.shape[:-2]), input._data.dtype), False, None)
    if ord == "nuc":
        values = svdvals(input)
        return values.sum(-1) * values.reciprocal().sum(-1)
    if not isinstance(ord, str) and abs(ord) == 2:
        values = svdvals(input)
        largest, smallest = values.narrow(-1, 0, 1), values.narrow(-1, -1, 1)
        ratio = smallest / largest if ord == -2 else largest / smallest
        return ratio.squeeze(-1)
    inverse, info = inv_ex(input)
    inverse.masked_fill_((info > 0).unsqueeze(-1).unsqueeze(-1), math.inf)
    result = matrix_norm(input, ord) * matrix_norm(inverse, ord)
    return result.nan_to_num_(math.inf, math.inf, -math.inf)


# PyTorch's argument parser names a wrong argument of ``torch.linalg.det(2.5)``
# (``linalg_det(): argument 'A' (position 1) must be Tensor, not float``): the same check here.
for _name in __all__[1:]:
    _fn = globals()[_name]
    _wrapped = _checked(_fn, f"linalg_{_name}", method=False)
    _wrapped.__module__, _wrapped.__qualname__ = __name__, _name
    globals()[_name] = _wrapped
del _name, _fn, _wrapped
# Python's own error of a call with too many positional arguments quotes the function's
# qualified name: PyTorch's is ``linalg_diagonal()`` (the only one here taking keywords alone).
linalg_diagonal = diagonal
linalg_diagonal.__qualname__ = "linalg_diagonal"
