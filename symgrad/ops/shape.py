"""Shape ops: views and copies whose gradient moves values back to where they came from."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd.slice_gradient import SliceGradient
from symgrad.ops import registry
from symgrad.ops.inplace import track_view
from symgrad.ops.memory_order import like_input, preserved_copy, row_major
from symgrad.ops.registry import ALL, OpDef, apply, defop, expose, wrap_dim
from symgrad.tensor import Tensor


def view_apply(op: OpDef, input: Tensor, **attrs: Any) -> Tensor:
    """``apply`` for an op whose result shares ``input``'s memory (a view, as in PyTorch).

    Writing through the view changes ``input`` and bumps the version both share:

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> row = view_apply(UNSQUEEZE, x, dim=0)
    >>> row.shape, row._view.base is x
    (symgrad.Size([1, 2, 3]), True)
    >>> _ = row.add_(1.0); x, x._version
    (tensor([[1., 1., 1.],
            [1., 1., 1.]]), 1)
    """
    return track_view(apply(op, input, **attrs), input, op.name, attrs)


def _required(args: tuple[Any, ...], fn: str, name: str) -> None:
    """PyTorch's TypeError for a method called without its sizes or dims (``x.expand()``)."""
    if not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "{name}"')


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


# The ndarray methods and indexing, not NumPy's functions: a view op's whole cost is its Python
# calls, and np.expand_dims alone cost more than recording the node.
RESHAPE = defop("reshape", "ViewBackward0",
                lambda self, *, shape: self.reshape(shape),
                vjp=lambda g, *, self_shape: g.reshape(self_shape),
                dtype_rule="same", dtypes=ALL, kind="shape")
# expand's gradient is the broadcast reduction itself.
EXPAND = defop("expand", "ExpandBackward0",
               lambda self, *, shape: np.broadcast_to(self, shape),
               vjp=lambda g, *, self_shape: g.sum_to_size(self_shape),
               dtype_rule="same", dtypes=ALL, kind="shape")
TO_COPY = defop("to_copy", "ToCopyBackward0",
                lambda self, *, dtype: self.astype(_dtypes._NAMES[dtype].np),
                vjp=lambda g: g, dtype_rule="same", dtypes=ALL, kind="shape")


# reshape copies when no view of the input has the new shape (a clone, CloneBackward0); PyTorch
# then names the node viewing the copy UnsafeViewBackward0.
UNSAFE_VIEW = defop("unsafe_view", "UnsafeViewBackward0",
                    lambda self, *, shape: np.reshape(self, shape),
                    vjp=lambda g, *, self_shape: g.reshape(self_shape),
                    dtype_rule="same", dtypes=ALL, kind="shape")

# -- adding and removing dims of size one ----------------------------------------------------------
SQUEEZE = defop("squeeze", "SqueezeBackward0", lambda self: np.squeeze(self),
                vjp=lambda g, *, self_shape: g.reshape(self_shape),
                dtype_rule="same", dtypes=ALL, kind="shape")
# A dim whose size is not one is left alone, as PyTorch does, and still recorded.
SQUEEZE_DIMS = defop("squeeze_dims", "SqueezeBackward2",
                     lambda self, *, dim: np.squeeze(
                         self, tuple(d for d in dim if self.ndim and self.shape[d] == 1)),
                     vjp=lambda g, *, dim, self_shape: g.reshape(self_shape),
                     dtype_rule="same", dtypes=ALL, kind="shape")
SQUEEZE_DIM = defop("squeeze_dim", "SqueezeBackward1",
                    lambda self, *, dim: self[(slice(None),) * dim + (0, Ellipsis)]
                    if self.ndim and self.shape[dim] == 1 else self,
                    vjp=lambda g, *, dim, self_shape: g.reshape(self_shape),
                    dtype_rule="same", dtypes=ALL, kind="shape")
UNSQUEEZE = defop("unsqueeze", "UnsqueezeBackward0",
                  lambda self, *, dim: self[(slice(None),) * dim + (None,)],
                  vjp=lambda g, *, dim: apply(SQUEEZE_DIM, g, dim=dim),
                  dtype_rule="same", dtypes=ALL, kind="shape")

# -- reordering dims ------------------------------------------------------------------------------
TRANSPOSE = defop("transpose", "TransposeBackward0",
                  lambda self, *, dim0, dim1: np.swapaxes(self, dim0, dim1) if self.ndim
                  else self.view(),
                  vjp=lambda g, *, dim0, dim1: apply(TRANSPOSE, g, dim0=dim0, dim1=dim1),
                  dtype_rule="same", dtypes=ALL, kind="shape")
PERMUTE = defop("permute", "PermuteBackward0",
                lambda self, *, dims: np.transpose(self, dims),
                vjp=lambda g, *, dims: apply(PERMUTE, g, dims=tuple(
                    int(i) for i in np.argsort(dims))),
                dtype_rule="same", dtypes=ALL, kind="shape")
T = defop("t", "TBackward0", lambda self: np.transpose(self),
          vjp=lambda g: apply(T, g), dtype_rule="same", dtypes=ALL, kind="shape")
