"""How PyTorch lays out a new result in memory, for the ops whose result keeps its input's
order of dims rather than the row-major one: ``clone`` (its ``preserve_format``), and the ops
PyTorch computes through a ``TensorIterator`` or on such a clone (``flip``, ``index_fill``,
``index_put``). Their strides, contiguity and so whether ``.view(-1)`` succeeds follow.

PyTorch's rule (``TensorIteratorBase::reorder_dimensions``, ``infer_dense_strides``): sort the
dims by the input's strides, fastest first, by an insertion sort that starts from the reversed
dims and leaves alone any two it cannot tell apart (a stride of 0, or equal strides and the
first dim not the larger). The result's memory follows that order without gaps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fastest_first", "laid_out", "like_input", "preserved_copy", "preserved_strides",
           "row_major"]


def _after(shape: tuple[int, ...], operands: tuple[tuple[int, ...], ...], dim0: int,
           dim1: int) -> int:
    """1 if ``dim0`` belongs after (is slower than) ``dim1``, -1 if before, 0 if undecided:
    the first operand whose strides tell decides."""
    for strides in operands:
        s0, s1 = strides[dim0], strides[dim1]
        if s0 == 0 or s1 == 0:  # a broadcast dim says nothing about the order
            continue
        if s0 != s1:
            return 1 if s0 > s1 else -1
        if shape[dim0] > shape[dim1]:
            return 1
    return 0


def fastest_first(shape: tuple[int, ...], *operands: tuple[int, ...]) -> list[int]:
    """The dims in PyTorch's order for a result computed from inputs of these strides (one
    tuple per input, in elements, over the result's dims), fastest first.

    Args:
        shape: The result's sizes.
        *operands: Each input's strides, in PyTorch's order of the inputs.

    >>> fastest_first((2, 3, 4), (1, 2, 6)), fastest_first((2, 3), (3, 1))
    ([0, 1, 2], [1, 0])
    """
    perm = list(range(len(shape) - 1, -1, -1))
    for i in range(1, len(perm)):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            order = _after(shape, operands, perm[dim0], perm[dim1])
            if order > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif order < 0:
                break
    return perm


def laid_out(values: np.ndarray, fastest: list[int]) -> np.ndarray:
    """A new array holding ``values``, its dims in memory in the order ``fastest`` (fastest
    first), without gaps.

    Args:
        values: What the array holds.
        fastest: Its dims, the fastest in memory first.

    >>> laid_out(np.zeros((2, 3)), [0, 1]).strides
    (8, 16)
    """
    slowest = fastest[::-1]
    out = np.empty([values.shape[d] for d in slowest], dtype=values.dtype).transpose(
        np.argsort(slowest))
    out[...] = values
    return out


def _dense(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """PyTorch's ``is_non_overlapping_and_dense``: the dims of size 2 or more, in some order,
    step through memory without gaps or overlaps."""
    need = 1
    for stride, n in sorted((s, n) for n, s in zip(shape, strides, strict=True) if n != 1):
        if stride != need:
            return False
        need *= n
    return True


def preserved_strides(shape: tuple[int, ...], strides: tuple[int, ...]) -> tuple[int, ...]:
    """The strides of PyTorch's result laid out like an input of ``strides``: the input's own
    when it is dense, else dense ones in the input's order of dims (a dim of size one takes
    the stride of where it sorts, and does not grow the next one).

    Args:
        shape: The input's sizes.
        strides: Its strides, in elements.

    >>> preserved_strides((2, 3), (1, 2)), preserved_strides((2, 3), (1, 4))
    ((1, 2), (1, 2))
    """
    if _dense(shape, strides):
        return strides
    out = [0] * len(shape)
    step = 1
    for d in fastest_first(shape, strides):
        out[d] = step
        step *= max(shape[d], 1)
    return tuple(out)


def like_input(values: np.ndarray, input: np.ndarray) -> np.ndarray:
    """A new array holding ``values`` (broadcast to ``input``'s shape), laid out as PyTorch
    lays out a result like ``input`` (``clone``, ``empty_like``'s ``preserve_format``): its
    dims in ``input``'s memory order, so a transposed input gives a transposed result, and a
    row-major one a contiguous result.

    Args:
        values: What the result holds.
        input: The array whose layout the result takes.

    >>> x = np.zeros((3, 2)).T
    >>> like_input(x + 1, x).strides == x.strides, like_input(x[:, ::2], x[:, ::2]).strides
    (True, (8, 16))
    """
    from symgrad.tensor_layout import _steps  # the tensor's module builds on the ops

    shape, size = input.shape, values.dtype.itemsize
    if not input.size:
        return np.broadcast_to(values, shape).copy()
    strides = preserved_strides(shape, tuple(abs(s) for s in _steps(input)))
    memory = 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
    out = np.ndarray(shape, values.dtype, np.empty(memory, values.dtype),
                     strides=tuple(s * size for s in strides))
    out[...] = values
    return out


def preserved_copy(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` laid out as PyTorch's ``clone()`` (``preserve_format``) lays it out:
    ``like_input(a, a)``, quickly for a row-major ``a``.

    Args:
        a: The array copied.

    >>> preserved_copy(np.zeros((2, 3)).T).strides
    (8, 24)
    """
    return a.copy() if a.flags.c_contiguous else like_input(a, a)


def row_major(a: np.ndarray) -> np.ndarray:
    """``a`` itself if row-major, else a row-major copy: the layout of the results PyTorch
    writes contiguously whatever the input's (``tril``, ``gather``, ``cat``...), where
    NumPy's follow the input's. (``np.ascontiguousarray`` would make a 0-dim array 1-dim.)

    Args:
        a: A new array, the op's result.

    >>> row_major(np.zeros((2, 3)).T).strides, row_major(np.float32(1.0) + np.zeros(())).shape
    ((16, 8), ())
    """
    return a if a.flags.c_contiguous else a.copy()
