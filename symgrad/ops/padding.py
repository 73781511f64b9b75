"""Constant padding (``nn.functional.pad``'s default mode): ``constant_pad_nd``, one node
(ConstantPadNdBackward0) whose VJP is the same op with the padding negated: the gradient of
the padded places dropped, of cropped places zeros.

>>> import symgrad
>>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
>>> y = constant_pad_nd(x, (1, -1), 9.0)
>>> y, y.grad_fn
(tensor([9., 1.], grad_fn=<ConstantPadNdBackward0>), <ConstantPadNdBackward0 object at ...>)
"""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import ALL, apply, defop
from symgrad.tensor import Tensor

__all__ = ["constant_pad_nd"]


def _pairs(ndim: int, pad: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """``(dim, before, after)`` for each pair of ``pad``, the first pair for the last dim."""
    return [(ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _constant_pad(self: np.ndarray, *, pad: tuple[int, ...], value: float) -> np.ndarray:
    """``self`` with ``pad[2i]`` places before and ``pad[2i + 1]`` after dim ``-1 - i`` filled
    with ``value`` (in ``self``'s dtype by PyTorch's rules, ``scalar_as``), or as many removed
    where negative (PyTorch narrows first). PyTorch's errors for an odd ``pad`` or one with
    more pairs than ``self`` has dims (whose pairs would wrap round onto the last dims)."""
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) > 2 * self.ndim:
        raise RuntimeError("Length of pad should be no more than twice the number of dimensions "
                           f"of the input. Pad length is {len(pad)}while the input has "
                           f"{self.ndim}dimensions.")
    key = [slice(None)] * self.ndim
    widths = [(0, 0)] * self.ndim
    for dim, before, after in _pairs(self.ndim, pad):
        size = self.shape[dim]
        if size + min(before, 0) + min(after, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        key[dim] = slice(max(-before, 0), size - max(-after, 0))
        widths[dim] = (max(before, 0), max(after, 0))
    return np.pad(self[tuple(key)], widths, constant_values=_dtypes.scalar_as(value, self.dtype))


CONSTANT_PAD_ND = defop(
    "constant_pad_nd", "ConstantPadNdBackward0", _constant_pad,
    vjp=lambda g, *, pad, value: constant_pad_nd(g, tuple(-p for p in pad), 0.0),
    dtype_rule="same", dtypes=ALL, kind="shape", differentiable=("self",))


def constant_pad_nd(input: Tensor, pad: tuple[int, ...], value: float = 0.0) -> Tensor:
    """``input`` padded with ``value`` (``nn.functional.pad`` in its constant mode).

    Args:
        input: The tensor.
        pad: Pairs of widths ``(before, after)``, the first pair for the last dim, the next
            for the one before it; a negative width removes that many places.
        value: The fill. Defaults to 0.

    >>> import symgrad
    >>> constant_pad_nd(symgrad.tensor([[1, 2]]), (0, 1, 1, 0), 7)
    tensor([[7, 7, 7],
            [1, 2, 7]])
    """
    return apply(CONSTANT_PAD_ND, input, pad=tuple(int(p) for p in pad), value=float(value))