# A copy, as PyTorch's flip: not a view, laid out as the input is (its TensorIterator).
FLIP = defop("flip", "FlipBackward0", lambda self, *, dims: like_input(np.flip(self, dims), self),
             vjp=lambda g, *, dims: apply(FLIP, g, dims=dims),
             dtype_rule="same", dtypes=ALL, kind="shape")


# -- copies ---------------------------------------------------------------------------------------
def _repeat_vjp(g: Tensor, *, repeats: tuple[int, ...], self_shape: tuple[int, ...]) -> Tensor:
    # Each output dim of size r*s is read as (r, s): the copies are summed over the r axis.
    padded = (1,) * (len(repeats) - len(self_shape)) + tuple(self_shape)
    split = tuple(x for r, s in zip(repeats, padded, strict=True) for x in (r, s))
    summed = g.reshape(split).sum(dim=tuple(range(0, len(split), 2)))
    return summed.reshape(self_shape)


REPEAT = defop("repeat", "RepeatBackward0",
               lambda self, *, repeats: row_major(np.tile(self, repeats)),
               vjp=_repeat_vjp, dtype_rule="same", dtypes=ALL, kind="shape")
# PyTorch's clone keeps the input's order of dims in memory (its preserve_format): a
# transposed tensor's clone is transposed, and cannot be viewed as a row-major one.
CLONE = defop("clone", "CloneBackward0", lambda self: preserved_copy(self), vjp=lambda g: g,
              dtype_rule="same", dtypes=ALL, kind="shape")
# ``contiguous()`` and ``clone(memory_format=contiguous_format)``: the same node, row-major.
CONTIGUOUS_CLONE = dataclasses.replace(CLONE, forward=lambda self: self.copy(order="C"))
ALIAS = defop("alias", "AliasBackward0", lambda self: self.view(), vjp=lambda g: g,
              dtype_rule="same", dtypes=ALL, kind="shape")


# -- joining and splitting ------------------------------------------------------------------------
def _split_at(g: Tensor, dim: int, sizes: tuple[int, ...]) -> tuple[Tensor, ...]:
    starts = np.cumsum((0,) + sizes)
    return tuple(indexing._slice(g, dim, int(a), int(b), 1)
                 for a, b in zip(starts[:-1], starts[1:], strict=True))


