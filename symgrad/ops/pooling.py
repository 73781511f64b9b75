"""Pooling: the maximum or the average over windows of the last two dims, as PyTorch's
``max_pool2d``, ``avg_pool2d`` and ``adaptive_avg_pool2d`` compute them (the 1-d functions are
these on an unsqueezed input, as in PyTorch).

Windows are those of PyTorch's ``pooling_output_shape``: output position ``o`` reads input
positions ``o * stride - padding + j * dilation`` for ``j < kernel_size``; with ``ceil_mode``
the last window may run past the end but must start inside the input or its left padding.
Padding is ``-inf`` for the maximum (never chosen over an input element) and zeros for the
average. Adaptive windows are ``floor(o * in / out)`` to ``ceil((o + 1) * in / out)``.

The maximum takes, as PyTorch's CPU kernel does, the first maximal element in window order, and
the last NaN of a window holding one; its gradient goes to that element only, summed where
windows overlap. ``g`` is the incoming gradient; the VJPs are written in symgrad ops (a
scatter-add, ``index_put(..., accumulate=True)``), so ``create_graph=True`` works.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.autograd.grad_mode import _state as _grad_state
from symgrad.autograd.graph import save_outputs
from symgrad.ops.backward_ops import max_pool2d_backward
from symgrad.ops.indexing import INDEX, index_put
from symgrad.ops.registry import (
    _TORCH_NAMES,
    ALL,
    FLOATING,
    REGISTRY,
    Kink,
    apply,
    defop,
    expose,
    not_implemented,
)
from symgrad.tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})


# -- windows -------------------------------------------------------------------------------------
def _output_size(size: int, kernel: int, pad: int, stride: int, dilation: int,
                 ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``, with its checks of stride and padding."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    # C++'s division, toward zero: a kernel of -1 passes here and fails the kernel's check.
    if pad > int(((kernel - 1) * dilation + 1) / 2):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad}, kernel_size={kernel} and dilation={dilation}")
    out = (size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
           ) // stride + 1
    # In ceil mode the last window must start inside the input or its left padding.
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _sizes(shape: Sequence[int], kernel_size: tuple[int, int], stride: tuple[int, int],
           padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool
           ) -> tuple[int, int]:
    return tuple(_output_size(shape[d - 2], kernel_size[d], padding[d], stride[d], dilation[d],
                              ceil_mode) for d in (0, 1))  # type: ignore[return-value]


def _positions(out: int, kernel: int, pad: int, stride: int, dilation: int) -> np.ndarray:
    """(out, kernel): the input position each window element reads (negative in the padding)."""
    return (np.arange(out) * stride - pad)[:, None] + np.arange(kernel) * dilation


def _windows(x: np.ndarray, fill: Any, kernel_size: tuple[int, int], stride: tuple[int, int],
             padding: tuple[int, int], dilation: tuple[int, int], out: tuple[int, int]
             ) -> np.ndarray:
    """``x`` padded with ``fill``: its windows, (..., oh, ow, kh * kw) in window order."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = (kernel_size, stride, padding,
                                                        dilation, out)
    h, w = x.shape[-2:]
    span = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
    # Rows past the input on the right: the last window of ceil mode may reach beyond padding.
    bottom = max(ph, (oh - 1) * sh + span[0] - ph - h)
    right = max(pw, (ow - 1) * sw + span[1] - pw - w)
    padded = np.full(x.shape[:-2] + (ph + h + bottom, pw + w + right), fill, dtype=x.dtype)
    padded[..., ph:ph + h, pw:pw + w] = x
    view = np.lib.stride_tricks.sliding_window_view(padded, span, axis=(-2, -1))
    view = view[..., :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, ::dh, ::dw]
    return view.reshape(x.shape[:-2] + (oh, ow, kh * kw))


# -- max pooling ---------------------------------------------------------------------------------
def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" or dtype in _HALF else np.iinfo(dtype).min


