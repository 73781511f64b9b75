"""Reducing scatters: ``scatter_reduce`` (ScatterReduceBackward0), ``index_reduce``
(IndexReduceBackward0) and ``scatter``'s deprecated ``reduce="add"|"multiply"`` (recorded as
PyTorch records it, a ``NotImplemented`` node whose backward raises).

``scatter_reduce(input, dim, index, src, reduce, include_self=True)`` reduces into each
position of ``input`` the ``src`` elements ``index`` sends there (``out[index[i][j]][j]`` for
``dim=0``), with ``input``'s own element when ``include_self``; positions no index reaches keep
``input``'s element. ``index_reduce`` sends whole slices: ``source``'s slice ``i`` along ``dim``
to ``input``'s slice ``index[i]``; it is ``scatter_reduce`` with ``index`` laid along ``dim``.

The VJPs are PyTorch's formulas (``scatter_reduce_backward``) written in symgrad ops, so
``create_graph=True`` works to any order:

- ``sum``: ``g`` to ``self`` (0 where ``include_self=False`` replaced it), ``g`` read back at
  ``index`` to ``src``;
- ``mean``: the same divided by each position's count;
- ``prod``: the product of the other members of a position's group: PyTorch's ``g * out / x``
  where that is it (no zero, no underflow or overflow, no graph recorded); otherwise the
  product of the others formed without dividing, each group a row of ones-padded matrix, so
  that zeros get their exact gradient and every order its exact derivative (PyTorch raises at
  the second order of a group with two zeros in ``src``);
- ``amax``/``amin``: ``g`` split evenly among the members equal to the result (PyTorch's).

Where symgrad differs from PyTorch 2.13, on purpose, the mathematics decides: with
``include_self=False``, PyTorch's ``amax``/``amin`` counts the excluded ``input`` element among
the ties when it equals the result (a ``src`` element alone at the max gets half the gradient);
symgrad leaves the excluded element out, as the forward does.
"""

from __future__ import annotations

import warnings
from typing import Any

import ml_dtypes
import numpy as np

from symgrad import _dtypes
from symgrad.autograd import grad_mode
from symgrad.ops import inplace as _inplace
from symgrad.ops.arguments import caller_level
from symgrad.ops.elementwise import where
from symgrad.ops.indexing import GATHER, _embed, index_put
from symgrad.ops.reductions import _others
from symgrad.ops.registry import ALL, Kink, apply, defop, expose, wrap_dim
from symgrad.ops.tensor_functions import SCATTER_VALUE, _scatter_index
from symgrad.tensor import Tensor

__all__ = ["scatter_reduce", "index_reduce"]

_grad_state = grad_mode._state