def _present(first: np.ndarray, second: np.ndarray | None,
             rest: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    return (first,) if second is None else (first, second, *rest)


# cat and stack take any number of tensors: two are named (the second absent when there is
# one), the rest arrive in ``rest``. Both copy, even a single tensor, as PyTorch's do: a later
# in-place change of an input must not show through. Their result is row-major whatever the
# inputs' layouts (NumPy's follows the inputs').
# ``legacy`` holds the positions of 1-D empty tensors joined beside tensors of more dims
# (PyTorch's compatibility case): they take part in promotion and in the graph, add nothing,
# and get an empty gradient of their own shape, as PyTorch's cat_tensors_backward gives.
def _cat_vjp(g: Tensor, *, dim: int, sizes: tuple[int, ...],
             legacy: tuple[int, ...] = ()) -> tuple[Tensor, ...]:
    pieces = _split_at(g, dim, sizes)
    return tuple(Tensor._make(np.zeros((0,), g._data.dtype), False, None) if i in legacy
                 else p for i, p in enumerate(pieces))


CAT = defop("cat", "CatBackward0",
            lambda tensors0, tensors1=None, *rest, dim, sizes, legacy=(): row_major(
                np.concatenate([a for i, a in enumerate(_present(tensors0, tensors1, rest))
                                if i not in legacy], axis=dim)),
            vjp=_cat_vjp, dtypes=ALL, kind="shape", variadic=True)
STACK = defop("stack", "StackBackward0",
              lambda tensors0, tensors1=None, *rest, dim: row_major(np.stack(
                  _present(tensors0, tensors1, rest), axis=dim)),
              vjp=lambda g, *, dim: tuple(
                  indexing._select(g, dim, i) for i in range(g.shape[dim])),
              dtypes=ALL, kind="shape", variadic=True)


def _split_bounds(length: int, sizes: tuple[int, ...], index: int) -> tuple[int, int]:
    start = int(sum(sizes[:index]))
    return start, min(start + sizes[index], length)


def _even_sizes(length: int, split_size: int) -> tuple[int, ...]:
    n = max(1, -(-length // split_size)) if split_size else 1
    return tuple(min(split_size, length - i * split_size) for i in range(n))


def _split_forward(self: np.ndarray, *, dim: int, split_size: int, index: int) -> np.ndarray:
    a, b = _split_bounds(self.shape[dim], _even_sizes(self.shape[dim], split_size), index)
    return self[(slice(None),) * dim + (slice(a, b),)]


def _split_sizes_forward(self: np.ndarray, *, dim: int, split_sizes: tuple[int, ...],
                         index: int) -> np.ndarray:
    a, b = _split_bounds(self.shape[dim], split_sizes, index)
    return self[(slice(None),) * dim + (slice(a, b),)]


def _piece(g: np.ndarray, shape: tuple[int, ...], dim: int, bounds: tuple[int, int]
           ) -> SliceGradient:
    """A split's array VJP: ``g`` at ``bounds`` along ``dim`` of zeros of ``shape``, added in
    at the piece alone (``SliceGradient``): unbinding or splitting into T pieces costs the size
    of the input once, not T times."""
    return SliceGradient(shape, (slice(None),) * dim + (slice(*bounds),), g)


# One node per output of a split (PyTorch has one node for them all); ``index`` says which
# piece it is.
SPLIT = defop("split", "SplitBackward0", _split_forward,
              vjp=lambda g, *, dim, split_size, index, self_shape: indexing._embed_slice(
                  g, self_shape, dim, *_split_bounds(
                      self_shape[dim], _even_sizes(self_shape[dim], split_size), index)),
              array_vjp=lambda g, *, dim, split_size, index, self_shape: _piece(
                  g, self_shape, dim, _split_bounds(
                      self_shape[dim], _even_sizes(self_shape[dim], split_size), index)),
              dtype_rule="same", dtypes=ALL, kind="shape")
SPLIT_WITH_SIZES = defop(
    "split_with_sizes", "SplitWithSizesBackward0", _split_sizes_forward,
    vjp=lambda g, *, dim, split_sizes, index, self_shape: indexing._embed_slice(
        g, self_shape, dim, *_split_bounds(self_shape[dim], split_sizes, index)),
    array_vjp=lambda g, *, dim, split_sizes, index, self_shape: _piece(
        g, self_shape, dim, _split_bounds(self_shape[dim], split_sizes, index)),
    dtype_rule="same", dtypes=ALL, kind="shape")

# One node per output of unbind too: each is ``self`` with ``dim`` taken at ``index``.
UNBIND = defop("unbind", "UnbindBackward0",
               lambda self, *, dim, index: self[(slice(None),) * dim + (index, Ellipsis)],
               vjp=lambda g, *, dim, index, self_shape: indexing._embed_slice(
                   g.unsqueeze(dim), self_shape, dim, index, index + 1),
               array_vjp=lambda g, *, dim, index, self_shape: SliceGradient(
                   self_shape, (slice(None),) * dim + (index,), g),
               dtype_rule="same", dtypes=ALL, kind="shape")


@expose("reshape")
def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same values in a new shape; one dim may be -1 (a copy when no view has that shape).

    Args:
        input: The tensor.
        *shape: The new shape: ints given separately or as one sequence; one may be -1,
            inferred from the number of elements.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).reshape(2, 3).shape
    symgrad.Size([2, 3])
    """
    if not shape:
        raise TypeError('reshape() missing 1 required positional arguments: "shape"')
    new = _target_shape(input, _shape_args(shape))
    try:
        input._data.reshape(new, copy=False)
    except ValueError:
        # PyTorch's reshape of what no view has that shape: a row-major clone, then viewed
        # (CloneBackward0 under UnsafeViewBackward0).
        return apply(UNSAFE_VIEW, apply(CONTIGUOUS_CLONE, input), shape=new)
    return view_apply(RESHAPE, input, shape=new)


@expose("view", function=False)
def view(input: Tensor, *shape: Any, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The same memory seen with a new shape; an error when the strides do not allow it. Or,
    given a dtype, the same bytes read as that dtype's elements (outside the graph).

    Args:
        input: The tensor.
        *shape: The new shape: ints given separately or as one sequence; one may be -1,
            inferred from the number of elements. Or one dtype.
        dtype: The dtype, if not given by position.

    >>> import symgrad
    >>> symgrad.zeros(2, 3).view(-1).shape
    symgrad.Size([6])
    >>> symgrad.tensor([1.0, -2.0]).view(symgrad.int32)
    tensor([ 1065353216, -1073741824], dtype=symgrad.int32)
    """
    if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        dtype = shape[0]
    if dtype is not None:
        return _view_dtype(input, dtype)
    if not shape:
        raise TypeError("view() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)\n")
    new = _target_shape(input, _shape_args(shape))
    try:
        input._data.reshape(new, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return view_apply(RESHAPE, input, shape=new)


def _view_dtype(input: Tensor, dtype: _dtypes.dtype) -> Tensor:
    """``input``'s bytes read as ``dtype``'s elements, sharing its memory and version; the
    last dim scales by the ratio of the element sizes, with PyTorch's checks in its order.
    PyTorch's result is not differentiable: it never requires grad."""
    from symgrad.ops.inplace import share_version
    from symgrad.tensor_layout import _steps  # the tensor's module builds on the ops

    data, new = input._data, dtype.np.itemsize
    if new != data.itemsize:
        what = (f"to view {registry._TORCH_NAMES[input.dtype.name]} as "
                f"{registry._TORCH_NAMES[dtype.name]} (different element sizes)")
        if not data.ndim:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        steps, ratio = _steps(data), new // data.itemsize
        if ratio:  # wider elements: whole ones must fit the last dim and the offset
            if data.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got "
                                   f"{data.shape[-1]}")
            if input.storage_offset() % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, "
                                   f"but got {input.storage_offset()}")
        if steps[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {steps[-1]}")
        for d, step in enumerate(steps[:-1] if ratio else ()):
            if step % ratio:
                raise RuntimeError(f"self.stride({d}) must be divisible by {ratio} {what}, but "
                                   f"got {step}")
    return share_version(Tensor._make(data.view(dtype.np), False, None), input)


def _target_shape(input: Tensor, target: tuple[int, ...]) -> tuple[int, ...]:
    """``target`` with its -1 worked out from ``input``'s size, or PyTorch's error (its
    ``infer_size``, in its order): a second -1, a dim below -1 (NumPy reads any negative dim as
    the one to infer), a -1 among zeros of an empty tensor, a size that does not fit."""
    inferred, known = None, 1
    for n, size in enumerate(target):
        if size == -1:
            if inferred is not None:
                raise RuntimeError("only one dimension can be inferred")
            inferred = n
        elif size < 0:
            raise RuntimeError(f"invalid shape dimension {size} at index {n} of shape "
                               f"{list(target)}")
        else:
            known *= size
    numel = input.numel()
    if inferred is None and numel == known:
        return tuple(target)
    if inferred is not None and known and numel % known == 0:
        return target[:inferred] + (numel // known,) + target[inferred + 1:]
    if inferred is not None and not known and not numel:
        raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(target)} "
                           "because the unspecified dimension size -1 can be any value and is "
                           "ambiguous")
    raise RuntimeError(f"shape '{list(target)}' is invalid for input of size {numel}")


@expose()
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view; PyTorch records it as a reshape).

    Args:
        input: The tensor.
        start_dim: The first dim merged. Defaults to 0.
        end_dim: The last dim merged (included). Defaults to -1.

    >>> import symgrad
    >>> symgrad.zeros(2, 3, 4).flatten(1).shape
    symgrad.Size([2, 12])
    """
    a, b = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if input.ndim == 0:
        return reshape(input, 1)
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if a == b:
        return input
    shape = input.shape
    return reshape(input, shape[:a] + (-1,) + shape[b + 1 :])


@expose()
def squeeze(input: Tensor, dim: int | tuple[int, ...] | None = None) -> Tensor:
    """Drop dims of size one (all of them, or those among ``dim`` that have size one).

    Args:
        input: The tensor.
        dim: A dim or tuple of dims to drop where their size is one. Defaults to None:
            every dim of size one.

    >>> import symgrad
    >>> symgrad.zeros(2, 1, 3).squeeze().shape
    symgrad.Size([2, 3])
    """
    if dim is None:
        return view_apply(SQUEEZE, input)
    if isinstance(dim, int):
        return view_apply(SQUEEZE_DIM, input, dim=wrap_dim(dim, input.ndim))
    from symgrad.ops.reductions import normalize_dims  # which imports this module

    return view_apply(SQUEEZE_DIMS, input, dim=normalize_dims(tuple(dim), input.ndim))


@expose()
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size one at ``dim``.

    Args:
        input: The tensor.
        dim: Where the new dim goes, in ``[-input.ndim - 1, input.ndim]``.

    >>> import symgrad
    >>> symgrad.zeros(2, 3).unsqueeze(-1).shape
    symgrad.Size([2, 3, 1])
    """
    return view_apply(UNSQUEEZE, input, dim=wrap_dim(dim, input.ndim + 1))