def _choose(x: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
            padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool,
            index: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each window's choice: its value (..., oh, ow) (float32 for half types), its position
    in the window, and (``index``) its index into the flattened (h, w) plane (int64, PyTorch's
    indices)."""
    out = _sizes(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    if x.dtype in _HALF:
        x = x.astype(np.float32)  # exact, and NumPy's comparisons of half types are slow
    h, w = x.shape[-2:]
    rows = _positions(out[0], kernel_size[0], padding[0], stride[0], dilation[0])
    cols = _positions(out[1], kernel_size[1], padding[1], stride[1], dilation[1])
    inside = ((rows >= 0) & (rows < h))[:, None, :, None] & ((cols >= 0) & (cols < w))[
        None, :, None, :]
    inside = inside.reshape(out + (-1,))
    fill = _lowest(x.dtype)
    win = _windows(x, fill, kernel_size, stride, padding, dilation, out)
    pick = np.argmax(win, axis=-1)
    top = np.take_along_axis(win, pick[..., None], axis=-1)[..., 0]
    if not inside.all():
        # PyTorch's kernel starts from the first element inside the input and moves on a
        # greater one or a NaN: padding is never chosen, but argmax may take it where the
        # maximum is the padding's value (-inf, or the integer minimum).
        low = top == fill
        if low.any():
            pick = np.where(low, np.argmax(inside, axis=-1), pick)
    if x.dtype.kind == "f":
        nan = np.isnan(top)  # argmax takes a window's first NaN
        if nan.any():
            # the last NaN of a window, where PyTorch's ``val > max || isnan(val)`` stops
            some = win[nan]
            last = some.shape[-1] - 1 - np.argmax(np.isnan(some[:, ::-1]), axis=-1)
            pick[nan] = last
            top[nan] = some[np.arange(len(last)), last]
    if not index:
        return top, pick, None
    kw = kernel_size[1]
    row = np.take(rows, np.arange(out[0])[:, None] * rows.shape[1] + pick // kw)
    col = np.take(cols, np.arange(out[1]) * cols.shape[1] + pick % kw)
    empty = ~inside.any(axis=-1)
    if empty.any():
        # A window of padding alone (dilation can make one) keeps PyTorch's first position:
        # its first row and column at or past 0, each a multiple of the dilation from the start.
        row = np.where(empty, _first_at_or_past_zero(rows)[:, None], row)
        col = np.where(empty, _first_at_or_past_zero(cols)[None, :], col)
    return top, pick, (row * w + col).astype(np.int64)


def _first_at_or_past_zero(pos: np.ndarray) -> np.ndarray:
    """Per window, its first position at or past 0 (PyTorch's starting index)."""
    step = pos[:, 1] - pos[:, 0] if pos.shape[1] > 1 else np.ones(len(pos), dtype=pos.dtype)
    start = pos[:, 0]
    return np.where(start < 0, start + -(start // step) * step, start)


def _max_pool2d(self: np.ndarray, *, kernel_size: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool
                ) -> np.ndarray:
    """The maximum over each window of the last two dims (-inf padding)."""
    top, _, _ = _choose(self, kernel_size, stride, padding, dilation, ceil_mode, False)
    return top.astype(self.dtype)


def max_pool2d_indices(x: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
                       padding: tuple[int, int], dilation: tuple[int, int],
                       ceil_mode: bool) -> np.ndarray:
    """PyTorch's indices of ``max_pool2d``: each window's maximum as an index into its
    flattened (h, w) plane (int64).

    >>> x = np.array([[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]])
    >>> max_pool2d_indices(x, (2, 2), (1, 1), (0, 0), (1, 1), False).tolist()
    [[[1, 1]]]
    """
    return _choose(x, kernel_size, stride, padding, dilation, ceil_mode)[2]


def _scatter(g: Tensor, shape: tuple[int, ...], source: np.ndarray | None, target: np.ndarray
             ) -> Tensor:
    """Zeros of ``shape`` plus, at each flat (h, w) position ``target[n]`` of every plane, the
    element ``source[n]`` of that plane's flattened ``g`` (all of ``g`` in order when
    ``source`` is None), summed where positions repeat: the adjoint of reading ``g`` there."""
    planes = math.prod(shape[:-2])
    area = shape[-2] * shape[-1]
    n_out = math.prod(g.shape[-2:])
    flat = g.reshape(-1)
    base = np.arange(planes, dtype=np.int64)[:, None]
    if source is not None:
        flat = apply(INDEX, flat, indices=((base * n_out + source).reshape(-1),))
    zeros = Tensor._make(np.zeros(planes * area, dtype=g._data.dtype), False, None)
    return index_put(zeros, flat, ((base * area + target).reshape(-1),),
                     accumulate=True).reshape(shape)


def _max_pool2d_vjp(g: Tensor, self: Tensor, *, kernel_size: tuple[int, int],
                    stride: tuple[int, int], padding: tuple[int, int],
                    dilation: tuple[int, int], ceil_mode: bool) -> Tensor:
    # The gradient goes to each window's chosen element, summed over the windows sharing it; a
    # window of padding alone has none to go to.
    index = max_pool2d_indices(self._data, kernel_size, stride, padding, dilation, ceil_mode)
    shape = tuple(self.shape)
    area = shape[-2] * shape[-1]
    lead = math.prod(shape[:-2])
    index = index.reshape(lead, -1)
    keep = index < area
    if keep.all():
        return _scatter(g, shape, None, index)
    source = np.broadcast_to(np.arange(index.shape[1]), index.shape)[keep].reshape(lead, -1)
    return _scatter(g, shape, source, index[keep].reshape(lead, -1))


def _window_ties(self: np.ndarray, *, kernel_size: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool
                 ) -> np.ndarray:
    """The elements of ``self`` that share the maximum of some window with another one."""
    x = np.asarray(self, dtype=np.float64)
    out = _sizes(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    h, w = x.shape[-2:]
    tagged = np.arange(h * w, dtype=np.float64).reshape(h, w)
    where = _windows(np.broadcast_to(tagged, x.shape).copy(), -1.0, kernel_size, stride,
                     padding, dilation, out)
    win = _windows(x, -np.inf, kernel_size, stride, padding, dilation, out)
    top = win == np.max(win, axis=-1, keepdims=True)
    hit = top & (where >= 0) & (np.sum(top & (where >= 0), axis=-1, keepdims=True) > 1)
    lead = math.prod(x.shape[:-2])
    flat = (np.arange(lead)[:, None] * (h * w) + where.reshape(lead, -1)).reshape(-1)
    mask = np.zeros(lead * h * w, dtype=bool)
    mask[flat[hit.reshape(-1)].astype(np.int64)] = True
    return mask.reshape(x.shape)


MAX_POOL2D = defop(
    "max_pool2d", "MaxPool2DWithIndicesBackward0", _max_pool2d,
    # PyTorch's max_pool2d_with_indices_backward, an op of its own: the gradient stays on the
    # graph (MaxPool2DWithIndicesBackwardBackward0), zero in self.
    vjp=lambda g, self, *, kernel_size, stride, padding, dilation, ceil_mode: (
        max_pool2d_backward(g, self, kernel_size=kernel_size, stride=stride, padding=padding,
                            dilation=dilation, ceil_mode=ceil_mode)),
    dtype_rule="same", dtypes=ALL - {_dtypes.bool}, kind="pooling",
    kinks=(Kink("self", "two elements of a window of self tie for its maximum", _window_ties,
                "left"),),
    refuses=not_implemented("max_pool2d", (_dtypes.bool,)))


# -- average pooling -----------------------------------------------------------------------------
def _counts(size: int, out: int, kernel: int, pad: int, stride: int,
            count_include_pad: bool) -> np.ndarray:
    """Per window, what PyTorch divides its sum by along one dim (before ``divisor_override``):
    the window clipped to the padded input, or to the input alone."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _divisor(shape: Sequence[int], out: tuple[int, int], kernel_size: tuple[int, int],
             stride: tuple[int, int], padding: tuple[int, int], count_include_pad: bool,
             divisor_override: int | None) -> np.ndarray:
    if divisor_override is not None:
        return np.full(out, divisor_override, dtype=np.int64)
    ch, cw = (_counts(shape[d - 2], out[d], kernel_size[d], padding[d], stride[d],
                      count_include_pad) for d in (0, 1))
    return np.outer(ch, cw)


def _avg_pool2d(self: np.ndarray, *, kernel_size: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int], ceil_mode: bool, count_include_pad: bool,
                divisor_override: int | None) -> np.ndarray:
    """The sum over each window of the last two dims (zero padding) over its divisor."""
    out = _sizes(self.shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    divisor = _divisor(self.shape, out, kernel_size, stride, padding, count_include_pad,
                       divisor_override)
    if self.dtype.kind in "iub":
        # int64 (PyTorch's only integral avg_pool2d): the sum divided as C++ divides, toward 0.
        total = _windows(self.astype(np.int64), 0, kernel_size, stride, padding, (1, 1),
                         out).sum(axis=-1)
        q = total // divisor
        q += (q * divisor != total) & ((total < 0) != (divisor < 0))
        return q.astype(self.dtype)
    # The sum in float64, divided and rounded once to the dtype (inf - inf is NaN, quietly).
    with np.errstate(invalid="ignore", over="ignore"):
        total = _windows(self.astype(np.float64), 0.0, kernel_size, stride, padding, (1, 1),
                         out).sum(axis=-1)
        return (total / divisor).astype(self.dtype)


def _window_pairs(shape: Sequence[int], out: tuple[int, int], rows: np.ndarray,
                  cols: np.ndarray, row_ok: np.ndarray, col_ok: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every (output, input) pair of windows given per dim as positions and masks (out, k):
    flat output indices and flat (h, w) input indices, window elements outside the input
    dropped."""
    w = shape[-1]
    oh, ow = out
    src = (np.arange(oh)[:, None, None, None] * ow + np.arange(ow)[None, :, None, None])
    tgt = rows[:, None, :, None] * w + cols[None, :, None, :]
    ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]
    src = np.broadcast_to(src, ok.shape)
    return src[ok], tgt[ok]


def _spread(g: Tensor, shape: tuple[int, ...], divisor: np.ndarray, pairs: tuple[
        np.ndarray, np.ndarray]) -> Tensor:
    """Each output's gradient over its divisor, added to every input element of its window."""
    g = g / Tensor._make(divisor.astype(g._data.dtype), False, None)
    lead = math.prod(shape[:-2])
    source, target = pairs
    return _scatter(g, shape, np.broadcast_to(source, (lead,) + source.shape),
                    np.broadcast_to(target, (lead,) + target.shape))


# The ops that record an average pooling's gradient where it is differentiated: ``where``
# under PyTorch's names for its backward's backward (filled on first use).
_BACKWARD_OF: dict[str, Any] = {}


def reads_self(result: Tensor, self: Tensor, grad_fn: str) -> Tensor:
    """An average pooling's gradient ``result``, recorded as reading ``self`` too when grad
    mode is on (a backward with ``create_graph``) and ``self`` requires grad.

    PyTorch's backward op takes ``self`` (its shape): the gradient then requires grad, and its
    own gradient in ``self`` is zeros, so a third-order ``grad`` gives zeros, not "does not
    require grad". Recorded as ``where(False, self, result)``: the same values, and zeros to
    ``self``.

    Args:
        result: The gradient in ``self``, computed from the incoming gradient alone.
        self: The pooling's input, as saved.
        grad_fn: PyTorch's name for the node (``"AvgPool2DBackwardBackward0"``).

    >>> import symgrad
    >>> x = symgrad.ones(1, 2, 4, requires_grad=True)
    >>> g, = symgrad.autograd.grad(avg_pool1d(x, 2).sum(), x, create_graph=True)
    >>> g.requires_grad, symgrad.autograd.grad(g.sum(), x)[0].sum().item()
    (True, 0.0)
    """
    if not (self._rg and _grad_state.enabled):
        return result
    op = _BACKWARD_OF.get(grad_fn)
    if op is None:
        op = _BACKWARD_OF[grad_fn] = dataclasses.replace(REGISTRY["where"], grad_fn=grad_fn)
    return apply(op, Tensor._make(np.zeros(self.shape, dtype=bool), False, None), self, result)


def _avg_pool2d_vjp(g: Tensor, self: Tensor, *, kernel_size: tuple[int, int],
                    stride: tuple[int, int], padding: tuple[int, int], ceil_mode: bool,
                    count_include_pad: bool, divisor_override: int | None,
                    self_shape: tuple[int, ...]) -> Tensor:
    out = _sizes(self_shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    divisor = _divisor(self_shape, out, kernel_size, stride, padding, count_include_pad,
                       divisor_override)
    rows, cols = (_positions(out[d], kernel_size[d], padding[d], stride[d], 1) for d in (0, 1))
    h, w = self_shape[-2:]
    pairs = _window_pairs(self_shape, out, rows, cols, (rows >= 0) & (rows < h),
                          (cols >= 0) & (cols < w))
    return reads_self(_spread(g, self_shape, divisor, pairs), self, "AvgPool2DBackwardBackward0")


AVG_POOL2D = defop(
    "avg_pool2d", "AvgPool2DBackward0", _avg_pool2d, vjp=_avg_pool2d_vjp, dtype_rule="same",
    dtypes=FLOATING | {_dtypes.int64}, kind="pooling",
    refuses=not_implemented("avg_pool2d", tuple(d for d in NOT_FLOATING if d is not _dtypes.int64)))


# -- adaptive average pooling --------------------------------------------------------------------
def _adaptive(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output position along one dim: its window's positions (out, k) and which of them
    are in it, PyTorch's ``floor(o * size / out)`` to ``ceil((o + 1) * size / out)``."""
    o = np.arange(out)
    start = o * size // out
    end = -(-(o + 1) * size // out)
    k = int(np.max(end - start, initial=1))
    pos = start[:, None] + np.arange(k)
    ok = pos < end[:, None]
    return np.where(ok, pos, 0), ok


def _adaptive_avg_pool2d(self: np.ndarray, *, output_size: tuple[int, int]) -> np.ndarray:
    """The mean over each adaptive window of the last two dims."""
    (rows, row_ok), (cols, col_ok) = (_adaptive(self.shape[d - 2], output_size[d])
                                      for d in (0, 1))
    x = self.astype(np.float64)
    win = x[..., rows[:, :, None, None], cols[None, None, :, :]]  # (..., oh, kh, ow, kw)
    ok = row_ok[:, :, None, None] & col_ok[None, None, :, :]
    divisor = np.outer(row_ok.sum(axis=1), col_ok.sum(axis=1))
    with np.errstate(invalid="ignore", over="ignore"):
        total = np.where(ok, win, 0.0).sum(axis=(-3, -1))
        return (total / divisor).astype(self.dtype)


def _check_grad_output(fn: str, shape: Sequence[int]) -> None:
    """PyTorch's adaptive pooling backward refuses an empty output (a non-batch dim of size
    0) where the forward gave one: ``fn`` is its kernel's name."""
    for d in range(1, len(shape)):
        if shape[d] == 0:
            raise RuntimeError(f"{fn}(): Expected grad_output to have non-zero size for "
                               f"non-batch dimensions, but grad_output has sizes "
                               f"{_size_text(shape)} with dimension {d} being empty")


def _adaptive_avg_pool2d_vjp(g: Tensor, self: Tensor, *, output_size: tuple[int, int],
                             self_shape: tuple[int, ...]) -> Tensor:
    _check_grad_output("adaptive_avg_pool2d_backward", g.shape)
    (rows, row_ok), (cols, col_ok) = (_adaptive(self_shape[d - 2], output_size[d])
                                      for d in (0, 1))
    divisor = np.outer(row_ok.sum(axis=1), col_ok.sum(axis=1))
    pairs = _window_pairs(self_shape, output_size, rows, cols, row_ok, col_ok)
    return reads_self(_spread(g, self_shape, divisor, pairs), self,
                      "AdaptiveAvgPool2DBackwardBackward0")


ADAPTIVE_AVG_POOL2D = defop(
    "adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", _adaptive_avg_pool2d,
    vjp=_adaptive_avg_pool2d_vjp, dtype_rule="same", kind="pooling",
    refuses=not_implemented("adaptive_avg_pool2d", NOT_FLOATING))


# -- arguments, as PyTorch's parser and checks read them -----------------------------------------
def _ints(fn: str, name: str, position: int, value: Any) -> tuple[int, ...]:
    """An int or a sequence of ints, as a tuple (PyTorch's ``int[]`` arguments)."""
    if isinstance(value, Tensor) and value.ndim == 0 and not value.dtype.is_floating_point:
        value = value.item()
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            try:
                out.append(operator.index(v))
            except TypeError:
                raise TypeError(f"{fn}(): argument '{name}' failed to unpack the object at pos "
                                f"{position} with error \"type must be tuple of ints,but got "
                                f"{type(v).__name__}\"") from None
        return tuple(out)
    raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be tuple of ints, "
                    f"not {type(value).__name__}")


def _pair(values: tuple[int, ...]) -> tuple[int, int]:
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


def _check_input(fn: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _size_text(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_planes(shape: Sequence[int], kernel: tuple[int, int], stride: tuple[int, int],
                  pad: tuple[int, int], dilation: tuple[int, int], out: tuple[int, int]) -> None:
    """PyTorch's ``pool2d_shape_check``, in its order."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, pad, dilation
    if kw <= 0 or kh <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sw <= 0 or sh <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} "
                           f"dilationW: {dw}")
    ndim = len(shape)
    planes_ok = shape[-2] != 0 and shape[-1] != 0
    if not ((ndim == 3 and shape[0] != 0 and planes_ok) or (ndim == 4 and planes_ok
                                                             and shape[1] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{_size_text(shape)}")
    if kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")
    if out[1] < 1 or out[0] < 1:
        c, h, w = shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}). Output size is too small")


def _dims_out_of_range(ndim: int, dim: int) -> IndexError:
    if ndim == 0:
        return IndexError(f"dimension specified as {dim} but tensor has no dimensions")
    return IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                      f"{ndim - 1}], but got {dim})")


def _max_args(fn: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any
              ) -> tuple[tuple[int, ...], ...]:
    kernel = _ints(fn, "kernel_size", 2, kernel_size)
    strides = () if stride is None else _ints(fn, "stride", 3, stride)
    return kernel, strides, _ints(fn, "padding", 4, padding), _ints(fn, "dilation", 5, dilation)


def _check_window_lengths(fn: str, kernel: tuple[int, ...], strides: tuple[int, ...],
                          pads: tuple[int, ...]) -> None:
    """PyTorch's checks, shared by its 2-d pooling kernels, of how many ints each of the
    window's arguments holds."""
    if len(kernel) not in (1, 2):
        raise RuntimeError(f"{fn}: kernel_size must either be a single int, or a tuple of two "
                           "ints")
    if len(strides) not in (0, 1, 2):
        raise RuntimeError(f"{fn}: stride must either be omitted, a single int, or a tuple of "
                           "two ints")
    if len(pads) not in (1, 2):
        raise RuntimeError(f"{fn}: padding must either be a single int, or a tuple of two ints")


def _max_pool2d_attrs(input: Tensor, kernel: tuple[int, ...], strides: tuple[int, ...],
                      pads: tuple[int, ...], dilations: tuple[int, ...], ceil_mode: bool
                      ) -> dict[str, Any]:
    """The op's attributes, after PyTorch's checks of ``max_pool2d_with_indices``."""
    _check_window_lengths("max_pool2d", kernel, strides, pads)
    if len(dilations) not in (1, 2):
        raise RuntimeError("max_pool2d: dilation must be either a single int, or a tuple of two "
                           "ints")
    shape = tuple(input.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k = _pair(kernel)
    s = _pair(strides) if strides else k
    p, d = _pair(pads), _pair(dilations)
    out = _sizes(shape, k, s, p, d, bool(ceil_mode))
    _check_planes(shape, k, s, p, d, out)
    return {"kernel_size": k, "stride": s, "padding": p, "dilation": d,
            "ceil_mode": bool(ceil_mode)}


def _with_indices(input: Tensor, out: Tensor, attrs: dict[str, Any]) -> tuple[Tensor, Tensor]:
    index = max_pool2d_indices(input._data, attrs["kernel_size"], attrs["stride"],
                               attrs["padding"], attrs["dilation"], attrs["ceil_mode"])
    indices = Tensor._make(index, False, None)
    save_outputs(out, indices)
    return out, indices


def _max_pool2d_impl(fn: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
                     dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    _check_input(fn, input)
    attrs = _max_pool2d_attrs(input, *_max_args(fn, kernel_size, stride, padding, dilation),
                              ceil_mode)
    out = apply(MAX_POOL2D, input, **attrs)
    return _with_indices(input, out, attrs) if return_indices else out


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum over each ``kernel_size`` window of the last two dims of a (N, C, H, W) or
    (C, H, W) input (``torch.nn.functional.max_pool2d``).

    Windows step by ``stride``; ``padding`` adds ``-inf`` on both sides (at most half the
    kernel); ``dilation`` spaces a window's elements; ``ceil_mode`` rounds the output size up
    (the last window starting inside the input or its left padding). Of tied elements the first
    in window order is chosen, a NaN over any number; the gradient goes to the chosen element.

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        kernel_size: The window, an int or (kh, kw).
        stride: The step, an int or (sh, sw). Defaults to None: ``kernel_size``.
        padding: Implicit ``-inf`` on each side, an int or (ph, pw). Defaults to 0.
        dilation: The spacing of a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.
        return_indices: Also return each maximum's index into its flattened (H, W) plane
            (int64). Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]], requires_grad=True)
    >>> max_pool2d(x, 2, stride=1)
    tensor([[[5., 5.]]], grad_fn=<MaxPool2DWithIndicesBackward0>)
    >>> max_pool2d(x, (1, 2), return_indices=True)[1]
    tensor([[[1],
             [4]]])
    """
    return _max_pool2d_impl("max_pool2d", input, kernel_size, stride, padding, dilation,
                            ceil_mode, return_indices)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """``max_pool2d`` with its indices (``torch.nn.functional.max_pool2d_with_indices``).

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        kernel_size: The window, an int or (kh, kw).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit ``-inf`` on each side. Defaults to 0.
        dilation: The spacing of a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.
        return_indices: Ignored: the indices are always returned. Defaults to True.

    >>> import symgrad
    >>> max_pool2d_with_indices(symgrad.tensor([[[1.0, 3.0], [2.0, 0.0]]]), 2)[1]
    tensor([[[1]]])
    """
    return _max_pool2d_impl("max_pool2d", input, kernel_size, stride, padding, dilation,
                            ceil_mode, True)


def _check_rank_range(fn: str, input: Tensor) -> None:
    """PyTorch's ``checkDimRange(fn, self, 2, 4)``."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {fn})")


def _check1d(fn: str, name: str, values: tuple[int, ...]) -> None:
    if len(values) != 1:
        raise RuntimeError(f"{fn}() argument '{name}' should contain one int (got "
                           f"{len(values)})")


def _max_pool1d_impl(input: Tensor, kernel_size: Any, stride: Any, padding: Any,
                     dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    fn = "max_pool1d_with_indices" if return_indices else "max_pool1d"
    _check_input(fn, input)
    kernel, strides, pads, dilations = _max_args(fn, kernel_size, stride, padding, dilation)
    if return_indices:
        # PyTorch's max_pool1d_with_indices: its checks, then max_pool2d_with_indices on an
        # unsqueezed input.
        _check_rank_range("max_pool1d", input)
        strides = strides or kernel
        for name, values in (("kernel_size", kernel), ("stride", strides), ("padding", pads),
                             ("dilation", dilations)):
            _check1d("max_pool1d", name, values)
    else:
        _check_max_pool1d(input, kernel, strides, pads, dilations, ceil_mode)
        strides = strides or kernel
    x = input.unsqueeze(-2)
    attrs = _max_pool2d_attrs(x, (1, kernel[0]), (1, strides[0]), (0, pads[0]),
                              (1, dilations[0]), ceil_mode)
    out = apply(MAX_POOL2D, x, **attrs)
    if return_indices:
        out, index = _with_indices(x, out, attrs)
        return out.squeeze(-2), index.squeeze(-2)
    if not (input._rg and _grad_state.enabled):
        # PyTorch's max_pool1d goes through max_pool2d_with_indices (a squeezed view) only
        # where a gradient needs the indices; else its kernel writes a tensor of its own,
        # which an in-place op then writes as any other (ClampMaxBackward1, not CopySlices).
        return Tensor._make(np.squeeze(out._data, -2), False, None)
    return out.squeeze(-2)


def _check_max_pool1d(input: Tensor, kernel: tuple[int, ...], strides: tuple[int, ...],
                      pads: tuple[int, ...], dilations: tuple[int, ...], ceil_mode: bool) -> None:
    """PyTorch's checks of ``max_pool1d`` (without indices), in its order, and its kernel's
    refusal of what no gradient asks indices for: integers."""
    shape = tuple(input.shape)
    if not ((len(shape) == 2 and shape[0] != 0 and shape[1] != 0)
            or (len(shape) == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{_size_text(shape)}")
    if len(kernel) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(kernel)}")
    if len(strides) not in (0, 1):
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(strides)}")
    if len(pads) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of ints "
                           f"of size 1 but got size {len(pads)}")
    if len(dilations) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints or tuple of ints "
                           f"of size 1 but got size {len(dilations)}")
    (k,), (p,), (d,) = kernel, pads, dilations
    s = strides[0] if strides else k
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _output_size(shape[-1], k, p, s, d, bool(ceil_mode))
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    if not input.dtype.is_floating_point and not (input.requires_grad):
        raise NotImplementedError(
            f'"max_pool1d_impl" not implemented for \'{_TORCH_NAMES[input.dtype.name]}\'')


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum over each ``kernel_size`` window of the last dim of a (N, C, L) or (C, L)
    input (``torch.nn.functional.max_pool1d``): ``max_pool2d`` of the input unsqueezed at -2,
    squeezed back, as PyTorch records it.

    Args:
        input: The tensor, (N, C, L) or (C, L).
        kernel_size: The window, an int or (k,).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit ``-inf`` on each side (at most half the kernel). Defaults to 0.
        dilation: The spacing of a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.
        return_indices: Also return each maximum's index along L (int64). Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 5.0, 2.0, 3.0]], requires_grad=True)
    >>> y = max_pool1d(x, 2)
    >>> y, y.grad_fn.next_functions[0][0].name()
    (tensor([[5., 3.]], grad_fn=<SqueezeBackward1>), 'MaxPool2DWithIndicesBackward0')
    >>> max_pool1d(x, 3, stride=1, return_indices=True)[1]
    tensor([[1, 1]])
    """
    return _max_pool1d_impl(input, kernel_size, stride, padding, dilation, ceil_mode,
                            return_indices)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """``max_pool1d`` with its indices (``torch.nn.functional.max_pool1d_with_indices``).

    Args:
        input: The tensor, (N, C, L) or (C, L).
        kernel_size: The window, an int or (k,).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit ``-inf`` on each side. Defaults to 0.
        dilation: The spacing of a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.
        return_indices: Ignored: the indices are always returned. Defaults to True.

    >>> import symgrad
    >>> max_pool1d_with_indices(symgrad.tensor([[1.0, 3.0, 2.0]]), 2, 1)[1]
    tensor([[1, 1]])
    """
    return _max_pool1d_impl(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- average pooling: public functions -----------------------------------------------------------
def _avg_pool2d_attrs(input: Tensor, kernel: tuple[int, ...], strides: tuple[int, ...],
                      pads: tuple[int, ...], ceil_mode: bool, count_include_pad: bool,
                      divisor_override: Any) -> dict[str, Any]:
    """The op's attributes, after PyTorch's checks of ``avg_pool2d``."""
    _check_window_lengths("avg_pool2d", kernel, strides, pads)
    if divisor_override is not None:
        divisor_override = operator.index(divisor_override)
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    shape = tuple(input.shape)
    if len(shape) < 3:
        raise _dims_out_of_range(len(shape), -3)
    k = _pair(kernel)
    s = _pair(strides) if strides else k
    p = _pair(pads)
    out = _sizes(shape, k, s, p, (1, 1), bool(ceil_mode))
    _check_planes(shape, k, s, p, (1, 1), out)
    return {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": bool(ceil_mode),
            "count_include_pad": bool(count_include_pad), "divisor_override": divisor_override}


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean over each ``kernel_size`` window of the last two dims of a (N, C, H, W) or
    (C, H, W) input (``torch.nn.functional.avg_pool2d``).

    The window's sum is divided by ``divisor_override`` if given, else by the window's size
    clipped to the padded input (``count_include_pad``) or to the input alone.

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        kernel_size: The window, an int or (kh, kw).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit zeros on each side (at most half the kernel). Defaults to 0.
        ceil_mode: Round the output size up. Defaults to False.
        count_include_pad: Count the padding in the divisor. Defaults to True.
        divisor_override: Divide every sum by this instead. Defaults to None.

    >>> import symgrad
    >>> x = symgrad.tensor([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]], requires_grad=True)
    >>> avg_pool2d(x, 2, stride=1)
    tensor([[[3., 4.]]], grad_fn=<AvgPool2DBackward0>)
    >>> avg_pool2d(x, 2, padding=1, count_include_pad=False)
    tensor([[[1.0000, 2.5000],
             [4.0000, 5.5000]]], grad_fn=<AvgPool2DBackward0>)
    """
    fn = "avg_pool2d"
    _check_input(fn, input)
    kernel = _ints(fn, "kernel_size", 2, kernel_size)
    strides = () if stride is None else _ints(fn, "stride", 3, stride)
    attrs = _avg_pool2d_attrs(input, kernel, strides, _ints(fn, "padding", 4, padding),
                              ceil_mode, count_include_pad, divisor_override)
    return apply(AVG_POOL2D, input, **attrs)


@expose(method=False)
def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean over each ``kernel_size`` window of the last dim of a (N, C, L) or (C, L)
    input (``torch.avg_pool1d``): ``avg_pool2d`` of the input unsqueezed at -2, squeezed back.

    Args:
        input: The tensor, (N, C, L) or (C, L).
        kernel_size: The window, an int or (k,).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit zeros on each side (at most half the kernel). Defaults to 0.
        ceil_mode: Round the output size up. Defaults to False.
        count_include_pad: Count the padding in the divisor. Defaults to True.

    >>> import symgrad
    >>> avg_pool1d(symgrad.tensor([[1.0, 2.0, 3.0, 5.0]]), 2)
    tensor([[1.5000, 4.0000]])
    """
    fn = "avg_pool1d"
    _check_input(fn, input)
    kernel = _ints(fn, "kernel_size", 2, kernel_size)
    strides = kernel if stride is None else _ints(fn, "stride", 3, stride) or kernel
    pads = _ints(fn, "padding", 4, padding)
    _check_rank_range(fn, input)
    for name, values in (("kernel_size", kernel), ("stride", strides), ("padding", pads)):
        _check1d(fn, name, values)
    x = input.unsqueeze(-2)
    attrs = _avg_pool2d_attrs(x, (1, kernel[0]), (1, strides[0]), (0, pads[0]), ceil_mode,
                              count_include_pad, None)
    return apply(AVG_POOL2D, x, **attrs).squeeze(-2)


def _output_pair(value: Any, shape: Sequence[int]) -> tuple[int, int]:
    """``adaptive_avg_pool2d``'s output size: an int for both dims, or two (None keeps the
    input's size there), with PyTorch's checks."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        sizes: tuple[Any, ...] = (int(value), int(value))
    else:
        given = tuple(value)
        if len(shape) <= len(given):
            raise ValueError(f"Input dimension should be at least {len(given) + 1}")
        sizes = tuple(d if v is None else v for v, d in zip(given, shape[-len(given):],
                                                            strict=True))
        sizes = _ints("adaptive_avg_pool2d", "output_size", 2, sizes)
    if len(sizes) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if sizes[0] < 0 or sizes[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than "
                           f"or equal to 0 but received {{{sizes[0]}, {sizes[1]}}}")
    return sizes[0], sizes[1]


def _adaptive_avg_pool2d_sizes(input: Tensor, sizes: tuple[int, int]) -> Tensor:
    if sizes == (1, 1):
        # PyTorch takes the mean over the last two dims here (MeanBackward1).
        return input.mean(dim=(-1, -2), keepdim=True)
    shape = tuple(input.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{_size_text(shape)}")
    for d in (-2, -1):
        if shape[d] <= 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {_size_text(shape)} "
                               f"with dimension {d + len(shape)} being empty")
    if math.prod(shape[:-2] + sizes) == 0 and not input.dtype.is_floating_point:
        # PyTorch's kernel returns an empty output before it looks at the dtype: a bool or
        # integer input gives an empty result of its dtype.
        return Tensor._make(np.zeros(shape[:-2] + sizes, input._data.dtype), False, None)
    return apply(ADAPTIVE_AVG_POOL2D, input, output_size=sizes)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """The mean over windows of the last two dims chosen to give ``output_size``
    (``torch.nn.functional.adaptive_avg_pool2d``): output ``o`` of a dim of size ``n``
    averages ``floor(o * n / out)`` to ``ceil((o + 1) * n / out)``.

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        output_size: The output's (H, W): an int for both, or a pair (None keeps the input's).

    >>> import symgrad
    >>> x = symgrad.tensor([[[1.0, 2.0, 3.0], [4.0, 5.0, 9.0]]], requires_grad=True)
    >>> adaptive_avg_pool2d(x, (1, 2))
    tensor([[[3.0000, 4.7500]]], grad_fn=<AdaptiveAvgPool2DBackward0>)
    """
    _check_input("adaptive_avg_pool2d", input)
    return _adaptive_avg_pool2d_sizes(input, _output_pair(output_size, tuple(input.shape)))


@expose(method=False)
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """The mean over windows of the last dim chosen to give ``output_size``
    (``torch.adaptive_avg_pool1d``): ``adaptive_avg_pool2d`` of the input unsqueezed at -2
    to (1, ``output_size``), squeezed back.

    Args:
        input: The tensor, (N, C, L) or (C, L).
        output_size: The output's length, an int or (L,).

    >>> import symgrad
    >>> adaptive_avg_pool1d(symgrad.tensor([[1.0, 2.0, 3.0, 6.0]]), 3)
    tensor([[1.5000, 2.5000, 4.5000]])
    """
    fn = "adaptive_avg_pool1d"
    _check_input(fn, input)
    sizes = _ints(fn, "output_size", 2, output_size)
    _check_rank_range(fn, input)
    _check1d(fn, "output_size", sizes)
    x = input.unsqueeze(-2)
    return _adaptive_avg_pool2d_sizes(x, _output_pair((1, sizes[0]), tuple(x.shape))
                                      ).squeeze(-2)


# -- PyTorch's top-level functions: no ``return_indices``, a stride of [] for the kernel's --------
def _max_pool2d_top(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
                    dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool2d``: ``symgrad.nn.functional.max_pool2d`` without ``return_indices``.

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        kernel_size: The window, an int or (kh, kw).
        stride: The step. Defaults to (): ``kernel_size``.
        padding: Implicit ``-inf`` on each side. Defaults to 0.
        dilation: The spacing of a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.

    >>> import symgrad
    >>> symgrad.max_pool2d(symgrad.tensor([[[1.0, 3.0], [2.0, 0.0]]]), 2)
    tensor([[[3.]]])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def _max_pool1d_top(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
                    dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool1d``: ``symgrad.nn.functional.max_pool1d`` without ``return_indices``.

    Args:
        input: The tensor, (N, C, L) or (C, L).
        kernel_size: The window, an int or (k,).
        stride: The step. Defaults to (): ``kernel_size``.
        padding: Implicit ``-inf`` on each side. Defaults to 0.
        dilation: The spacing of a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.

    >>> import symgrad
    >>> symgrad.max_pool1d(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[3., 2.]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


# Published under PyTorch's names, which the functions of ``symgrad.nn.functional`` above hold
# in this module.
for _top, _name in ((_max_pool2d_top, "max_pool2d"), (_max_pool1d_top, "max_pool1d")):
    _top.__name__ = _top.__qualname__ = _name
    expose(_name, method=False)(_top)
