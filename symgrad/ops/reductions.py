"""Reductions: sums, means, products, extrema, moments, norms and scans.

Dims are stored normalised on the node: a sorted tuple of non-negative ints (None: all dims)
for ops that take several, a non-negative int for ops that take one (``prod``, ``max_dim``,
``cumsum``). float16/bfloat16 inputs accumulate in float32 and round once at the end, and
integer or bool sums, products and scans give int64, as PyTorch's do.

Where an extremum is tied, its gradient is split evenly among the tied elements (PyTorch's
convention for ``max()``, ``amax`` and the inf-norm); ``max(dim)`` gives it all to the index it
returns, the first of the tied ones.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import ml_dtypes
import numpy as np

from symgrad import _dtypes, return_types
from symgrad._dtypes import NOT_FLOATING
from symgrad.autograd.grad_mode import _state as _grad_state
from symgrad.autograd.graph import keep_inputs_as_recorded, save_outputs
from symgrad.ops.arguments import parser_error
from symgrad.ops.registry import (
    ALL,
    FUNCTIONS,
    Kink,
    apply,
    defop,
    expose,
    refuse,
    wrap_dim,
)
from symgrad.tensor import Tensor


def normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...] | None:
    """Dims as a sorted tuple of non-negative ints (None: all), with PyTorch's errors.

    >>> normalize_dims((-1, 0), 3)
    (0, 2)
    """
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out: list[int] = []
    for d in dims:
        d = wrap_dim(d, ndim)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out))


def _one_dim(dim: int, ndim: int) -> int:
    (d,) = normalize_dims(dim, ndim) or (0,)
    return d


def expand_reduced(g: Tensor, shape: tuple[int, ...], dim: tuple[int, ...] | int | None,
                   keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back to the input's shape."""
    return _expand(_undropped(g, shape, dim, keepdim), shape)


def _undropped(g: Any, shape: tuple[int, ...], dim: tuple[int, ...] | int | None,
               keepdim: bool) -> Any:
    """``g`` (a tensor or an array) with the dims a reduction over ``dim`` dropped back, as 1s."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and not keepdim and shape:
        kept = list(g.shape)
        for d in dim:
            kept.insert(d, 1)
        g = g.reshape(tuple(kept))
    return g


def _expand(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``g.expand(shape)``. In a backward that records nothing, only the engine reads the
    expanded gradient, so it need not be a view tracked for in-place checks (which costs more
    than the broadcast itself): a plain array of the values does."""
    if _grad_state.enabled:
        return g.expand(shape)
    if g._data.shape == shape:
        return g
    return Tensor._make(_expand_array(g._data, shape), False, None)


