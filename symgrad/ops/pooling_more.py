"""Adaptive max pooling and max unpooling (helper misc). ``max_unpool2d`` (MaxUnpool2DBackward0)
puts each element back at its index; its gradient is PyTorch's gather of the indices.

Adaptive max pooling: ``adaptive_max_pool2d`` (AdaptiveMaxPool2DBackward0) and
its backward operator as an op (AdaptiveMaxPool2DBackwardBackward0), so a gradient stays on
the graph to any order, and the public ``adaptive_max_pool1d/2d`` with ``return_indices``.

Output ``(i, j)`` is the maximum over rows ``floor(i H / oh)`` to ``ceil((i + 1) H / oh)`` and
the columns likewise, as in PyTorch: of tied elements the first in row-major order, a NaN over
any number (the last NaN), and its index into the flattened ``(H, W)`` plane. The gradient
goes to that element, summed (in the output's order, in the input's dtype, as PyTorch's
kernel sums) over the windows that chose it.

>>> import symgrad
>>> x = symgrad.tensor([[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]], requires_grad=True)
>>> adaptive_max_pool2d(x, (1, 2), return_indices=True)
(tensor([[[5., 5.]]], grad_fn=<AdaptiveMaxPool2DBackward0>), tensor([[[1, 1]]]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.autocast_policy import autocasts
from symgrad.autograd.graph import save_outputs
from symgrad.ops.indexing import INDEX
from symgrad.ops.pooling import (
    _adaptive,
    _check1d,
    _check_grad_output,
    _check_input,
    _check_rank_range,
    _ints,
    _size_text,
)
from symgrad.ops.registry import Kink, apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
_Pair = tuple[int, int]


def _choose(x: np.ndarray, output_size: _Pair) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum (..., oh, ow) and its index into the flattened (H, W) plane."""
    h, w = x.shape[-2:]
    (rows, row_ok), (cols, col_ok) = _adaptive(h, output_size[0]), _adaptive(w, output_size[1])
    if x.dtype in _HALF:
        x = x.astype(np.float32)  # exact, and NumPy's comparisons of half types are slow
    win = x[..., rows[:, None, :, None], cols[None, :, None, :]]  # (..., oh, ow, kh, kw)
    ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]
    win = np.where(ok, win, -np.inf).reshape(win.shape[:-2] + (rows.shape[1] * cols.shape[1],))
    # The first maximum (a window's first place is always in it, so a window of -inf picks
    # it, as PyTorch's kernel starts there); a NaN over any number, the window's last NaN.
    pick = np.argmax(win, axis=-1)
    nan = np.isnan(win)
    if nan.any():
        last = win.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        pick = np.where(nan.any(axis=-1), last, pick)
    top = np.take_along_axis(win, pick[..., None], axis=-1)[..., 0]
    kw = cols.shape[1]
    oh, ow = output_size
    row = rows[np.arange(oh)[:, None], pick // kw] if oh and ow else pick
    col = cols[np.arange(ow)[None, :], pick % kw] if oh and ow else pick
    return top, (row * w + col).astype(np.int64)


def _adaptive_max_pool2d(self: np.ndarray, *, output_size: _Pair) -> np.ndarray:
    """The maximum over each adaptive window of the last two dims."""
    return _choose(self, output_size)[0].astype(self.dtype)


def adaptive_max_pool2d_indices(x: np.ndarray, output_size: _Pair) -> np.ndarray:
    """PyTorch's indices of ``adaptive_max_pool2d``: each window's maximum as an index into its
    flattened (H, W) plane (int64).

    >>> adaptive_max_pool2d_indices(np.array([[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]]), (1, 2))
    array([[[1, 1]]])
    """
    return _choose(x, output_size)[1]


def _scatter_sum(grad_output: np.ndarray, index: np.ndarray, shape: tuple[int, ...]
                 ) -> np.ndarray:
    # PyTorch's kernel adds each output's gradient into its chosen input in the output's
    # order, in the input's dtype: ``np.add.at`` adds in the order given.
    planes = math.prod(shape[:-2])
    out = np.zeros((planes, shape[-2] * shape[-1]), dtype=grad_output.dtype)
    if out.size and index.size:
        flat = index.reshape(planes, -1)
        np.add.at(out, (np.arange(planes)[:, None], flat), grad_output.reshape(planes, -1))
    return out.reshape(shape)


def _adaptive_max_pool2d_backward(grad_output: np.ndarray, self: np.ndarray, *,
                                  output_size: _Pair) -> np.ndarray:
    """``adaptive_max_pool2d``'s gradient in ``self``: each window's gradient summed into its
    maximum."""
    _check_grad_output("adaptive_max_pool2d_backward", grad_output.shape)
    g = grad_output.astype(self.dtype, copy=False)
    return _scatter_sum(g, adaptive_max_pool2d_indices(self, output_size), self.shape)


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._make(np.zeros(t.shape, t._data.dtype), False, None)


def _gather_vjp(g: Tensor, self: Tensor, *, output_size: _Pair) -> tuple[Tensor, Tensor]:
    # The adjoint of the scatter: each window reads g at its chosen element.
    index = adaptive_max_pool2d_indices(self._data, output_size)
    shape = tuple(self.shape)
    planes, area = math.prod(shape[:-2]), shape[-2] * shape[-1]
    at = (np.arange(planes, dtype=np.int64)[:, None] * area + index.reshape(planes, -1))
    picked = apply(INDEX, g.reshape(-1), indices=(at.reshape(-1),))
    return picked.reshape(index.shape), _zeros_like(self)


def _ties(self: np.ndarray, *, output_size: _Pair) -> np.ndarray:
    """The elements of ``self`` that share the maximum of some window with another one."""
    x = np.asarray(self, dtype=np.float64)
    h, w = x.shape[-2:]
    (rows, row_ok), (cols, col_ok) = _adaptive(h, output_size[0]), _adaptive(w, output_size[1])
    win = x[..., rows[:, None, :, None], cols[None, :, None, :]]
    ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]
    win = np.where(ok, win, -np.inf)
    top = ok & (win == win.max(axis=(-2, -1), keepdims=True))
    tied = top & (top.sum(axis=(-2, -1), keepdims=True) > 1)
    place = (rows[:, None, :, None] * w + cols[None, :, None, :])
    mask = np.zeros(x.shape[:-2] + (h * w,), dtype=bool)
    lead = np.nonzero(tied)
    mask[lead[:-4] + (place[lead[-4:]],)] = True
    return mask.reshape(x.shape)


