"""Shape functions PyTorch composes from other ops, composed here the same way so that they
record the same nodes: broadcasting (``broadcast_to``, ``broadcast_tensors``,
``broadcast_shapes``), at-least-n-d views, stacking along rows, columns and depth (``hstack``,
``vstack``, ``dstack``, ``column_stack``), ``unflatten`` and ``ravel``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from symgrad.ops.arguments import invalid_combination
from symgrad.ops.registry import broadcast_shapes as _pairwise_shape
from symgrad.ops.registry import expose, wrap_dim
from symgrad.ops.shape import cat, expand, reshape, unsqueeze
from symgrad.tensor import Size, Tensor

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
           "broadcast_to", "column_stack", "dstack", "hstack", "ravel", "row_stack", "unflatten",
           "vstack"]


@expose()
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` expanded to ``size`` (``expand``): a view, whose gradient sums back.

    Args:
        input: the tensor.
        size: the shape to broadcast to; -1 keeps a dim.

    >>> import symgrad
    >>> symgrad.broadcast_to(symgrad.tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return expand(input, *size)


def broadcast_shapes(*shapes: int | Sequence[int]) -> Size:
    """The shape tensors of ``shapes`` broadcast to, without making them; PyTorch's error for
    shapes that do not broadcast.

    Args:
        *shapes: shapes, each a sequence of ints (an int is a 1-d shape).

    >>> import symgrad
    >>> symgrad.broadcast_shapes((2, 1), (3,))
    symgrad.Size([2, 3])
    """
    sizes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    result: list[int] = [1] * max((len(s) for s in sizes), default=0)
    for index, shape in enumerate(sizes):
        for back in range(1, len(shape) + 1):
            n, have = shape[-back], result[-back]
            if n < 0:
                raise RuntimeError("Trying to create tensor with negative dimension "
                                   f"{n}: {list(shape)}")
            if n != have and n != 1 and have != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at -{back}! Mismatching "
                    f"argument at index {index} had {shape}; but expected shape should be "
                    f"broadcastable to {result}")
            if n != 1:
                result[-back] = n
    return Size(result)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common shape (each one already of it returned as is).

    Args:
        *tensors: the tensors.

    >>> import symgrad
    >>> a, b = symgrad.broadcast_tensors(symgrad.tensor([1.0, 2.0]), symgrad.tensor([[0.0], [1.0]]))
    >>> a.shape, b.tolist()
    (symgrad.Size([2, 2]), [[0.0, 0.0], [1.0, 1.0]])
    """
    tensors = _tensor_list(tensors)
    # Met pairwise, as binary ops meet them: PyTorch's error names tensors a and b.
    shape = Size(_pairwise_shape(*(tuple(t.shape) for t in tensors)))
    return tuple(t if t.shape == shape else expand(t, *shape) for t in tensors)


def _each(name: str, tensors: tuple[Any, ...], make: Any) -> Any:
    """``make`` of one tensor, or a tuple of ``make`` of each (given apart or as one list);
    PyTorch's TypeError for anything else."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return make(tensors[0])
    if len(tensors) == 1 and not isinstance(tensors[0], list | tuple):
        raise invalid_combination(name, *tensors)
    return tuple(make(t) for t in _tensor_list(tensors))


def _tensor_list(tensors: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """The tensors given apart or as one list, or PyTorch's error naming the first that is
    not a tensor."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _at_least_1d(t: Tensor) -> Tensor:
    return reshape(t, 1) if t.ndim == 0 else t


def _at_least_2d(t: Tensor) -> Tensor:
    return {0: lambda: reshape(t, 1, 1), 1: lambda: unsqueeze(t, 0)}.get(t.ndim, lambda: t)()


