"""Adaptive max pooling over the last three dims: ``adaptive_max_pool3d``
(AdaptiveMaxPool3DBackward0), with ``return_indices``.

Output ``(i, j, k)`` is the maximum over depths ``floor(i D / od)`` to ``ceil((i + 1) D /
od)`` and the rows and columns likewise, as in PyTorch: of tied elements the first in window
(row-major) order, a NaN over any number (the window's last NaN), with its index into the
flattened ``(D, H, W)`` volume. The gradient goes to that element, summed over the windows that
chose it; recorded (``create_graph``), it is named AdaptiveMaxPool3DBackwardBackward0 as
PyTorch's.

>>> import symgrad
>>> x = symgrad.arange(8.0).reshape(1, 2, 2, 2).requires_grad_()
>>> adaptive_max_pool3d(x, (1, 2, 1), return_indices=True)
(tensor([[[[5.],
          [7.]]]], grad_fn=<AdaptiveMaxPool3DBackward0>), tensor([[[[5],
          [7]]]]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.autograd.graph import save_outputs
from symgrad.ops.pooling import (
    _check_grad_output,
    _check_input,
    _ints,
    _size_text,
    reads_self,
)
from symgrad.ops.pooling3d import _adaptive_windows, _scatter
from symgrad.ops.pooling_more import _check_nonempty
from symgrad.ops.registry import Kink, apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["adaptive_max_pool3d", "adaptive_max_pool3d_with_indices"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
Triple = tuple[int, int, int]
_FN = "adaptive_max_pool3d"


def _choose(x: np.ndarray, output_size: Triple) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum (..., od, oh, ow) and its flat (d, h, w) index (int64)."""
    index, ok, _ = _adaptive_windows(x.shape, output_size)
    if x.dtype in _HALF:
        x = x.astype(np.float32)  # exact, and NumPy's comparisons of half types are slow
    flat = x.reshape(x.shape[:-3] + (math.prod(x.shape[-3:]),))
    win = np.where(ok, flat[..., index], -np.inf)  # (..., od, oh, ow, window)
    # The first maximum (a window's first place is always in it, so a window of -inf picks
    # it, as PyTorch's kernel starts there); a NaN over any number, the window's last NaN.
    pick = np.argmax(win, axis=-1) if win.shape[-1] else np.zeros(win.shape[:-1], np.int64)
    nan = np.isnan(win)
    if nan.any():
        last = win.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        pick = np.where(nan.any(axis=-1), last, pick)
    top = np.take_along_axis(win, pick[..., None], axis=-1)[..., 0] if win.size else \
        np.zeros(win.shape[:-1], x.dtype)
    where = np.take_along_axis(np.broadcast_to(index, win.shape), pick[..., None],
                               axis=-1)[..., 0] if win.size else pick
    return top, where.astype(np.int64)


def _adaptive_max_pool3d(self: np.ndarray, *, output_size: Triple) -> np.ndarray:
    """The maximum over each adaptive window of the last three dims."""
    return _choose(self, output_size)[0].astype(self.dtype)


def _vjp(g: Tensor, self: Tensor, *, output_size: Triple) -> Tensor:
    # The gradient goes to each window's chosen element, summed over the windows sharing it.
    _check_grad_output("adaptive_max_pool3d_backward", g.shape)
    _, index = _choose(self._data, output_size)
    shape = tuple(self.shape)
    result = _scatter(g, shape, None, index.reshape(math.prod(shape[:-3]), math.prod(
        output_size)))
    return reads_self(result, self, "AdaptiveMaxPool3DBackwardBackward0")


def _ties(self: np.ndarray, *, output_size: Triple) -> np.ndarray:
    """The elements of ``self`` that share the maximum of some window with another one."""
    x = np.asarray(self, dtype=np.float64)
    index, ok, _ = _adaptive_windows(x.shape, output_size)
    lead, size = math.prod(x.shape[:-3]), math.prod(x.shape[-3:])
    win = np.where(ok, x.reshape(lead, size)[:, index], -np.inf)
    top = ok & (win == win.max(axis=-1, keepdims=True, initial=-np.inf))
    hit = top & (top.sum(axis=-1, keepdims=True) > 1)
    flat = np.arange(lead)[:, None] * size + np.broadcast_to(index, win.shape).reshape(lead, -1)
    mask = np.zeros(lead * size, dtype=bool)
    mask[flat.reshape(-1)[hit.reshape(-1)]] = True
    return mask.reshape(x.shape)


ADAPTIVE_MAX_POOL3D = defop(
    _FN, "AdaptiveMaxPool3DBackward0", _adaptive_max_pool3d, vjp=_vjp, dtype_rule="same",
    kind="pooling",
    kinks=(Kink("self", "two elements of a window of self tie for its maximum", _ties,
                "left"),),
    refuses=not_implemented("adaptive_max_pool3d_cpu", NOT_FLOATING))


def _output_triple(value: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``output_size`` as PyTorch's Python reads it (an int for all three dims, or a sequence,
    None keeping the input's size there), then as its parser does."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return (int(value),) * 3
    given = tuple(value[i] for i in range(len(value)))  # len() first: torch's TypeError
    if len(shape) <= len(given):
        raise ValueError(f"Input dimension should be at least {len(given) + 1}")
    return _ints(_FN, "output_size", 2, tuple(
        d if v is None else v for v, d in zip(given, shape[-len(given):], strict=True)))


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum over windows of the last three dims chosen to give ``output_size``
    (``torch.nn.functional.adaptive_max_pool3d``): output ``o`` of a dim of size ``n`` takes
    ``floor(o * n / out)`` to ``ceil((o + 1) * n / out)``.

    Args:
        input: The tensor, (N, C, D, H, W) or (C, D, H, W), floating.
        output_size: The output's (D, H, W): an int for all three, or a triple (None keeps
            the input's size there).
        return_indices: Also return each maximum's index into its flattened (D, H, W) volume.
            Defaults to False.

    >>> import symgrad
    >>> adaptive_max_pool3d(symgrad.arange(8.0).reshape(1, 2, 2, 2), 1)
    tensor([[[[7.]]]])
    """
    _check_input(_FN, input)
    shape = tuple(input.shape)
    sizes = _output_triple(output_size, shape)
    if len(shape) not in (4, 5):
        raise RuntimeError(f"{_FN}(): Expected 4D or 5D tensor, but got: {_size_text(shape)}")
    _check_nonempty(_FN, shape)
    if len(sizes) != 3:
        raise RuntimeError(f"{_FN}(): internal error: output_size.size() must be 3")
    if min(sizes) < 0:
        full = list(shape[:-3]) + list(sizes)
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(s for s in full if s < 0)}: {full}")
    out = apply(ADAPTIVE_MAX_POOL3D, input, output_size=tuple(sizes))
    if not return_indices:
        return out
    indices = Tensor._make(_choose(input._data, tuple(sizes))[1], False, None)
    save_outputs(out, indices)
    return out, indices


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d`` with its indices.

    Args:
        input: The tensor, (N, C, D, H, W) or (C, D, H, W).
        output_size: The output's (D, H, W).
        return_indices: Ignored: the indices are always returned. Defaults to True.

    >>> import symgrad
    >>> adaptive_max_pool3d_with_indices(symgrad.arange(8.0).reshape(1, 2, 2, 2), 1)[1]
    tensor([[[[7]]]])
    """
    return adaptive_max_pool3d(input, output_size, True)
