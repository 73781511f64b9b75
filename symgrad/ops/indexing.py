"""Indexing: ``t[key]``, ``t[key] = value``, ``gather``, ``index_select`` and ``masked_fill``.

A key is read the way PyTorch reads it, item by item: an int selects (``SelectBackward0``), a
slice slices (``SliceBackward0``; a full slice inside a tuple is skipped), ``None`` inserts a dim
(``UnsqueezeBackward0``), ``...`` skips dims, and integer arrays and boolean masks (a mask is its
``nonzero()`` index arrays) are gathered at the end by one ``index`` node (``IndexBackward0``),
whose ``indices`` attr holds one int64 array, or None for an untouched dim, per leading dim.
The gradient of ``index`` adds ``g`` into zeros with ``np.add.at``, so repeated indices
accumulate. ``t[key] = value`` records ``copy_slices`` (PyTorch's ``CopySlices``) whose ``key``
attr is the key normalised: ints, slices, None, Ellipsis and int64 arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd.slice_gradient import SliceGradient
from symgrad.ops.memory_order import fastest_first, laid_out, preserved_copy, row_major
from symgrad.ops.registry import (
    _TORCH_NAMES,
    ALL,
    apply,
    defop,
    expose,
    refuse_integral_result,
    wrap_dim,
)
from symgrad.ops.shape import ALIAS, UNSQUEEZE, view_apply
from symgrad.tensor import Tensor

Step = tuple[Any, ...]


# -- reading a key ------------------------------------------------------------------------------
def _item(x: Any) -> Any:
    """An index item as an int, slice, None, Ellipsis, bool, or a NumPy integer/bool array."""
    if isinstance(x, Tensor):
        if x.ndim == 0 and x.dtype.category == _dtypes._INT and x.dtype is not _dtypes.uint8:
            return int(x._data)
        if x.ndim == 0 and (x.dtype.category == _dtypes._BOOL or x.dtype is _dtypes.uint8):
            return bool(x._data)  # a mask of one element, as PyTorch reads a 0-d byte tensor
        x = x._data
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biu":
        x = x.item()
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "b" or x.dtype == np.uint8:
            return x.astype(np.bool_)
        if x.dtype.kind not in "iu":
            raise IndexError(
                "tensors used as indices must be long, int, byte or bool tensors")
        return x.astype(np.int64)
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if x is None or x is Ellipsis or isinstance(x, slice):
        return x
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
        "valid indices (got " + type(x).__name__ + ")")


def parse_key(shape: tuple[int, ...], key: Any, single_slice: bool = True) -> list[Step]:
    """The steps PyTorch takes for ``t[key]`` on a tensor of ``shape``.

    Steps are ``("select", dim, index)``, ``("slice", dim, start, stop, step)``,
    ``("unsqueeze", dim)``, ``("index", indices)`` and ``("alias",)``.

    >>> parse_key((2, 3), (0, slice(None), None))
    [('select', 0, 0), ('unsqueeze', 1)]
    """
    single = not isinstance(key, tuple)
    if single and not shape:
        _refuse_zero_dim(key)
    items, refused = [], None
    for x in (key,) if single else key:
        try:
            items.append(_item(x))
        except IndexError as e:  # PyTorch counts the dims first: a refused index takes one
            refused = refused or e
            items.append(0)
    used = sum(x.ndim if isinstance(x, np.ndarray) and x.dtype == np.bool_ else
               0 if x is None or x is Ellipsis or isinstance(x, bool) else 1 for x in items)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if refused is not None:
        raise refused
    cur = list(shape)
    steps: list[Step] = []
    adv: list[np.ndarray | None] = []
    dim = 0
    for x in items:
        if x is Ellipsis:
            skip = len(shape) - used
            adv += [None] * skip
            dim += skip
            used = len(shape)
        elif x is None or isinstance(x, bool):
            steps.append(("unsqueeze", dim))
            cur.insert(dim, 1)
            if isinstance(x, bool):
                adv.append(np.zeros(int(x), dtype=np.int64))
            else:
                adv.append(None)
            dim += 1
        elif isinstance(x, int):
            size = cur[dim]
            if not -size <= x < size:
                raise IndexError(f"index {x} is out of bounds for dimension {dim} with size {size}")
            steps.append(("select", dim, x % size))
            del cur[dim]
        elif isinstance(x, slice):
            step = 1 if x.step is None else int(x.step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(x.start, x.stop, step).indices(cur[dim])
            stop = max(start, stop)
            if single_slice and single or (start, stop, step) != (0, cur[dim], 1):
                steps.append(("slice", dim, start, stop, step))
                cur[dim] = len(range(start, stop, step))
            adv.append(None)
            dim += 1
        elif x.dtype == np.bool_:
            for k in range(x.ndim):
                if x.shape[k] != cur[dim + k]:
                    raise IndexError(
                        f"The shape of the mask {list(x.shape)} at index {k} does not match the "
                        f"shape of the indexed tensor {list(cur)} at index {dim + k}")
            adv += list(np.nonzero(x))
            dim += x.ndim
        else:
            adv.append(x)
            dim += 1
    if any(a is not None for a in adv):
        adv = _checked_indices(adv, cur)
        while adv[-1] is None:
            adv.pop()
        steps.append(("index", tuple(adv)))
    elif not steps and not single:
        steps.append(("alias",))
    return steps


def _refuse_zero_dim(key: Any) -> None:
    """PyTorch's errors for a lone int or slice indexing a zero-dim tensor: its fast paths
    for them (``applySelect``, ``applySlicing``) name the 0-dim case before counting dims."""
    if isinstance(key, slice):
        if key.step is not None and int(key.step) <= 0:
            raise ValueError("step must be greater than zero")
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if isinstance(key, int | np.integer) and not isinstance(key, bool | np.bool_):
        if key == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"index {key} is out of bounds for dimension 0 with size 0")


def _checked_indices(adv: list[np.ndarray | None], cur: list[int]) -> list[np.ndarray | None]:
    """The index arrays ``adv`` (one per leading dim of a tensor of shape ``cur``, None where
    untouched) checked as PyTorch checks them, and made non-negative.

    PyTorch broadcasts them, refuses a dim of size 0 indexed by a non-empty broadcast, and then
    checks each index its kernel reads: where the result is empty it reads none, so any index
    passes (``zeros(3, 0)[tensor([7])]`` is empty); such an index is read as one in range.

    >>> _checked_indices([np.array([7])], [3, 0])
    [array([1])]
    """
    arrays = [(i, a) for i, a in enumerate(adv) if a is not None]
    try:
        shape = np.broadcast_shapes(*(a.shape for _, a in arrays))
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {', '.join(str(list(a.shape)) for _, a in arrays)}"
                         ) from None
    sizes = [cur[i] for i, _ in arrays]
    if 0 in sizes and 0 not in shape:
        raise IndexError("index is out of bounds for dimension with size 0")
    untouched = [n for i, n in enumerate(cur) if i >= len(adv) or adv[i] is None]
    if math.prod(shape) and math.prod(untouched):  # the kernel checks each element, in order
        stacked = np.stack([np.broadcast_to(a, shape).reshape(-1) for _, a in arrays], axis=1)
        bad = (stacked < -np.array(sizes)) | (stacked >= np.array(sizes))
        if bad.any():
            row, d = divmod(int(np.argmax(bad.reshape(-1))), len(arrays))
            raise IndexError(f"index {int(stacked[row, d])} is out of bounds for dimension {d} "
                             f"with size {sizes[d]}")
    out = list(adv)
    for (i, a), size in zip(arrays, sizes, strict=True):
        # An empty broadcast may pair an index with a dim of size 0: broadcast, it is empty.
        out[i] = (a if math.prod(shape) else np.broadcast_to(a, shape)) % max(size, 1)
    return out


def _np_index(indices: tuple[np.ndarray | None, ...]) -> tuple[Any, ...]:
    return tuple(slice(None) if i is None else i for i in indices)


def _view(a: np.ndarray, step: Step) -> np.ndarray:
    """The NumPy view one basic step makes (writes through to ``a``)."""
    kind = step[0]
    if kind == "select":
        # The trailing Ellipsis keeps a 0-d result a view instead of a NumPy scalar copy.
        return a[(slice(None),) * step[1] + (step[2], Ellipsis)]
    if kind == "slice":
        return a[(slice(None),) * step[1] + (slice(step[2], step[3], step[4]),)]
    if kind == "unsqueeze":
        return np.expand_dims(a, step[1])
    return a


def normalize_key(key: Any) -> tuple[Any, ...]:
    """The key as a tuple of ints, slices, None, Ellipsis, bools and int64 arrays (a boolean
    mask becomes its ``nonzero()`` arrays), meaning what ``key`` means.

    >>> normalize_key([True, False, True])
    (array([0, 2]),)
    """
    out: list[Any] = []
    for x in (key if isinstance(key, tuple) else (key,)):
        x = _item(x)
        if isinstance(x, np.ndarray) and x.dtype == np.bool_:
            out += list(np.nonzero(x)) if x.ndim else [x]
        else:
            out.append(x)
    return tuple(out)


def _write(out: np.ndarray, key: tuple[Any, ...], src: np.ndarray) -> np.ndarray:
    view = out
    for step in parse_key(out.shape, key, single_slice=False):
        if step[0] == "index":
            view[_np_index(step[1])] = src
            return out
        view = _view(view, step)
    view[...] = src
    return out


# -- ops ------------------------------------------------------------------------------------------
# The trailing Ellipsis keeps a 0-d result a view of ``self`` rather than a NumPy scalar.
# Their array VJPs give a SliceGradient, which a backward adds in at the slice alone: a loop
# over ``x[t]`` costs in proportion to the rows read, not rows times ``x``'s size.
SELECT = defop("select", "SelectBackward0",
               lambda self, *, dim, index: self[(slice(None),) * dim + (index, Ellipsis)],
               vjp=lambda g, *, dim, index, self_shape: _embed(
                   g, self_shape, (slice(None),) * dim + (index,)),
               array_vjp=lambda g, *, dim, index, self_shape: SliceGradient(
                   self_shape, (slice(None),) * dim + (index,), g),
               dtype_rule="same", dtypes=ALL, kind="shape")
SLICE = defop("slice", "SliceBackward0",
              lambda self, *, dim, start, stop, step: self[
                  (slice(None),) * dim + (slice(start, stop, step),)],
              vjp=lambda g, *, dim, start, stop, step, self_shape: _embed(
                  g, self_shape, (slice(None),) * dim + (slice(start, stop, step),)),
              array_vjp=lambda g, *, dim, start, stop, step, self_shape: SliceGradient(
                  self_shape, (slice(None),) * dim + (slice(start, stop, step),), g),
              dtype_rule="same", dtypes=ALL, kind="shape")
def _index(self: np.ndarray, *, indices: tuple[np.ndarray | None, ...]) -> np.ndarray:
    """``self`` read at ``indices`` (NumPy's advanced indexing), laid out as PyTorch's
    result: NumPy puts the indexed dims first in memory (``x[:, [0, 2]]`` of a row-major
    ``x`` is not row-major), PyTorch orders the dims by ``self``'s strides, then the
    indices'."""
    out = self[_np_index(indices)]
    if not out.size or out.flags.c_contiguous:  # PyTorch's too (but at some dims of size 1)
        return out
    return laid_out(out, fastest_first(out.shape, *_index_operands(self, indices)))


def _index_operands(self: np.ndarray, indices: tuple[np.ndarray | None, ...]
                    ) -> list[tuple[int, ...]]:
    """The strides over the result's dims of what PyTorch's index kernel iterates: ``self``
    restrided (0 along the indexed dims), then each index (0 along the others). Indices that
    are not adjacent move their dims to the front first, as in PyTorch and NumPy."""
    from symgrad.tensor_layout import _steps  # the tensor's module builds on the ops

    at = [d for d, i in enumerate(indices) if i is not None]
    arrays = np.broadcast_arrays(*(indices[d] for d in at))
    rest = [d for d in range(self.ndim) if d not in at]
    first = at[0] if at == list(range(at[0], at[-1] + 1)) else 0
    before, after = rest[:first], rest[first:]
    steps, width = _steps(self), arrays[0].ndim
    src = (*(steps[d] for d in before), *(0,) * width, *(steps[d] for d in after))
    return [src] + [(*(0,) * len(before), *(s // a.itemsize for s in a.strides),
                     *(0,) * len(after)) for a in arrays]


INDEX = defop("index", "IndexBackward0", _index,
              vjp=lambda g, *, indices, self_shape: index_put(
                  _zeros(self_shape, g), g, indices, accumulate=True),
              saves_attrs=("indices",), dtype_rule="same", dtypes=ALL, kind="index")
# Accumulating index_put is what indexing's gradient is; without accumulate it overwrites.
INDEX_PUT = defop("index_put", "IndexPutBackward0",
                  lambda self, values, *, indices, accumulate: _index_put(
                      self, values, indices, accumulate),
                  vjp=lambda g, *, indices, accumulate: (
                      g if accumulate else index_put(g, 0.0, indices, accumulate=False),
                      apply(INDEX, g, indices=indices)),
                  saves_attrs=("indices",), dtype_rule="same", dtypes=ALL, kind="index")
COPY_SLICES = defop("copy_slices", "torch::autograd::CopySlices",
                    lambda self, src, *, key: _write(self.copy(), key, src),
                    vjp=lambda g, *, key: (apply(COPY_SLICES, g, 0.0, key=key), _get(g, key)),
                    dtype_rule="same", dtypes=ALL, kind="index")


def _gather_index(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _at_least_1d(a: np.ndarray) -> np.ndarray:
    """``a``, or a zero-dim ``a`` as one element (a view, so writes reach ``a``)."""
    return a.reshape(a.shape or (1,))


def _gather(self: np.ndarray, *, dim: int, index: np.ndarray) -> np.ndarray:
    """``out[i][j] = self[index[i][j]][j]`` for ``dim=0``; a zero-dim tensor (``self`` or
    ``index``) is read as one element, and an empty ``index`` reads nothing."""
    if not index.size:
        return np.empty(index.shape, self.dtype)
    # Row-major whatever the layouts of ``self`` and ``index``, as PyTorch's result.
    return row_major(
        _at_least_1d(self)[_gather_index(_at_least_1d(index), dim)].reshape(index.shape))


def _scatter_add(self: np.ndarray, src: np.ndarray, *, dim: int,
                 index: np.ndarray) -> np.ndarray:
    out = self.copy()
    if index.size:
        index = _at_least_1d(index)
        np.add.at(_at_least_1d(out), _gather_index(index, dim),
                  _at_least_1d(src)[tuple(slice(0, s) for s in index.shape)])
    return out


def _index_select(self: np.ndarray, *, dim: int, index: np.ndarray) -> np.ndarray:
    if self.ndim == 0:  # one index (0): the result is zero-dim, as in PyTorch
        return self.copy()
    return np.take(self, index, axis=dim)


def _index_select_vjp(g: Tensor, *, dim: int, index: np.ndarray,
                      self_shape: tuple[int, ...]) -> Tensor:
    if not self_shape:
        return g
    return index_put(_zeros(self_shape, g), g, (None,) * dim + (index,), accumulate=True)


# self is saved, unread, as PyTorch's node saves it (for its sizes): a write into it before
# backward is refused there, and so here (take and angle alike).
GATHER = defop("gather", "GatherBackward0", _gather,
               vjp=lambda g, self, *, dim, index, self_shape: apply(
                   SCATTER_ADD, _zeros(self_shape, g), g, dim=dim, index=index),
               saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="index")
SCATTER_ADD = defop("scatter_add", "ScatterAddBackward0", _scatter_add,
                    vjp=lambda g, *, dim, index: (g, apply(GATHER, g, dim=dim, index=index)),
                    saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="index")
INDEX_SELECT = defop("index_select", "IndexSelectBackward0", _index_select,
                     vjp=_index_select_vjp, saves_attrs=("index",), dtype_rule="same",
                     dtypes=ALL, kind="index")


# masked_fill's result is row-major whatever the input's layout, as PyTorch's (it fills a
# contiguous clone); NumPy's where would follow the input's.
def _masked_fill(self: np.ndarray, *, mask: np.ndarray, value: Any) -> np.ndarray:
    return row_major(np.where(mask, _dtypes.scalar_as(value, self.dtype), self))


MASKED_FILL = defop("masked_fill", "MaskedFillBackward0", _masked_fill,
                    vjp=lambda g, *, mask, value: where(
                        Tensor._make(np.asarray(mask), False, None), 0.0, g),
                    saves_attrs=("mask",), dtype_rule="same", dtypes=ALL, kind="index")


# A tensor fill value is an input: it receives the gradient of every position it filled.
MASKED_FILL_TENSOR = defop(
    "masked_fill_tensor", "MaskedFillBackward1",
    lambda self, value, *, mask: row_major(
        np.where(mask, value.astype(self.dtype), self)),
    vjp=lambda g, *, mask: (where(Tensor._make(np.asarray(mask), False, None), 0.0, g),
                            where(Tensor._make(np.asarray(mask), False, None), g, 0.0)),
    saves_attrs=("mask",), dtype_rule="same", dtypes=ALL, kind="index")


def _zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return Tensor._make(np.zeros(shape, dtype=like._data.dtype), False, None)


def _index_put(self: np.ndarray, values: np.ndarray, indices: tuple[Any, ...],
               accumulate: bool) -> np.ndarray:
    out = preserved_copy(self)  # PyTorch's writes into a clone, laid out as ``self``
    if accumulate:
        np.add.at(out, _np_index(indices), values)
    else:
        out[_np_index(indices)] = values
    return out


def _embed(g: Tensor, shape: tuple[int, ...], key: tuple[Any, ...]) -> Tensor:
    """Zeros of ``shape`` holding ``g`` at ``key``: the gradient of reading ``key``."""
    return apply(COPY_SLICES, _zeros(shape, g), g, key=key)


def _embed_slice(g: Tensor, shape: tuple[int, ...], dim: int, start: int, stop: int) -> Tensor:
    return _embed(g, shape, (slice(None),) * dim + (slice(start, stop, 1),))


def _select(t: Tensor, dim: int, index: int) -> Tensor:
    return apply(SELECT, t, dim=dim, index=index)


def _slice(t: Tensor, dim: int, start: int, stop: int, step: int) -> Tensor:
    return apply(SLICE, t, dim=dim, start=start, stop=stop, step=step)


def _run(t: Tensor, steps: list[Step], views: bool = False) -> Tensor:
    # With ``views`` the basic steps are tracked as views of ``t`` (user indexing); a VJP's
    # reads of its gradient are not written to, so they skip the bookkeeping.
    run = view_apply if views else apply
    for step in steps:
        kind = step[0]
        if kind == "select":
            t = run(SELECT, t, dim=step[1], index=step[2])
        elif kind == "slice":
            t = run(SLICE, t, dim=step[1], start=step[2], stop=step[3], step=step[4])
        elif kind == "unsqueeze":
            t = run(UNSQUEEZE, t, dim=step[1])
        elif kind == "index":
            t = apply(INDEX, t, indices=step[1])
        else:
            t = run(ALIAS, t)
    return t


def _get(t: Tensor, key: tuple[Any, ...]) -> Tensor:
    return _run(t, parse_key(tuple(t.shape), key, single_slice=False))


# -- public functions ---------------------------------------------------------------------------
def getitem(self: Tensor, key: Any) -> Tensor:
    """``self[key]``, recorded step by step as PyTorch records it.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x[0, 1:]
    tensor([2.], grad_fn=<SliceBackward0>)
    >>> x[[0, 0]].sum().backward(); x.grad
    tensor([[2., 2.],
            [0., 0.]])
    """
    return _run(self, parse_key(tuple(self.shape), key), views=True)


def setitem(self: Tensor, key: Any, value: Any) -> None:
    """``self[key] = value``: an in-place write, recorded as ``CopySlices``.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = x * 1
    >>> y[1:] = 0.0
    >>> y
    tensor([1., 0., 0.], grad_fn=<CopySlices>)
    """
    from symgrad.ops.inplace import COPY, copies_nothing, overlaps_itself, rewrite

    if isinstance(value, Tensor) and value.dtype is not self.dtype:
        # No cast recorded: PyTorch's copy_ and index_put_ cast inside, and the gradient
        # reaches the value in its own dtype (the engine casts it, as PyTorch's does).
        _refuse_mixed_put(tuple(self.shape), self.dtype, key, value)
    elif isinstance(value, bool | int | float | np.number):
        # A number into an integer tensor by PyTorch's rules: its overflow error, not NumPy's
        # or a made-up value. Into a float tensor it rounds, to an infinity beyond its range.
        d = self._data.dtype
        with np.errstate(over="ignore"):
            number = (_dtypes.scalar_as(value, d) if d.kind in "iub"
                      else np.asarray(value).astype(d))
        value = Tensor._make(number, False, None)
    if key is False:
        return  # PyTorch writes nothing, records nothing, checks no shape
    # The key as given is checked first (a mask's shape against the dims it covers), then
    # read as a tuple (``t[...]`` writes the whole tensor, as ``t[(...,)]``).
    parse_key(tuple(self.shape), key, single_slice=False)
    _refuse_uint8_fill(key, value)
    norm = normalize_key(key)
    steps = parse_key(tuple(self.shape), norm, single_slice=False)
    if steps == [("alias",)]:
        # The key selects the whole tensor: PyTorch writes into the tensor itself (its
        # copy_to): copy_ from a value of the same shape, fill_ from a zero-dim one (a number
        # is one), else copy_ with the value's leading dims of size one dropped.
        if not isinstance(value, Tensor):  # a nested list
            value = Tensor._make(np.asarray(value, dtype=self._data.dtype), False, None)
        if value.shape != self.shape and value.ndim == 0:
            self.fill_(value)
        elif value.shape == self.shape:
            self.copy_(value)
        else:
            _check_expands(value, tuple(self.shape))
            unchanged = copies_nothing(self._data, _expanded(value, tuple(self.shape)))
            src = _as_copied(value, tuple(self.shape))
            rewrite(self, lambda old: apply(COPY, old, src), reads=(), unchanged=unchanged)
    elif len(steps) == 1 and steps[0][0] == "index":
        # Only integer arrays and masks: PyTorch writes with index_put_, no view involved.
        indices = steps[0][1]
        value = _as_put(value, _indexed_shape(tuple(self.shape), steps))
        rewrite(self, lambda old: apply(INDEX_PUT, old, value, indices=indices,
                                        accumulate=False), reads=(value,))
    else:
        basic = all(step[0] != "index" for step in steps)
        unchanged = False
        if isinstance(value, Tensor) and basic:
            target = np.broadcast_to(np.zeros((), bool), self._data.shape)
            for step in steps:
                target = _view(target, step)
            _check_expands(value, target.shape)
            # The elements written are a view (``x[k] += 1`` writes x[k] into itself).
            unchanged = copies_nothing(self._data[norm], _expanded(value, target.shape))
            value = _as_copied(value, target.shape)
        elif isinstance(value, Tensor):
            value = _as_put(value, _indexed_shape(tuple(self.shape), steps))
        if isinstance(value, Tensor) and basic and not unchanged and overlaps_itself(self._data):
            # Elements of ``self`` share memory (an expand's): PyTorch writes into the view
            # ``self[key]`` (its copy_to), allowed where that view's elements do not.
            view = _run(self, steps, views=True)
            if value.ndim:
                view.copy_(value)
            else:
                view.fill_(value)
            return
        rewrite(self, lambda old: apply(COPY_SLICES, old, value, key=norm), view=True,
                reads=() if basic else (value,), unchanged=unchanged)


def _leading_ones_dropped(value: Tensor) -> Tensor:
    """``value`` as PyTorch's setitem writes it: a view without its leading dims of size one
    (``slicePrefix1sDims``), recorded (``ViewBackward0``) even when there are none."""
    return value.view(_ones_dropped(tuple(value.shape)))


def _ones_dropped(shape: tuple[int, ...]) -> tuple[int, ...]:
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def _as_copied(value: Tensor, target: tuple[int, ...]) -> Tensor:
    """The tensor PyTorch's setitem copies into a basic key's ``target`` (its ``copy_to``):
    ``value`` itself when of the target's shape or zero-dim (a ``fill_``), else viewed without
    its leading ones and expanded to the target (``ExpandBackward0`` over ``ViewBackward0``;
    the expand only where the shapes still differ). The cast to the target's dtype is the
    copy's own, unrecorded, as in PyTorch."""
    if tuple(value.shape) == target or not value.ndim:
        return value
    viewed = _leading_ones_dropped(value)
    return viewed if tuple(viewed.shape) == target else viewed.expand(target)


def _as_put(value: Any, target: tuple[int, ...]) -> Any:
    """The value PyTorch's setitem hands ``index_put_``: viewed without its leading dims of
    size one (only when it has some), and refused with PyTorch's message when it does not
    broadcast to the indexed ``target``."""
    if not isinstance(value, Tensor):
        return value
    if value.ndim and value.shape[0] == 1:
        value = _leading_ones_dropped(value)
    if not _broadcasts_to(tuple(value.shape), target):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
            f"indexing result of shape {list(target)}")
    return value


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` expands to ``target`` (one way: (2,) does not expand to (3, 1))."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _indexed_shape(shape: tuple[int, ...], steps: list[Step]) -> tuple[int, ...]:
    """The shape ``steps`` read from a tensor of ``shape``: what a value is written to."""
    target = np.broadcast_to(np.zeros((), bool), shape)
    for step in steps:
        target = target[_np_index(step[1])] if step[0] == "index" else _view(target, step)
    return target.shape




def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _refuse_mixed_put(shape: tuple[int, ...], dtype: Any, key: Any, value: Tensor) -> None:
    """PyTorch's error for a value tensor of another dtype written at integer arrays or masks:
    its ``index_put_`` takes the destination's dtype only (basic keys go through ``copy_``,
    which casts). One value at one mask is handed to ``masked_fill_`` instead, which casts; a
    value that does not broadcast to the indexed shape gets the shape error first."""
    steps = parse_key(shape, key, single_slice=False)
    if isinstance(key, bool) or not steps or steps[-1][0] != "index":
        return  # a lone True or False is a copy (or nothing), as ``...``
    items = key if isinstance(key, tuple) else (key,)
    tensors = [x for x in items if isinstance(x, Tensor | np.ndarray | list)]
    if (len(tensors) == 1 and value.numel() == 1 and np.ndim(_data(tensors[0]))
            and np.asarray(_item(tensors[0])).dtype == np.bool_):
        return
    target = np.broadcast_to(np.zeros((), bool), shape)
    for step in steps[:-1]:
        target = _view(target, step)
    target = target[_np_index(steps[-1][1])]
    if not _broadcasts_to(_ones_dropped(tuple(value.shape)), target.shape):
        return
    raise RuntimeError(
        "Index put requires the source and destination dtypes match, got "
        f"{_TORCH_NAMES[dtype.name]} for the destination and {_TORCH_NAMES[value.dtype.name]} "
        "for the source.")


def _refuse_uint8_fill(key: Any, value: Any) -> None:
    """PyTorch's error for one value written at a uint8 mask, the key's one index tensor: its
    ``index_put_`` hands such a write to ``masked_fill_``, which takes bool masks only."""
    items = key if isinstance(key, tuple) else (key,)
    tensors = [x for x in items if isinstance(x, Tensor | np.ndarray | list)]
    if (len(tensors) == 1 and isinstance(tensors[0], Tensor) and tensors[0].ndim
            and tensors[0].dtype is _dtypes.uint8 and isinstance(value, Tensor)
            and value.numel() == 1):
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           "unsigned char")


def _expanded(value: Tensor, target: tuple[int, ...]) -> np.ndarray:
    """``value``'s elements as PyTorch's setitem reads them for its overlap check: its leading
    dims of size one dropped, then expanded to ``target`` by ATen's geometry (a new leading
    dim's stride is the extent of the dims after it; an expanded dim's 0, which PyTorch does
    not try to check). ``x[...] = x.flatten()`` for an x of (1, 3) writes each element onto
    itself; ``x[...] = x[0]`` reads row 0 into every row. A read-only view, for the check."""
    a = value._data
    while a.ndim > len(target) and a.shape[0] == 1:
        a = a[0]
    strides: list[int] = []
    for i in range(len(target) - 1, -1, -1):
        j = i - (len(target) - a.ndim)
        size = a.shape[j] if j >= 0 else 1
        stride = a.strides[j] if j >= 0 else (target[i + 1] * strides[0] if strides
                                              else a.itemsize)
        strides.insert(0, stride if size == target[i] else 0)
    return np.lib.stride_tricks.as_strided(a, target, tuple(strides), writeable=False)


def _check_expands(value: Tensor, target: tuple[int, ...]) -> tuple[int, ...]:
    """The value's shape without leading dims of size one (PyTorch's setitem drops them), or
    PyTorch's errors for a value that ``t[key] = value`` cannot expand to the indexed shape."""
    shape = tuple(value.shape)
    while len(shape) > len(target) and shape[0] == 1:
        shape = shape[1:]
    if len(shape) > len(target):
        raise RuntimeError(
            f"expand(torch.{_TORCH_NAMES[value.dtype.name]}Tensor{{{list(shape)}}}, "
            f"size={list(target)}): the number of sizes provided ({len(target)}) must be "
            f"greater or equal to the number of dimensions in the tensor ({len(shape)})")
    for i in range(len(target) - 1, -1, -1):
        j = i - (len(target) - len(shape))
        if j >= 0 and shape[j] != 1 and shape[j] != target[i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i]}) must match the existing size "
                f"({shape[j]}) at non-singleton dimension {i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)}")
    return shape


Tensor.__getitem__ = getitem  # type: ignore[method-assign]
Tensor.__setitem__ = setitem  # type: ignore[method-assign]


def index_put(input: Tensor, values: Any, indices: tuple[Any, ...],
              accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or with ``accumulate`` added) at ``indices``.

    >>> import symgrad, numpy as np
    >>> index_put(symgrad.zeros(3), symgrad.tensor(1.0), (np.array([0, 0, 2]),), True)
    tensor([2., 0., 1.])
    """
    norm = tuple(None if i is None else np.asarray(
        i._data if isinstance(i, Tensor) else i, dtype=np.int64) for i in indices)
    return apply(INDEX_PUT, input, values, indices=norm, accumulate=bool(accumulate))


def _index_array(index: Any) -> np.ndarray:
    return index._data if isinstance(index, Tensor) else np.asarray(index)


@expose()
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dim removed (a view).

    Args:
        input: The tensor.
        dim: The dim to index.
        index: The position along ``dim`` (negative counts from the end).

    >>> import symgrad
    >>> symgrad.tensor([[1, 2], [3, 4]]).select(1, -1)
    tensor([2, 4])
    """

    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return view_apply(SELECT, input, dim=d, index=index % size)


@expose()
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements from ``start`` along ``dim`` (a view).

    Args:
        input: The tensor.
        dim: The dim to narrow.
        start: The first position kept (negative counts from the end).
        length: How many positions are kept.

    >>> import symgrad
    >>> symgrad.tensor([1, 2, 3, 4]).narrow(0, 1, 2)
    tensor([2, 3])
    """

    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    begin = start % size if -size <= start < 0 else start
    if not 0 <= begin <= size or length < 0 or begin + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return view_apply(SLICE, input, dim=d, start=begin, stop=begin + length, step=1)


@expose()
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and alike for other dims).

    Args:
        input: The tensor.
        dim: The dim to index along.
        index: An int64 (or int32) tensor with ``input``'s number of dims (a zero-dim tensor
            counts as one dim of one element); the result has its shape.

    >>> import symgrad
    >>> t = symgrad.tensor([[1, 2], [3, 4]])
    >>> symgrad.gather(t, 1, symgrad.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """

    # PyTorch's order: its meta function's checks (none for an empty index), then its CPU
    # kernel's. A zero-dim tensor counts as one dim of one element.
    d = wrap_dim(dim, input.ndim)
    idx = _index_array(index)
    if idx.size:
        if idx.dtype not in (np.int64, np.int32):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        if max(idx.ndim, 1) != max(input.ndim, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as input "
                               "tensor")
        for i in range(max(input.ndim, 1)):
            if i != d and _size(idx, i) > _size(input._data, i):
                raise RuntimeError(f"Size does not match at dimension {i} expected index "
                                   f"{list(idx.shape)} to be no larger than self "
                                   f"{list(input.shape)} apart from dimension {d}")
        size = _size(input._data, d)
        flat = idx.reshape(-1)
        outside = np.flatnonzero((flat < 0) | (flat >= size))
        if outside.size:  # PyTorch names the first index out of range, in the index's order
            raise RuntimeError(f"index {int(flat[outside[0]])} is out of bounds for dimension "
                               f"{d} with size {size}")
    return apply(GATHER, input, dim=d, index=idx.astype(np.int64))


def _size(a: np.ndarray, i: int) -> int:
    """``a.shape[i]``, a zero-dim array's sizes being 1 (PyTorch's ensure_nonempty_size)."""
    return a.shape[i] if a.ndim else 1


@expose()
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` of ``input`` along ``dim``, repeats allowed.

    Args:
        input: The tensor.
        dim: The dim to index along.
        index: A 1-D (or 0-D) int64 or int32 tensor of positions along ``dim`` (a zero-dim
            ``input`` takes one index, 0, and gives a zero-dim result).

    >>> import symgrad
    >>> symgrad.tensor([10, 20, 30]).index_select(0, symgrad.tensor([2, 2]))
    tensor([30, 30])
    """

    # PyTorch's order: its CPU function's checks, then its kernels' (which differ in message).
    d = wrap_dim(dim, input.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    idx = idx.reshape(-1).astype(np.int64)
    size = _size(input._data, d)
    if input.ndim > 1 and idx.size and not input.numel() and not size:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    outside = np.flatnonzero((idx < 0) | (idx >= size))
    if outside.size:
        # (PyTorch's kernel for dim 1, and its check of an empty tensor, word it so.)
        if input.ndim > 1 and (d == 1 or not input.numel()):
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx[outside[0]])} "
                               f"axis_dim={size}")
        raise IndexError("index out of range in self")
    return apply(INDEX_SELECT, input, dim=d, index=idx)


@expose()
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` holds, ``input`` elsewhere (``mask`` broadcasts).

    Args:
        input: The tensor.
        mask: A bool tensor broadcast against ``input``.
        value: The value written where ``mask`` holds: a number or a 0-D tensor
            (which then gets the gradient of the elements it filled).

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, -2.0])
    >>> x.masked_fill(x < 0, 0.0)
    tensor([1., 0.])
    """
    from symgrad.ops.registry import broadcast_shapes

    # PyTorch's order: the broadcast (the mask is its "tensor a"), a value tensor's dims,
    # then the mask's dtype.
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    broadcast_shapes(m.shape, input._data.shape)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    _boolean_mask(m)
    if isinstance(value, Tensor):
        refuse_integral_result(input.dtype, value)
        if value.dtype is not input.dtype:
            value = value.to(input.dtype)
        return apply(MASKED_FILL_TENSOR, input, value, mask=m)
    return apply(MASKED_FILL, input, mask=m, value=value)


def _boolean_mask(m: np.ndarray) -> None:
    if m.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{_dtypes._CPP_NAMES[_dtypes._FROM_NP[m.dtype].name]}")


def _masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``masked_fill``, written into this tensor (``mask`` broadcasts to its shape).

    Args:
        mask: A bool tensor.
        value: A number or a 0-D tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, -2.0])
    >>> x.masked_fill_(x < 0, 0.0)
    tensor([1., 0.])
    """
    from symgrad.ops.inplace import rewrite
    from symgrad.ops.registry import broadcast_shapes

    # PyTorch's in-place order: a value tensor's dims, the mask's dtype, then the broadcast
    # into this tensor's shape.
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    _boolean_mask(m)
    shape = broadcast_shapes(self._data.shape, m.shape)
    if shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    return rewrite(self, lambda old: masked_fill(old, mask, value))


Tensor.masked_fill_ = _masked_fill_  # type: ignore[attr-defined]


from symgrad.ops.elementwise import where  # noqa: E402 - masked_fill's VJP uses it
