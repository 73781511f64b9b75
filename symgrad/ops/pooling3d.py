"""3-d pooling: the maximum or the average over windows of the last three dims, as PyTorch's
``max_pool3d``, ``avg_pool3d`` and ``adaptive_avg_pool3d`` compute them.

The windows are those of the 2-d functions (``symgrad.ops.pooling``) along each of the three
dims: output position ``o`` reads input positions ``o * stride - padding + j * dilation`` for
``j < kernel_size``, ``ceil_mode`` rounding the count up (the last window starting inside the
input or its left padding); adaptive windows are ``floor(o * in / out)`` to
``ceil((o + 1) * in / out)``. The maximum takes the first maximal element in window order (the
last NaN of a window holding one; padding never), as PyTorch's CPU kernel does; its gradient
goes to that element, summed where windows overlap. An average's sum is taken in float64 and
divided and rounded once. The VJPs scatter the incoming gradient ``g`` with
``index_put(..., accumulate=True)``, a symgrad op, so ``create_graph=True`` works to any order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autocast_policy import autocasts
from symgrad.autograd.graph import save_outputs
from symgrad.ops.indexing import INDEX, index_put
from symgrad.ops.pooling import (
    _adaptive,
    _check_grad_output,
    _check_input,
    _counts,
    _ints,
    _output_size,
    _positions,
    reads_self,
)
from symgrad.ops.registry import ALL, FLOATING, Kink, apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
Triple = tuple[int, int, int]


# -- windows -------------------------------------------------------------------------------------
def _sizes(shape: Sequence[int], kernel: Triple, stride: Triple, padding: Triple,
           dilation: Triple, ceil_mode: bool) -> Triple:
    return tuple(_output_size(shape[d - 3], kernel[d], padding[d], stride[d], dilation[d],
                              ceil_mode) for d in range(3))  # type: ignore[return-value]


def _windows(x: np.ndarray, fill: Any, kernel: Triple, stride: Triple, padding: Triple,
             dilation: Triple, out: Triple) -> np.ndarray:
    """``x`` padded with ``fill``: its windows, (..., od, oh, ow, kd * kh * kw) in window
    order."""
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True))
    # Past the input at the high end: the last window of ceil mode may reach beyond padding.
    high = tuple(max(p, (o - 1) * s + e - p - n) for p, o, s, e, n in
                 zip(padding, out, stride, span, x.shape[-3:], strict=True))
    padded = np.full(x.shape[:-3] + tuple(p + n + h for p, n, h in
                                          zip(padding, x.shape[-3:], high, strict=True)),
                     fill, dtype=x.dtype)
    padded[(..., *(slice(p, p + n) for p, n in zip(padding, x.shape[-3:], strict=True)))] = x
    view = np.lib.stride_tricks.sliding_window_view(padded, span, axis=(-3, -2, -1))
    view = view[(..., *(slice(None, (o - 1) * s + 1, s) for o, s in zip(out, stride,
                                                                        strict=True)),
                 *(slice(None, None, d) for d in dilation))]
    return view.reshape(x.shape[:-3] + out + (math.prod(kernel),))


def _flat(per_dim: Sequence[np.ndarray], shape: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per output and window element (od, oh, ow, kd * kh * kw): the flat (d, h, w) input
    index each reads, and whether it is inside the input, from per-dim positions (o, k)."""
    (t, h, w), (n_t, n_h, n_w) = per_dim, shape[-3:]
    index = (t[:, None, None, :, None, None] * n_h + h[None, :, None, None, :, None]) * n_w \
        + w[None, None, :, None, None, :]
    ok = (((t >= 0) & (t < n_t))[:, None, None, :, None, None]
          & ((h >= 0) & (h < n_h))[None, :, None, None, :, None]
          & ((w >= 0) & (w < n_w))[None, None, :, None, None, :])
    out = (len(t), len(h), len(w))
    size = t.shape[1] * h.shape[1] * w.shape[1]
    return index.reshape(out + (size,)), ok.reshape(out + (size,))