_TIE = "two elements of a window of self tie for its maximum"
ADAPTIVE_MAX_POOL2D_BACKWARD = defop(
    "adaptive_max_pool2d_backward", "AdaptiveMaxPool2DBackwardBackward0",
    _adaptive_max_pool2d_backward, vjp=_gather_vjp, dtype_rule="same", kind="pooling",
    kinks=(Kink("self", _TIE, lambda grad_output, self, *, output_size: _ties(
        self, output_size=output_size), "left"),),
    refuses=not_implemented("adaptive_max_pool2d_backward", NOT_FLOATING))
ADAPTIVE_MAX_POOL2D = defop(
    "adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", _adaptive_max_pool2d,
    vjp=lambda g, self, *, output_size: apply(ADAPTIVE_MAX_POOL2D_BACKWARD, g, self,
                                              output_size=output_size),
    dtype_rule="same", kind="pooling", kinks=(Kink("self", _TIE, _ties, "left"),),
    refuses=not_implemented("adaptive_max_pool2d", NOT_FLOATING))


# -- public functions ------------------------------------------------------------------------------
def _output_pair(value: Any, shape: tuple[int, ...]) -> _Pair:
    """``output_size``: an int for both dims, or two (None keeps the input's size there)."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value), int(value)
    given = tuple(value)
    if len(shape) <= len(given):
        raise ValueError(f"Input dimension should be at least {len(given) + 1}")
    sizes = _ints("adaptive_max_pool2d", "output_size", 2, tuple(
        d if v is None else v for v, d in zip(given, shape[-len(given):], strict=True)))
    if len(sizes) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    return sizes[0], sizes[1]


def _check_nonempty(fn: str, shape: tuple[int, ...]) -> None:
    """PyTorch's refusal of an empty dim after the first (the channels too, not only the
    planes): ``(1, 0, 2, 2)`` and ``(2, 0)`` are refused, ``(0, 2, 2)`` is not."""
    for d in range(1, len(shape)):
        if shape[d] <= 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_size_text(shape)} with "
                               f"dimension {d} being empty")


def _pool2d(input: Tensor, sizes: _Pair, return_indices: bool) -> Any:
    shape = tuple(input.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                           f"{_size_text(shape)}")
    _check_nonempty("adaptive_max_pool2d", shape)
    if sizes[0] < 0 or sizes[1] < 0:
        full = list(shape[:-2]) + list(sizes)
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(s for s in full if s < 0)}: {full}")
    out = apply(ADAPTIVE_MAX_POOL2D, input, output_size=sizes)
    if not return_indices:
        return out
    indices = Tensor._make(adaptive_max_pool2d_indices(input._data, sizes), False, None)
    save_outputs(out, indices)
    return out, indices


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum over windows of the last two dims chosen to give ``output_size``
    (``torch.nn.functional.adaptive_max_pool2d``): output ``o`` of a dim of size ``n`` takes
    ``floor(o * n / out)`` to ``ceil((o + 1) * n / out)``.

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        output_size: The output's (H, W): an int for both, or a pair (None keeps the input's).
        return_indices: Also return each maximum's index into its flattened (H, W) plane.
            Defaults to False.

    >>> import symgrad
    >>> adaptive_max_pool2d(symgrad.tensor([[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]]), 1)
    tensor([[[5.]]])
    """
    _check_input("adaptive_max_pool2d", input)
    return _pool2d(input, _output_pair(output_size, tuple(input.shape)), return_indices)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d`` with its indices.

    Args:
        input: The tensor, (N, C, H, W) or (C, H, W).
        output_size: The output's (H, W).
        return_indices: Ignored: the indices are always returned. Defaults to True.

    >>> import symgrad
    >>> adaptive_max_pool2d_with_indices(symgrad.tensor([[[1.0, 5.0]]]), 1)[1]
    tensor([[[1]]])
    """
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum over windows of the last dim chosen to give ``output_size``: PyTorch's
    ``adaptive_max_pool2d`` of the input unsqueezed at -2 to (1, ``output_size``), squeezed
    back.

    Args:
        input: The tensor, (N, C, L) or (C, L).
        output_size: The output's length, an int or (L,).
        return_indices: Also return each maximum's index along L. Defaults to False.

    >>> import symgrad
    >>> adaptive_max_pool1d(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2, True)
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    fn = "adaptive_max_pool1d"
    _check_input(fn, input)
    sizes = _ints(fn, "output_size", 2, output_size)
    _check_rank_range(fn, input)
    _check1d(fn, "output_size", sizes)
    _check_nonempty(fn, tuple(input.shape))
    out = _pool2d(input.unsqueeze(-2), (1, sizes[0]), return_indices)
    if not return_indices:
        return out.squeeze(-2)
    return out[0].squeeze(-2), out[1].squeeze(-2)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d`` with its indices.

    Args:
        input: The tensor, (N, C, L) or (C, L).
        output_size: The output's length.
        return_indices: Ignored: the indices are always returned. Defaults to True.

    >>> import symgrad
    >>> adaptive_max_pool1d_with_indices(symgrad.tensor([[1.0, 3.0]]), 1)[1]
    tensor([[1]])
    """
    return adaptive_max_pool1d(input, output_size, True)