def _scatter_key(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The positions ``[index[i][j]][j]`` (for ``dim=0``) as a NumPy index; () for a 0-d one."""
    if index.ndim == 0:
        return ()
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
# PyTorch reads "max" and "min" as "amax" and "amin" too (undocumented).
_ALIASES = {"max": "amax", "min": "amin"}


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(a), False, None)


# -- the forward -----------------------------------------------------------------------------------
def _used(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The elements of ``src`` that ``index`` sends somewhere (``src`` may be larger)."""
    return src[tuple(slice(0, s) for s in index.shape)]


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """What a reduction starts from when ``input``'s element is left out."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
       "amin": np.minimum}


def _counts(shape: tuple[int, ...], index: np.ndarray, dim: int, include_self: bool
            ) -> np.ndarray:
    """How many members each position's group has (``input``'s own element counted when
    included): 0 for a position nothing reaches with ``include_self=False``."""
    n = np.full(shape, int(include_self), dtype=np.int64)
    np.add.at(n, _scatter_key(index, dim), 1)
    return n


def _reduced(self: np.ndarray, src: np.ndarray, *, dim: int, index: np.ndarray, reduce: str,
             include_self: bool) -> np.ndarray:
    if reduce == "mean" and self.dtype.kind == "b":
        # An empty index runs no scatter kernel: the division by the counts refuses bool.
        kernel = "scatter_gather_tensor_cpu_reduce_mean" if index.size else "div_floor_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    key = _scatter_key(index, dim)
    out = self.copy()
    if not include_self:
        out[key] = _identity(reduce, self.dtype)
    if out.dtype.kind == "b" and reduce in ("sum", "prod"):
        (np.logical_or if reduce == "sum" else np.logical_and).at(out, key, _used(src, index))
    else:
        _AT[reduce].at(out, key, _used(src, index))
    if reduce == "mean":
        n = _counts(self.shape, index, dim, include_self)
        n[n == 0] = 1
        if out.dtype.kind in "iu":
            out = np.floor_divide(out, n).astype(self.dtype)
        else:
            out = (out / n.astype(out.dtype)).astype(self.dtype)
    return out


def _slices_index(index: np.ndarray, dim: int, source_shape: tuple[int, ...]) -> np.ndarray:
    """``index_reduce``'s index (one per slice along ``dim``) as ``scatter_reduce``'s (one per
    element of ``source``)."""
    if not source_shape:
        return index.reshape(())
    shape = [1] * len(source_shape)
    shape[dim] = -1
    return np.broadcast_to(index.reshape(shape), source_shape)


def _index_reduced(self: np.ndarray, source: np.ndarray, *, dim: int, index: np.ndarray,
                   reduce: str, include_self: bool) -> np.ndarray:
    if not include_self and self.dtype.kind == "b":
        raise NotImplementedError(
            "\"index_reduce_func_exclude_input_init\" not implemented for 'Bool'")
    if reduce == "mean" and self.dtype.kind == "b":
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    return _reduced(self, source, dim=dim, index=_slices_index(index, dim, source.shape),
                    reduce=reduce, include_self=include_self)


# -- the backward ----------------------------------------------------------------------------------
def _read(t: Tensor, dim: int, index: np.ndarray, src_shape: tuple[int, ...]) -> Tensor:
    """``t`` read at ``index`` (gather), in ``src``'s shape (0 where ``index`` sends nothing)."""
    read = apply(GATHER, t, dim=dim, index=index)
    if tuple(read.shape) != tuple(src_shape):
        read = _embed(read, tuple(src_shape), tuple(slice(0, s) for s in index.shape))
    return read


def _cleared(g: Tensor, dim: int, index: np.ndarray) -> Tensor:
    """``g`` with the positions ``index`` reaches set to 0."""
    return apply(SCATTER_VALUE, g, dim=dim, index=index, value=0)