@expose("transpose", "swapaxes", "swapdims")
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims.

    Args:
        input: The tensor.
        dim0: One dim.
        dim1: The other dim.

    >>> import symgrad
    >>> symgrad.zeros(2, 3, 4).transpose(0, 2).shape
    symgrad.Size([4, 3, 2])
    """
    return view_apply(TRANSPOSE, input, dim0=wrap_dim(dim0, input.ndim),
                      dim1=wrap_dim(dim1, input.ndim))


@expose()
def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dims: dim ``i`` of the result is dim ``dims[i]`` of the input.

    Args:
        input: The tensor.
        *dims: A permutation of the dims, given separately or as one sequence.

    >>> import symgrad
    >>> symgrad.zeros(2, 3, 4).permute(2, 0, 1).shape
    symgrad.Size([4, 2, 3])
    """
    _required(dims, "permute", "dims")
    order = _shape_args(dims)
    if len(order) != input.ndim:  # PyTorch counts the dims before it reads them
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is "
            f"not equal to len(dims) = {len(order)}"
        )
    order = tuple(wrap_dim(d, input.ndim) for d in order)
    if len(set(order)) != len(order):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_apply(PERMUTE, input, dims=order)


@expose()
def t(input: Tensor) -> Tensor:
    """Transpose a matrix; vectors and scalars are returned as they are (still recorded).

    Args:
        input: A tensor of at most 2 dims.

    >>> import symgrad
    >>> symgrad.zeros(2, 3).t().shape
    symgrad.Size([3, 2])
    """
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return view_apply(T, input)


def _T(input: Tensor) -> Tensor:
    """The tensor with its dims reversed (a view; a matrix's transpose).

    >>> import symgrad
    >>> symgrad.zeros(2, 3, 4).T.shape
    symgrad.Size([4, 3, 2])
    """
    return view_apply(PERMUTE, input, dims=tuple(range(input.ndim - 1, -1, -1)))