# -- max unpooling ---------------------------------------------------------------------------------
def _max_unpool2d(self: np.ndarray, *, indices: np.ndarray, output_size: _Pair) -> np.ndarray:
    """Zeros of ``(..., oh, ow)`` with each element of ``self`` at its index into the flattened
    ``(oh, ow)`` plane (the last of several written to one place wins, as PyTorch's kernel
    writes in order)."""
    lead = self.shape[:-2]
    planes = math.prod(lead)
    out = np.zeros((planes, output_size[0] * output_size[1]), dtype=self.dtype)
    if out.size and self.size:
        out[np.arange(planes)[:, None], indices.reshape(planes, -1)] = self.reshape(planes, -1)
    return out.reshape(lead + tuple(output_size))


def _max_unpool2d_vjp(g: Tensor, *, indices: np.ndarray, output_size: _Pair) -> Tensor:
    # PyTorch's max_pool_double_backward: each input reads g at its index (a gather of g's
    # planes, viewed back: ViewBackward0 over GatherBackward0).
    size = tuple(indices.shape[:-2]) + (-1,)
    index = Tensor._make(indices.reshape(size), False, None)
    return g.view(size).gather(-1, index).view(tuple(indices.shape))


MAX_UNPOOL2D = defop(
    "max_unpool2d", "MaxUnpool2DBackward0", _max_unpool2d, vjp=_max_unpool2d_vjp,
    dtype_rule="same", kind="shape", saves_attrs=("indices",),
    refuses=not_implemented("max_unpool2d", NOT_FLOATING))


