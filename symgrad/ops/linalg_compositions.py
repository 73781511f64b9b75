"""``torch.linalg`` functions PyTorch composes from other ops: ``multi_dot``.

Their nodes are the pieces PyTorch records (MmBackward0, UnsqueezeBackward0, ViewBackward0), so
they need no declaration of their own: the pieces' gradients are theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from symgrad import _dtypes
from symgrad.ops.linalg import mm
from symgrad.ops.products import _chain, _multi_dot_order
from symgrad.tensor import Tensor

__all__ = ["multi_dot"]


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