def _mT(input: Tensor) -> Tensor:
    """Each matrix of a batch transposed: the last two dims swapped (a view).

    >>> import symgrad
    >>> symgrad.zeros(2, 3, 4).mT.shape
    symgrad.Size([2, 4, 3])
    """
    if input.ndim == 0:  # PyTorch's identity, deprecated
        from symgrad.ops.aliases import warn_once  # it builds on this module

        warn_once("Tensor.mT is deprecated on 0-D tensors. This function is the identity in "
                  "these cases.", 2)
        return input
    if input.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input.ndim}-D tensor.")
    return view_apply(TRANSPOSE, input, dim0=input.ndim - 2, dim1=input.ndim - 1)


Tensor.T = property(_T)  # type: ignore[attr-defined]
Tensor.mT = property(_mT)  # type: ignore[attr-defined]


@expose()
def flip(input: Tensor, *given: Any, dims: Any = None) -> Tensor:
    """Reverse the order of the elements along ``dims``.

    Args:
        input: The tensor.
        *given: The dims to reverse, given separately or as one sequence (as ``dims``).
        dims: The dim or dims to reverse, each once, if not given by position.

    >>> import symgrad
    >>> symgrad.tensor([1, 2, 3]).flip(0), symgrad.zeros(2, 2).flip(0, 1).shape
    (tensor([3, 2, 1]), symgrad.Size([2, 2]))
    """
    from symgrad.ops.reductions import normalize_dims  # which imports this module

    if dims is not None:
        given = (dims,)
    _required(given, "flip", "dims")
    dims = normalize_dims(_shape_args(given), input.ndim)
    # A zero-dim tensor has nothing to reverse: PyTorch accepts dim 0 (or -1) and copies.
    return apply(FLIP, input, dims=dims if input.ndim else ())


@expose(function=False)
def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """Tile the tensor ``repeats[i]`` times along dim ``i`` (leading repeats add dims).

    Args:
        input: The tensor.
        *repeats: How many times to tile along each dim, given separately or as one
            sequence; at least ``input.ndim`` of them.

    >>> import symgrad
    >>> symgrad.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    _required(repeats, "repeat", "repeats")
    reps = _shape_args(repeats)
    if len(reps) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    sizes = [r * n for r, n in zip(reps, (1,) * (len(reps) - input.ndim) + input.shape,
                                   strict=True)]
    negative = next((n for n in sizes if n < 0), None)
    if negative is not None:
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: "
                           f"{sizes}")
    return apply(REPEAT, input, repeats=reps)


@expose()
def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory, still connected to the graph, laid out as ``input`` is (a
    transposed tensor's clone is transposed), or row-major if asked.

    Args:
        input: The tensor.
        memory_format: None or PyTorch's ``preserve_format`` (the default) for ``input``'s
            layout, ``contiguous_format`` for the row-major one.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> x.clone()
    tensor([1.], grad_fn=<CloneBackward0>)
    >>> t = symgrad.zeros(2, 3).t()
    >>> t.clone().stride(), t.clone().is_contiguous(), t.contiguous().stride()
    ((1, 3), False, (2, 1))
    """
    _check_layout(input, memory_format)
    if str(memory_format).endswith("contiguous_format"):
        return apply(CONTIGUOUS_CLONE, input)
    return apply(CLONE, input)


@expose(function=False)
def contiguous(input: Tensor) -> Tensor:
    """This tensor when its memory is already in row-major order, else a recorded copy.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0])
    >>> x.contiguous() is x
    True
    >>> t = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).t()
    >>> t.contiguous()
    tensor([[1., 3.],
            [2., 4.]], grad_fn=<CloneBackward0>)
    """
    if input._data.flags.c_contiguous:
        return input
    return apply(CONTIGUOUS_CLONE, input)


def _tensor_list(tensors: Any, name: str) -> list[Tensor]:
    """The tensors ``cat`` or ``stack`` (``name``) joins, or PyTorch's errors: a tuple or a
    list of tensors, not empty (a tensor itself, which NumPy's way would iterate, is refused)."""
    if not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")
    if not tensors:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    return list(tensors)


def _legacy_empty_fitted(tensors: list[Tensor], dim: int) -> tuple[list[Tensor], int]:
    """The tensors cat joins, and the dim: PyTorch refuses zero-dim tensors and, for
    compatibility, accepts 1-D empty ones beside any others (``cat`` passes them to its node
    as they are, marked ``legacy``)."""
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = next((x for x in tensors if x.shape != (0,)), None)
    if ref is None:
        return tensors, 0
    return tensors, wrap_dim(dim, ref.ndim)


