"""Tensor functions PyTorch programs reach for after the basics: ``einsum``, ``scatter`` and
``scatter_add`` (and their in-place forms), ``masked_select``, ``nonzero``/``argwhere``,
``roll``, ``repeat_interleave``, ``diag``, ``tile``, ``movedim``/``moveaxis``, ``meshgrid``
and ``count_nonzero``.

Where PyTorch records an op of its own (``ScatterBackward0``, ``MaskedSelectBackward0``,
``RollBackward0``, ``DiagEmbedBackward0``...), it is declared here once with ``defop``, its VJP
in symgrad ops (so ``create_graph=True`` works to any order), and the judge gives it its own
meaning (``oracle/semantics/tensor_functions.py``). Where PyTorch composes other ops (einsum,
tile, movedim, meshgrid, repeat_interleave), so does this module, and the result's ``grad_fn``
is the node PyTorch's composition ends with.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops import inplace as _inplace
from symgrad.ops.arguments import caller_level
from symgrad.ops.arithmetic import _wide
from symgrad.ops.indexing import (
    GATHER,
    _at_least_1d,
    _embed,
    _gather_index,
    _size,
    index_put,
    index_select,
)
from symgrad.ops.indexing import SCATTER_ADD as _SCATTER_ADD
from symgrad.ops.linalg import bmm
from symgrad.ops.memory_order import row_major
from symgrad.ops.reductions import OMITTED
from symgrad.ops.registry import (
    ALL,
    apply,
    defop,
    each_for_the_other,
    expose,
    not_implemented,
    refuse,
    wrap_dim,
)
from symgrad.ops.shape import (
    ALIAS,
    CONTIGUOUS_CLONE,
    RESHAPE,
    expand,
    permute,
    repeat,
    reshape,
    unbind,
    unsqueeze,
    view_apply,
)
from symgrad.ops.shape_more import diagonal
from symgrad.tensor import Tensor

__all__ = [
    "einsum", "scatter", "scatter_add", "masked_select", "nonzero", "argwhere", "roll",
    "repeat_interleave", "diag", "tile", "movedim", "meshgrid", "count_nonzero", "diff",
    "take_along_dim", "tensordot", "kron", "triu_indices", "tril_indices", "index_add", "addcmul",
    "addcdiv", "lerp",
]


def _zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return Tensor._make(np.zeros(shape, dtype=like._data.dtype), False, None)


# -- scatter ---------------------------------------------------------------------------------------
def _written(self: np.ndarray, dim: int, index: np.ndarray, values: Any) -> np.ndarray:
    """``self`` with ``values`` (broadcast to ``index``'s shape) written at
    ``[index[i][j]][j]`` (for ``dim=0``); a zero-dim tensor is one element."""
    out = self.copy()
    if index.size:
        index = _at_least_1d(index)
        _at_least_1d(out)[_gather_index(index, dim)] = values
    return out


def _read_src(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The part of ``src`` that ``index`` reads: its first ``index.shape`` elements."""
    return _at_least_1d(src)[tuple(slice(0, s) for s in _at_least_1d(index).shape)]


def _scatter(self: np.ndarray, src: np.ndarray, *, dim: int, index: np.ndarray) -> np.ndarray:
    """``self`` with ``src[i][j]`` written at ``[index[i][j]][j]`` (for ``dim=0``)."""
    return _written(self, dim, index, _read_src(src, index) if index.size else 0)


def _scatter_value(self: np.ndarray, *, dim: int, index: np.ndarray, value: Any) -> np.ndarray:
    """``self`` with ``value`` written at ``[index[i][j]][j]`` (for ``dim=0``)."""
    return _written(self, dim, index, _dtypes.scalar_as(value, self.dtype))


def _scatter_vjp(g: Tensor, *, dim: int, index: np.ndarray, src_shape: tuple[int, ...]
                 ) -> tuple[Tensor, Tensor]:
    # The written positions take nothing from ``self``: its gradient is ``g`` with them zeroed,
    # and ``src``'s is ``g`` read back at them (PyTorch's formulas, which assume no repeated
    # index). The elements of a ``src`` larger than ``index`` are not read: their gradient is
    # zero (PyTorch's backward raises there, giving ``index``'s shape for ``src``'s).
    read = apply(GATHER, g, dim=dim, index=index)
    if read.shape != src_shape:
        if not index.size or not src_shape:  # nothing read, or the one element of src
            read = reshape(read, ()) if index.size else _zeros(src_shape, g)
        else:
            read = _embed(reshape(read, _at_least_1d(index).shape), src_shape,
                          tuple(slice(0, s) for s in _at_least_1d(index).shape))
    return apply(SCATTER_VALUE, g, dim=dim, index=index, value=0), read


SCATTER = defop("scatter", "ScatterBackward0", _scatter, vjp=_scatter_vjp,
                saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="index")
SCATTER_VALUE = defop("scatter_value", "ScatterBackward1", _scatter_value,
                      vjp=lambda g, *, dim, index, value: apply(
                          SCATTER_VALUE, g, dim=dim, index=index, value=0),
                      saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="index")


def _scatter_index(name: str, input: Tensor, dim: int, index: Any,
                   src: Tensor | None) -> tuple[int, np.ndarray]:
    """``dim`` wrapped and ``index`` as int64, or PyTorch's error for them (in its order)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 3) must be Tensor, not "
                        f"{type(index).__name__}")
    # PyTorch's order (scatter_gather_dtype_check, scatter_shape_check, then its kernel's
    # range check), none of its shape checks for an empty index. A zero-dim tensor counts as
    # one dim of one element.
    d = wrap_dim(dim, input.ndim)
    idx = index._data
    if idx.size and idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not idx.size:
        return d, idx.astype(np.int64)
    ndim = max(input.ndim, 1)
    if max(idx.ndim, 1) != ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    too_big = any(_size(idx, i) > _size(input._data, i) for i in range(ndim) if i != d)
    if src is not None and not too_big:
        for i in range(ndim):
            if src.ndim and i >= src.ndim:
                wrap_dim(i, src.ndim)  # PyTorch reads src.size(i): its IndexError
            if _size(idx, i) > _size(src._data, i):
                too_big = True
                break
    if src is not None and max(src.ndim, 1) != max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if too_big:
        tail = f" and to be no larger size than src {list(src.shape)}" if src is not None else ""
        raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                           f"{list(input.shape)} apart from dimension {d}{tail}")
    size = _size(input._data, d)
    outside = np.flatnonzero((idx < 0) | (idx >= size))
    if outside.size:
        # PyTorch names the first one in row-major order.
        bad = int(idx.reshape(-1)[outside[0]])
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return d, idx.astype(np.int64)


@expose()
def scatter(input: Tensor, dim: int, index: Any, src: Any = None, *,
            value: Any = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src``'s elements (or one ``value``) written at ``index``:
    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0`` (and alike for other dims).

    With repeated indices, which element is written is unspecified (as in PyTorch); the
    gradients assume none repeat.

    Args:
        input: The tensor written into (not changed).
        dim: The dim ``index`` indexes along.
        index: An int64 (or int32) tensor with ``input``'s number of dims, no larger than
            ``input`` apart from ``dim`` and no larger than ``src``.
        src: The tensor of ``input``'s dtype whose elements are written, or a number.
        value: The number written, given by keyword instead of ``src``.
        reduce: ``"add"`` or ``"multiply"`` to reduce ``src`` into ``input`` rather than write
            it (deprecated in PyTorch, and without a derivative:
            ``symgrad.ops.scatter_reduce.scatter_with_reduce``). Defaults to None.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> symgrad.scatter(x, 0, symgrad.tensor([[1, 0, 1]]), symgrad.tensor([[1.0, 2.0, 3.0]]))
    tensor([[0., 2., 0.],
            [1., 0., 3.]])
    >>> x.scatter(1, symgrad.tensor([[2], [0]]), 5.0)
    tensor([[0., 0., 5.],
            [5., 0., 0.]])
    """
    if src is None and value is None:
        raise TypeError("scatter() missing required argument 'src' (or 'value')")
    if src is not None and value is not None:
        raise TypeError("scatter() got both 'src' and 'value'")
    given = value if src is None else src
    if reduce is not None:
        from symgrad.ops.scatter_reduce import scatter_with_reduce

        return scatter_with_reduce(input, dim, index, given, reduce)
    if isinstance(given, Tensor):
        d, idx = _scatter_index("scatter", input, dim, index, given)
        return apply(SCATTER, input, given, dim=d, index=idx)
    d, idx = _scatter_index("scatter", input, dim, index, None)
    return apply(SCATTER_VALUE, input, dim=d, index=idx, value=given)


@expose()
def scatter_add(input: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``input`` with ``src``'s elements added at ``index``:
    ``out[index[i][j]][j] += src[i][j]`` for ``dim=0`` (repeated indices add up).

    Args:
        input: The tensor added into (not changed).
        dim: The dim ``index`` indexes along.
        index: An int64 (or int32) tensor with ``input``'s number of dims, no larger than
            ``input`` apart from ``dim`` and no larger than ``src``.
        src: The tensor of ``input``'s dtype whose elements are added.

    >>> import symgrad
    >>> symgrad.zeros(3).scatter_add(0, symgrad.tensor([0, 2, 0]), symgrad.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not "
                        f"{type(src).__name__}")
    d, idx = _scatter_index("scatter_add", input, dim, index, src)
    return apply(_SCATTER_ADD, input, src, dim=d, index=idx)


def _scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *,
              value: Any = None, reduce: str | None = None) -> Tensor:
    """``scatter``, written into this tensor.

    Args:
        dim: The dim ``index`` indexes along.
        index: The positions written, as ``scatter`` takes them.
        src: The tensor (or number) written.
        value: The number written, given by keyword instead of ``src``.
        reduce: ``"add"`` or ``"multiply"`` (see ``scatter``). Defaults to None.

    >>> import symgrad
    >>> symgrad.zeros(3).scatter_(0, symgrad.tensor([2]), 1.0)
    tensor([0., 0., 1.])
    """
    return _inplace.rewrite(self, lambda old: scatter(old, dim, index, src, value=value,
                                                      reduce=reduce))


def _scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``scatter_add``, written into this tensor.

    Args:
        dim: The dim ``index`` indexes along.
        index: The positions added at, as ``scatter_add`` takes them.
        src: The tensor added.

    >>> import symgrad
    >>> symgrad.zeros(2).scatter_add_(0, symgrad.tensor([1, 1]), symgrad.tensor([1.0, 2.0]))
    tensor([0., 3.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add_(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    return _inplace.rewrite(self, lambda old: scatter_add(old, dim, index, src))


Tensor.scatter_ = _scatter_  # type: ignore[attr-defined]
Tensor.scatter_add_ = _scatter_add_  # type: ignore[attr-defined]


# -- masked_select ---------------------------------------------------------------------------------
# ``mask`` is broadcast to the shape ``self`` and it broadcast to, as PyTorch's node takes
# ``self`` unbroadcast; the gradient is ``g`` written back at the selected positions of that
# shape, summed to ``self``'s (PyTorch's masked_select_backward).
def _masked_select_vjp(g: Tensor, *, mask: np.ndarray, self_shape: tuple[int, ...]) -> Tensor:
    flat = index_put(_zeros((mask.size,), g), g, (np.flatnonzero(mask),))
    return flat.reshape(mask.shape).sum_to_size(self_shape)


MASKED_SELECT = defop(
    "masked_select", "MaskedSelectBackward0",
    lambda self, *, mask: np.broadcast_to(self, mask.shape)[mask].reshape(-1),
    vjp=_masked_select_vjp, saves_attrs=("mask",), dtype_rule="same", dtypes=ALL, kind="index")


@expose()
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` holds, as a 1-D tensor (row-major order).

    Args:
        input: The tensor.
        mask: A bool tensor; ``input`` and ``mask`` broadcast against each other.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, -2.0], [-3.0, 4.0]])
    >>> symgrad.masked_select(x, x > 0)
    tensor([1., 4.])
    """
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from symgrad.ops.registry import broadcast_shapes

    # PyTorch broadcasts the mask against the input (the mask is "tensor a" of its error).
    shape = broadcast_shapes(m.shape, input._data.shape)
    return apply(MASKED_SELECT, input, mask=np.broadcast_to(m, shape))


# -- nonzero, argwhere, count_nonzero --------------------------------------------------------------
@expose()
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the elements that are not zero (NaN counts as not zero).

    Args:
        input: The tensor.
        as_tuple: Return one 1-D int64 tensor of indices per dim (a zero-dim input counts as
            one dim) instead of one ``(count, ndim)`` int64 tensor. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([[0.0, 1.0], [2.0, 0.0]])
    >>> symgrad.nonzero(x)
    tensor([[0, 1],
            [1, 0]])
    >>> x.nonzero(as_tuple=True)
    (tensor([0, 1]), tensor([1, 0]))
    """
    a = input._data
    if as_tuple:
        # PyTorch's is nonzero(input).unbind(1) (a zero-dim input unsqueezed first): views of
        # one index tensor, which share its version counter, so an in-place op on one (even
        # squeeze_) makes a backward that saved another raise (seed 2024 program 1190).
        return unbind(nonzero(input.reshape(1) if a.ndim == 0 else input), 1)
    found = np.nonzero(a.reshape(1) if a.ndim == 0 else a)
    if a.ndim == 0:  # a zero-dim tensor's indices have no columns
        return Tensor._make(np.zeros((found[0].size, 0), np.int64), False, None)
    # PyTorch's CPU kernel writes the indices dim by dim, one row of a (ndim, count) tensor
    # each, and returns its transpose: strides (1, count), not contiguous (``view(-1)`` of it
    # raises there). The same layout here.
    return Tensor._make(np.array(found, dtype=np.int64).T, False, None)


@expose()
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the ``(count, ndim)`` int64 tensor of the nonzero elements' indices.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.argwhere(symgrad.tensor([0, 3, 0, 5]))
    tensor([[1],
            [3]])
    """
    return nonzero(input)


@expose()
def count_nonzero(input: Tensor, dim: int | Sequence[int] | None = OMITTED,
                  **unexpected: Any) -> Tensor:
    """How many elements are not zero, over ``dim`` (all of them when None), as int64.

    Args:
        input: The tensor.
        dim: A dim or dims counted over. Defaults to None: all (a None given is shown in
            PyTorch's argument errors, as PyTorch's show it).
        **unexpected: Keywords PyTorch's count_nonzero does not take (``keepdim``): refused
            with PyTorch's argument parser's error, by the published function's wrapper.

    >>> import symgrad
    >>> x = symgrad.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> symgrad.count_nonzero(x), x.count_nonzero(dim=1)
    (tensor(3), tensor([1, 2]))
    """
    a = input._data != 0
    if dim is None or dim is OMITTED:
        return Tensor._make(np.asarray(np.count_nonzero(a), dtype=np.int64), False, None)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(wrap_dim(d, input.ndim) for d in dims)
    if len(set(axes)) != len(axes):
        repeated = next(d for d in axes if axes.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    counted = np.count_nonzero(a, axis=axes if input.ndim else None)
    return Tensor._make(np.asarray(counted, dtype=np.int64), False, None)


# -- roll ------------------------------------------------------------------------------------------
def _roll(self: np.ndarray, *, shifts: tuple[int, ...], dims: tuple[int, ...]) -> np.ndarray:
    """Elements moved ``shifts`` places along ``dims``, wrapping round; with no dims, along
    the flattened tensor (the shape kept)."""
    if not dims:
        return np.roll(self.reshape(-1), shifts[0]).reshape(self.shape)
    return row_major(np.roll(self, shifts, axis=dims))  # row-major, as PyTorch's


ROLL = defop("roll", "RollBackward0", _roll,
             vjp=lambda g, *, shifts, dims: apply(
                 ROLL, g, shifts=tuple(-s for s in shifts), dims=dims),
             dtype_rule="same", dtypes=ALL, kind="shape")


def _ints(name: str, arg: str, position: int, value: Any) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, (tuple, list)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be tuple of ints, "
                    f"not {type(value).__name__}")


@expose()
def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] = ()) -> Tensor:
    """Elements moved ``shifts`` places along ``dims``, those pushed off the end coming back at
    the start; with no ``dims``, along the flattened tensor (its shape kept).

    Args:
        input: The tensor.
        shifts: The shift per dim in ``dims`` (one, without ``dims``).
        dims: The dims rolled, as many as ``shifts``. Defaults to none: flattened.

    >>> import symgrad
    >>> x = symgrad.tensor([[1, 2, 3], [4, 5, 6]])
    >>> symgrad.roll(x, 1, 1)
    tensor([[3, 1, 2],
            [6, 4, 5]])
    >>> x.roll(1)
    tensor([[6, 1, 2],
            [3, 4, 5]])
    """
    s = _ints("roll", "shifts", 2, shifts)
    d = _ints("roll", "dims", 3, dims)
    if not d:
        if not s:
            raise RuntimeError("`shifts` required")
        if len(s) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(s)}, dims:0")
        return apply(ROLL, input, shifts=s, dims=())
    if len(s) != len(d):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(s)}, dims:{len(d)}")
    if not input.numel():  # PyTorch copies an empty tensor before it reads any dim
        return apply(ROLL, input, shifts=s[:1], dims=())
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {d[0]} but tensor has no dimensions")
    return apply(ROLL, input, shifts=s, dims=tuple(wrap_dim(x, input.ndim) for x in d))


# -- repeat_interleave -----------------------------------------------------------------------------
@expose()
def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (each slice along ``dim``) repeated in place: ``[1, 2]`` twice each is
    ``[1, 1, 2, 2]``. ``repeat_interleave(repeats)`` of a 1-D int64 tensor alone gives the
    indices ``[0] * repeats[0] + [1] * repeats[1] + ...``.

    Args:
        input: The tensor (or, alone, the repeats).
        repeats: How many times: one number for all, or a 0-D/1-D int64 tensor with one count
            per slice along ``dim``.
        dim: The dim repeated along. Defaults to None: the flattened tensor.
        output_size: The length of the result along ``dim``, checked if given.

    >>> import symgrad
    >>> x = symgrad.tensor([[1, 2], [3, 4]])
    >>> x.repeat_interleave(2)
    tensor([1, 1, 2, 2, 3, 3, 4, 4])
    >>> symgrad.repeat_interleave(x, symgrad.tensor([1, 2]), dim=0)
    tensor([[1, 2],
            [3, 4],
            [3, 4]])
    """
    if not isinstance(input, Tensor):
        # PyTorch's parser: one argument is ``repeat_interleave(repeats)``'s, more fit two of
        # its signatures.
        if repeats is None and dim is None:
            raise TypeError(f"repeat_interleave(): argument 'repeats' (position 1) must be "
                            f"Tensor, not {type(input).__name__}")
        from symgrad.ops.arguments import invalid_combination

        raise invalid_combination("repeat_interleave", input, repeats, dim,
                                  output_size=output_size)
    if repeats is None:
        counts = _repeat_counts(input)
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts),
                            False, None)
    if dim is None:
        input = reshape(input, -1)
        d = 0
    else:
        d = wrap_dim(dim, input.ndim)
        if input.ndim == 0:  # PyTorch reads the dim's size (or unsqueezes after it) first
            if isinstance(repeats, Tensor):
                raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                             f"got {d + 1})")
    size = input.shape[d] if input.ndim else 1
    if isinstance(repeats, Tensor):
        counts = _repeat_counts(repeats)
        if counts.size == 1:  # PyTorch reads one count as the count of every slice
            counts = np.broadcast_to(counts, (size,))
        if counts.size != size:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({d}) = {size}")
        if output_size is not None and output_size != int(counts.sum()):
            raise RuntimeError("allocated size does not match required size")
        return index_select(input, d, Tensor._make(
            np.repeat(np.arange(size, dtype=np.int64), counts), False, None))
    r = int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != size * r:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {size * r} but got "
                           f"{output_size}")
    if input.ndim == 0:
        input = reshape(input, 1)
    # PyTorch's composition: unsqueeze, expand, a contiguous clone, then a view.
    wide = expand(unsqueeze(input, d + 1), input.shape[:d + 1] + (r,) + input.shape[d + 1:])
    shape = input.shape[:d] + (size * r,) + input.shape[d + 1:]
    return reshape(apply(CONTIGUOUS_CLONE, wide), shape)


def _repeat_counts(repeats: Tensor) -> np.ndarray:
    a = repeats._data
    if a.dtype.kind not in "iu":
        raise NotImplementedError('"repeat_interleave_cpu" not implemented for '
                                  f"'{_dtypes._TORCH_NAMES[repeats.dtype.name]}'")
    if a.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if a.size and a.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return a.reshape(-1).astype(np.int64)


# -- diag ------------------------------------------------------------------------------------------
def _diagonal_key(shape: tuple[int, int], offset: int) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, cols) of diagonal ``offset`` of a ``shape`` matrix."""
    rows, cols = shape
    start_row, start_col = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_row, cols - start_col), 0)
    return np.arange(start_row, start_row + n), np.arange(start_col, start_col + n)


def _diag_embed(self: np.ndarray, *, offset: int) -> np.ndarray:
    """The square matrix with ``self`` on diagonal ``offset``, zeros elsewhere."""
    n = self.shape[0] + abs(offset)
    out = np.zeros((n, n), dtype=self.dtype)
    out[_diagonal_key((n, n), offset)] = self
    return out


DIAG_EMBED = defop("diag_embed", "DiagEmbedBackward0", _diag_embed,
                   vjp=lambda g, *, offset: apply(DIAGONAL_COPY, g, offset=offset),
                   dtype_rule="same", dtypes=ALL, kind="index")
# PyTorch names the node of a matrix's ``diag`` ``DiagonalBackward0_copy`` (its composite
# calls ``diagonal_copy``).
DIAGONAL_COPY = defop(
    "diagonal_copy", "DiagonalBackward0_copy",
    lambda self, *, offset: self[_diagonal_key(self.shape, offset)],
    vjp=lambda g, *, offset, self_shape: index_put(
        _zeros(self_shape, g), g, _diagonal_key(self_shape, offset)),
    dtype_rule="same", dtypes=ALL, kind="index")


@expose()
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor's square matrix with it on a diagonal, or a matrix's diagonal as 1-D.

    Args:
        input: A 1-D or 2-D tensor.
        diagonal: Which diagonal: 0 the main one, positive above it, negative below.
            Defaults to 0.

    >>> import symgrad
    >>> symgrad.diag(symgrad.tensor([1, 2]), 1)
    tensor([[0, 1, 0],
            [0, 0, 2],
            [0, 0, 0]])
    >>> symgrad.tensor([[1, 2], [3, 4]]).diag()
    tensor([1, 4])
    """
    if input.ndim == 1:
        return apply(DIAG_EMBED, input, offset=int(diagonal))
    if input.ndim == 2:
        return apply(DIAGONAL_COPY, input, offset=int(diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


# -- tile, movedim ---------------------------------------------------------------------------------
def _tile(input: Tensor, reps: tuple[int, ...]) -> Tensor:
    reps = (1,) * (input.ndim - len(reps)) + reps
    if any(r < 0 for r in reps):
        shape = [s * r for s, r in zip((1,) * (len(reps) - input.ndim) + input.shape, reps,
                                       strict=True)]
        bad = next(s for s in shape if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {shape}")
    return repeat(input, reps)


@expose(method=False)
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """The tensor repeated ``dims[i]`` times along dim ``i``: ``repeat``, with ones put in
    front of ``dims`` when it has fewer entries than the tensor has dims.

    Args:
        input: The tensor.
        dims: The repeats per dim, a tuple of ints (the method also takes them separately).

    >>> import symgrad
    >>> symgrad.tile(symgrad.tensor([[1, 2]]), (2,))
    tensor([[1, 2, 1, 2]])
    """
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    return _tile(input, _ints("tile", "dims", 2, dims))


def _tile_method(self: Tensor, *dims: Any) -> Tensor:
    """``tile``: the repeats given as one tuple or separately.

    Args:
        *dims: The repeats per dim.

    >>> import symgrad
    >>> symgrad.tensor([1, 2]).tile(2, 1)
    tensor([[1, 2],
            [1, 2]])
    """
    reps = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    return _tile(self, _ints("tile", "dims", 1, tuple(reps)))


Tensor.tile = _tile_method  # type: ignore[attr-defined]


@expose("movedim", "moveaxis")
def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """The dims ``source`` moved to positions ``destination``, the others kept in order (a
    ``permute``).

    Args:
        input: The tensor.
        source: A dim or dims to move.
        destination: Where each goes, as many as ``source``.

    >>> import symgrad
    >>> symgrad.movedim(symgrad.zeros(2, 3, 4), 0, -1).shape
    symgrad.Size([3, 4, 2])
    """
    src = _ints("movedim", "source", 2, source)
    dst = _ints("movedim", "destination", 3, destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    n = input.ndim
    s = [wrap_dim(x, n) for x in src]
    t = [wrap_dim(x, n) for x in dst]
    if len(set(s)) != len(s):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(t)) != len(t):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    if n == 0:  # PyTorch's movedim of a zero-dim tensor is an alias of it
        return view_apply(ALIAS, input)
    order: list[int | None] = [None] * max(n, 1)
    for a, b in zip(s, t, strict=True):
        order[b] = a
    rest = iter(i for i in range(n) if i not in s)
    dims = [next(rest) if o is None else o for o in order][:n]
    return permute(input, dims)


# -- meshgrid --------------------------------------------------------------------------------------
_MESHGRID_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass the "
                     "indexing argument.")
_meshgrid_warned: list[bool] = []


@expose(method=False)
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids: with ``indexing="ij"``, the ``i``-th result varies along dim ``i``;
    with ``"xy"``, the first two dims are swapped (Cartesian). Each result is its input
    ``expand``-ed (no copy).

    Args:
        *tensors: 0-D or 1-D tensors of one dtype, given separately or as one list.
        indexing: ``"ij"`` or ``"xy"``. Defaults to None: ``"ij"``, with PyTorch's warning that
            it will be required (once per process, as PyTorch gives it).

    >>> import symgrad
    >>> a, b = symgrad.meshgrid(symgrad.tensor([1, 2]), symgrad.tensor([3, 4, 5]), indexing="ij")
    >>> a
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> b.shape
    symgrad.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if indexing is None:
        if not _meshgrid_warned:
            # PyTorch warns once per process (TORCH_WARN_ONCE), whoever calls.
            _meshgrid_warned.append(True)
            warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=caller_level())
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            # PyTorch's message then prints the tensor, as its C++ printer does.
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t!r}")
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(range(len(tensors)))
    if swap:
        order[0], order[1] = 1, 0
    shape = tuple(tensors[i].numel() for i in order)
    out = []
    for i, t in enumerate(tensors):
        place = order.index(i)
        view_shape = [1] * len(tensors)
        view_shape[place] = -1
        out.append(expand(reshape(t, view_shape), shape))
    return tuple(out)


# -- einsum ----------------------------------------------------------------------------------------
_ELL = "."  # the label of the dims an ellipsis stands for (one per dim, numbered)


def _parse_einsum(equation: str, shapes: list[tuple[int, ...]]
                  ) -> tuple[list[list[Any]], list[Any]]:
    """Each operand's labels (an ellipsis as ``(".", k)`` per dim it covers, the last dims
    numbered from the end) and the output's, or PyTorch's error."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    arrows = [m for m in range(len(equation)) if equation.startswith("->", m)]
    for pos, ch in enumerate(equation):
        allowed = (ch.isascii() and ch.isalpha()) or ch in " ,." or (
            arrows and pos in (arrows[0], arrows[0] + 1))
        if not allowed:
            raise RuntimeError(f"einsum(): invalid subscript given at index {pos} in the "
                               "equation string, subscripts must be in [a-zA-Z]")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    ell_ndim = 0
    labels: list[list[Any]] = []
    for k, (term, shape) in enumerate(zip(terms, shapes, strict=True)):
        has_ell = "..." in term
        letters = term.replace("...", "")
        if "." in letters:
            raise RuntimeError("einsum(): found '.' for operand " + str(k) + " that is not part "
                               "of any ellipsis")
        ndim = len(shape)
        if has_ell:
            if len(letters) > ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(letters)}) is more than the number of dimensions "
                                   f"({ndim}) for operand {k}")
            n_ell = ndim - len(letters)
            ell_ndim = max(ell_ndim, n_ell)
            before, _, after = term.partition("...")
            labels.append(list(before) + [(_ELL, n_ell - j) for j in range(n_ell)] + list(after))
        else:
            if len(letters) != ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(letters)}) does not match the number of dimensions "
                                   f"({ndim}) for operand {k} and no ellipsis was given")
            labels.append(list(letters))
    ellipsis = [(_ELL, ell_ndim - j) for j in range(ell_ndim)]
    if arrow:
        out: list[Any] = []
        letters = rhs.replace("...", "")
        if "." in letters:
            raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis")
        before, dots, after = rhs.partition("...")
        out = list(before) + (ellipsis if dots else []) + list(after)
        seen = {x for term in labels for x in term if isinstance(x, str)}
        for ch in letters:
            if letters.count(ch) > 1:
                raise RuntimeError(f"einsum(): output subscript {ch} appears more than once in "
                                   "the output")
            if ch not in seen:
                raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the "
                                   "equation for any input operand")
    else:
        counts: dict[str, int] = {}
        for term in labels:
            for x in term:
                if isinstance(x, str):
                    counts[x] = counts.get(x, 0) + 1
        out = ellipsis + sorted(ch for ch, c in counts.items() if c == 1)
    return labels, out


def _diagonals(t: Tensor, labels: list[Any], operand: int) -> tuple[Tensor, list[Any]]:
    """``t`` with each repeated label's dims replaced by their diagonal (the label's last
    place), or PyTorch's error for repeated dims of different sizes."""
    labels = list(labels)
    k = 0
    while k < len(labels):
        x = labels[k]
        later = [j for j in range(k + 1, len(labels)) if labels[j] == x]
        if not later:
            k += 1
            continue
        j = later[0]
        if t.shape[k] != t.shape[j]:
            raise RuntimeError(f"einsum(): subscript {x} is repeated for operand {operand} but "
                               f"the sizes don't match, {t.shape[j]} != {t.shape[k]}")
        # Their diagonal, last (a view of t, as PyTorch's: a write into einsum's result writes
        # t's diagonal), the other dims in order before it.
        rest = [i for i in range(t.ndim) if i not in (k, j)]
        t = diagonal(t, 0, k, j)
        labels = [labels[i] for i in rest] + [x]
        k = 0
    return t, labels


def _subscript(n: Any) -> str:
    """One number of a sublist as an equation's letter, as PyTorch reads it."""
    if n is Ellipsis:
        return "..."
    if 0 <= n < 26:
        return chr(ord("A") + n)
    if 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range "
                     "[0, 52)")


def _sublist_equation(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """PyTorch's sublist format (operands alternating with lists of subscript numbers, an
    optional output list last) as an equation and its operands."""
    equation = ",".join("".join(_subscript(n) for n in sub) for sub in args[1::2])
    if len(args) % 2 == 1:
        return equation + "->" + "".join(_subscript(n) for n in args[-1]), args[:-1:2]
    return equation, args[::2]


@expose(method=False, autocast="lower")
def einsum(equation: Any, *operands: Any) -> Tensor:
    """Sums of products over the labelled dims of the operands, as the equation writes them
    (``"ij,jk->ik"`` is a matrix product; ``...`` stands for leading or trailing dims, which
    broadcast; without ``->`` the output is the labels appearing once, in alphabetical order).

    Composed of permutes, diagonals, sums, products and ``bmm``, as PyTorch composes it: the
    result's ``grad_fn`` is PyTorch's last node (``ViewBackward0`` after a contraction,
    ``MulBackward0`` for a product with nothing summed, ``SumBackward1``/``PermuteBackward0``
    for one operand).

    Args:
        equation: The subscripts, letters ``a-z``/``A-Z``, a comma between operands. Or, in
            PyTorch's sublist format, the first operand: then the operands alternate with
            their subscripts as lists of numbers 0-51 (``...`` as Ellipsis), and an odd last
            list gives the output's.
        *operands: The tensors, given separately or as one list.

    >>> import symgrad
    >>> a = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> symgrad.einsum("ij,j->i", a, symgrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    >>> symgrad.einsum("ii", a)
    tensor(5.)
    >>> symgrad.einsum(a, [0, 1], symgrad.tensor([1.0, 1.0]), [1], [0])
    tensor([3., 7.])
    """
    if isinstance(equation, Tensor):
        equation, operands = _sublist_equation((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    labels, out = _parse_einsum(equation, [tuple(t.shape) for t in operands])
    ops = []
    for k, (t, lab) in enumerate(zip(operands, labels, strict=True)):
        t, lab = _diagonals(t, lab, k)
        ops.append((t, lab))
    # The full order of labels: the output's, then those summed over.
    every: list[Any] = []
    for _, lab in ops:
        for x in lab:
            if x not in every:
                every.append(x)
    summed = sorted((x for x in every if x not in out), key=str)
    full = out + summed
    sizes: dict[Any, int] = {}
    for k, (t, lab) in enumerate(ops):
        for x, s in zip(lab, t.shape, strict=True):
            if s == 1:
                continue
            if sizes.get(x, s) != s:
                what = "subscript " + (x if isinstance(x, str) else "...")
                raise RuntimeError(f"einsum(): {what} has size {s} for operand {k} which does "
                                   f"not broadcast with previously seen size {sizes[x]}")
            sizes[x] = s
    if len(ops) == 1:
        t, lab = ops[0]
        t = permute(t, [lab.index(x) for x in full])
        if summed:
            t = t.sum(dim=tuple(range(len(out), len(full))))
        return t
    # Every operand in the full layout, as PyTorch lays it: a dim of size 1 added at the end
    # for each label it lacks, then one permute. (A reshape gave those dims other strides, and
    # a product's layout follows the strides of every dim: ``ab,bc->ca`` with b of size 1.)
    laid = []
    for t, lab in ops:
        order = [lab.index(x) if x in lab else -1 for x in full]
        for i in range(len(order)):
            if order[i] == -1:
                order[i] = t.ndim
                t = unsqueeze(t, t.ndim)
        laid.append(permute(t, order))
    result = laid[0]
    contracted = False
    for k in range(1, len(laid)):
        later = {x for _, lab in ops[k + 1:] for x in lab}
        dims = [i for i in range(len(out), len(full)) if full[i] not in later]
        result, summed_here = _sumproduct(result, laid[k], dims, swap=len(laid) == 2)
        contracted = contracted or summed_here
    if len(full) > len(out) or contracted:
        return apply(RESHAPE, result, shape=tuple(result.shape[i] for i in range(len(out))))
    return result


def _sumproduct(a: Tensor, b: Tensor, dims: list[int], swap: bool) -> tuple[Tensor, bool]:
    """``(a * b).sum(dims, keepdim=True)`` of two tensors in the same layout (sizes 1 where
    they broadcast), and whether anything was summed: a product where nothing is, else a
    ``bmm`` over the dims both have; with ``swap``, ``b`` goes left where all its own dims
    come before ``a``'s (PyTorch's layout for two operands)."""
    dims = [d for d in dims if a.shape[d] != 1 or b.shape[d] != 1]
    if not dims:
        return a * b, False
    # A dim only one side has is summed on that side first.
    only_a = [d for d in dims if b.shape[d] == 1]
    only_b = [d for d in dims if a.shape[d] == 1]
    if only_a:
        a = a.sum(dim=tuple(only_a), keepdim=True)
    if only_b:
        b = b.sum(dim=tuple(only_b), keepdim=True)
    both = [d for d in dims if d not in only_a and d not in only_b]
    if not both:
        return a * b, True
    n = a.ndim
    kept = [d for d in range(n) if d not in dims]
    batch = [d for d in kept if a.shape[d] != 1 and b.shape[d] != 1]
    left = [d for d in kept if d not in batch and a.shape[d] != 1]
    right = [d for d in kept if d not in batch and b.shape[d] != 1]
    if swap and left and right and right[-1] < left[0]:
        # Every dim only b has before every dim only a has: b goes left, as PyTorch's
        # swap_lo_ro has it, and the product is laid out in the output's order
        # (``ij,jk->ki`` contiguous, not a transposed view, which ``view(-1)`` refuses).
        # Measured for two operands; PyTorch's chains of three keep their transposed view.
        a, b, left, right = b, a, right, left
    # Each side's matrix: (batch, its own dims, the summed dims); every other dim is 1 there.
    a_order = batch + left + both
    b_order = batch + both + right

    def size(t: Tensor, ds: list[int]) -> int:
        return int(np.prod([t.shape[d] for d in ds], dtype=np.int64))

    ma = reshape(permute(a, a_order + [d for d in range(n) if d not in a_order]),
                 (size(a, batch), size(a, left), size(a, both)))
    mb = reshape(permute(b, b_order + [d for d in range(n) if d not in b_order]),
                 (size(b, batch), size(b, both), size(b, right)))
    c = bmm(ma, mb)
    order = batch + left + right
    order += [d for d in range(n) if d not in order]
    c = reshape(c, [a.shape[d] for d in batch + left] + [b.shape[d] for d in right]
                + [1] * (n - len(batch) - len(left) - len(right)))
    return permute(c, [order.index(d) for d in range(n)]), True


# -- diff, take_along_dim --------------------------------------------------------------------------
@expose()
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = input[i + 1] - input[i]``,
    ``n`` times (of bools, ``!=``); ``prepend`` and ``append`` are joined on first.

    Args:
        input: The tensor, at least 1-D.
        n: How many times to take the difference. Defaults to 1.
        dim: The dim along which. Defaults to -1.
        prepend: A tensor put before ``input`` along ``dim`` (its other sizes ``input``'s).
        append: A tensor put after ``input`` along ``dim``.

    >>> import symgrad
    >>> symgrad.diff(symgrad.tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    >>> symgrad.tensor([1.0, 4.0, 9.0, 16.0]).diff(n=2, prepend=symgrad.tensor([0.0]))
    tensor([2., 2., 2.])
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    # n = 0 alone: PyTorch returns the copy before it checks dim (none is used).
    bare = n == 0 and prepend is None and append is None
    d = 0 if bare else wrap_dim(dim, input.ndim)
    parts = []
    for extra in (prepend, append):
        if extra is None:
            continue
        if extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i in range(input.ndim):
            if i != d and extra.shape[i] != input.shape[i]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of input "
                    f"except along the differencing dimension; input.size({i}) = "
                    f"{input.shape[i]}, but got tensor.size({i}) = {extra.shape[i]}")
    if prepend is not None or append is not None:
        from symgrad.ops.shape import cat

        parts = [t for t in (prepend, input, append) if t is not None]
        input = cat(parts, d)
    if n == 0:
        # PyTorch returns a copy made by ``copy_`` (its node is CopyBackwards).
        from symgrad.creation import empty_like

        return empty_like(input).copy_(input)
    from symgrad.ops.indexing import narrow

    out = input
    for _ in range(min(n, input.shape[d])):
        length = out.shape[d] - 1
        later, earlier = narrow(out, d, 1, length), narrow(out, d, 0, length)
        if out.dtype is _dtypes.bool:
            out = Tensor._make(later._data != earlier._data, False, None)
        else:
            out = later - earlier
    return out


@expose()
def take_along_dim(input: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """The elements of ``input`` at ``indices`` along ``dim``: ``gather`` after broadcasting the
    two against each other (but along ``dim``); with no ``dim``, of the flattened tensor.

    Args:
        input: The tensor.
        indices: An int64 tensor of positions along ``dim``, with ``input``'s number of dims
            (any number with no ``dim``, and int32 too).
        dim: The dim to index along. Defaults to None: the flattened tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([[10, 30, 20], [60, 40, 50]])
    >>> symgrad.take_along_dim(x, x.argmax(dim=1, keepdim=True), dim=1)
    tensor([[30],
            [60]])
    >>> x.take_along_dim(symgrad.tensor([0, 5]))
    tensor([10, 50])
    """
    from symgrad.ops.indexing import gather
    from symgrad.ops.registry import broadcast_shapes

    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' (position 2) must be Tensor, not "
                        f"{type(indices).__name__}")
    if dim is None:  # gather checks the index's dtype (int32 allowed)
        # PyTorch 2.13 views its inputs flat and refuses a layout no view fits (a transpose):
        # the values are defined whatever the layout, and are a reshape's (test_fuzz_leftovers'
        # test_kron_and_take_along_dim_of_non_contiguous_inputs states both).
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    # PyTorch's order: dims, dtype, then the broadcasts.
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices")
    if indices.dtype is not _dtypes.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtypes._TORCH_NAMES[indices.dtype.name]}")
    d = wrap_dim(dim, input.ndim)
    if not input.ndim:  # PyTorch reads indices.size(dim) of the zero-dim indices
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    # input's sizes (``dim``'s taken from indices) against indices'.
    sizes = list(input.shape)
    sizes[d] = indices.shape[d]
    shape = list(broadcast_shapes(tuple(sizes), tuple(indices.shape)))
    if tuple(indices.shape) != tuple(shape):
        indices = Tensor._make(np.broadcast_to(indices._data, shape), False, None)
    shape[d] = input.shape[d]
    input = expand(input, shape)  # PyTorch's broadcast_to: an ExpandBackward0 even unchanged
    # Along a dim, PyTorch counts a negative index from the end (-1 is the last), as NumPy's
    # take_along_axis does; the flattened form above does not (gather refuses it). PyTorch 2.13
    # takes the index modulo the dim's size (an integer remainder: its error for an empty dim);
    # an index outside [-size, size) is refused here, as gather does, not read as another.
    size = input.shape[d]
    if indices._data.size and not size:
        raise RuntimeError("ZeroDivisionError")
    if indices._data.size and indices._data.min() < 0:
        wrapped = np.where((indices._data < 0) & (indices._data >= -size),
                           indices._data + size, indices._data)
        indices = Tensor._make(wrapped, False, None)
    return gather(input, d, indices)


# -- tensordot, kron -------------------------------------------------------------------------------
@expose(method=False, autocast="lower")
def tensordot(a: Any, b: Any, dims: Any = 2, out: Any = None) -> Tensor:
    """Sums of products over ``dims`` of ``a`` paired with ``dims`` of ``b``: an int ``n``
    pairs ``a``'s last ``n`` dims with ``b``'s first ``n``, two lists pair them by position.
    The result's dims are ``a``'s others, then ``b``'s: a matrix product reshaped, a view of it
    (``ViewBackward0``) as in PyTorch, so that a write into it is recorded as a view's.

    Args:
        a: The first tensor.
        b: The second tensor, of ``a``'s dtype.
        dims: An int, or two lists of dims (or a tensor of either). Defaults to 2.
        out: Not supported (None).

    >>> import symgrad
    >>> a = symgrad.arange(6.0).reshape(2, 3)
    >>> symgrad.tensordot(a, a, dims=([1], [1]))
    tensor([[ 5., 14.],
            [14., 50.]])
    >>> symgrad.tensordot(a, a, 2)
    tensor(55.)
    """
    # ``torch.tensordot``'s own reading of ``dims``, in its order.
    if not isinstance(dims, (tuple, list, Tensor, int, np.integer)):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           f"list[list[int]] containing two lists, but got dims={dims}")
    if isinstance(dims, Tensor):
        dims = dims.tolist() if dims.numel() > 1 else int(dims.item())
    if isinstance(dims, (tuple, list)):
        first, second = dims
    else:
        n = int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        if n > min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
        first, second = list(range(-n, 0)), list(range(n))
    for arg, value, position in (("input", a, 1), ("other", b, 2)):
        if not isinstance(value, Tensor):
            raise TypeError(f"tensordot(): argument '{arg}' (position {position}) must be "
                            f"Tensor, not {type(value).__name__}")
    for arg, value, position in (("dims_self", first, 3), ("dims_other", second, 4)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"tensordot(): argument '{arg}' (position {position}) must be "
                            f"tuple of ints, not {type(value).__name__}")
    dims_a = list(_ints("tensordot", "dims_self", 3, first))
    dims_b = list(_ints("tensordot", "dims_other", 4, second))
    if out is not None:
        raise NotImplementedError("tensordot(out=...) is not supported")
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    da = [wrap_dim(x, a.ndim) for x in dims_a]
    db = [wrap_dim(x, b.ndim) for x in dims_b]
    for dims_, _ in ((da, a), (db, b)):
        repeated = [x for x in dims_ if dims_.count(x) > 1]
        if repeated:
            raise RuntimeError(f"dim {repeated[0]} appears multiple times in the list of dims")
    for x, y in zip(da, db, strict=True):
        # A contracted dim of size 1 is broadcast against the other's, as PyTorch does: the
        # other tensor is summed over it at once, in its dtype (also where both are 1).
        if b.shape[y] == 1:
            a = a.sum(dim=x, keepdim=True, dtype=a.dtype)
        elif a.shape[x] == 1:
            b = b.sum(dim=y, keepdim=True, dtype=b.dtype)
        elif a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
    free_a = [i for i in range(a.ndim) if i not in da]
    free_b = [i for i in range(b.ndim) if i not in db]
    shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b)
    from symgrad.ops.linalg import dot, mm

    if int(np.prod(shape, dtype=np.int64)) == 1:
        # One element out: PyTorch takes the dot product of the two flattened (``dot``'s
        # node, and its refusal of bool).
        va, vb = permute(a, free_a + da), permute(b, db + free_b)
        if va.ndim != 1 or vb.ndim != 1:
            va, vb = reshape(va, (-1,)), reshape(vb, (-1,))
        return reshape(dot(va, vb), shape)
    size = int(np.prod([a.shape[i] for i in da], dtype=np.int64))
    ma = reshape(permute(a, free_a + da), (-1, size) if size else
                 (int(np.prod([a.shape[i] for i in free_a], dtype=np.int64)), 0))
    mb = reshape(permute(b, db + free_b), (size, -1) if size else
                 (0, int(np.prod([b.shape[i] for i in free_b], dtype=np.int64))))
    return reshape(mm(ma, mb), shape)


@expose()
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: block ``(i, j)`` is ``input[i, j] * other`` (for matrices; alike
    for any number of dims, the fewer-dim tensor taken with leading dims of size one).

    Args:
        input: The first tensor.
        other: The second tensor (promoted with ``input``).

    >>> import symgrad
    >>> symgrad.kron(symgrad.tensor([[1, 2]]), symgrad.tensor([[1], [10]]))
    tensor([[ 1,  2],
            [10, 20]])
    """
    from symgrad.ops.shape import UNSAFE_VIEW

    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    # PyTorch's composition: a product of the two spread over interleaved dims, then viewed.
    wide_a = reshape(input, tuple(x for s in sa for x in (s, 1)))
    wide_b = reshape(other, tuple(x for s in sb for x in (1, s)))
    product = wide_a * wide_b
    shape = tuple(x * y for x, y in zip(sa, sb, strict=True))
    if product.grad_fn is None:
        return reshape(product, shape)
    return apply(UNSAFE_VIEW, product, shape=shape)


# -- triu_indices, tril_indices --------------------------------------------------------------------
def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: Any,
                      upper: bool) -> Tensor:
    for arg, value, position in (("row", row, 1), ("col", col, 2), ("offset", offset, 3)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be int, not "
                            f"{type(value).__name__}")
    d = _dtypes.int64 if dtype is None else dtype
    if d not in (_dtypes.int64, _dtypes.int32):
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_dtypes._TORCH_NAMES[d.name]}'")
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    rows, cols = np.indices((row, col)).reshape(2, -1)
    keep = cols - rows >= offset if upper else cols - rows <= offset
    return Tensor._make(np.stack([rows[keep], cols[keep]]).astype(d.np), False, None)


@expose(method=False)
def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (row, column) indices of the upper triangle of a ``row x col`` matrix, on and above
    diagonal ``offset``, row by row, as a ``(2, count)`` tensor.

    Args:
        row: The number of rows.
        col: The number of columns.
        offset: The diagonal the triangle starts at: 0 the main one, positive above it,
            negative below. Defaults to 0.
        dtype: int64 or int32. Defaults to None: int64.
        device: Only the CPU. Defaults to None.
        layout: Only strided. Defaults to None.

    >>> import symgrad
    >>> symgrad.triu_indices(2, 3)
    tensor([[0, 0, 0, 1, 1],
            [0, 1, 2, 1, 2]])
    """
    return _triangle_indices("triu_indices", row, col, offset, dtype, upper=True)


@expose(method=False)
def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (row, column) indices of the lower triangle of a ``row x col`` matrix, on and below
    diagonal ``offset``, row by row, as a ``(2, count)`` tensor.

    Args:
        row: The number of rows.
        col: The number of columns.
        offset: The diagonal the triangle ends at: 0 the main one, positive above it,
            negative below. Defaults to 0.
        dtype: int64 or int32. Defaults to None: int64.
        device: Only the CPU. Defaults to None.
        layout: Only strided. Defaults to None.

    >>> import symgrad
    >>> symgrad.tril_indices(3, 2)
    tensor([[0, 1, 1, 2, 2],
            [0, 0, 1, 0, 1]])
    """
    return _triangle_indices("tril_indices", row, col, offset, dtype, upper=False)


# -- index_add -------------------------------------------------------------------------------------
def _index_add(self: np.ndarray, source: np.ndarray, *, dim: int, index: np.ndarray,
               alpha: Any) -> np.ndarray:
    """``self`` with ``alpha * source``'s slices along ``dim`` added at ``index``'s places
    (repeated places add up): floats in float64, rounded once; integers with ``alpha`` cast
    to the dtype, as PyTorch does (``alpha=2.5`` adds twice the source)."""
    floating = self.dtype.kind == "f" or self.dtype == _dtypes.bfloat16.np
    work = np.float64 if floating else self.dtype
    out = self.astype(work, order="C")  # row-major whatever ``self``'s layout, as PyTorch's
    src = source.astype(work) * _dtypes.scalar_as(alpha, self.dtype).astype(work)
    if self.ndim == 0:
        out = out + src.reshape(-1)[0] * index.size
        return np.asarray(out).astype(self.dtype)
    if not out.size:  # nothing to add into (PyTorch does not check the index then)
        return out.astype(self.dtype)
    moved = np.moveaxis(out, dim, 0)  # a view: adding into it adds into ``out``
    np.add.at(moved, index, np.moveaxis(src.reshape(src.shape or (1,)), dim, 0))
    return out.astype(self.dtype)


INDEX_ADD = defop(
    "index_add", "IndexAddBackward0", _index_add,
    vjp=lambda g, source, *, dim, index, alpha, source_shape: (
        g, reshape(index_select(g, dim, Tensor._make(index, False, None)) * alpha
                   if alpha != 1 else
                   index_select(g, dim, Tensor._make(index, False, None)), source_shape)),
    # PyTorch's node saves source for source's own gradient (its sizes): a write into it
    # before backward is refused then, as here.
    saved_for={"self": (), "source": ("source",)},
    saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="structural")


def _index_add_checked(input: Tensor, dim: int, index: Any, source: Any) -> tuple[int,
                                                                                     np.ndarray]:
    if not isinstance(index, Tensor):
        raise TypeError(f"index_add(): argument 'index' (position 3) must be Tensor, not "
                        f"{type(index).__name__}")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add(): argument 'source' (position 4) must be Tensor, not "
                        f"{type(source).__name__}")
    d = wrap_dim(dim, input.ndim)
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{idx.ndim} with type: {_dtypes._TORCH_NAMES[index.dtype.name]} and "
                         f"size: {list(idx.shape)}")
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_dtypes._TORCH_NAMES[index.dtype.name]}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({_dtypes._TORCH_NAMES[input.dtype.name]}) and "
                           f"source ({_dtypes._TORCH_NAMES[source.dtype.name]}) must have the "
                           "same scalar type")
    # PyTorch's order (index_func_meta_impl, then the CPU kernel's range checks).
    if d != 0 and d >= source.ndim:
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source "
                           f"tensor with dim {source.ndim}")
    if source.ndim == 0 and idx.size != 1:
        # PyTorch's message reads source.size(dim), which a 0-d source refuses.
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if source.ndim and idx.size != source.shape[d]:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({source.shape[d]}), for dim: {d}")
    self_rest, source_rest = list(input.shape), list(source.shape)
    if input.ndim and source.ndim:
        del self_rest[d], source_rest[d]
    if self_rest != source_rest:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    size = input.shape[d] if input.ndim else 1
    flat = idx.reshape(-1)
    outside = np.flatnonzero((flat < 0) | (flat >= size))
    # (PyTorch checks no index when adding into an empty tensor of two dims or more.)
    if outside.size and not (input.ndim > 1 and input.numel() == 0):
        if input.ndim > 1 and idx.dtype == np.int64 and d in (0, input.ndim - 1):
            # The kernel's index_put path (int64 index, first or last dim).
            raise RuntimeError(f"index {int(flat[outside[0]])} is out of bounds for dimension "
                               f"{d} with size {size}")
        raise IndexError("index out of range in self")
    return d, flat.astype(np.int64)


@expose()
def index_add(input: Tensor, dim: int, index: Any, source: Any, *,
              alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source[k]`` added at slice ``index[k]`` along ``dim``
    (repeated indices add up).

    Args:
        input: The tensor added into (not changed).
        dim: The dim ``index`` indexes along.
        index: A 1-D (or 0-D) int64 or int32 tensor, one place per slice of ``source``.
        source: A tensor of ``input``'s dtype and shape but along ``dim``.
        alpha: The factor of ``source``. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.zeros(3, 2)
    >>> symgrad.index_add(x, 0, symgrad.tensor([2, 0, 2]), symgrad.ones(3, 2))
    tensor([[1., 1.],
            [0., 0.],
            [2., 2.]])
    """
    d, idx = _index_add_checked(input, dim, index, source)
    return apply(INDEX_ADD, input, source, dim=d, index=idx, alpha=alpha)


def _index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *,
                alpha: Any = 1) -> Tensor:
    """``index_add``, written into this tensor.

    Args:
        dim: The dim ``index`` indexes along.
        index: The places, one per slice of ``source``.
        source: The tensor added.
        alpha: The factor of ``source``. Defaults to 1.

    >>> import symgrad
    >>> symgrad.zeros(3).index_add_(0, symgrad.tensor([1, 1]), symgrad.ones(2), alpha=2)
    tensor([0., 4., 0.])
    """
    d, idx = _index_add_checked(self, dim, index, source)
    return _inplace.rewrite(self, lambda old: apply(INDEX_ADD, old, source, dim=d, index=idx,
                                                    alpha=alpha))


Tensor.index_add_ = _index_add_  # type: ignore[attr-defined]


# -- addcmul, addcdiv, lerp ------------------------------------------------------------------------
# Floats are computed in float64 and rounded once to the promoted dtype (the engine's rounding
# of a wider result, ``registry._rounded``); the VJPs of narrow dtypes are formed in float64 as
# well (``arithmetic._wide``) and rounded once by the engine.
def _floating(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or a.dtype == _dtypes.bfloat16.np


def _addcmul(self: np.ndarray, tensor1: np.ndarray, tensor2: np.ndarray, *,
             value: Any) -> np.ndarray:
    """``self + value * tensor1 * tensor2`` (integers: ``value`` cast to the dtype)."""
    if _floating(self):
        return (self.astype(np.float64) + float(value) * tensor1.astype(np.float64)
                * tensor2.astype(np.float64))
    return self + _dtypes.scalar_as(value, self.dtype) * tensor1 * tensor2


def _addcdiv(self: np.ndarray, tensor1: np.ndarray, tensor2: np.ndarray, *,
             value: Any) -> np.ndarray:
    """``self + value * tensor1 / tensor2``."""
    return (self.astype(np.float64) + float(value) * tensor1.astype(np.float64)
            / tensor2.astype(np.float64))


def _addcmul_vjp(g: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any,
                 needs: tuple[bool, ...]) -> tuple[Any, Any, Any]:
    g = _wide(g)
    return (g if needs[0] else None,
            g * (_wide(tensor2) * value) if needs[1] else None,
            g * (_wide(tensor1) * value) if needs[2] else None)


def _addcdiv_vjp(g: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any,
                 needs: tuple[bool, ...]) -> tuple[Any, Any, Any]:
    g, t1, t2 = _wide(g), _wide(tensor1), _wide(tensor2)
    scaled = g * value / t2
    return (g if needs[0] else None,
            scaled if needs[1] else None,
            -scaled * t1 / t2 if needs[2] else None)


_BOOL_ONLY = (_dtypes.bool,)
# What each gradient reads, as PyTorch's nodes save it (a write into a tensor no gradient reads
# is no error): addcmul's factors each for the other's; addcdiv's divisor for every gradient,
# PyTorch's node holding it whatever requires grad.
ADDCMUL = defop("addcmul", "AddcmulBackward0", _addcmul, vjp=_addcmul_vjp,
                saved_for=each_for_the_other("tensor1", "tensor2"),
                dtypes=frozenset(_dtypes.ALL) - {_dtypes.bool},
                refuses=not_implemented("addcmul_cpu_out", _BOOL_ONLY))
_INTEGER_ADDCDIV = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
    "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
    "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
    "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
    "for all dtypes.")
ADDCDIV = defop("addcdiv", "AddcdivBackward0", _addcdiv, vjp=_addcdiv_vjp,
                saved_for={"self": ("tensor2",), "tensor1": ("tensor2",),
                           "tensor2": ("tensor1", "tensor2")},
                refuses=refuse([d for d in _dtypes.ALL if d.category != _dtypes._FLOAT],
                               _INTEGER_ADDCDIV))


def _from_nearer_end(x: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    """``x + weight * (end - x)`` in float64, from the nearer end as PyTorch's kernel computes
    it (``end - (end - x) * (1 - weight)`` where ``|weight| >= 0.5``): weight 1 gives ``end``
    exactly (``1 + (1e-20 - 1)`` was 0), and infinities meet as PyTorch's do."""
    x, end = x.astype(np.float64), end.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.abs(weight) < 0.5, x + weight * (end - x),
                        end - (end - x) * (1 - weight))


def _lerp(self: np.ndarray, end: np.ndarray, *, weight: Any) -> np.ndarray:
    """``self + weight * (end - self)``."""
    return _from_nearer_end(self, end, float(weight))


def _lerp_tensor(self: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``self + weight * (end - self)``, the weight a tensor."""
    return _from_nearer_end(self, end, weight.astype(np.float64))


LERP = defop("lerp", "LerpBackward0", _lerp,
             vjp=lambda g, *, weight: (_wide(g) * (1 - float(weight)), _wide(g) * float(weight)),
             refuses=not_implemented("lerp_kernel_scalar",
                                     [d for d in _dtypes.ALL if d.category != _dtypes._FLOAT]))
LERP_TENSOR = defop(
    "lerp_tensor", "LerpBackward1", _lerp_tensor,
    vjp=lambda g, self, end, weight: (_wide(g) * (1 - _wide(weight)), _wide(g) * _wide(weight),
                                      _wide(g) * (_wide(end) - _wide(self))),
    refuses=not_implemented("lerp_kernel_tensor",
                            [d for d in _dtypes.ALL if d.category != _dtypes._FLOAT]))


@expose()
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcasting, in the three tensors' promoted dtype.

    Args:
        input: The tensor added to.
        tensor1: The first factor.
        tensor2: The second factor.
        value: The product's factor (cast to an integer dtype's type). Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0])
    >>> symgrad.addcmul(x, x, symgrad.tensor([3.0, 4.0]), value=0.5)
    tensor([2.5000, 6.0000])
    """
    return apply(ADDCMUL, input, tensor1, tensor2, value=value)


@expose()
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcasting; floating dtypes only (PyTorch
    refuses an integer quotient).

    Args:
        input: The tensor added to.
        tensor1: The numerator.
        tensor2: The denominator.
        value: The quotient's factor. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0])
    >>> x.addcdiv(x, symgrad.tensor([4.0, 8.0]), value=2)
    tensor([1.5000, 2.5000])
    """
    if tensor1.dtype.category != _dtypes._FLOAT and tensor2.dtype.category != _dtypes._FLOAT:
        # PyTorch refuses a quotient of two integer tensors, whatever ``input`` is.
        raise RuntimeError(_INTEGER_ADDCDIV)
    return apply(ADDCDIV, input, tensor1, tensor2, value=value)


def _c_type(d: Any) -> str:
    """A floating dtype as PyTorch's C++ type name (its lerp messages)."""
    return {**_dtypes._C_TYPES, "float64": "double"}.get(d.name, d.name)


def _lerp_checked(input: Tensor, end: Tensor, weight: Any) -> Any:
    """``weight`` as ``lerp`` applies it, after PyTorch's checks of the dtypes."""
    if end.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {_c_type(input.dtype)} for `end` but got dtype "
                           f"{_c_type(end.dtype)}")
    if isinstance(weight, Tensor):
        if weight.ndim and weight.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {_c_type(input.dtype)} for `weight` but got "
                               f"dtype {_c_type(weight.dtype)}")
        if weight.dtype is not input.dtype and not weight.requires_grad:
            weight = weight.to(input.dtype)
    return weight


@expose()
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``input + weight * (end - input)``: the linear interpolation from ``input`` to ``end``,
    broadcasting; floating dtypes only.

    Args:
        input: The start, a floating tensor.
        end: The end, of ``input``'s dtype.
        weight: A number, or a tensor (of ``input``'s dtype unless zero-dim).

    >>> import symgrad
    >>> symgrad.lerp(symgrad.tensor([0.0, 1.0]), symgrad.tensor([10.0, 3.0]), 0.25)
    tensor([2.5000, 1.5000])
    """
    weight = _lerp_checked(input, end, weight)
    if isinstance(weight, Tensor):
        if weight.dtype is not input.dtype:
            weight = weight.to(input.dtype)
        return apply(LERP_TENSOR, input, end, weight)
    return apply(LERP, input, end, weight=weight)


def _inplace_checked(self: Tensor, out: Tensor) -> None:
    """PyTorch's error for an in-place result that broadcasts past ``self``."""
    if tuple(out.shape) != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(out.shape)}")


def _addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``addcmul``, written into this tensor.

    Args:
        tensor1: The first factor.
        tensor2: The second factor.
        value: The product's factor. Defaults to 1.

    >>> import symgrad
    >>> symgrad.ones(2).addcmul_(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0]))
    tensor([4., 9.])
    """
    return _inplace.rewrite(self, lambda old: addcmul(old, tensor1, tensor2, value=value))


def _addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``addcdiv``, written into this tensor.

    Args:
        tensor1: The numerator.
        tensor2: The denominator.
        value: The quotient's factor. Defaults to 1.

    >>> import symgrad
    >>> symgrad.ones(2).addcdiv_(symgrad.tensor([1.0, 2.0]), symgrad.tensor([4.0, 4.0]))
    tensor([1.2500, 1.5000])
    """
    return _inplace.rewrite(self, lambda old: addcdiv(old, tensor1, tensor2, value=value))


def _lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``lerp``, written into this tensor.

    Args:
        end: The end, of this tensor's dtype.
        weight: A number, or a tensor.

    >>> import symgrad
    >>> symgrad.zeros(2).lerp_(symgrad.tensor([4.0, 8.0]), 0.5)
    tensor([2., 4.])
    """
    return _inplace.rewrite(self, lambda old: lerp(old, end, weight))


Tensor.addcmul_ = _addcmul_  # type: ignore[attr-defined]
Tensor.addcdiv_ = _addcdiv_  # type: ignore[attr-defined]
Tensor.lerp_ = _lerp_  # type: ignore[attr-defined]
