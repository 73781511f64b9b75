"""``torch.linalg`` functions PyTorch composes from other ops: ``multi_dot``, ``vander``,
``tensorinv``, ``tensorsolve``.

Their nodes are the pieces PyTorch records (MmBackward0, CumprodBackward0, CatBackward0,
LinalgInvExBackward0, LinalgSolveExBackward0, views), so they need no declaration of their
own: the pieces' gradients are theirs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from symgrad import _dtypes
from symgrad.autocast_policy import autocasts
from symgrad.ops.linalg import mm
from symgrad.ops.products import _chain, _multi_dot_order
from symgrad.ops.registry import _TORCH_NAMES, renamed_node_class
from symgrad.tensor import Tensor

__all__ = ["multi_dot", "vander", "tensorinv", "tensorsolve"]


def _listed(tensors: Sequence[Tensor]) -> list[Tensor]:
    """The tensors of a list or tuple, or PyTorch's argument parser's TypeError."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError("linalg_multi_dot(): argument 'tensors' (position 1) must be tuple of "
                        f"Tensors, not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def _multi_dot_checks(given: list[Tensor]) -> None:
    """PyTorch's checks, in its order: the count, the ends' dims, the middle's, then per
    neighbour the dtype and the inner sizes."""
    n = len(given)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for which, t in (("first", given[0]), ("last", given[-1])):
        if t.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got "
                               f"{t.ndim}D")
    for i in range(1, n - 1):
        if given[i].ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {given[i].ndim}D")
    cpp = _dtypes._CPP_NAMES
    for i in range(1, n):
        if given[i].dtype is not given[0].dtype:
            raise RuntimeError("multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {cpp[given[0].dtype.name]} and tensor {i} "
                               f"{cpp[given[i].dtype.name]}")
        if given[i - 1].shape[-1] != given[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(given[i - 1].shape)} and {list(given[i].shape)} cannot "
                               "be multiplied")


