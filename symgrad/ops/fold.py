"""``unfold`` and ``fold`` (PyTorch's ``im2col`` and ``col2im``): the sliding blocks of a batch of
images as columns, and columns added back into images.

``unfold`` of a ``(N, C, H, W)`` input (or ``(C, H, W)``) with kernel ``(kh, kw)``, dilation,
padding and stride gives ``(N, C * kh * kw, L)``: column ``l = i * ow + j`` holds the block whose
element ``(c, a, b)`` (row ``c * kh * kw + a * kw + b``) is the input at ``(c, i * sh - ph + a *
dh, j * sw - pw + b * dw)``, a zero in the padding. ``fold`` is its adjoint: each column's
elements are added into the ``output_size`` image at those places (places in the padding are
dropped), so where blocks overlap their elements are summed. Each is the other's VJP (both
written as ops), so gradients of gradients to any order record more of the two.

``fold`` adds the columns kernel element by kernel element, in order, in the input's dtype, as
PyTorch's ``col2im`` does: its float32, float16 and bfloat16 results equal torch's bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["unfold", "fold"]

Pair = tuple[int, int]
# The integer dtypes PyTorch's im2col and col2im have no code for (bool they compute).
_INTEGERS = (_dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64)


def _blocks(size: Pair, kernel_size: Pair, dilation: Pair, padding: Pair, stride: Pair
            ) -> Pair:
    """The number of blocks along each dim (rounded toward -inf, as PyTorch's ``div_rtn``)."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in
                 zip(size, kernel_size, dilation, padding, stride, strict=True))  # type: ignore


def _im2col(self: np.ndarray, *, kernel_size: Pair, dilation: Pair, padding: Pair,
            stride: Pair) -> np.ndarray:
    """The blocks of ``self`` ``(..., C, H, W)`` as columns ``(..., C * kh * kw, L)``."""
    lead, (h, w) = self.shape[:-2], self.shape[-2:]
    out = _blocks((h, w), kernel_size, dilation, padding, stride)
    (ph, pw), (dh, dw), (sh, sw) = padding, dilation, stride
    x = self
    if ph or pw:
        x = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)])
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel_size, dilation, strict=True))
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=(-2, -1))
    view = view[..., :(out[0] - 1) * sh + 1:sh, :(out[1] - 1) * sw + 1:sw, ::dh, ::dw]
    n = len(lead)
    view = view.transpose(*range(n), n + 2, n + 3, n, n + 1)  # (..., C, kh, kw, oh, ow)
    return np.ascontiguousarray(view).reshape(
        lead[:-1] + (lead[-1] * math.prod(kernel_size), math.prod(out)))