@expose("cat", "concat", "concatenate", method=False)
def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim.

    Args:
        tensors: A sequence of tensors (not a tensor itself); they are promoted to one
            dtype. Their shapes agree except along ``dim``.
        dim: The dim to join along. Defaults to 0.

    >>> import symgrad
    >>> symgrad.cat([symgrad.tensor([1, 2]), symgrad.tensor([3])])
    tensor([1, 2, 3])
    """
    given, d = _legacy_empty_fitted(_tensor_list(tensors, "cat"), dim)
    ndim = max(x.ndim for x in given)
    legacy = tuple(i for i, x in enumerate(given) if x.shape == (0,) and ndim != 1)
    joined = [(i, x) for i, x in enumerate(given) if i not in legacy]
    first = joined[0][1]
    for i, x in joined[1:]:
        if x.ndim != first.ndim:
            raise RuntimeError(
                "Tensors must have same number of dimensions: got "
                f"{first.ndim} and {x.ndim}")
        for k in range(first.ndim):
            if k != d and x.shape[k] != first.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{first.shape[k]} but got size {x.shape[k]} for tensor number {i} in the "
                    "list.")
    sizes = tuple(0 if i in legacy else x.shape[d] for i, x in enumerate(given))
    if legacy:
        return apply(CAT, *given, dim=d, sizes=sizes, legacy=legacy)
    return apply(CAT, *given, dim=d, sizes=sizes)


@expose(method=False)
def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim.

    Args:
        tensors: A sequence of tensors (not a tensor itself); they are promoted to one
            dtype. All have the same shape.
        dim: Where the new dim goes. Defaults to 0.

    >>> import symgrad
    >>> symgrad.stack([symgrad.tensor([1, 2]), symgrad.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = _tensor_list(tensors, "stack")
    d = wrap_dim(dim, tensors[0].ndim + 1)  # checked first, as PyTorch does
    for i, x in enumerate(tensors[1:], 1):
        if x.shape != tensors[0].shape:
            raise RuntimeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(tensors[0].shape)} at entry 0 and {list(x.shape)} at entry {i}")
    return apply(STACK, *tensors, dim=d)


@expose()
def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of listed sizes.

    Args:
        input: The tensor.
        split_size_or_sections: The size of each piece (an int), or the list of sizes,
            which must add up to the size of ``dim``.
        dim: The dim to split. Defaults to 0.

    >>> import symgrad
    >>> [p.shape[0] for p in symgrad.zeros(5).split(2)]
    [2, 2, 1]
    """
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input.ndim)
    length = input.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and length:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {length}")
        n = len(_even_sizes(length, size))
        return tuple(view_apply(SPLIT, input, dim=d, split_size=size, index=i)
                     for i in range(n))
    sizes = tuple(int(s) for s in split_size_or_sections)
    if sum(sizes) != length:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
            f"size at dimension {d}), but got split_sizes={list(sizes)}")
    return tuple(view_apply(SPLIT_WITH_SIZES, input, dim=d, split_sizes=sizes, index=i)
                 for i in range(len(sizes)))