def _tied(self: np.ndarray, src: np.ndarray, out: np.ndarray, dim: int, index: np.ndarray,
          include_self: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which members of each group equal its result (self's, src's), and how many do."""
    key = _scatter_key(index, dim)
    self_is = np.asarray(self == out)  # an array for a 0-d self too, for np.add.at
    if not include_self:
        reached = np.zeros(self.shape, dtype=bool)
        reached[key] = True
        self_is &= ~reached
    src_is = np.zeros(src.shape, dtype=bool)
    used = tuple(slice(0, s) for s in index.shape)
    src_is[used] = src[used] == out[key]
    n = self_is.astype(np.int64)
    np.add.at(n, key, src_is[used])
    return self_is, src_is, n


def _vjp(g: Tensor, self: Tensor, src: Tensor, out: Tensor, *, dim: int, index: np.ndarray,
         reduce: str, include_self: bool, needs: tuple[bool, bool]
         ) -> tuple[Tensor | None, Tensor | None]:
    src_shape = tuple(src.shape)
    if reduce == "sum":
        d_self = (g if include_self else _cleared(g, dim, index)) if needs[0] else None
        return d_self, _read(g, dim, index, src_shape) if needs[1] else None
    if reduce == "mean":
        n = _counts(tuple(g.shape), index, dim, include_self)
        scaled = g / _const(np.maximum(n, 1).astype(g._data.dtype))
        d_self = (scaled if include_self else _cleared(scaled, dim, index)) if needs[0] else None
        return d_self, _read(scaled, dim, index, src_shape) if needs[1] else None
    if reduce in ("amax", "amin"):
        self_is, src_is, n = _tied(self._data, src._data, out._data, dim, index, include_self)
        share = g / _const(np.maximum(n, 1).astype(g._data.dtype))
        d_self = where(_const(self_is), share, 0.0) if needs[0] else None
        d_src = (where(_const(src_is), _read(share, dim, index, src_shape), 0.0)
                 if needs[1] else None)
        return d_self, d_src
    return _prod_vjp(g, self, src, out, dim, index, include_self, needs)


def _layout(shape: tuple[int, ...], dim: int, index: np.ndarray, include_self: bool
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Each group as a row of a matrix: the flat target of each ``src`` element, the positions
    reached, and each ``src`` element's row and column (column 0 holds ``input``'s element when
    it is included); and the matrix's width."""
    if index.ndim:
        target = np.ravel_multi_index(np.broadcast_arrays(*_scatter_key(index, dim)), shape)
    else:
        target = np.zeros((), dtype=np.int64)
    target = np.asarray(target, dtype=np.int64).reshape(-1)
    reached, rows = np.unique(target, return_inverse=True)
    rows = rows.reshape(-1)
    order = np.argsort(rows, kind="stable")
    starts = np.searchsorted(rows[order], rows[order], side="left")
    cols = np.empty_like(rows)
    cols[order] = np.arange(rows.size) - starts + int(include_self)
    width = int(cols.max(initial=-1)) + 1 if rows.size else int(include_self)
    return target, reached, rows, cols, max(width, 1)


def _prod_vjp(g: Tensor, self: Tensor, src: Tensor, out: Tensor, dim: int, index: np.ndarray,
              include_self: bool, needs: tuple[bool, bool]
              ) -> tuple[Tensor | None, Tensor | None]:
    used = tuple(slice(0, s) for s in index.shape)
    src_shape = tuple(src.shape)
    if not _grad_state.enabled and not _quotient_unsafe(self, src, out, used):
        # PyTorch's formula, where it is the product of the others: no zero, nothing past the
        # normal range.
        d_self = (g * out / self if include_self else _cleared(g, dim, index)) if needs[0] \
            else None
        d_src = _read(g * out, dim, index, src_shape) / src if needs[1] else None
        return d_self, d_src
    # NOTE: the product of the others without dividing (reductions' ``_others`` over each group
    # laid out as a row, padded with ones): out / x is 0/0 at a zero, and its derivative by x,
    # (out / x) / x - out / x**2, cancels to a rounding error where the exact value is 0 (4e-16
    # against 0 at the second order in float64).
    shape = tuple(self.shape)
    target, reached, rows, cols, width = _layout(shape, dim, index, include_self)
    members = Tensor._make(np.ones((reached.size, width), dtype=self._data.dtype), False, None)
    members = index_put(members, src[used].reshape(-1), (rows, cols))
    flat_self = self.reshape(-1)
    if include_self:
        members = index_put(members, flat_self[reached], (np.arange(reached.size),
                                                          np.zeros(reached.size, np.int64)))
    others = _others(members, 1)
    flat_g = g.reshape(-1)
    d_self = d_src = None
    if needs[0]:
        if include_self:
            d_self = index_put(flat_g, flat_g[reached] * others[:, 0], (reached,)).reshape(shape)
        else:
            d_self = _cleared(g, dim, index)
    if needs[1]:
        d_src = (flat_g[target] * others[(rows, cols)]).reshape(index.shape)
        if tuple(d_src.shape) != src_shape:
            d_src = _embed(d_src, src_shape, used)
    return d_self, d_src


def _quotient_unsafe(self: Tensor, src: Tensor, out: Tensor, used: tuple[slice, ...]) -> bool:
    """``out / x`` is not the product of the others: a zero, or a product that left the normal
    range (an underflow or overflow the others' product need not have)."""
    magnitude = np.abs(out._data.astype(np.float64))
    return bool((self._data == 0).any() or (src._data[used] == 0).any()
                or (magnitude < float(ml_dtypes.finfo(out._data.dtype).tiny)).any()
                or not np.isfinite(magnitude).all())


def _index_vjp(g: Tensor, self: Tensor, source: Tensor, out: Tensor, *, dim: int,
               index: np.ndarray, reduce: str, include_self: bool, needs: tuple[bool, bool]
               ) -> tuple[Tensor | None, Tensor | None]:
    return _vjp(g, self, source, out, dim=dim, index=_slices_index(index, dim, source.shape),
                reduce=reduce, include_self=include_self, needs=needs)


def _ties_of(arg: str, slices: bool = False) -> Any:
    """Where an ``amax``/``amin`` group's result is shared by more than one member: the mask of
    ``arg``'s elements among them (its parameters named as the op's inputs)."""

    def mask(self: np.ndarray, src: np.ndarray, dim: int, index: np.ndarray, reduce: str,
             include_self: bool) -> np.ndarray:
        shape = self.shape if arg == "self" else src.shape
        if reduce not in ("amax", "amin"):
            return np.zeros(shape, dtype=bool)
        if slices:
            index = _slices_index(index, dim, src.shape)
        out = _reduced(self, src, dim=dim, index=index, reduce=reduce,
                       include_self=include_self)
        self_is, src_is, n = _tied(self, src, out, dim, index, include_self)
        if arg == "self":
            return self_is & (n > 1)
        shared = np.zeros(src.shape, dtype=bool)
        used = tuple(slice(0, s) for s in index.shape)
        shared[used] = src_is[used] & (n[_scatter_key(index, dim)] > 1)
        return shared

    if slices:
        def at_slices(self: np.ndarray, source: np.ndarray, *, dim: int, index: np.ndarray,
                      reduce: str, include_self: bool) -> np.ndarray:
            return mask(self, source, dim, index, reduce, include_self)

        return at_slices

    def at(self: np.ndarray, src: np.ndarray, *, dim: int, index: np.ndarray, reduce: str,
           include_self: bool) -> np.ndarray:
        return mask(self, src, dim, index, reduce, include_self)

    return at


_TIE = "two members of a group tie for the extremum"


def _kinks(slices: bool = False) -> tuple[Kink, ...]:
    second = "source" if slices else "src"
    return (Kink("self", _TIE, _ties_of("self", slices), "mean"),
            Kink(second, _TIE, _ties_of("src", slices), "mean"))


SCATTER_REDUCE = defop(
    "scatter_reduce", "ScatterReduceBackward0", _reduced, vjp=_vjp,
    saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="scatter", kinks=_kinks())
INDEX_REDUCE = defop(
    "index_reduce", "IndexReduceBackward0", _index_reduced, vjp=_index_vjp,
    saves_attrs=("index",), dtype_rule="same", dtypes=ALL, kind="scatter", kinks=_kinks(True))


def _scatter_with_reduce(self: np.ndarray, src: np.ndarray, *, dim: int, index: np.ndarray,
                         reduce: str) -> np.ndarray:
    return _reduced(self, src, dim=dim, index=index,
                    reduce="sum" if reduce == "add" else "prod", include_self=True)


def _no_derivative(g: Tensor) -> Any:
    raise RuntimeError("derivative for aten::scatter is not implemented")


# PyTorch records scatter with a reduce but has no derivative for it: backward raises.
SCATTER_REDUCE_LEGACY = defop(
    "scatter_reduce_legacy", "torch::autograd::NotImplemented", _scatter_with_reduce,
    vjp=_no_derivative, differentiable=(), double_backward=False, saves_attrs=("index",),
    dtype_rule="same", dtypes=ALL, kind="index")


# -- public functions ------------------------------------------------------------------------------
def _reduction(reduce: Any, allowed: tuple[str, ...], message: str) -> str:
    reduce = _ALIASES.get(reduce, reduce) if isinstance(reduce, str) else reduce
    if reduce not in allowed:
        raise RuntimeError(message.format(reduce))
    return reduce


@expose()
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` with ``src``'s elements reduced into the positions ``index`` sends
    them to: ``out[index[i][j]][j]`` gathers ``src[i][j]`` for ``dim=0`` (and alike for other
    dims), with ``input``'s own element when ``include_self``.

    Args:
        input: The tensor reduced into (not changed).
        dim: The dim ``index`` indexes along.
        index: An int64 (or int32) tensor with ``input``'s number of dims, no larger than
            ``input`` apart from ``dim`` and no larger than ``src``.
        src: The tensor of ``input``'s dtype whose elements are reduced.
        reduce: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: Whether ``input``'s element at a position reached takes part. Defaults
            to True.

    Raises:
        RuntimeError: An unknown ``reduce``, or PyTorch's errors for ``index`` and ``src``.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0, 3.0])
    >>> src = symgrad.tensor([4.0, 5.0, 6.0, 7.0])
    >>> x.scatter_reduce(0, symgrad.tensor([0, 0, 2, 2]), src, "amax")
    tensor([5., 2., 7.])
    >>> x.scatter_reduce(0, symgrad.tensor([0, 0, 2, 2]), src, "mean", include_self=False)
    tensor([4.5000, 2.0000, 6.5000])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 4) must be Tensor, not "
                        f"{type(src).__name__}")
    reduce = _reduction(reduce, REDUCTIONS, "reduce argument must be either sum, prod, mean, "
                        "amax or amin, got {}")
    d, idx = _scatter_index("scatter_reduce", input, dim, index, src)
    return apply(SCATTER_REDUCE, input, src, dim=d, index=idx, reduce=reduce,
                 include_self=bool(include_self))


def _scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                     include_self: bool = True) -> Tensor:
    """``scatter_reduce``, written into this tensor.

    Args:
        dim: The dim ``index`` indexes along.
        index: The positions reduced into, as ``scatter_reduce`` takes them.
        src: The tensor reduced.
        reduce: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: Whether this tensor's element at a position reached takes part.

    >>> import symgrad
    >>> symgrad.ones(2).scatter_reduce_(0, symgrad.tensor([1, 1]), symgrad.tensor([2.0, 3.0]),
    ...                                 "prod")
    tensor([1., 6.])
    """
    return _inplace.rewrite(self, lambda old: scatter_reduce(
        old, dim, index, src, reduce, include_self=include_self))


def _index_reduce_checks(input: Tensor, dim: int, index: Any, source: Any) -> tuple[int,
                                                                                    np.ndarray]:
    if not isinstance(index, Tensor):
        raise TypeError(f"index_reduce(): argument 'index' (position 2) must be Tensor, not "
                        f"{type(index).__name__}")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_reduce(): argument 'source' (position 3) must be Tensor, not "
                        f"{type(source).__name__}")
    d = wrap_dim(dim, input.ndim)
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{idx.ndim} with type: {_dtypes._TORCH_NAMES[index.dtype.name]} and "
                         f"size: {list(idx.shape)}")
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{_dtypes._TORCH_NAMES[index.dtype.name]}")
    if input.dtype is not source.dtype:
        raise RuntimeError(f"index_reduce_(): self ({_dtypes._TORCH_NAMES[input.dtype.name]}) "
                           f"and source ({_dtypes._TORCH_NAMES[source.dtype.name]}) must have "
                           "the same scalar type")
    size = source.shape[d] if source.ndim else 1
    if idx.size != size:
        raise RuntimeError(f"index_reduce_(): Number of indices ({idx.size}) should be equal "
                           f"to source.size(dim): ({size}), for dim: {d}")
    same = source.ndim == input.ndim and all(
        a == b for i, (a, b) in enumerate(zip(input.shape, source.shape, strict=True))
        if i != d)
    if not same and (source.ndim or input.ndim):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    limit = input.shape[d] if input.ndim else 1
    if ((idx < 0) | (idx >= limit)).any():
        raise IndexError("index out of range in self")
    return d, idx.reshape(-1).astype(np.int64)


@expose()
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of ``input`` with ``source``'s slices along ``dim`` reduced into the slices
    ``index`` names: slice ``i`` of ``source`` into slice ``index[i]`` of the result.

    Args:
        input: The tensor reduced into (not changed).
        dim: The dim the slices are taken along.
        index: A 1-d int64 (or int32) tensor, one entry per slice of ``source``.
        source: The tensor of ``input``'s dtype and shape but along ``dim``.
        reduce: ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: Whether ``input``'s slices reached take part. Defaults to True.

    Raises:
        RuntimeError: An unknown ``reduce``, or PyTorch's errors for ``index`` and ``source``.

    >>> import symgrad
    >>> x = symgrad.ones(3, 2)
    >>> src = symgrad.tensor([[2.0, 3.0], [4.0, 5.0]])
    >>> x.index_reduce(0, symgrad.tensor([0, 0]), src, "prod")
    tensor([[ 8., 15.],
            [ 1.,  1.],
            [ 1.,  1.]])
    """
    reduce = _reduction(reduce, REDUCTIONS[1:], "index_reduce(): Expected reduce to be one of "
                        "prod, mean, amax or amin but got {}.")
    d, idx = _index_reduce_checks(input, dim, index, source)
    return apply(INDEX_REDUCE, input, source, dim=d, index=idx, reduce=reduce,
                 include_self=bool(include_self))


def _index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """``index_reduce``, written into this tensor.

    Args:
        dim: The dim the slices are taken along.
        index: One entry per slice of ``source``.
        source: The slices reduced.
        reduce: ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: Whether this tensor's slices reached take part.

    >>> import symgrad
    >>> symgrad.zeros(2).index_reduce_(0, symgrad.tensor([1]), symgrad.tensor([3.0]), "amax")
    tensor([0., 3.])
    """
    return _inplace.rewrite(self, lambda old: index_reduce(
        old, dim, index, source, reduce, include_self=include_self))


def scatter_with_reduce(input: Tensor, dim: int, index: Any, src: Any, reduce: str) -> Tensor:
    """``scatter(input, dim, index, src, reduce=...)``: ``"add"`` sums ``src`` into ``input``
    at ``index``, ``"multiply"`` multiplies it in (``input`` included), with PyTorch's
    deprecation warning for a tensor ``src``. PyTorch has no derivative for it: the result's
    backward raises.

    Args:
        input: The tensor reduced into (not changed).
        dim: The dim ``index`` indexes along.
        index: The positions, as ``scatter`` takes them.
        src: A tensor of ``input``'s dtype, or a number.
        reduce: ``"add"`` or ``"multiply"``.

    >>> import symgrad
    >>> symgrad.ones(3).scatter(0, symgrad.tensor([0, 0]), 2.0, reduce="multiply")
    tensor([4., 1., 1.])
    """
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        d, idx = _scatter_index("scatter", input, dim, index, src)
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.", UserWarning,
                      stacklevel=caller_level())
    else:
        d, idx = _scatter_index("scatter", input, dim, index, None)
        src = Tensor._make(np.full(idx.shape, _dtypes.scalar_as(src, input._data.dtype),
                                   dtype=input._data.dtype), False, None)
    return apply(SCATTER_REDUCE_LEGACY, input, src, dim=d, index=idx, reduce=reduce)


Tensor.scatter_reduce_ = _scatter_reduce_  # type: ignore[attr-defined]
Tensor.index_reduce_ = _index_reduce_  # type: ignore[attr-defined]
__test__ = {"scatter_reduce_": _scatter_reduce_, "index_reduce_": _index_reduce_}