def _scatter(g: Tensor, shape: tuple[int, ...], source: np.ndarray | None, target: np.ndarray
             ) -> Tensor:
    """Zeros of ``shape`` plus, at each flat (d, h, w) position ``target[n]`` of every volume,
    the element ``source[n]`` of that volume's flattened ``g`` (all of ``g`` in order when
    ``source`` is None), summed where positions repeat: the adjoint of reading ``g`` there."""
    volumes = math.prod(shape[:-3])
    size = math.prod(shape[-3:])
    n_out = math.prod(g.shape[-3:])
    flat = g.reshape(-1)
    base = np.arange(volumes, dtype=np.int64)[:, None]
    if source is not None:
        flat = apply(INDEX, flat, indices=((base * n_out + source).reshape(-1),))
    zeros = Tensor._make(np.zeros(volumes * size, dtype=g._data.dtype), False, None)
    return index_put(zeros, flat, ((base * size + target).reshape(-1),),
                     accumulate=True).reshape(shape)


# -- max pooling ---------------------------------------------------------------------------------
def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _choose(x: np.ndarray, kernel: Triple, stride: Triple, padding: Triple, dilation: Triple,
            ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum (..., od, oh, ow) (float32 for half types) and its flat (d, h, w)
    index (int64, PyTorch's indices)."""
    out = _sizes(x.shape, kernel, stride, padding, dilation, ceil_mode)
    if x.dtype in _HALF:
        x = x.astype(np.float32)  # exact, and NumPy's comparisons of half types are slow
    per_dim = [_positions(out[d], kernel[d], padding[d], stride[d], dilation[d])
               for d in range(3)]
    where, inside = _flat(per_dim, x.shape)
    fill = _lowest(x.dtype)
    win = _windows(x, fill, kernel, stride, padding, dilation, out)
    pick = np.argmax(win, axis=-1)
    top = np.take_along_axis(win, pick[..., None], axis=-1)[..., 0]
    if not inside.all():
        # PyTorch's kernel starts from the first element inside the input and moves on a
        # greater one or a NaN: padding is never chosen, though argmax takes it where the
        # maximum is the padding's value (-inf, or the integer minimum).
        low = top == fill
        if low.any():
            pick = np.where(low, np.argmax(inside, axis=-1), pick)
    if x.dtype.kind == "f":
        nan = np.isnan(top)  # argmax takes a window's first NaN, PyTorch stops at the last
        if nan.any():
            some = win[nan]
            last = some.shape[-1] - 1 - np.argmax(np.isnan(some[:, ::-1]), axis=-1)
            pick[nan] = last
            top[nan] = some[np.arange(len(last)), last]
    index = np.take_along_axis(np.broadcast_to(where, pick.shape + where.shape[-1:]),
                               pick[..., None], axis=-1)[..., 0]
    return top, index.astype(np.int64)


def _max_pool3d(self: np.ndarray, *, kernel_size: Triple, stride: Triple, padding: Triple,
                dilation: Triple, ceil_mode: bool) -> np.ndarray:
    """The maximum over each window of the last three dims (padding never chosen)."""
    return _choose(self, kernel_size, stride, padding, dilation, ceil_mode)[0].astype(
        self.dtype)


def _max_pool3d_vjp(g: Tensor, self: Tensor, *, kernel_size: Triple, stride: Triple,
                    padding: Triple, dilation: Triple, ceil_mode: bool) -> Tensor:
    # The gradient goes to each window's chosen element, summed over the windows sharing it.
    _, index = _choose(self._data, kernel_size, stride, padding, dilation, ceil_mode)
    shape = tuple(self.shape)
    return _scatter(g, shape, None, index.reshape(math.prod(shape[:-3]), -1))


def _window_ties(self: np.ndarray, *, kernel_size: Triple, stride: Triple, padding: Triple,
                 dilation: Triple, ceil_mode: bool) -> np.ndarray:
    """The elements of ``self`` that share the maximum of some window with another one."""
    x = np.asarray(self, dtype=np.float64)
    out = _sizes(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    per_dim = [_positions(out[d], kernel_size[d], padding[d], stride[d], dilation[d])
               for d in range(3)]
    where, inside = _flat(per_dim, x.shape)
    win = _windows(x, -np.inf, kernel_size, stride, padding, dilation, out)
    top = (win == np.max(win, axis=-1, keepdims=True)) & inside
    hit = top & (np.sum(top, axis=-1, keepdims=True) > 1)
    lead = math.prod(x.shape[:-3])
    size = math.prod(x.shape[-3:])
    flat = np.arange(lead)[:, None] * size + np.broadcast_to(where, win.shape).reshape(lead, -1)
    mask = np.zeros(lead * size, dtype=bool)
    mask[flat.reshape(-1)[hit.reshape(-1)]] = True
    return mask.reshape(x.shape)


MAX_POOL3D = defop(
    "max_pool3d", "MaxPool3DWithIndicesBackward0", _max_pool3d, vjp=_max_pool3d_vjp,
    dtype_rule="same", dtypes=ALL - {_dtypes.bool}, kind="pooling",
    kinks=(Kink("self", "two elements of a window of self tie for its maximum", _window_ties,
                "left"),),
    refuses=not_implemented("max_pool3d", (_dtypes.bool,)))


# -- average pooling -----------------------------------------------------------------------------
def _divisor(shape: Sequence[int], out: Triple, kernel: Triple, stride: Triple,
             padding: Triple, count_include_pad: bool, divisor_override: int | None
             ) -> np.ndarray:
    if divisor_override is not None:
        return np.full(out, divisor_override, dtype=np.int64)
    ct, ch, cw = (_counts(shape[d - 3], out[d], kernel[d], padding[d], stride[d],
                          count_include_pad) for d in range(3))
    return ct[:, None, None] * ch[None, :, None] * cw[None, None, :]


def _avg_pool3d(self: np.ndarray, *, kernel_size: Triple, stride: Triple, padding: Triple,
                ceil_mode: bool, count_include_pad: bool, divisor_override: int | None
                ) -> np.ndarray:
    """The sum over each window of the last three dims (zero padding) over its divisor."""
    out = _sizes(self.shape, kernel_size, stride, padding, (1, 1, 1), ceil_mode)
    divisor = _divisor(self.shape, out, kernel_size, stride, padding, count_include_pad,
                       divisor_override)
    if self.dtype.kind in "iub":
        # int64 (PyTorch's only integral avg_pool3d): the sum divided as C++ divides, toward 0.
        total = _windows(self.astype(np.int64), 0, kernel_size, stride, padding, (1, 1, 1),
                         out).sum(axis=-1)
        q = total // divisor
        q += (q * divisor != total) & ((total < 0) != (divisor < 0))
        return q.astype(self.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        total = _windows(self.astype(np.float64), 0.0, kernel_size, stride, padding,
                         (1, 1, 1), out).sum(axis=-1)
        return (total / divisor).astype(self.dtype)


def _spread(g: Tensor, shape: tuple[int, ...], divisor: np.ndarray, index: np.ndarray,
            ok: np.ndarray) -> Tensor:
    """Each output's gradient over its divisor, added to every input element of its window
    (``index``, ``ok``: per output and window element, where it reads and whether inside)."""
    g = g / Tensor._make(divisor.astype(g._data.dtype), False, None)
    lead = math.prod(shape[:-3])
    n_out = math.prod(index.shape[:-1])
    source = np.broadcast_to(np.arange(n_out).reshape(index.shape[:-1] + (1,)), index.shape)
    source, target = source[ok], index[ok]
    return _scatter(g, shape, np.broadcast_to(source, (lead,) + source.shape),
                    np.broadcast_to(target, (lead,) + target.shape))


def _avg_pool3d_vjp(g: Tensor, self: Tensor, *, kernel_size: Triple, stride: Triple,
                    padding: Triple, ceil_mode: bool, count_include_pad: bool,
                    divisor_override: int | None, self_shape: tuple[int, ...]) -> Tensor:
    out = _sizes(self_shape, kernel_size, stride, padding, (1, 1, 1), ceil_mode)
    divisor = _divisor(self_shape, out, kernel_size, stride, padding, count_include_pad,
                       divisor_override)
    per_dim = [_positions(out[d], kernel_size[d], padding[d], stride[d], 1) for d in range(3)]
    index, ok = _flat(per_dim, self_shape)
    return reads_self(_spread(g, self_shape, divisor, index, ok), self,
                      "AvgPool3DBackwardBackward0")


AVG_POOL3D = defop(
    "avg_pool3d", "AvgPool3DBackward0", _avg_pool3d, vjp=_avg_pool3d_vjp, dtype_rule="same",
    dtypes=(FLOATING - {_dtypes.float16, _dtypes.bfloat16}) | {_dtypes.int64}, kind="pooling",
    refuses=not_implemented("avg_pool3d_out_frame",
                            tuple(d for d in _dtypes.ALL if d not in
                                  (_dtypes.int64, _dtypes.float32, _dtypes.float64))))


# -- adaptive average pooling --------------------------------------------------------------------
def _adaptive_windows(shape: Sequence[int], output_size: Triple
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per output and window element: the flat input index, whether it is in the window; and
    each window's size."""
    found = [_adaptive(shape[d - 3], output_size[d]) for d in range(3)]
    index, _ = _flat([pos for pos, _ in found], shape)
    (_, ok_t), (_, ok_h), (_, ok_w) = found
    ok = (ok_t[:, None, None, :, None, None] & ok_h[None, :, None, None, :, None]
          & ok_w[None, None, :, None, None, :]).reshape(index.shape)
    return index, ok, ok.sum(axis=-1)


def _adaptive_avg_pool3d(self: np.ndarray, *, output_size: Triple) -> np.ndarray:
    """The mean over each adaptive window of the last three dims."""
    index, ok, divisor = _adaptive_windows(self.shape, output_size)
    flat = self.shape[:-3] + (math.prod(self.shape[-3:]),)
    if self.dtype in _HALF:
        # PyTorch's CPU kernel sums a float16/bfloat16 window in its own dtype, element by
        # element in window order, then divides by the window's depth, height and width in
        # turn, rounding each time: equal on 288 of 288 random float16 and bfloat16 outputs,
        # where a float32 sum divided once differed in 9 to 61.
        x = self.reshape(flat)
        total = np.zeros(x.shape[:-1] + index.shape[:-1], dtype=self.dtype)
        zero = np.zeros((), dtype=self.dtype)
        for e in range(index.shape[-1]):
            total = total + np.where(ok[..., e], x[..., index[..., e]], zero)
        for d, shape in enumerate(((-1, 1, 1), (-1, 1), (-1,))):
            count = _adaptive(self.shape[d - 3], output_size[d])[1].sum(axis=1)
            total = (total.astype(np.float32) / count.astype(np.float32).reshape(shape)
                     ).astype(self.dtype)
        return total
    x = self.astype(np.float64).reshape(flat)
    with np.errstate(invalid="ignore", over="ignore"):
        total = np.where(ok, x[..., index], 0.0).sum(axis=-1)
        return (total / divisor).astype(self.dtype)


def _adaptive_avg_pool3d_vjp(g: Tensor, self: Tensor, *, output_size: Triple,
                             self_shape: tuple[int, ...]) -> Tensor:
    _check_grad_output("adaptive_avg_pool3d_backward", g.shape)
    index, ok, divisor = _adaptive_windows(self_shape, output_size)
    return reads_self(_spread(g, self_shape, divisor, index, ok), self,
                      "AdaptiveAvgPool3DBackwardBackward0")


ADAPTIVE_AVG_POOL3D = defop(
    "adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0", _adaptive_avg_pool3d,
    vjp=_adaptive_avg_pool3d_vjp, dtype_rule="same", kind="pooling",
    refuses=not_implemented("adaptive_avg_pool3d_cpu", _dtypes.NOT_FLOATING))


# -- arguments, as PyTorch's parser and checks read them -----------------------------------------
def _triple(fn: str, name: str, values: tuple[int, ...], message: str,
            default: tuple[int, ...] | None = None) -> Triple:
    if not values and default is not None:
        return default  # type: ignore[return-value]
    if len(values) not in (1, 3):
        raise RuntimeError(f"{fn}: {name} {message}")
    return (values * 3 if len(values) == 1 else values)  # type: ignore[return-value]


def _check_volumes(fn: str, shape: Sequence[int], kernel: Triple, stride: Triple,
                   pad: Triple, dilation: Triple, out: Triple, avg: bool) -> None:
    """PyTorch's ``pool3d_shape_check``, in its order."""
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    for d in range(len(shape) - 4, len(shape)):
        if shape[d] <= 0:
            raise RuntimeError(f"{fn}: Expected input's non-batch dimensions to have positive "
                               f"length, but input has a shape of {list(shape)} and non-batch "
                               f"dimension {shape[d]} has length zero!")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero, but got dilationT: "
                           f"{dilation[0]} dilationH: {dilation[1]} dilationW: {dilation[2]}")
    t, h, w = shape[-3:]
    if avg and (t < kernel[0] or h < kernel[1] or w < kernel[2]):
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: "
                           f"{kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    if any(o < 1 for o in out):
        c = shape[-4]
        raise RuntimeError(f"Given input size: ({c}x{t}x{h}x{w}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}x{out[2]}). Output size is too small")


def _max_pool3d_attrs(input: Tensor, kernel_size: Any, stride: Any, padding: Any,
                      dilation: Any, ceil_mode: bool) -> dict[str, Any]:
    fn = "max_pool3d"
    kernel = _triple(fn, "kernel_size", _ints(fn, "kernel_size", 2, kernel_size),
                     "must either be a single int, or a tuple of three ints")
    strides = () if stride is None else _ints(fn, "stride", 3, stride)
    s = _triple(fn, "stride", strides, "must either be omitted, a single int, or a tuple of "
                "three ints", kernel)
    p = _triple(fn, "padding", _ints(fn, "padding", 4, padding),
                "must either be a single int, or a tuple of three ints")
    d = _triple(fn, "dilation", _ints(fn, "dilation", 5, dilation),
                "must be either a single int, or a tuple of three ints")
    shape = tuple(input.shape)
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    out = _sizes(shape, kernel, s, p, d, bool(ceil_mode))
    _check_volumes("max_pool3d_with_indices_out_cpu_template()", shape, kernel, s, p, d, out,
                   False)
    return {"kernel_size": kernel, "stride": s, "padding": p, "dilation": d,
            "ceil_mode": bool(ceil_mode)}


# -- public functions ----------------------------------------------------------------------------
@autocasts("fp32")
def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum over each ``kernel_size`` window of the last three dims of a (N, C, D, H, W)
    or (C, D, H, W) input (``torch.nn.functional.max_pool3d``).

    Args:
        input: The tensor, (N, C, D, H, W) or (C, D, H, W).
        kernel_size: The window, an int or (kd, kh, kw).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit -inf on each side (at most half the kernel). Defaults to 0.
        dilation: The step between a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.
        return_indices: Also return each maximum's index into its flattened (D, H, W) volume.
            Defaults to False.

    >>> import symgrad
    >>> x = symgrad.arange(8.0).reshape(1, 2, 2, 2).requires_grad_()
    >>> max_pool3d(x, 2)
    tensor([[[[7.]]]], grad_fn=<MaxPool3DWithIndicesBackward0>)
    """
    _check_input("max_pool3d", input)
    attrs = _max_pool3d_attrs(input, kernel_size, stride, padding, dilation, ceil_mode)
    out = apply(MAX_POOL3D, input, **attrs)
    if not return_indices:
        return out
    _, index = _choose(input._data, attrs["kernel_size"], attrs["stride"], attrs["padding"],
                       attrs["dilation"], attrs["ceil_mode"])
    indices = Tensor._make(index, False, None)
    save_outputs(out, indices)
    return out, indices


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool3d`` with its indices (``torch.nn.functional.max_pool3d_with_indices``).

    Args:
        input: The tensor, (N, C, D, H, W) or (C, D, H, W).
        kernel_size: The window, an int or (kd, kh, kw).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit -inf on each side. Defaults to 0.
        dilation: The step between a window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.
        return_indices: Ignored (the indices are always returned), as in PyTorch.

    >>> import symgrad
    >>> max_pool3d_with_indices(symgrad.arange(8.0).reshape(1, 2, 2, 2), 2)[1]
    tensor([[[[7]]]])
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


@autocasts("fp32")
def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean over each ``kernel_size`` window of the last three dims of a (N, C, D, H, W) or
    (C, D, H, W) input (``torch.nn.functional.avg_pool3d``).

    The window's sum is divided by ``divisor_override`` if given, else by the window's size
    clipped to the padded input (``count_include_pad``) or to the input alone.

    Args:
        input: The tensor, (N, C, D, H, W) or (C, D, H, W).
        kernel_size: The window, an int or (kd, kh, kw).
        stride: The step. Defaults to None: ``kernel_size``.
        padding: Implicit zeros on each side (at most half the kernel). Defaults to 0.
        ceil_mode: Round the output size up. Defaults to False.
        count_include_pad: Count the padding in the divisor. Defaults to True.
        divisor_override: Divide every sum by this instead. Defaults to None.

    >>> import symgrad
    >>> x = symgrad.arange(8.0).reshape(1, 2, 2, 2).requires_grad_()
    >>> avg_pool3d(x, 2)
    tensor([[[[3.5000]]]], grad_fn=<AvgPool3DBackward0>)
    """
    fn = "avg_pool3d"
    _check_input(fn, input)
    kernel = _triple(fn, "kernel_size", _ints(fn, "kernel_size", 2, kernel_size),
                     "must be a single int, or a tuple of three ints")
    strides = () if stride is None else _ints(fn, "stride", 3, stride)
    s = _triple(fn, "stride", strides, "must be omitted, a single int, or a tuple of three "
                "ints", kernel)
    p = _triple(fn, "padding", _ints(fn, "padding", 4, padding),
                "must be a single int, or a tuple of three ints")
    shape = tuple(input.shape)
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = _sizes(shape, kernel, s, p, (1, 1, 1), bool(ceil_mode))
    _check_volumes(fn + "()", shape, kernel, s, p, (1, 1, 1), out, True)
    return apply(AVG_POOL3D, input, kernel_size=kernel, stride=s, padding=p,
                 ceil_mode=bool(ceil_mode), count_include_pad=bool(count_include_pad),
                 divisor_override=divisor_override)


@autocasts("fp32")
def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """The mean over windows of the last three dims chosen to give ``output_size``
    (``torch.nn.functional.adaptive_avg_pool3d``): output ``o`` of a dim of size ``n``
    averages ``floor(o * n / out)`` to ``ceil((o + 1) * n / out)``.

    Args:
        input: The tensor, (N, C, D, H, W) or (C, D, H, W).
        output_size: The output's (D, H, W): an int for all three, or a triple (None keeps the
            input's size there).

    >>> import symgrad
    >>> x = symgrad.arange(12.0).reshape(1, 1, 2, 3, 2).requires_grad_()
    >>> adaptive_avg_pool3d(x, (1, 2, 1))
    tensor([[[[[4.5000],
               [6.5000]]]]], grad_fn=<AdaptiveAvgPool3DBackward0>)
    """
    fn = "adaptive_avg_pool3d"
    _check_input(fn, input)
    shape = tuple(input.shape)
    if isinstance(output_size, int | np.integer) and not isinstance(output_size, bool):
        sizes: tuple[int, ...] = (int(output_size),) * 3
    else:
        given = tuple(output_size)
        if len(shape) <= len(given):
            raise ValueError(f"Input dimension should be at least {len(given) + 1}")
        sizes = _ints(fn, "output_size", 2, tuple(
            d if v is None else v for v, d in zip(given, shape[-len(given):], strict=True)))
    if len(sizes) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if any(s < 0 for s in sizes):
        raise RuntimeError("adaptive_avg_pool3d: elements of output_size must be greater than "
                           f"or equal to 0 but received {{{sizes[0]}, {sizes[1]},{sizes[2]}}}")
    if sizes == (1, 1, 1):
        # PyTorch takes the mean over the last three dims here (MeanBackward1).
        return input.mean(dim=(-1, -2, -3), keepdim=True)
    if len(shape) not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got "
                           f"{list(shape)}")
    for d in range(len(shape) - 3, len(shape)):
        if shape[d] <= 0:
            raise RuntimeError("adaptive_avg_pool3d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {list(shape)} with "
                               f"dimension {d} being empty")
    return apply(ADAPTIVE_AVG_POOL3D, input, output_size=sizes)