def _unpool_output_size(input: Tensor, kernel_size: tuple[int, ...], stride: tuple[int, ...],
                        padding: tuple[int, ...], output_size: Any) -> list[int]:
    """PyTorch's ``_unpool_output_size``: the default size, or the one given, checked."""
    k = len(kernel_size)
    default = [(input.shape[-k + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(k)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == k + 2:
        output_size = output_size[2:]
    if len(output_size) != k:
        raise ValueError(f"output_size should be a sequence containing {k} or {k + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for d in range(k):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(f'invalid output_size "{_as_given(output_size)}" (dim {d} must be '
                             f'between {low} and {high})')
    return output_size


def _as_given(sizes: list[int]) -> str:
    return "(" + ", ".join(str(s) for s in sizes) + ("," if len(sizes) == 1 else "") + ")"


def _n(value: Any, k: int) -> tuple[int, ...]:
    return (int(value),) * k if isinstance(value, int | np.integer) else tuple(value)


def _unpool(input: Tensor, indices: Tensor, output_size: list[int]) -> Tensor:
    """PyTorch's ``max_unpool2d`` operator: its checks, in its order, then the op."""
    if not isinstance(indices, Tensor) or indices.dtype != _dtypes.int64:
        name = _dtypes._TORCH_NAMES[indices.dtype.name]
        raise RuntimeError(f"elements in indices should be type int64 but got: {name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_size_text(input.shape)}) but got indices tensor with shape: "
                           f"{_size_text(indices.shape)}")
    if input.dim() not in (3, 4):
        raise RuntimeError("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {input.dim()} dimensions.")
    oh, ow = output_size
    idx = indices._data
    bad = (idx < 0) | (idx >= oh * ow)
    if input.dtype.is_floating_point and bad.any():
        # PyTorch's kernel notes a bad index and goes on: the last one is reported
        raise RuntimeError(f"Found an invalid max index: {idx[bad].reshape(-1)[-1]} (output "
                           f"volumes are of size {oh}x{ow})")
    return apply(MAX_UNPOOL2D, input, indices=idx.copy(), output_size=(oh, ow))


@autocasts("fp32")
def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of ``max_pool2d``: zeros with each element of ``input`` put back at
    its index (``max_pool2d(..., return_indices=True)``'s) in the unpooled ``(H, W)`` plane.

    Args:
        input: The pooled tensor, (N, C, H, W) or (C, H, W).
        indices: Its indices (int64), of its shape.
        kernel_size: The pooling's window, an int or a pair.
        stride: The pooling's step. Defaults to None: ``kernel_size``.
        padding: The pooling's padding. Defaults to 0.
        output_size: The unpooled (H, W) (or (N, C, H, W)). Defaults to None: the size the
            pooling came from without its rounding.

    >>> import symgrad
    >>> max_unpool2d(symgrad.tensor([[[5.0]]]), symgrad.tensor([[[2]]]), 2)
    tensor([[[0., 0.],
             [5., 0.]]])
    """
    kernel = _n(kernel_size, 2)
    strides = kernel if stride is None else _n(stride, 2)
    sizes = _unpool_output_size(input, kernel, strides, _n(padding, 2), output_size)
    return _unpool(input, indices, sizes)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of ``max_pool1d``: ``max_unpool2d`` of the input and indices
    unsqueezed at -1, squeezed back, as PyTorch computes it.

    Args:
        input: The pooled tensor, (N, C, L) or (C, L).
        indices: Its indices (int64), of its shape.
        kernel_size: The pooling's window.
        stride: The pooling's step. Defaults to None: ``kernel_size``.
        padding: The pooling's padding. Defaults to 0.
        output_size: The unpooled length (or (N, C, L)). Defaults to None.

    >>> import symgrad
    >>> max_unpool1d(symgrad.tensor([[5.0, 7.0]]), symgrad.tensor([[1, 2]]), 2)
    tensor([[0., 5., 7., 0.]])
    """
    kernel = _n(kernel_size, 1)
    strides = kernel if stride is None else _n(stride, 1)
    sizes = _unpool_output_size(input, kernel, strides, _n(padding, 1), output_size)
    unsqueezed = indices.unsqueeze(-1) if isinstance(indices, Tensor) else indices
    return _unpool(input.unsqueeze(-1), unsqueezed, sizes + [1]).squeeze(-1)