def _at_least_3d(t: Tensor) -> Tensor:
    return {0: lambda: reshape(t, 1, 1, 1), 1: lambda: unsqueeze(unsqueeze(t, 0), -1),
            2: lambda: unsqueeze(t, -1)}.get(t.ndim, lambda: t)()


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dim (a zero-dim one as shape ``(1,)``); one tensor in,
    one out, else a tuple.

    Args:
        *tensors: tensors, given apart or as one list.

    >>> import symgrad
    >>> symgrad.atleast_1d(symgrad.tensor(2.0))
    tensor([2.])
    """
    return _each("atleast_1d", tensors, _at_least_1d)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dims (a 1-d one as a row); one tensor in, one out, else a
    tuple.

    Args:
        *tensors: tensors, given apart or as one list.

    >>> import symgrad
    >>> symgrad.atleast_2d(symgrad.tensor([1.0, 2.0])).shape
    symgrad.Size([1, 2])
    """
    return _each("atleast_2d", tensors, _at_least_2d)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dims (1-d as ``(1, n, 1)``, 2-d as ``(m, n, 1)``); one
    tensor in, one out, else a tuple.

    Args:
        *tensors: tensors, given apart or as one list.

    >>> import symgrad
    >>> symgrad.atleast_3d(symgrad.zeros(2, 3)).shape
    symgrad.Size([2, 3, 1])
    """
    return _each("atleast_3d", tensors, _at_least_3d)


def _nonempty(tensors: Sequence[Tensor], name: str) -> list[Tensor]:
    if not len(tensors):
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors side by side: joined along dim 0 when 1-d, else along dim 1.

    Args:
        tensors: the tensors (zero-dim ones count as 1-d).

    >>> import symgrad
    >>> symgrad.hstack([symgrad.tensor([1.0]), symgrad.tensor([2.0, 3.0])])
    tensor([1., 2., 3.])
    """
    parts = [_at_least_1d(t) for t in _nonempty(tensors, "hstack")]
    return cat(parts, 0 if parts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors one under another: each at least 2-d (a 1-d one as a row), joined along
    dim 0.

    Args:
        tensors: the tensors.

    >>> import symgrad
    >>> symgrad.vstack([symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0])])
    tensor([[1., 2.],
            [3., 4.]])
    """
    return cat([_at_least_2d(t) for t in _nonempty(tensors, "vstack")], 0)


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """``vstack``, by its other name.

    Args:
        tensors: the tensors.

    >>> import symgrad
    >>> symgrad.row_stack([symgrad.tensor([1.0]), symgrad.tensor([2.0])]).shape
    symgrad.Size([2, 1])
    """
    # (PyTorch's row_stack is its vstack, errors and all.)
    return cat([_at_least_2d(t) for t in _nonempty(tensors, "vstack")], 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors stacked in depth: each at least 3-d, joined along dim 2.

    Args:
        tensors: the tensors.

    >>> import symgrad
    >>> symgrad.dstack([symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0])]).shape
    symgrad.Size([1, 2, 2])
    """
    return cat([_at_least_3d(t) for t in _nonempty(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors as columns: each zero-dim or 1-d one made a column, joined along dim 1.

    Args:
        tensors: the tensors.

    >>> import symgrad
    >>> symgrad.column_stack([symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0])])
    tensor([[1., 3.],
            [2., 4.]])
    """
    parts = [reshape(t, t.numel(), 1) if t.ndim <= 1 else t
             for t in _nonempty(tensors, "column_stack")]
    return cat(parts, 1)


@expose()
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim ``dim`` split into dims of ``sizes`` (one may be -1): a view.

    Args:
        input: the tensor.
        dim: the dim to split.
        sizes: the new dims' sizes, whose product is the old dim's size.

    >>> import symgrad
    >>> symgrad.zeros(2, 6).unflatten(1, (2, 3)).shape
    symgrad.Size([2, 2, 3])
    """
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as "
                           f"{d} but tensor has no dimensions")
    sizes = list(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = input.shape[d]
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be "
                           "inferred")
    fits = size % known == 0 if -1 in sizes and known else known == size
    if not fits:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {d} ({size}) in the input tensor")
    return input.view(*input.shape[:d], *sizes, *input.shape[d + 1:])


@expose()
def ravel(input: Tensor) -> Tensor:
    """The elements as one dim in row-major order: a view of the contiguous tensor (of a
    copy, when the layout is not).

    Args:
        input: the tensor.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).t().ravel()
    tensor([1., 3., 2., 4.])
    """
    return input.contiguous().view(-1)


for _fn in (broadcast_shapes, broadcast_tensors, atleast_1d, atleast_2d, atleast_3d, hstack,
            vstack, row_stack, dstack, column_stack):
    expose(method=False)(_fn)