def _expand_array(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``_expand`` on an array: the sums' array VJPs."""
    if g.shape == shape:
        return g
    if math.prod(shape) >= _LARGE:
        # On large shapes a read-only view of the values saves allocating them.
        if g.size == 1:
            return _everywhere(g, shape)
        return np.broadcast_to(g, shape)
    # A filled array costs a fraction of np.broadcast_to's view on small shapes.
    data = np.empty(shape, g.dtype)
    data[...] = g
    return data


def _everywhere(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``np.broadcast_to(g, shape)`` for a one-element ``g`` (a full reduction's gradient): a
    read-only view with every stride 0. Made by ndarray's own constructor: np.broadcast_to's
    Python (an nditer) costs 2 us alone and 18 inside a backward whose large arrays have evicted
    the interpreter's data from the caches."""
    view = np.ndarray(shape, g.dtype, g, 0, (0,) * len(shape))
    view.flags.writeable = False
    return view


# Elements from which ``_expand`` views a gradient rather than filling an array: past a few
# pages, allocating costs more than ``np.broadcast_to``'s few microseconds.
_LARGE = 4096


# -- forward helpers: accumulate in float32 for half types, in int64 for integers ---------------
_HALF = (_dtypes.float16.np, _dtypes.bfloat16.np)
# Means, moments and norms of bool and integer tensors: PyTorch refuses them (its messages).
_MEAN_REFUSES = refuse(NOT_FLOATING, "mean(): could not infer output dtype. Input dtype must be "
                       "either a floating point or complex dtype. Got: {dtype}")
_MOMENT_REFUSES = refuse(NOT_FLOATING, "std and var only support floating point and complex dtypes")


_ACC = {d: np.float32 for d in _HALF} | {d.np: np.int64 for d in NOT_FLOATING}


def _acc(a: np.ndarray) -> Any:
    return _ACC.get(a.dtype)


def _round(out: Any, a: np.ndarray) -> np.ndarray:
    return np.asarray(out, dtype=a.dtype if a.dtype in _HALF else None)


def _axis(dim: tuple[int, ...] | None, a: np.ndarray) -> tuple[int, ...] | None:
    # A zero-dim tensor reduced over dim 0 is itself.
    return () if a.ndim == 0 and dim is not None else dim


def _count(shape: tuple[int, ...], dim: tuple[int, ...] | int | None) -> int:
    if dim is None or not shape:
        return math.prod(shape)
    dims = (dim,) if isinstance(dim, int) else dim
    return math.prod(shape[d] for d in dims)


def _const(values: np.ndarray, like: Tensor) -> Tensor:
    """A constant of ``like``'s dtype: masks and signs whose own derivative is zero."""
    return Tensor._make(np.asarray(values, dtype=like._data.dtype), False, None)


def read_as(self: np.ndarray, dtype: str | None) -> np.ndarray:
    """The input as a reduction given PyTorch's ``dtype=`` reads it: cast to ``dtype`` inside
    the node, as PyTorch's kernels cast (its node takes the input itself, no ToCopyBackward0;
    the engine casts the gradient back to the input's dtype). ``dtype`` is a dtype's name."""
    return self if dtype is None else self.astype(_dtypes._by_name(dtype).np)


def _saved_as(self: Tensor, dtype: str | None) -> Tensor:
    """A saved input as the forward read it (``read_as``), recorded when a VJP is."""
    return self if dtype is None else self.to(_dtypes._by_name(dtype))


def _sum_forward(self: np.ndarray, *, dim: tuple[int, ...] | None, keepdim: bool,
                 dtype: str | None = None) -> np.ndarray:
    self = read_as(self, dtype)
    # np.add.reduce is what np.sum calls, without its Python layer (most of a small sum's time).
    acc = _acc(self)
    out = np.add.reduce(self, axis=_axis(dim, self), dtype=acc, keepdims=keepdim)
    return out if acc is not np.float32 else np.asarray(out, dtype=self.dtype)


def _mean_forward(self: np.ndarray, *, dim: tuple[int, ...] | None, keepdim: bool,
                  dtype: str | None = None) -> np.ndarray:
    self = read_as(self, dtype)
    total = np.sum(self, axis=_axis(dim, self), keepdims=keepdim, dtype=_acc(self))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _round(total / total.dtype.type(_count(self.shape, dim)), self)


def _prod_forward(self: np.ndarray, *, dim: int | None, keepdim: bool,
                  dtype: str | None = None) -> np.ndarray:
    self = read_as(self, dtype)
    axis = None if dim is None or self.ndim == 0 else dim
    # float32 accumulates in float64: a running product that passes below float32's normal
    # range ([2**-149, 1.5, 1.2e18]) would round to its subnormal spacing on the way.
    acc = np.float64 if self.dtype == np.float32 else _acc(self)
    return np.asarray(np.prod(self, axis=axis, keepdims=keepdim, dtype=acc),
                      dtype=self.dtype if acc in (np.float32, np.float64) else None)


def _extremum(fn: Any, self: np.ndarray, dim: tuple[int, ...] | None, keepdim: bool,
              last: bool = False) -> np.ndarray:
    out = np.asarray(fn(self, axis=_axis(dim, self), keepdims=keepdim))
    if out.dtype.kind == "f" and out.size and not out.all():  # a zero: which zero's sign
        out = _signed_zero_of(out, self, _axis(dim, self), keepdim, last)
    return out


def _signed_zero_of(out: np.ndarray, self: np.ndarray, axis: tuple[int, ...] | None,
                    keepdim: bool, last: bool) -> np.ndarray:
    """``out`` with each zero extremum signed as PyTorch's kernels sign it. -0.0 and +0.0 tie,
    so the mathematics leaves the sign open and PyTorch's stands: max(dim)/min(dim) give the
    element at their index (the first tied zero) at every size; amax/amin the first zero too
    while the reduction is shorter than their kernel's unrolling (32 float32 or 16 float64
    elements; past it their lanes' order, not followed); max()/min() (``last``) the zero
    their 256-bit lanes keep (``_lane_kept``)."""
    if last:
        flat = self.reshape(-1)
        return np.copysign(out, flat[_lane_kept(np.flatnonzero(flat == 0), flat.itemsize)])
    axes = tuple(range(self.ndim)) if axis is None else axis
    rest = tuple(k for k in range(self.ndim) if k not in axes)
    lines = np.transpose(self, rest + axes).reshape(
        tuple(self.shape[k] for k in rest) + (-1,))
    pick = np.argmax(lines == 0, axis=-1)
    sign = np.take_along_axis(lines, pick[..., None], axis=-1).reshape(out.shape)
    return np.where(out == 0, np.copysign(np.zeros((), out.dtype), sign), out)


def _lane_kept(zeros: np.ndarray, itemsize: int) -> int:
    """Which of the tied zeros (flat positions) PyTorch's whole-tensor max/min keeps: element
    i runs in lane i % (32 / itemsize), a lane keeps its last tie and the last tied lane wins.
    Exact for float64 (4,000 random lines of 1-199 elements); float32's 8 lanes agree below 8
    elements and for 97% of longer lines, where its unrolled accumulators order more."""
    lanes = 32 // itemsize
    return int(zeros[np.lexsort((zeros, zeros % lanes))[-1]])


def _var_forward(self: np.ndarray, *, dim: tuple[int, ...] | None, correction: float,
                 keepdim: bool, root: bool = False) -> np.ndarray:
    # float32 accumulates in float64, as PyTorch's Welford does: std([1e20, 0, 1]) squares
    # past float32's range on the way to a representable result.
    x = self.astype(np.float64 if self.dtype == np.float32 else _acc(self) or self.dtype)
    axis = _axis(dim, self)
    mean = np.mean(x, axis=axis, keepdims=True)
    # One correction pass (the corrected two-pass algorithm): the rounded mean of equal values
    # can sit an ulp off them; correcting it makes their variance exactly 0, as PyTorch's is.
    mean = mean + np.mean(x - mean, axis=axis, keepdims=True)
    centred = x - mean
    divisor = builtins.max(_count(self.shape, dim) - correction, 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if not root:
            out = np.sum(centred * centred, axis=axis, keepdims=keepdim) / x.dtype.type(divisor)
            return np.asarray(out, dtype=self.dtype)
        # Scaled by the largest deviation before squaring, as hypot and BLAS nrm2 are: the
        # squares of deviations below sqrt(tiny) underflow to 0, and std with them, though
        # std itself is representable (std of [0, 4.5e-297] is 3.2e-297, not 0).
        spread = np.max(np.abs(centred), axis=axis, keepdims=True) if x.size else \
            np.zeros((), x.dtype)
        spread = np.where((spread > 0) & np.isfinite(spread), spread, 1)
        unit = centred / spread
        out = np.sqrt(np.sum(unit * unit, axis=axis, keepdims=True) / x.dtype.type(divisor))
        out = out * spread
        return np.asarray(out if keepdim else np.squeeze(out, axis=axis), dtype=self.dtype)


def _logsumexp_forward(self: np.ndarray, *, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
    # Narrower dtypes work in float64 and round once: exp, the sum and log each rounding in
    # float32 left 0.8 ULP (a permuted (4, 3, 2)'s dims (0, -1)), PyTorch's 0.2.
    narrow = self.dtype in _HALF or self.dtype == np.float32
    x = self.astype(np.float64 if narrow else _acc(self) or self.dtype)
    axis = _axis(dim, self)
    # Shifting by the max keeps exp from overflowing; an infinite max is left unshifted so that
    # -inf rows stay -inf instead of becoming nan.
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((), x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    out = out if keepdim else np.squeeze(out, axis=axis)
    return np.asarray(out, dtype=self.dtype if narrow else None)


def _norm_forward(self: np.ndarray, *, p: float, dim: tuple[int, ...] | None,
                  keepdim: bool, dtype: str | None = None) -> np.ndarray:
    self = read_as(self, dtype)
    x = np.abs(self.astype(_acc(self) or self.dtype))
    axis = _axis(dim, self)
    if p == 1:
        out = np.sum(x, axis=axis, keepdims=keepdim)
    elif p == 0:
        out = np.sum(x != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
    elif p == math.inf:
        out = np.max(x, axis=axis, keepdims=keepdim, initial=0)
    elif p == -math.inf:
        out = np.min(x, axis=axis, keepdims=keepdim)
    else:
        # Scaled by a power of 2 (exactly) to the largest |x| (the smallest for p < 0), the
        # powers neither underflow (x * x of a subnormal is 0) nor make the sum huge or tiny,
        # where the rounding of 1 / p, times log(sum), put p = 3 at 2.8e-34 46 ULP off.
        e = _norm_exponent(x, p, axis)
        y = np.ldexp(x, -e)
        # A negative p meets |0| ** p = inf, and inf ** (1 / p) = 0: the norm is 0, as it should.
        with np.errstate(divide="ignore", over="ignore", under="ignore"):
            total = np.sum(y * y if p == 2 else y**p, axis=axis, keepdims=True)
            out = np.ldexp(np.sqrt(total) if p == 2 else total ** (1 / p), e)
        if not keepdim:
            out = np.squeeze(out, axis=axis)
    return _round(out, self)


def _norm_exponent(x: np.ndarray, p: float, axis: tuple[int, ...] | None) -> np.ndarray:
    """Per reduced slice (kept dims), the exponent e of its largest |x| (the smallest nonzero
    one for p < 0), ``|x| = m * 2**e`` with m in [0.5, 1); 0 where it is 0 or not finite."""
    if p > 0:
        ref = np.max(x, axis=axis, keepdims=True, initial=0)
    else:
        ref = np.min(np.where(x > 0, x, np.inf), axis=axis, keepdims=True, initial=np.inf)
    return np.frexp(np.where(np.isfinite(ref), ref, 0))[1]


def _scan(fn: Any, self: np.ndarray, dim: int) -> np.ndarray:
    return _round(fn(self, axis=dim if self.ndim else None, dtype=_acc(self)).reshape(self.shape),
                  self)


def _cumsum_forward(self: np.ndarray, *, dim: int, dtype: str | None = None) -> np.ndarray:
    self = read_as(self, dtype)
    if self.dtype.kind != "f" or self.size <= 1:
        return _scan(np.cumsum, self, dim)
    # float32 accumulates in float64, as PyTorch's cumsum does. Each running sum is then
    # corrected by what every addition before it lost (Knuth's TwoSum of the previous sum and the
    # term, exact): a plain running sum of 300 terms that cancel was a median 74 ULP off in
    # float64 (9,626 at worst), and cumsum is its own VJP, reversed.
    x = self.astype(np.float64 if self.dtype == np.float32 else _acc(self) or self.dtype)
    total = np.cumsum(x, axis=dim)
    before = np.roll(total, 1, axis=dim)
    np.moveaxis(before, dim, 0)[0] = 0
    part = total - before
    with np.errstate(invalid="ignore"):
        lost = (before - (total - part)) + (x - part)
    lost = np.cumsum(np.where(np.isfinite(lost), lost, 0), axis=dim)
    # Where nothing was lost the sum stays as it is: -0.0 + 0.0 would lose a signed zero.
    return np.where(lost == 0, total, total + lost).astype(self.dtype)


# -- backward helpers ----------------------------------------------------------------------------
def _tied(self: Tensor, out: Tensor, dim: tuple[int, ...] | None, keepdim: bool,
          nan_ties: bool = False) -> Tensor:
    """Weights that share an extremum's gradient evenly among the elements equal to it; with
    ``nan_ties`` a NaN counts as equal to a NaN result, as PyTorch's ``max()`` has it (its
    ``amax`` does not: its gradient is then NaN)."""
    x = self._data
    m = out._data if keepdim or dim is None else np.expand_dims(out._data, _axis(dim, x) or ())
    hit = x == m
    if nan_ties and np.isnan(m).any():
        hit |= np.isnan(x)
    return _const(hit / np.sum(hit, axis=_axis(dim, x), keepdims=True), self)


def _routed(g: Tensor, weights: Tensor) -> Tensor:
    """``g * weights`` where a weight is not 0, and exactly +0 elsewhere: the gradient of an
    extremum goes to the elements it selected (an infinite ``g`` gave 0 * inf = nan to the
    others, and -0.0 for a negative one, where PyTorch's max and max(dim) scatter 0)."""
    return where(Tensor._make(weights._data != 0, False, None), g * weights, 0.0)


def _spread(t: Tensor, dim: int, n: int) -> Tensor:
    """``t`` repeated ``n`` times along a new axis inserted before ``dim``."""
    shape = tuple(t.shape)
    return t.reshape(shape[:dim] + (1,) + shape[dim:]).expand(shape[:dim] + (n,) + shape[dim:])


def _pairs(n: int, dim: int, ndim: int, relation: Any) -> Tensor:
    """A bool mask over (i, j) pairs of positions along ``dim``, laid out to broadcast against
    ``_spread`` of an ``ndim``-dim tensor."""
    i, j = np.ogrid[:n, :n]
    mask = relation(i, j).reshape((n, n) + (1,) * (ndim - dim - 1))
    return Tensor._make(mask, False, None)


def _without_each(self: Tensor, dim: int) -> Tensor:
    """The prod along ``dim`` of every element but one, for each one, without dividing: the
    element is replaced by 1 in its own row of an n x n spread (used only when zeros occur)."""
    n = self.shape[dim]
    ones = where(_pairs(n, dim, self.ndim, np.equal), 1.0, _spread(self, dim, n))
    return _prod_rounded_once(ones, dim + 1)


def _prod_rounded_once(t: Tensor, dim: int) -> Tensor:
    """``prod(t, dim)`` rounded once, also where it lies below the normal range.

    A running product that falls below the normal range rounds to the subnormal spacing at
    every later factor, and those errors grow with the factors after them: [2**-149, 2.5, 2.5,
    2.5, 2.5] gave 30 subnormal steps for 39.06 in float32. Here the factors' mantissas (in
    [0.5, 1), by frexp) are multiplied in float64 and their exponents summed, and ldexp rounds
    the whole once. When create_graph records this, the value is ``prod``'s plus that constant
    correction, so its derivative is ``prod``'s: scaling the factors inside the graph instead
    would make a backward pass through a subnormal intermediate gradient, with the same loss.
    """
    mantissa, exponent = np.frexp(t._data.astype(np.float64))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        value = np.ldexp(np.prod(mantissa, axis=dim), np.sum(exponent, axis=dim)).astype(
            t._data.dtype)
    if not _grad_state.enabled:
        return Tensor._make(value, False, None)
    plain = prod(t, dim)
    with np.errstate(over="ignore", invalid="ignore"):
        correction = np.where(np.isfinite(value) & np.isfinite(plain._data),
                              value - plain._data, 0)
    return plain + _const(correction, plain)


def _quotient_unsafe(self: Tensor, out: Tensor) -> bool:
    """``out / self`` is not the product of the others: ``self`` has a zero (0/0), or ``out``
    underflowed below the normal range or overflowed while the others' product need not have."""
    magnitude = np.abs(out._data.astype(np.float64))
    return bool((self._data == 0).any() or (magnitude < float(ml_dtypes.finfo(
        out._data.dtype).tiny)).any() or not np.isfinite(magnitude).all())


def _before_each(self: Tensor, dim: int) -> Tensor:
    """The product of the elements before each along ``dim`` (1 for the first): a cumprod of
    ``self`` shifted one place, so that no element's own factor enters its product."""
    shape = tuple(self.shape)
    one = _const(np.ones(shape[:dim] + (1,) + shape[dim + 1:]), self)
    return cumprod(cat([one, self.narrow(dim, 0, shape[dim] - 1)], dim), dim)


def _others(self: Tensor, dim: int) -> Tensor:
    """The product along ``dim`` of every element but each, without dividing: the product of
    those before it times that of those after it (O(n)), or, where a partial product is zero or
    left the normal range (a zero in ``self``, an underflow or overflow that the whole product
    of the others need not have), the exact n x n ``_without_each``."""
    if not self.shape[dim]:
        return _const(np.ones(self.shape), self)
    before = _before_each(self, dim)
    after = _before_each(self.flip((dim,)), dim).flip((dim,))
    partial = np.abs(np.concatenate([before._data.ravel(), after._data.ravel()]).astype(
        np.float64))
    if (partial < float(ml_dtypes.finfo(self._data.dtype).tiny)).any() or not np.isfinite(
            partial).all():
        return _without_each(self, dim)
    return before * after


def _prod_vjp(g: Tensor, self: Tensor, out: Tensor, *, dim: int | None, keepdim: bool,
              self_shape: tuple[int, ...], dtype: str | None = None) -> Tensor:
    self = _saved_as(self, dtype)
    g = expand_reduced(g, self_shape, dim, keepdim)
    if not _grad_state.enabled and not _quotient_unsafe(self, out):
        return g * expand_reduced(out, self_shape, dim, keepdim) / self
    # NOTE: out / self is 0/0 at a zero, and 0/self or inf/self when the product underflowed or
    # overflowed (PyTorch returns those); the product of the others is what the derivative is.
    # When create_graph records this VJP, out / self is not used either: its derivative by self
    # is (out / self) / self - out / self**2, two terms that cancel to 0 exactly, and their
    # rounding, out / self**2 against terms out / (self * other), was 268 ULP of the second
    # order at [2**-8, 1, 1] in float64. Each element's own factor stays out of the product of
    # the others, whose derivative by it is then 0 by construction.
    if dim is None or self.ndim == 0:
        return g * _others(self.reshape(-1), 0).reshape(self_shape)
    return g * _others(self, dim)


def _reverse_cumsum(t: Tensor, dim: int) -> Tensor:
    # Summing the reversed sequence, not total - cumsum, keeps small late terms exact.
    return cumsum(t.flip((dim,)), dim).flip((dim,))


def _cumprod_vjp(g: Tensor, self: Tensor, out: Tensor, *, dim: int,
                 dtype: str | None = None) -> Tensor:
    self = _saved_as(self, dtype)
    if self.ndim == 0:
        return g
    if self._data.dtype in _HALF:
        # As the forward does, half types compute in float32 and round once (the engine casts
        # the gradient back): each d/dx_i is a sum of products g_k * out_k / x_i that may
        # cancel, and rounding every product to bfloat16 first put [0, 1, 1, -6]'s d/dx_0 32
        # ULP off (its terms near 0.6 cancel to 0.0049).
        # The running products are recomputed in float32 too: the saved ones, rounded to the
        # half type (float16's 2**-24 * 1.5 to a subnormal), put the quotient 232 ULP off.
        wide = self.to(_dtypes.float32)
        return _cumprod_vjp(g.to(_dtypes.float32), wide, cumprod(wide, dim), dim=dim)
    if not _grad_state.enabled and not _quotient_unsafe(self, out):
        return _reverse_cumsum(g * out, dim) / self
    # With zeros (or a running product out of the normal range), d out_k / d x_i is the
    # cumprod up to k of the row with x_i replaced by 1, for every k >= i: an n x n spread, so
    # nothing divides by a zero. When create_graph records this VJP, the quotient's derivative
    # by self has terms that cancel to 0 as prod's do (187 ULP of the second order on all 2**-7
    # in float64), so this form, in which x_i is not a factor of its own row, is recorded.
    n = self.shape[dim]
    rows = cumprod(where(_pairs(n, dim, self.ndim, np.equal), 1.0, _spread(self, dim, n)), dim + 1)
    return where(_pairs(n, dim, self.ndim, np.less_equal), _spread(g, dim, n) * rows, 0.0).sum(
        dim + 1)


def _norm_vjp(g: Tensor, self: Tensor, out: Tensor, *, p: float, dim: tuple[int, ...] | None,
              keepdim: bool, self_shape: tuple[int, ...], dtype: str | None = None
              ) -> Tensor | None:
    if p == 0:
        # The count of nonzeros is piecewise constant; PyTorch gives no gradient at all.
        return None
    self = _saved_as(self, dtype)
    if self._data.dtype != np.float64:
        # Narrow dtypes work in float64, with the norm recomputed there from self (the saved
        # one's rounding, magnified where the second order's terms cancel, was 35 ULP of
        # float16), and round once.
        g, self = _wide(g), _wide(self)
        out = apply(NORM, self, p=p, dim=dim, keepdim=keepdim)
    if p == 1 or math.isinf(p):
        # PyTorch's self.sgn(), recorded: under create_graph the gradient requires grad where
        # self does (sgn's own derivative is zero, so a third order gives zeros, not an error),
        # and it is 0 at a NaN. For inf a NaN shares the gradient as the maximum does
        # (PyTorch's mask |self| == norm or isnan), where sgn zeroes it.
        signs = _sign_op(self)
        if p == 1:
            return expand_reduced(g, self_shape, dim, keepdim) * signs
        tied = _tied(Tensor._make(np.abs(self._data), False, None), out, dim, keepdim,
                     nan_ties=True)
        return expand_reduced(g, self_shape, dim, keepdim) * (tied * signs)
    sign = _const(np.sign(self._data), self)
    # A zero norm gets gradient 0 (PyTorch's choice among the subgradients); the inner where
    # keeps the unused branch finite, so gradients of this gradient are not nan. The norm has
    # no derivative there, so the mathematics leaves an incoming NaN or infinity undecided:
    # PyTorch multiplies it by that 0 for p = 2 and p < 1 (NaN; ``g * 0`` here) and masks
    # its quotient for the other p (0).
    zero = out == 0
    self, out = _norm_scaled(self, out, p=p, dim=dim, keepdim=keepdim)
    safe = where(zero, 1.0, out)
    if p == 2:
        return expand_reduced(where(zero, g * 0, g / safe), self_shape, dim, keepdim) * self
    at_zero_norm = expand_reduced(zero, self_shape, dim, keepdim)
    if p > 1:
        # NOTE: sign * |self| ** (p - 1) differentiates to (p - 1) |self| ** (p - 2) * sign**2:
        # for 1 < p < 2, inf * 0 = nan at a zero element, in the second order (PyTorch's too).
        # Written unsigned * (self * unsigned) ** (p - 1), with unsigned = +-1 (+1 at a zero),
        # the derivative is (p - 1) |self| ** (p - 2), its limit: +inf at a zero element of a
        # nonzero norm (0 for p > 2). Where the norm is 0 the gradient is 0 by convention and
        # so is its derivative: |self| is replaced by 1 there, which scale (0) multiplies.
        scale = where(zero, 0.0, g / safe ** (p - 1))
        unsigned = _const(np.where(self._data >= 0, 1, -1), self)
        magnitude = where(at_zero_norm, 1.0, self * unsigned)
        return expand_reduced(scale, self_shape, dim, keepdim) * unsigned * magnitude ** (p - 1)
    # p < 1: |self| ** (p - 1) is infinite at a zero element; PyTorch takes 0 there. Where the
    # norm is 0 (p < 0 with a zero element), |self| is replaced by 1 as for p > 1.
    at_zero = self == 0
    power = where(at_zero, 0.0, sign * where(at_zero | at_zero_norm, 1.0, self.abs()) ** (p - 1))
    scale = where(zero, g * 0, g * safe ** (1 - p))
    return expand_reduced(scale, self_shape, dim, keepdim) * power


def _norm_scaled(self: Tensor, out: Tensor, *, p: float, dim: tuple[int, ...] | None,
                 keepdim: bool) -> tuple[Tensor, Tensor]:
    """``self`` and its norm ``out`` both scaled by the power of 2 the forward scales by (to
    the largest |self|, the smallest nonzero one for p < 0): the gradient is the same function
    of them, and neither ``|self| ** (p - 1)`` nor ``out ** (p - 1)`` (``out ** 3`` in the
    second order) underflows for tiny inputs or overflows for huge ones. The scales are
    constants, exact in either direction, so derivatives pass through them. A norm out of the
    normal range (a subnormal one has lost digits, an infinite one all) is recomputed from
    the scaled ``self``."""
    x = np.abs(self._data.astype(np.float64))
    e = _norm_exponent(x, p, _axis(dim, x))
    if p > 0:
        # Scaled down to the largest |self|, a subnormal element would lose its digits, and
        # for p < 2 its gradient is far from negligible ((2**-149) ** 0.5 = 3.7e-23, and
        # larger for p < 1): only scaled up. For p < 0 the smallest nonzero one sets the scale.
        e = np.minimum(e, 0)
    # Two factors, each a normal number of self's dtype (2**1073 is not one in float64).
    half = -e // 2
    scales = [np.ldexp(1.0, half), np.ldexp(1.0, -e - half)]
    scaled = self * _const(scales[0], self) * _const(scales[1], self)
    magnitude = np.abs(out._data.astype(np.float64))
    if ((magnitude < float(ml_dtypes.finfo(out._data.dtype).tiny)) & (magnitude > 0)
            | np.isinf(magnitude)).any():
        return scaled, apply(NORM, scaled, p=p, dim=dim, keepdim=keepdim)
    if not keepdim and dim is not None and x.ndim:
        scales = [np.squeeze(c, axis=dim) for c in scales]
    elif dim is None:
        scales = [c.reshape(out.shape) for c in scales]
    return scaled, out * _const(scales[0], out) * _const(scales[1], out)


def _var_vjp(g: Tensor, self: Tensor, *, dim: tuple[int, ...] | None, correction: float,
             keepdim: bool, self_shape: tuple[int, ...]) -> Tensor:
    # Narrow dtypes work in float64, as std's VJP (self - mean cancels).
    g, self = _wide(g), _wide(self)
    divisor = builtins.max(_count(self_shape, dim) - correction, 0)
    centred = self - mean(self, dim, keepdim=True) if dim is not None else self - mean(self)
    return expand_reduced(g * (2.0 / divisor if divisor else math.inf), self_shape, dim,
                          keepdim) * centred


def _std_vjp(g: Tensor, self: Tensor, out: Tensor, *, dim: tuple[int, ...] | None,
             correction: float, keepdim: bool, self_shape: tuple[int, ...]) -> Tensor:
    # d std = (self - mean) / (divisor * std), the ratio taken first: it is at most
    # sqrt(divisor) at any scale, where 1 / std alone overflows for a tiny spread. PyTorch
    # takes 0 where std is 0 (all elements equal). Narrow dtypes work in float64 and round
    # once, with std recomputed there from self: self - mean cancels, and the second order's
    # terms as well, which carried the rounding of the saved std (60 ULP in float32).
    zero = out == 0
    divisor = builtins.max(_count(self_shape, dim) - correction, 0)
    if self._data.dtype != np.float64:
        g, self = _wide(g), _wide(self)
        out = apply(STD, self, dim=dim, correction=correction, keepdim=keepdim)
    centred = self - mean(self, dim, keepdim=True) if dim is not None else self - mean(self)
    g = where(zero, 0.0, g) * (1.0 / divisor if divisor else math.inf)
    std = expand_reduced(where(zero, 1.0, out), self_shape, dim, keepdim)
    return expand_reduced(g, self_shape, dim, keepdim) * (centred / std)


def _tie_points(find: Any) -> Any:
    """Where an extremum over the op's dims is shared by more than one element."""

    def at(self: np.ndarray, *, dim: Any = None, **_: Any) -> np.ndarray:
        x = np.asarray(self)
        axis = None if dim is None or x.ndim == 0 else dim
        hit = x == find(x, axis=axis, keepdims=True)
        return hit & (np.sum(hit, axis=axis, keepdims=True) > 1)

    return at


def _ties(find: Any, convention: Any = "mean") -> tuple[Kink, ...]:
    return (Kink("self", "two elements of self tie for the extremum", _tie_points(find),
                 convention),)




# -- sums and means ------------------------------------------------------------------------------
SUM = defop("sum", "SumBackward1", _sum_forward,
            vjp=lambda g, *, dim, keepdim, self_shape: expand_reduced(g, self_shape, dim, keepdim),
            array_vjp=lambda g, *, dim, keepdim, self_shape: _expand_array(
                _undropped(g, self_shape, dim, keepdim), self_shape),
            dtype_rule="same", kind="reduction")
SUM_ALL = defop("sum_all", "SumBackward0",
                lambda self, *, dtype=None: _sum_forward(self, dim=None, keepdim=False,
                                                         dtype=dtype),
                vjp=lambda g, *, self_shape: _expand(g, self_shape),
                array_vjp=lambda g, *, self_shape: _expand_array(g, self_shape),
                dtype_rule="same", kind="reduction")
MEAN = defop("mean", "MeanBackward1", _mean_forward,
             vjp=lambda g, *, dim, keepdim, self_shape: expand_reduced(
                 g / _count(self_shape, dim), self_shape, dim, keepdim),
             dtype_rule="same", kind="reduction", refuses=_MEAN_REFUSES)
MEAN_ALL = defop("mean_all", "MeanBackward0",
                 lambda self, *, dtype=None: _mean_forward(self, dim=None, keepdim=False,
                                                           dtype=dtype),
                 vjp=lambda g, *, self_shape: _expand(g / math.prod(self_shape), self_shape),
                 dtype_rule="same", kind="reduction", refuses=_MEAN_REFUSES)

# -- products ------------------------------------------------------------------------------------
PROD = defop("prod", "ProdBackward1", _prod_forward, vjp=_prod_vjp, dtype_rule="same",
             dtypes=ALL, kind="reduction")
PROD_ALL = defop("prod_all", "ProdBackward0",
                 lambda self, *, dtype=None: _prod_forward(self, dim=None, keepdim=False,
                                                           dtype=dtype),
                 vjp=lambda g, self, out, *, self_shape, dtype=None: _prod_vjp(
                     g, self, out, dim=None, keepdim=False, self_shape=self_shape, dtype=dtype),
                 dtype_rule="same", dtypes=ALL, kind="reduction")

# -- extrema -------------------------------------------------------------------------------------
MAX_ALL = defop("max_all", "MaxBackward1",
                lambda self: _extremum(np.max, self, None, False, last=True),
                vjp=lambda g, self, out: _routed(g, _tied(self, out, None, False, True)),
                dtype_rule="same", dtypes=ALL, kind="reduction", kinks=_ties(np.max))
MIN_ALL = defop("min_all", "MinBackward1",
                lambda self: _extremum(np.min, self, None, False, last=True),
                vjp=lambda g, self, out: _routed(g, _tied(self, out, None, False, True)),
                dtype_rule="same", dtypes=ALL, kind="reduction", kinks=_ties(np.min))
AMAX = defop("amax", "AmaxBackward0",
             lambda self, *, dim, keepdim: _extremum(np.max, self, dim, keepdim),
             vjp=lambda g, self, out, *, dim, keepdim, self_shape: _routed(expand_reduced(
                 g, self_shape, dim, keepdim), _tied(self, out, dim, keepdim)),
             dtype_rule="same", dtypes=ALL, kind="reduction", kinks=_ties(np.max))
AMIN = defop("amin", "AminBackward0",
             lambda self, *, dim, keepdim: _extremum(np.min, self, dim, keepdim),
             vjp=lambda g, self, out, *, dim, keepdim, self_shape: _routed(expand_reduced(
                 g, self_shape, dim, keepdim), _tied(self, out, dim, keepdim)),
             dtype_rule="same", dtypes=ALL, kind="reduction", kinks=_ties(np.min))


def _first_hit(self: Tensor, dim: int, find: Any) -> Tensor:
    """A one-hot constant at the index ``max(dim)``/``min(dim)`` returns (the first tie)."""
    x = self._data
    if x.ndim == 0:
        return _const(np.ones(()), self)
    index = np.expand_dims(find(x, axis=dim), dim)
    return _const(np.arange(x.shape[dim]).reshape((-1,) + (1,) * (x.ndim - dim - 1)) == index,
                  self)


MAX_DIM = defop("max_dim", "MaxBackward0",
                lambda self, *, dim, keepdim: _extremum(np.max, self, (dim,), keepdim),
                vjp=lambda g, self, *, dim, keepdim, self_shape: _routed(expand_reduced(
                    g, self_shape, dim, keepdim), _first_hit(self, dim, np.argmax)),
                dtype_rule="same", dtypes=ALL, kind="reduction",
                kinks=_ties(np.max, "left"))
MIN_DIM = defop("min_dim", "MinBackward0",
                lambda self, *, dim, keepdim: _extremum(np.min, self, (dim,), keepdim),
                vjp=lambda g, self, *, dim, keepdim, self_shape: _routed(expand_reduced(
                    g, self_shape, dim, keepdim), _first_hit(self, dim, np.argmin)),
                dtype_rule="same", dtypes=ALL, kind="reduction",
                kinks=_ties(np.min, "left"))

# -- moments -------------------------------------------------------------------------------------
VAR = defop("var", "VarBackward0", _var_forward, vjp=_var_vjp, dtype_rule="same",
            kind="reduction", refuses=_MOMENT_REFUSES)
STD = defop("std", "StdBackward0",
            lambda self, *, dim, correction, keepdim: _var_forward(
                self, dim=dim, correction=correction, keepdim=keepdim, root=True),
            vjp=_std_vjp, dtype_rule="same", kind="reduction",
            refuses=_MOMENT_REFUSES,
            kinks=(Kink("self", "all elements of self equal (std == 0)",
                        lambda self, **_: np.full(np.shape(self), np.ptp(self) == 0), "zero"),))

# -- log-sum-exp and norms -----------------------------------------------------------------------


def _softmax_over(self: Tensor, dims: tuple[int, ...]) -> Tensor:
    """``softmax(self)`` over the dims ``dims`` together: they are moved last and flattened to
    one, so that the softmax op (and its VJP, in a second order) runs on them."""
    if self.ndim == 0:
        return softmax(self.reshape(1), 0).reshape(())
    kept = tuple(d for d in range(self.ndim) if d not in dims)
    order = kept + dims
    moved = self.permute(order)
    flat = moved.reshape(tuple(moved.shape[:len(kept)]) + (_count(tuple(self.shape), dims),))
    spread = softmax(flat, len(kept)).reshape(tuple(moved.shape))
    return spread.permute(tuple(order.index(d) for d in range(self.ndim)))


# NOTE: logsumexp' is softmax(self), not exp(self - out): out's rounding, an absolute error of
# ulp(out), becomes a relative one of the gradient (logsumexp = 40 leaves 20 ULP of float32 in
# it), and self - out cancels at the largest element. Narrow dtypes work in float64 and round
# once. ``out`` is saved, as PyTorch saves it (an in-place change of the result is refused as
# PyTorch refuses it), but not read.
def _logsumexp_vjp(g: Tensor, self: Tensor, out: Tensor, *, dim: tuple[int, ...],
                   keepdim: bool, self_shape: tuple[int, ...]) -> Tensor:
    g = expand_reduced(_wide(g), self_shape, dim, keepdim)
    return g * _softmax_over(_at_infinity(_wide(self), dim), dim)


def _at_infinity(self: Tensor, dim: tuple[int, ...]) -> Tensor:
    """``self``, but in a slice with +inf elements (and no NaN), whose logsumexp is +inf, 0 at
    them and -inf elsewhere: the softmax's limit, 0 at the finite elements (as PyTorch's
    exp(self - out) gives) and shared evenly by the infinities (where inf - inf was nan)."""
    a = self._data
    top = np.isposinf(a)
    if not top.any():
        return self
    axis = dim if a.ndim else None
    limited = np.any(top, axis=axis, keepdims=True) & ~np.any(np.isnan(a), axis=axis,
                                                             keepdims=True)
    limit = Tensor._make(np.where(top, 0.0, -np.inf).astype(a.dtype), False, None)
    return where(Tensor._make(np.broadcast_to(limited, a.shape), False, None), limit, self)


LOGSUMEXP = defop("logsumexp", "LogsumexpBackward0", _logsumexp_forward, vjp=_logsumexp_vjp,
                  dtype_rule="promote_float", kind="reduction")


def _norm_ties(self: np.ndarray, *, p: float = 2.0, **attrs: Any) -> np.ndarray:
    if not math.isinf(p):
        return np.zeros(np.shape(self), bool)
    return _tie_points(np.max if p > 0 else np.min)(np.abs(self), **attrs)


# p = 0 (the count of nonzeros) runs through this op too, but has no gradient to generate
# tests for, as in PyTorch; tests/test_ops_reductions.py checks it against PyTorch.
NORM = defop("norm", "LinalgVectorNormBackward0", _norm_forward, vjp=_norm_vjp,
             dtype_rule="same", kind="reduction",
             refuses=refuse(NOT_FLOATING, "linalg.vector_norm: Expected a floating point or "
                            "complex tensor as input. Got {dtype}"),
             kinks=(Kink("self", "self == 0 (p <= 1: each zero element, where p < 1 takes 0 for "
                         "an infinite slope; p > 1: a zero norm)",
                         lambda self, **_: np.asarray(self) == 0, "zero"),
                    Kink("self", "p = +-inf: two elements tie for the extreme |self|",
                         _norm_ties, "mean")))

# -- scans ---------------------------------------------------------------------------------------
CUMSUM = defop("cumsum", "CumsumBackward0", _cumsum_forward,
               vjp=lambda g, *, dim: g if g.ndim == 0 else _reverse_cumsum(g, dim),
               dtype_rule="same", dtypes=ALL, kind="reduction")
CUMPROD = defop("cumprod", "CumprodBackward0",
                lambda self, *, dim, dtype=None: _scan(np.cumprod, read_as(self, dtype), dim),
                vjp=_cumprod_vjp, dtype_rule="same", dtypes=ALL, kind="reduction")


# -- public functions and methods ----------------------------------------------------------------
def torch_kind(dtype: _dtypes.dtype) -> str:
    """PyTorch's name of ``dtype`` in messages ("Char" for int8)."""
    return _dtypes._TORCH_NAMES[dtype.name]


class _Omitted:
    """The default of a ``dim`` PyTorch has two overloads for: ``sum(x)`` (SumBackward0) and
    ``sum(x, dim=None)`` (SumBackward1, where ``keepdim`` keeps every dim). Shown as None."""

    def __repr__(self) -> str:
        return "None"


OMITTED: Any = _Omitted()


def dims_or_all(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """``normalize_dims`` for the reductions where no dim (None, or PyTorch's ``()``) means
    every dim."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    return normalize_dims(dim, ndim)


def _refuse_grad_dtype(input: Tensor, dtype: _dtypes.dtype | None) -> None:
    """PyTorch's error for a ``dtype=`` autograd cannot record: a result of an integer or bool
    dtype from an input that requires grad."""
    if (dtype is not None and not dtype.is_floating_point and input.requires_grad
            and _grad_state.enabled):
        raise RuntimeError(f"Autograd not support dtype: {_dtypes._TORCH_NAMES[dtype.name]}")


def _integral_to_long(input: Tensor, dtype: _dtypes.dtype | None) -> Tensor:
    if dtype is not None:
        _refuse_grad_dtype(input, dtype)
        return input.to(dtype)
    return input if input.is_floating_point() else input.to(_dtypes.int64)


def cast_inside(input: Tensor, dtype: _dtypes.dtype | None) -> tuple[Tensor, dict[str, Any]]:
    """The input a reduction or scan given ``dtype=`` is applied to, and its ``dtype`` attr.

    A floating input cast to another floating dtype is read by the op's node itself, which
    casts inside (``read_as``), as PyTorch's SumBackward0 and the others take the input with no
    ToCopyBackward0 under them; the engine casts their gradient back to the input's dtype.
    Other casts (integers, bools, to int64) make no node: they happen first."""
    if (dtype is not None and dtype is not input.dtype and dtype.is_floating_point
            and input.is_floating_point()):
        return input, {"dtype": dtype.name}
    return _integral_to_long(input, dtype), {}


def _as_asked(out: Tensor, dtype: _dtypes.dtype | None) -> Tensor:
    """An integer result in the ``dtype`` asked for (the forward accumulates in int64; the
    wrapped-around value is the same modulo the narrower type's range)."""
    return out if dtype is None or out.dtype is dtype else out.to(dtype)


def _floating_only(input: Tensor, name: str, dtype: _dtypes.dtype | None) -> Tensor:
    asked = input.dtype if dtype is None else dtype
    if not asked.is_floating_point:
        which = "Input" if dtype is None else "Optional"
        raise RuntimeError(f"{name}(): could not infer output dtype. {which} dtype must be "
                           "either a floating point or complex dtype. Got: "
                           f"{_dtypes._TORCH_NAMES[asked.name]}")
    return input if dtype is None else input.to(dtype)


@expose()
def sum(input: Tensor, dim: int | Sequence[int] | None = OMITTED, keepdim: bool = False,
        *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """Sum over ``dim`` (all elements when None); bool and integer sums give int64.

    Args:
        input: The tensor.
        dim: The dim or dims to reduce; negative dims count from the end. None or ``()``:
            all dims, recorded as PyTorch's dim overload (SumBackward1), whose ``keepdim``
            keeps each. Defaults to none given: all dims (SumBackward0).
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        dtype: The dtype the input is cast to before the sum, and of the result.
            Defaults to None: the input's dtype (int64 for bool and integer inputs).

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    >>> symgrad.ones(2, 3).sum(None, keepdim=True)
    tensor([[6.]])
    """
    dims = None if dim is OMITTED else dims_or_all(dim, input.ndim)  # before dtype's checks
    input, cast = cast_inside(input, dtype)
    if dim is OMITTED:
        return _as_asked(apply(SUM_ALL, input, **cast), dtype)
    return _as_asked(apply(SUM, input, dim=dims, keepdim=keepdim, **cast), dtype)


@expose()
def mean(input: Tensor, dim: int | Sequence[int] | None = OMITTED, keepdim: bool = False,
         *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The mean over ``dim`` (all elements when None); only floating inputs, as in PyTorch.

    Args:
        input: A floating-point tensor (or give ``dtype``).
        dim: The dim or dims to reduce; negative dims count from the end. None or ``()``:
            all dims, as PyTorch's dim overload (MeanBackward1), whose ``keepdim`` keeps each.
            Defaults to none given: all dims (MeanBackward0).
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        dtype: The floating dtype the input is cast to before the mean, and of the
            result. Defaults to None: the input's dtype.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(1)
    tensor([1.5000, 4.0000])
    """
    _floating_only(input, "mean", dtype)
    input, cast = cast_inside(input, dtype)
    if dim is OMITTED:
        return apply(MEAN_ALL, input, **cast)
    return apply(MEAN, input, dim=dims_or_all(dim, input.ndim), keepdim=keepdim, **cast)


@expose(autocast="fp32")
def prod(input: Tensor, dim: int | None = OMITTED, keepdim: bool = False,
         *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The product over one ``dim`` (all elements when None); its gradient is exact with zeros.

    Args:
        input: The tensor.
        dim: The one dim to reduce (an int: PyTorch's prod takes no None or tuple).
            Defaults to none given: all elements.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        dtype: The dtype the input is cast to before the product, and of the result.
            Defaults to None: the input's dtype (int64 for bool and integer inputs).

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.prod().backward(); x.grad
    tensor([0., 6., 0.])
    """
    if dim is OMITTED:
        input, cast = cast_inside(input, dtype)
        return _as_asked(apply(PROD_ALL, input, **cast), dtype)
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        raise TypeError("prod(): argument 'dim' (position 2) must be int, not "
                        f"{type(dim).__name__}")
    d = _one_dim(dim, input.ndim)
    input, cast = cast_inside(input, dtype)
    return _as_asked(apply(PROD, input, dim=d, keepdim=keepdim, **cast), dtype)


def _extreme(name: str, input: Tensor, dim: Any, more: tuple[Any, ...], keepdim: Any,
             whole: Any, along: Any, find: Any) -> Any:
    given = [input, *(() if dim is OMITTED else (dim,)), *more]
    keywords = [] if keepdim is OMITTED else [("keepdim", keepdim)]
    if len(more) > 1 or (more and keepdim is not OMITTED):
        raise parser_error(name, given, keywords, "keepdim")
    if more:
        keepdim = more[0]
    if isinstance(dim, Tensor) and keepdim is OMITTED:
        return FUNCTIONS["maximum" if name == "max" else "minimum"](input, dim)
    if dim is OMITTED and keepdim is OMITTED:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return apply(whole, input)
    if not hasattr(dim, "__index__"):  # not an int (None, 2.5, a tuple): PyTorch has no such
        raise parser_error(name, given, keywords, "dim")
    keepdim = False if keepdim is OMITTED else keepdim
    d = _one_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    values = apply(along, input, dim=d, keepdim=keepdim)
    keep_inputs_as_recorded(values)
    x = input._data
    index = np.zeros((), np.int64) if x.ndim == 0 else find(x, axis=d, keepdims=keepdim)
    indices = Tensor._make(np.asarray(index, np.int64), False, None)
    save_outputs(values, indices)
    return getattr(return_types, name)(values, indices)


@expose(method=False)
def max(input: Tensor, dim: int | Tensor = OMITTED, *more: bool,
        keepdim: bool = OMITTED) -> Any:
    """The largest element, or ``(values, indices)`` along ``dim``, or ``maximum(input, other)``.

    The whole-tensor max splits its gradient evenly among tied elements; along a dim the
    gradient goes to the returned index (the first of the tied ones).

    Args:
        input: The tensor.
        dim: The dim to reduce, giving ``(values, indices)``; or a tensor, giving
            ``maximum(input, dim)``. Left out: the largest of all elements (None is refused,
            as PyTorch's argument parser refuses it).
        *more: ``keepdim`` given by position (as PyTorch's argument errors show it).
        keepdim: Whether the reduced dim stays in the result with size one. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> x.max().backward(); x.grad
    tensor([0.0000, 0.5000, 0.5000])
    >>> symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).max(1)
    symgrad.return_types.max(
    values=tensor([4., 5.]),
    indices=tensor([1, 0]))
    """
    return _extreme("max", input, dim, more, keepdim, MAX_ALL, MAX_DIM, np.argmax)


@expose(method=False)
def min(input: Tensor, dim: int | Tensor = OMITTED, *more: bool,
        keepdim: bool = OMITTED) -> Any:
    """The smallest element, or ``(values, indices)`` along ``dim``; see ``max``.

    Args:
        input: The tensor.
        dim: The dim to reduce, giving ``(values, indices)``; or a tensor, giving
            ``minimum(input, dim)``. Left out: the smallest of all elements.
        *more: ``keepdim`` given by position.
        keepdim: Whether the reduced dim stays in the result with size one. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 4.0], [5.0, 2.0]])
    >>> x.min(), x.min(dim=1, keepdim=True).indices
    (tensor(1.), tensor([[0],
            [1]]))
    """
    return _extreme("min", input, dim, more, keepdim, MIN_ALL, MIN_DIM, np.argmin)


def _extreme_dims(name: str, input: Tensor, dim: int | Sequence[int] | None
                  ) -> tuple[int, ...]:
    if dim is None:  # PyTorch's amax(x, None) is amax(x, ()): every dim
        dim = ()
    asked = (dim,) if isinstance(dim, int) else tuple(dim)
    # PyTorch's order: each dim in range, then each nonempty, then none given twice.
    for shown in asked:
        (d,) = normalize_dims(shown, input.ndim)
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {shown} to have non-zero size.")
    dims = normalize_dims(dim, input.ndim) or tuple(range(input.ndim))
    if input.numel() == 0 and (not dims or any(input.shape[d] == 0 for d in dims)):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")
    return dims


@expose()
def amax(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The max over ``dim`` (all dims when empty); ties share the gradient evenly.

    Args:
        input: The tensor.
        dim: The dim or dims to reduce; negative dims count from the end. Defaults
            to (): all dims.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).amax(0)
    tensor([5., 4.])
    """
    return apply(AMAX, input, dim=_extreme_dims("amax", input, dim), keepdim=keepdim)


@expose()
def amin(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The min over ``dim`` (all dims when empty); ties share the gradient evenly.

    Args:
        input: The tensor.
        dim: The dim or dims to reduce; negative dims count from the end. Defaults to ():
            all dims.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 1.0, 1.0], requires_grad=True)
    >>> x.amin().backward(); x.grad
    tensor([0.0000, 0.5000, 0.5000])
    """
    return apply(AMIN, input, dim=_extreme_dims("amin", input, dim), keepdim=keepdim)


def _moment(op: Any, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
            correction: float | None) -> Tensor:
    # var(x, True) is the legacy unbiased flag in PyTorch's positional slot.
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not input.is_floating_point():
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return apply(op, input, dim=dims_or_all(dim, input.ndim), correction=correction,
                 keepdim=keepdim)


@expose()
def var(input: Tensor, dim: int | Sequence[int] | bool | None = None,
        unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """The variance over ``dim``, dividing by ``N - correction`` (default 1, Bessel's).

    Args:
        input: The tensor.
        dim: The dim or dims to reduce. Defaults to None: all dims. (A bool here is the
            legacy ``unbiased`` flag, as in PyTorch.)
        unbiased: The legacy form of ``correction``: True is 1, False is 0. Defaults to None.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        correction: What is subtracted from the number of elements ``N`` before dividing.
            Defaults to None: 1, unless ``unbiased`` is False.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0, 4.0])
    >>> x.var(), x.var(correction=0), x.var(unbiased=False)
    (tensor(2.3333), tensor(1.5556), tensor(1.5556))
    """
    return _moment(VAR, input, dim, unbiased, keepdim, correction)


@expose()
def std(input: Tensor, dim: int | Sequence[int] | bool | None = None,
        unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """The standard deviation, ``sqrt(var)``; its gradient is 0 where it is 0.

    Args:
        input: The tensor.
        dim: The dim or dims to reduce. Defaults to None: all dims. (A bool here is the
            legacy ``unbiased`` flag, as in PyTorch.)
        unbiased: The legacy form of ``correction``: True is 1, False is 0. Defaults to None.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        correction: What is subtracted from the number of elements ``N`` before dividing.
            Defaults to None: 1, unless ``unbiased`` is False.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 3.0]).std()
    tensor(1.4142)
    """
    return _moment(STD, input, dim, unbiased, keepdim, correction)


@expose()
def logsumexp(input: Tensor, dim: int | Sequence[int] = OMITTED, keepdim: bool = False
              ) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow; integers give floats.

    Args:
        input: The tensor.
        dim: The dim or dims to reduce; negative dims count from the end.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.

    >>> import symgrad
    >>> symgrad.tensor([1000.0, 1000.0]).logsumexp(0)
    tensor(1000.6932)
    """
    if dim is OMITTED:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 2) must be tuple of ints, not "
                        "NoneType")
    # () is every dim, as PyTorch's reduction of no dim. (PyTorch 2.13 itself then raises
    # "output with shape [] doesn't match the broadcast shape" for a nonempty floating input
    # without keepdim, adding the kept maximum in place: a bug, not followed.)
    dims = normalize_dims(dim, input.ndim) or tuple(range(input.ndim))
    if not input.is_floating_point():
        input = input.to(_dtypes.get_default_dtype())
    return apply(LOGSUMEXP, input, dim=dims, keepdim=keepdim)


@expose()
def norm(input: Tensor, p: float | str = 2, dim: int | Sequence[int] | None = None,
         keepdim: bool = False, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The vector p-norm ``sum(|input| ** p) ** (1 / p)`` over ``dim`` (all elements when
    None), for any real p: 0 counts nonzeros, inf and -inf are the largest and smallest
    ``|input|``, ``"fro"`` is 2. PyTorch's ``linalg.vector_norm``, so the node is
    LinalgVectorNormBackward0. The gradient is 0 where the norm is 0 and, for p < 1, at zero
    elements; p = 0 has none.

    Args:
        input: The tensor.
        p: The order: any real number, ``inf``, ``-inf``, or ``"fro"`` (2); another string
            (``"nuc"``) is ``linalg.matrix_norm``'s order, over all dims when ``dim`` is None,
            as PyTorch's. Defaults to 2.
        dim: The dim or dims to reduce; negative dims count from the end. Defaults
            to None: all dims.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        dtype: The floating dtype, no narrower than the input's, the norm is computed in and
            given in (the node reads the input and casts it). Defaults to None: the input's.

    >>> import symgrad
    >>> symgrad.tensor([3.0, -4.0]).norm(), symgrad.tensor([3.0, -4.0]).norm(p=1)
    (tensor(5.), tensor(7.))
    >>> symgrad.tensor([3.0, 0.0, -4.0]).norm(p=0), symgrad.tensor([3.0, -4.0]).norm(p=-math.inf)
    (tensor(2.), tensor(3.))
    """
    if isinstance(p, str) and (p != "fro" or isinstance(dim, Sequence) and len(dim) > 2):
        # PyTorch's torch.norm hands another order ("nuc"), or "fro" over more than two dims,
        # to linalg.matrix_norm, over all dims when none are given: its errors for other
        # orders and dims.
        from symgrad.linalg import matrix_norm

        dims = list(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, dim=dims, keepdim=keepdim, dtype=dtype)
    if not input.is_floating_point():
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_kind(input.dtype)}")
    check_norm_dtype(input, dtype, "vector_norm")
    if isinstance(dim, Sequence) and len(dim) == 0:
        dim = None  # as linalg.vector_norm, which PyTorch's torch.norm calls: every dim
    order = 2.0 if p == "fro" else float(p)
    if order < 0 or order == math.inf:
        _refuse_empty_without_identity(input, order, dim)
    input, cast = cast_inside(input, dtype)
    return apply(NORM, input, p=order, dim=normalize_dims(dim, input.ndim), keepdim=keepdim,
                 **cast)


def check_norm_dtype(input: Tensor, dtype: _dtypes.dtype | None, name: str) -> None:
    """PyTorch's errors for a norm's ``dtype=`` that is not floating, or that the input's dtype
    would narrow to (``name``: the ``linalg`` function named in them).

    Args:
        input: The floating input.
        dtype: The dtype asked for, or None.
        name: ``"vector_norm"`` or ``"matrix_norm"``.

    >>> import symgrad
    >>> check_norm_dtype(symgrad.ones(2), symgrad.float16, "vector_norm")
    Traceback (most recent call last):
    ...
    RuntimeError: linalg.vector_norm: the dtype of the input (Float) should be convertible ...
    """
    if dtype is None or dtype is input.dtype:
        return
    if not dtype.is_floating_point:
        raise RuntimeError(f"linalg.{name}: dtype should be floating point or complex, but got "
                           f"{torch_kind(dtype)}")
    if _dtypes.promote_types(input.dtype, dtype) is not dtype:
        raise RuntimeError(f"linalg.{name}: the dtype of the input ({torch_kind(input.dtype)})"
                           " should be convertible without narrowing to the specified dtype "
                           f"({torch_kind(dtype)})")


def _refuse_empty_without_identity(input: Tensor, order: float, dim: Any) -> None:
    """PyTorch's error for a norm without an identity (``inf``, or below 0) over no element:
    of the whole tensor, or of the first of the dims, as given, that is empty (checked in
    their order, before any later dim is found out of range)."""
    if input.ndim == 0:
        return  # one element, whatever the dims (their errors are normalize_dims')
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {order:g} norm on an "
                               "empty tensor because the operation does not have an identity")
        return
    for d in (dim,) if isinstance(dim, int) else tuple(dim):
        if input.shape[wrap_dim(d, input.ndim)] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {order:g} norm on the "
                               f"dimension {d}because this dimension is empty and the operation "
                               "does not have an identity")


@expose()
def cumsum(input: Tensor, dim: int = OMITTED, *, dtype: _dtypes.dtype | None = None
        ) -> Tensor:
    """Running sums along ``dim``; integers and bools give int64.

    Args:
        input: The tensor.
        dim: The dim to sum along.
        dtype: The dtype the input is cast to first, and of the result. Defaults to
            None: the input's dtype (int64 for bool and integer inputs).

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    if dim is OMITTED:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    d = _one_dim(dim, input.ndim)  # before dtype's checks, as PyTorch's
    input, cast = cast_inside(input, dtype)
    return _as_asked(apply(CUMSUM, input, dim=d, **cast), dtype)


@expose()
def cumprod(input: Tensor, dim: int = OMITTED, *,
            dtype: _dtypes.dtype | None = None) -> Tensor:
    """Running products along ``dim``; the gradient is exact with zeros in the input.

    Args:
        input: The tensor.
        dim: The dim to multiply along.
        dtype: The dtype the input is cast to first, and of the result. Defaults to
            None: the input's dtype (int64 for bool and integer inputs).

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.cumprod(0).sum().backward(); x.grad
    tensor([1., 8., 0.])
    """
    if dim is OMITTED:
        raise TypeError('cumprod() missing 1 required positional arguments: "dim"')
    d = _one_dim(dim, input.ndim)  # before dtype's checks, as PyTorch's
    input, cast = cast_inside(input, dtype)
    return _as_asked(apply(CUMPROD, input, dim=d, **cast), dtype)


from symgrad.ops.activations import softmax  # noqa: E402
from symgrad.ops.arithmetic import _wide  # noqa: E402
from symgrad.ops.arithmetic import sign as _sign_op  # noqa: E402
from symgrad.ops.elementwise import where  # noqa: E402 - the VJPs above use them
from symgrad.ops.shape import cat  # noqa: E402
from symgrad.ops.triangular import as_method  # noqa: E402

# The method's message counts prod's dim from after the tensor, as PyTorch's (position 1).
Tensor.prod = as_method(Tensor.prod)  # type: ignore[method-assign]
Tensor.logsumexp = as_method(Tensor.logsumexp)  # type: ignore[method-assign]
Tensor.max, Tensor.min = as_method(max), as_method(min)  # argument errors: parser_error