def _col2im(self: np.ndarray, *, output_size: Pair, kernel_size: Pair, dilation: Pair,
            padding: Pair, stride: Pair) -> np.ndarray:
    """The columns ``(..., C * kh * kw, L)`` added into images ``(..., C, *output_size)``."""
    lead, rows = self.shape[:-2], self.shape[-2]
    k = math.prod(kernel_size)
    out = _blocks(output_size, kernel_size, dilation, padding, stride)
    (ph, pw), (dh, dw), (sh, sw) = padding, dilation, stride
    columns = self.reshape(lead + (rows // k, *kernel_size, *out))
    full = (output_size[0] + 2 * ph, output_size[1] + 2 * pw)
    image = np.zeros(lead + (rows // k, *full), dtype=self.dtype)
    for a in range(kernel_size[0]):
        for b in range(kernel_size[1]):
            image[..., a * dh:a * dh + (out[0] - 1) * sh + 1:sh,
                  b * dw:b * dw + (out[1] - 1) * sw + 1:sw] += columns[..., a, b, :, :]
    return np.ascontiguousarray(image[..., ph:ph + output_size[0], pw:pw + output_size[1]])


def _im2col_vjp(g: Tensor, *, kernel_size: Pair, dilation: Pair, padding: Pair, stride: Pair,
                self_shape: tuple[int, ...]) -> Tensor:
    return apply(COL2IM, g, output_size=tuple(self_shape[-2:]), kernel_size=kernel_size,
                 dilation=dilation, padding=padding, stride=stride)


def _col2im_vjp(g: Tensor, *, output_size: Pair, kernel_size: Pair, dilation: Pair,
                padding: Pair, stride: Pair) -> Tensor:
    return apply(IM2COL, g, kernel_size=kernel_size, dilation=dilation, padding=padding,
                 stride=stride)


IM2COL = defop(
    "im2col", "Im2ColBackward0", _im2col, vjp=_im2col_vjp, dtype_rule="same", kind="shape",
    refuses=not_implemented("im2col_out_cpu", _INTEGERS))
COL2IM = defop(
    "col2im", "Col2ImBackward0", _col2im, vjp=_col2im_vjp, dtype_rule="same", kind="shape",
    refuses=not_implemented("col2im_out_cpu", _INTEGERS))


# -- arguments and checks with PyTorch's messages ------------------------------------------------
def _pair(value: Any) -> tuple[int, ...]:
    """PyTorch's ``_pair``: a sequence as a tuple, anything else repeated twice."""
    if isinstance(value, list | tuple):
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _settings(kernel_size: Any, dilation: Any, padding: Any, stride: Any
              ) -> tuple[Pair, Pair, Pair, Pair]:
    """The four settings as pairs, with PyTorch's checks of their lengths and values."""
    named = {"kernel_size": _pair(kernel_size), "dilation": _pair(dilation),
             "padding": _pair(padding), "stride": _pair(stride)}
    for name, values in named.items():
        if len(values) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = named.values()
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{kh} kernel_width: {kw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dh} dilation_width: {dw}")
    if ph < 0 or pw < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {ph} "
                           f"pad_width: {pw}")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {sh} "
                           f"stride_width: {sw}")
    return tuple(named.values())  # type: ignore[return-value]


def _size_at(shape: tuple[int, ...], dim: int) -> int:
    """``shape[dim]`` as PyTorch's ``size(dim)`` reads it, with its IndexError."""
    if not shape:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if dim >= len(shape):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-len(shape)}, "
                         f"{len(shape) - 1}], but got {dim})")
    return shape[dim]


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """The sliding blocks of a batch of images as columns
    (``torch.nn.functional.unfold``, PyTorch's ``im2col``).

    Args:
        input: ``(N, C, H, W)``, or ``(C, H, W)`` unbatched.
        kernel_size: The block's size, an int or ``(kh, kw)``.
        dilation: The step between a block's elements. Defaults to 1.
        padding: Zeros added on each side. Defaults to 0.
        stride: The step between blocks. Defaults to 1.

    Returns:
        ``(N, C * kh * kw, L)``: one column per block, in row-major order of the blocks.

    >>> import symgrad
    >>> x = symgrad.arange(9.0).reshape(1, 1, 3, 3).requires_grad_()
    >>> unfold(x, 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]], grad_fn=<Im2ColBackward0>)
    """
    kernel, dilations, pads, strides = _settings(kernel_size, dilation, padding, stride)
    shape = tuple(input.shape)
    ndim = len(shape)
    valid = _size_at(shape, 1) != 0 and _size_at(shape, 2) != 0
    if ndim == 3:
        valid = valid and shape[0] != 0
    if ndim not in (3, 4) or not valid:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(shape)}")
    h, w = shape[-2:]
    out = _blocks((h, w), kernel, dilations, pads, strides)
    if out[0] < 1 or out[1] < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size={kernel}, "
                           f"dilation={dilations}, padding={pads}, calculated shape of the array "
                           f"of sliding blocks as {out}, but its components must be at least "
                           "one.")
    return apply(IM2COL, input, kernel_size=kernel, dilation=dilations, padding=pads,
                 stride=strides)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns of sliding blocks added back into a batch of images, summed where blocks
    overlap (``torch.nn.functional.fold``, PyTorch's ``col2im``; the adjoint of ``unfold``).

    Args:
        input: ``(N, C * kh * kw, L)``, or ``(C * kh * kw, L)`` unbatched.
        output_size: The images' ``(H, W)``, or an int for both.
        kernel_size: The block's size, an int or ``(kh, kw)``.
        dilation: The step between a block's elements. Defaults to 1.
        padding: Places around the images that blocks may cover (dropped). Defaults to 0.
        stride: The step between blocks. Defaults to 1.

    >>> import symgrad
    >>> fold(symgrad.ones(1, 4, 4), (3, 3), 2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    sizes = _pair(output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"It is expected output_size equals to 2, but got size {len(sizes)}")
    kernel, dilations, pads, strides = _settings(kernel_size, dilation, padding, stride)
    shape = tuple(input.shape)
    ndim = len(shape)
    if not ((ndim == 2 and shape[0] != 0 and shape[1] != 0)
            or (ndim == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    rows, length = shape[-2:]
    if rows % math.prod(kernel):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={rows} and "
                           f"kernel_size={kernel}.")
    blocks = _blocks(sizes, kernel, dilations, pads, strides)  # type: ignore[arg-type]
    text = (f"Given output_size={sizes}, kernel_size={kernel}, dilation={dilations}, "
            f"padding={pads}, stride={strides}, ")
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(f"{text}expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"{text}calculated shape of the array of sliding blocks as {blocks}, "
                           "which is too small (non-positive)")
    return apply(COL2IM, input, output_size=sizes, kernel_size=kernel, dilation=dilations,
                 padding=pads, stride=strides)