@expose()
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, each without that dim (views of ``input``).

    Args:
        input: The tensor.
        dim: The dim to slice along and remove. Defaults to 0.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).unbind(1)
    (tensor([1., 3.], grad_fn=<UnbindBackward0>), tensor([2., 4.], grad_fn=<UnbindBackward0>))
    """
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    return tuple(view_apply(UNBIND, input, dim=d, index=i) for i in range(input.shape[d]))


@expose()
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of equal size (``ceil(size / chunks)``) along ``dim``.

    Args:
        input: The tensor.
        chunks: The number of pieces wanted, at least 1.
        dim: The dim to split. Defaults to 0.

    >>> import symgrad
    >>> [p.shape[0] for p in symgrad.zeros(5).chunk(3)]
    [2, 2, 1]
    """
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    length = input.shape[wrap_dim(dim, input.ndim)]
    if length == 0:
        # PyTorch splits an empty dim into ``chunks`` empty pieces, with split_with_sizes.
        return split(input, [0] * chunks, dim)
    return split(input, max(1, -(-length // chunks)), dim)


@expose()
def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying (-1 keeps a dim).

    Each copy of an element sends its gradient back to it, so the gradients add up:

    Args:
        input: The tensor.
        *sizes: The new shape, given separately or as one sequence: a size of one may
            grow, -1 keeps a dim, and new leading dims may be added.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> y = x.expand(2, -1); y
    tensor([[1., 2., 3.],
            [1., 2., 3.]], grad_fn=<ExpandBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([[2., 2., 2.]])
    """
    _required(sizes, "expand", "size")
    target = list(_shape_args(sizes))
    lead = len(target) - input.ndim
    if lead < 0:
        # (PyTorch has no legacy tensor type name for bool and bfloat16: it names the type.)
        name = {"bool": "CPUBoolType", "bfloat16": "CPUBFloat16Type"}.get(
            input.dtype.name, f"symgrad.{registry._TORCH_NAMES[input.dtype.name]}Tensor")
        raise RuntimeError(f"expand({name}{{{list(input.shape)}}}, size={target}): the number "
                           f"of sizes provided ({len(target)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({input.ndim})")
    for i, s in reversed(list(enumerate(input.shape))):  # PyTorch checks the last dim first
        if target[lead + i] == -1:
            target[lead + i] = s
        elif s != 1 and target[lead + i] != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[lead + i]}) must match the existing "
                f"size ({s}) at non-singleton dimension {lead + i}.  Target sizes: "
                f"{list(_shape_args(sizes))}.  Tensor sizes: {list(input.shape)}")
    if input.ndim == 0 and any(s < 0 for s in target):
        # PyTorch's 0-dim path multiplies the sizes before it checks them.
        raise RuntimeError("numel: integer multiplication overflow")
    for i in reversed(range(lead)):
        if target[i] < 0:
            raise RuntimeError(f"The expanded size of the tensor ({target[i]}) isn't allowed in a "
                               f"leading, non-existing dimension {i}")
    return view_apply(EXPAND, input, shape=tuple(target))


@expose(function=False)
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``: the same memory in ``other``'s shape.

    Parameters:
        input: the tensor to view.
        other: the tensor whose shape the view takes.

    >>> import symgrad
    >>> symgrad.zeros(6).view_as(symgrad.zeros(2, 3)).shape
    symgrad.Size([2, 3])
    """
    return view(input, tuple(other.shape))


@expose(function=False)
def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``.

    Parameters:
        input: the tensor to reshape.
        other: the tensor whose shape the result takes.

    >>> import symgrad
    >>> symgrad.arange(4).reshape_as(symgrad.zeros(2, 2))
    tensor([[0, 1],
            [2, 3]])
    """
    return reshape(input, tuple(other.shape))


@expose(function=False)
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``: broadcast to ``other``'s shape without copying.

    Parameters:
        input: the tensor to broadcast.
        other: the tensor whose shape the result takes.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0]).expand_as(symgrad.zeros(2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return expand(input, tuple(other.shape))


@expose(method=False)
def broadcast_to(input: Tensor, size: Any) -> Tensor:
    """``input.expand(size)``.

    Args:
        input: The tensor.
        size: The new shape, as ``expand`` takes it.

    >>> import symgrad
    >>> symgrad.broadcast_to(symgrad.tensor([1, 2]), (2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, tuple(size))


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Sum broadcast dims away so the result has ``size``.

    Args:
        *size: The shape wanted, given separately or as one sequence; this tensor must
            broadcast to it.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.sum_to_size(1, 2), x.sum_to_size(2)
    (tensor([[4., 6.]]), tensor([4., 6.]))
    """
    shape = _shape_args(size)
    if tuple(input.shape) == shape:
        return input
    lead = input.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and input.shape[lead + i] != 1)
    out = input.sum(dim=dims, keepdim=True) if dims else input
    return out.reshape(shape) if lead else out


Tensor.sum_to_size = sum_to_size  # type: ignore[attr-defined]


def to(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """A copy converted to a dtype (``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other)``); the same tensor when nothing changes and no copy is asked for.

    Only a floating result stays in the graph; a cast to an integer type truncates toward 0.
    The arguments are read as PyTorch's three signatures of ``to`` take them; any other
    combination raises PyTorch's "invalid combination of arguments" TypeError.

    Args:
        *args: ``(device=None, dtype=None, non_blocking=False, copy=False)``, or
            ``(dtype, non_blocking=False, copy=False)``, or ``(tensor, non_blocking=False,
            copy=False)`` whose dtype is taken. A device is only the CPU (others raise
            PyTorch's error); a dtype may be a Python type (``float`` is float64).
        **kwargs: The same by name, and ``memory_format``: None or PyTorch's contiguous or
            preserve format (symgrad has only the row-major layout).

    >>> import symgrad
    >>> x = symgrad.tensor([1.5, -2.5], requires_grad=True)
    >>> x.to(symgrad.float64)
    tensor([ 1.5000, -2.5000], dtype=symgrad.float64, grad_fn=<ToCopyBackward0>)
    >>> x.to(symgrad.int64), x.to("cpu") is x, x.to(symgrad.zeros(1, dtype=symgrad.float32)) is x
    (tensor([ 1, -2]), True, True)
    >>> x.to(object())
    Traceback (most recent call last):
    ...
    TypeError: to() received an invalid combination of arguments - got (object), but expected \
one of:
    ...
    """
    from symgrad import devices as _device

    bound = _to_arguments(args, kwargs)
    _check_layout(input, bound.get("memory_format"))
    if "tensor" in bound:
        target = bound["tensor"].dtype
    else:
        device = bound.get("device")
        if isinstance(device, int):  # a device index: of an accelerator, which there is not
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if device is not None:
            _device.check_device(device)
        target = _as_dtype(bound["dtype"])
    if target is None or target is input.dtype:
        return input.clone() if bound["copy"] else input
    if not target.is_floating_point or not input.is_floating_point():
        from symgrad.autograd import grad_mode

        with grad_mode.no_grad():
            return apply(TO_COPY, input, dtype=target.name)
    return apply(TO_COPY, input, dtype=target.name)


_REQUIRED = object()  # a parameter of ``to`` without a default
_FLAGS = (("non_blocking", lambda v: type(v) is bool, False),
          ("copy", lambda v: type(v) is bool, False))
_PYTHON_DTYPES = {float: "float64", int: "int64", bool: "bool"}  # PyTorch's readings


def _is_dtype(value: Any) -> bool:
    return isinstance(value, _dtypes.dtype) or any(value is t for t in (float, int, bool,
                                                                      complex))


# PyTorch's signatures of ``Tensor.to``, in its order: each parameter's name, test, default.
_TO_OVERLOADS = (
    (("device", lambda v: v is None or isinstance(v, str) or type(v) is int
      or type(v).__name__ == "device", None),
     ("dtype", lambda v: v is None or _is_dtype(v), None), *_FLAGS),
    (("dtype", _is_dtype, _REQUIRED), *_FLAGS),
    (("tensor", lambda v: isinstance(v, Tensor), _REQUIRED), *_FLAGS),
)
_TO_LISTED = "".join(
    f" * ({head}bool non_blocking = False, bool copy = False, *, torch.memory_format "
    "memory_format = None)\n"
    for head in ("torch.device device = None, torch.dtype dtype = None, ",
                 "torch.dtype dtype, ", "Tensor tensor, "))


def _to_arguments(args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a call of ``to`` by name, under the first of PyTorch's signatures
    that takes them; else PyTorch's TypeError."""
    for params in _TO_OVERLOADS:
        bound = _bind(params, args, kwargs)
        if bound is not None:
            return bound
    from symgrad._from_data import torch_type_name

    got = [torch_type_name(a) for a in args] + [f"{k}={torch_type_name(v)}"
                                                  for k, v in kwargs.items()]
    # PyTorch ends a list of keywords alone with ", " (``got (banana=int, )``)
    shown = ", ".join(got) + (", " if kwargs and not args else "")
    raise TypeError(f"to() received an invalid combination of arguments - got ({shown}), but "
                    f"expected one of:\n{_TO_LISTED}")


def _bind(params: tuple, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    if len(args) > len(params):
        return None
    bound: dict[str, Any] = {}
    for (name, test, _), value in zip(params, args, strict=False):
        if not test(value):
            return None
        bound[name] = value
    tests = {name: test for name, test, _ in params}
    for name, value in kwargs.items():
        if name == "memory_format" and (value is None
                                        or type(value).__name__ == "memory_format"):
            bound[name] = value
        elif name in bound or name not in tests or not tests[name](value):
            return None
        else:
            bound[name] = value
    for name, _, default in params:
        if name not in bound:
            if default is _REQUIRED:
                return None
            bound[name] = default
    return bound


def _as_dtype(value: Any) -> _dtypes.dtype | None:
    """A dtype from ``to``'s argument: a dtype, None, or a Python type as PyTorch reads it."""
    if value is complex:
        raise TypeError("symgrad has no complex dtypes: can't convert to complex (PyTorch's "
                        "would be complex128)")
    if isinstance(value, type):
        return getattr(_dtypes, _PYTHON_DTYPES[value])
    return value


def _check_layout(input: Tensor, memory_format: Any) -> None:
    """Only the row-major layout: PyTorch's contiguous or preserve format (or None)."""
    name = str(memory_format).rpartition(".")[2]
    if memory_format is None or name in ("contiguous_format", "preserve_format"):
        return
    rank = {"channels_last": 4, "channels_last_3d": 5}.get(name)
    if rank is not None and input.ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")
    raise RuntimeError(f"symgrad has only the row-major layout: {memory_format} is not "
                       "supported")


Tensor.to = to  # type: ignore[attr-defined]


def _converter(name: str, dt: _dtypes.dtype, example: str) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return to(self, dt)

    method.__name__ = name
    method.__doc__ = f"""``self.to(symgrad.{dt.name})``.

    >>> import symgrad
    >>> {example}
    """
    return method


# Examples show what each conversion does to values: rounding to the narrower floats
# (0.1 is not representable), truncation toward 0, nonzero as True.
_CONVERSIONS = {
    "float": (_dtypes.float32, "symgrad.tensor([1, -2]).float()\n    tensor([ 1., -2.])"),
    "double": (_dtypes.float64, "symgrad.tensor([0.5]).double()\n"
                                "    tensor([0.5000], dtype=symgrad.float64)"),
    "half": (_dtypes.float16, "symgrad.tensor([1.0, 0.1]).half().tolist()\n"
                              "    [1.0, 0.0999755859375]"),
    "bfloat16": (_dtypes.bfloat16, "symgrad.tensor([1.0, 0.1]).bfloat16().tolist()\n"
                                   "    [1.0, 0.10009765625]"),
    "int": (_dtypes.int32, "symgrad.tensor([1.7, -2.7]).int()\n"
                           "    tensor([ 1, -2], dtype=symgrad.int32)"),
    "long": (_dtypes.int64, "symgrad.tensor([1.7, -2.7]).long()\n    tensor([ 1, -2])"),
    "bool": (_dtypes.bool, "symgrad.tensor([1.7, -0.1, 0.0]).bool()\n"
                           "    tensor([ True,  True, False])"),
    "short": (_dtypes.int16, "symgrad.tensor([1.7, -2.7]).short()\n"
                             "    tensor([ 1, -2], dtype=symgrad.int16)"),
    "char": (_dtypes.int8, "symgrad.tensor([100, 200]).char()\n"
                           "    tensor([100, -56], dtype=symgrad.int8)"),
    "byte": (_dtypes.uint8, "symgrad.tensor([1, 255, 256]).byte()\n"
                            "    tensor([  1, 255,   0], dtype=symgrad.uint8)"),
}
for _name, (_dt, _example) in _CONVERSIONS.items():
    setattr(Tensor, _name, _converter(_name, _dt, _example))
# The generated methods are not module attributes: listed here so doctest runs their examples.
__test__ = {_name: getattr(Tensor, _name) for _name in _CONVERSIONS}


from symgrad.ops import indexing  # noqa: E402 - the VJPs above use it
