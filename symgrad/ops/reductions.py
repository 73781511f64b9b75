"""Reductions: sum and its relatives. Dims are stored normalised (a sorted tuple, or None)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import Sample, apply, defop, expose
from symgrad.tensor import Tensor


def normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...] | None:
    """Dims as a sorted tuple of non-negative ints (None: all), with PyTorch's range error."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        n = max(ndim, 1)
        if not -n <= d < n:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
            )
        out.append(d % n)
    return tuple(sorted(set(out)))


def expand_reduced(g: Tensor, shape: tuple[int, ...], dim: tuple[int, ...] | None,
                   keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back to the input's shape."""
    if dim is not None and not keepdim and shape:
        kept = list(g.shape)
        for d in dim:
            kept.insert(d, 1)
        g = g.reshape(tuple(kept))
    return g.expand(shape)


def _sum_forward(self: np.ndarray, *, dim: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
    acc = np.float32 if self.dtype in (_dtypes.float16.np, _dtypes.bfloat16.np) else None
    out = np.sum(self, axis=dim, keepdims=keepdim, dtype=acc)
    return np.asarray(out, dtype=self.dtype if acc is not None else out.dtype)


# float16/bfloat16 sums accumulate in float32, as PyTorch's do.
SUM = defop("sum", "SumBackward1", _sum_forward,
            vjp=lambda g, *, dim, keepdim, self_shape: expand_reduced(g, self_shape, dim, keepdim),
            dtype_rule="same", kind="reduction",
            samples=(Sample(((2, 3),), {"dim": (0,), "keepdim": False}),
                     Sample(((2, 3),), {"dim": (1,), "keepdim": True}),
                     Sample(((2, 3, 2),), {"dim": (0, 2), "keepdim": False})))
SUM_ALL = defop("sum_all", "SumBackward0", lambda self: np.asarray(
                _sum_forward(self, dim=None, keepdim=False)),
                vjp=lambda g, *, self_shape: g.expand(self_shape),
                dtype_rule="same", kind="reduction")


@expose()
def sum(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False,
        *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """Sum over ``dim`` (all elements when None); bool and integer sums give int64.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.category != _dtypes._FLOAT:
        input = input.to(_dtypes.int64)
    if dim is None:
        return apply(SUM_ALL, input)
    return apply(SUM, input, dim=normalize_dims(dim, input.ndim), keepdim=keepdim)