@autocasts("lower")
def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of two or more matrices, multiplied in the cheapest order, as
    ``torch.linalg.multi_dot`` composes it: a 1-D first tensor is a row vector
    (``unsqueeze(0)``), a 1-D last one a column vector (``unsqueeze(-1)``), and their dims are
    dropped from the result; two tensors are one ``mm``, three the cheaper of ``(AB)C`` and
    ``A(BC)`` (the first on a tie), more the textbook dynamic programme's order; the result is
    a view of the last ``mm`` (MmBackward0 nodes under one ViewBackward0).

    Args:
        tensors: A list or tuple of at least two tensors of one dtype: the first and last 1-D
            or 2-D, the others 2-D, each one's last size the next one's first.

    >>> import symgrad
    >>> a = symgrad.tensor([1.0, 2.0])
    >>> b = symgrad.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> symgrad.linalg.multi_dot([a, b, symgrad.ones(3, 2)])
    tensor([7., 7.])
    """
    given = _listed(tensors)
    _multi_dot_checks(given)
    first, last = given[0], given[-1]
    shape = ([first.shape[0]] if first.ndim == 2 else []) + (
        [last.shape[1]] if last.ndim == 2 else [])
    ms = [first if first.ndim == 2 else first.unsqueeze(0), *given[1:-1],
          last if last.ndim == 2 else last.unsqueeze(-1)]
    if len(ms) == 2:
        out = mm(ms[0], ms[1])
    elif len(ms) == 3:
        a, b = ms[0].shape[0], ms[1].shape[0]
        c, d = ms[2].shape
        # PyTorch's costs of (AB)C and A(BC); (AB)C unless strictly dearer
        if a * c * (b + d) > b * d * (a + c):
            out = mm(ms[0], mm(ms[1], ms[2]))
        else:
            out = mm(mm(ms[0], ms[1]), ms[2])
    else:
        out = _chain(ms, _multi_dot_order([tuple(m.shape) for m in ms]), 0, len(ms) - 1)
    return out.view(shape)


_VANDER_DTYPES = ("float32", "float64", "uint8", "int8", "int16", "int32", "int64")


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of the last dim of ``x``: ``out[..., i, j] = x[..., i] ** j`` for
    ``j < N`` (increasing powers, unlike ``symgrad.vander``), as ``torch.linalg.vander``
    composes it: a column of ones concatenated with the cumulative product of ``x`` repeated
    ``N - 1`` times (CatBackward0 over CumprodBackward0, ExpandBackward0, UnsqueezeBackward0).
    Integer inputs give int64, as ``cumprod`` does.

    Args:
        x: A float32, float64 or integer tensor (a zero-dim one is one element).
        N: The number of columns, more than 1. Defaults to None: ``x``'s last size.

    >>> import symgrad
    >>> symgrad.linalg.vander(symgrad.tensor([1.0, 2.0, 3.0]))
    tensor([[1., 1., 1.],
            [1., 2., 4.],
            [1., 3., 9.]])
    """
    from symgrad.ops.reductions import cumprod
    from symgrad.ops.shape import cat

    if N is not None and (isinstance(N, bool) or not isinstance(N, int)):
        raise TypeError(f"linalg_vander(): argument 'N' must be int, not {type(N).__name__}")
    if x.dtype.name not in _VANDER_DTYPES:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, "
                           f"but got {_TORCH_NAMES[x.dtype.name]}")
    column = x.unsqueeze(-1) if x.ndim == 0 else x
    n = column.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = cumprod(column.unsqueeze(-1).expand(*column.shape, n - 1), -1)
    ones = Tensor._make(np.ones(tuple(column.shape) + (1,), powers._data.dtype), False, None)
    return cat([ones, powers], -1)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of ``A`` for ``tensordot(A, X, ind)``, as ``torch.linalg.tensorinv``
    composes it: ``A`` reshaped to a square matrix (the product of its first ``ind`` sizes
    rows), inverted (LinalgInvExBackward0) and reshaped to ``A.shape[ind:] + A.shape[:ind]``
    (PyTorch's node of that reshape is ReshapeAliasBackward0, a view's gradient).

    Args:
        A: A float32 or float64 tensor whose first ``ind`` sizes multiply to the product of
            the others.
        ind: The number of leading dims of the product. Defaults to 2.

    Raises:
        LinAlgError: The matrix is singular.

    >>> import symgrad
    >>> a = symgrad.eye(4).reshape(4, 2, 2) * 2
    >>> symgrad.linalg.tensorinv(a, ind=1).shape
    symgrad.Size([2, 2, 4])
    """
    from symgrad.ops.linalg_solve import INVERSE, LinAlgError, _square
    from symgrad.ops.registry import apply

    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    head, tail = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(head), math.prod(tail)
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    square = A.reshape(cols, cols)
    _square(square, "linalg.inv")
    try:
        inverse = apply(INVERSE, square)
    except LinAlgError as e:  # PyTorch names the function "inv" here
        raise LinAlgError(str(e).replace("linalg.inv: ", "inv: ", 1)) from None
    out = inverse.reshape(tail + head)
    if out.grad_fn is not None and out.grad_fn is not inverse.grad_fn:
        out.grad_fn.__class__ = renamed_node_class(type(out.grad_fn), "ReshapeAliasBackward0")
    return out


def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None) -> Tensor:
    """``X`` with ``tensordot(A, X, X.ndim) = B``, as ``torch.linalg.tensorsolve`` composes it:
    the dims ``dims`` of ``A`` moved to the end, ``A`` reshaped to a square matrix and ``B``
    flattened, one ``linalg.solve`` (LinalgSolveExBackward0), the result reshaped to
    ``A.shape[B.ndim:]``.

    Args:
        A: A float32 or float64 tensor whose trailing sizes (after ``B.ndim``) multiply to
            ``B.numel()``.
        B: The right-hand side, of ``A``'s dtype.
        dims: Dims of ``A`` to move to the end first. Defaults to None.

    Raises:
        LinAlgError: The matrix is singular.

    >>> import symgrad
    >>> a = symgrad.eye(6).reshape(2, 3, 6) * 2
    >>> symgrad.linalg.tensorsolve(a, symgrad.ones(2, 3))
    tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000])
    """
    from symgrad.ops.linalg_solve import solve
    from symgrad.ops.tensor_functions import movedim

    if dims is not None:
        dims = list(dims)
        A = movedim(A, dims, list(range(A.ndim - len(dims), A.ndim)))
    shape = tuple(A.shape[B.ndim:])
    size, total = math.prod(shape), math.prod(tuple(B.shape))
    if size != total:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) "
                           f"== prod(self.shape[:other.ndim]), but got {size} != {total}")
    square = A.reshape(size, size)
    if not A.is_contiguous() and square.grad_fn is not None and (
            type(square.grad_fn).__name__ == "ViewBackward0"):
        # PyTorch views a tensor that is not contiguous by ``_reshape_alias``
        square.grad_fn.__class__ = renamed_node_class(type(square.grad_fn),
                                                      "ReshapeAliasBackward0")
    return solve(square, B.flatten()).reshape(shape)
