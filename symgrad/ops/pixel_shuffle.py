"""``pixel_shuffle`` and ``pixel_unshuffle``: channels moved into space and back, each one node
as PyTorch records them (``PixelShuffleBackward0``, ``PixelUnshuffleBackward0``).

``pixel_shuffle`` with factor ``r`` takes ``(*, C r^2, H, W)`` to ``(*, C, H r, W r)``: output
``[c, h r + i, w r + j]`` is input ``[c r^2 + i r + j, h, w]``; ``pixel_unshuffle`` is its
inverse. Each only moves values, so each one's VJP is the other applied to ``g`` (the adjoint of
a permutation is its inverse), and second derivatives follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad.ops.registry import ALL, apply, defop, expose
from symgrad.tensor import Tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _shuffle(self: np.ndarray, *, upscale_factor: int) -> np.ndarray:
    """Channels into space: (*, C r^2, H, W) to (*, C, H r, W r)."""
    r = upscale_factor
    *lead, c, h, w = self.shape
    x = self.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return np.ascontiguousarray(x).reshape(*lead, c // (r * r), h * r, w * r)


def _unshuffle(self: np.ndarray, *, downscale_factor: int) -> np.ndarray:
    """Space into channels: (*, C, H r, W r) to (*, C r^2, H, W)."""
    r = downscale_factor
    *lead, c, h, w = self.shape
    x = self.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return np.ascontiguousarray(x).reshape(*lead, c * r * r, h // r, w // r)


PIXEL_SHUFFLE = defop(
    "pixel_shuffle", "PixelShuffleBackward0", _shuffle,
    vjp=lambda g, *, upscale_factor: apply(PIXEL_UNSHUFFLE, g, downscale_factor=upscale_factor),
    dtype_rule="same", dtypes=ALL, kind="shape")
PIXEL_UNSHUFFLE = defop(
    "pixel_unshuffle", "PixelUnshuffleBackward0", _unshuffle,
    vjp=lambda g, *, downscale_factor: apply(PIXEL_SHUFFLE, g, upscale_factor=downscale_factor),
    dtype_rule="same", dtypes=ALL, kind="shape")


def _factor(fn: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not "
                        f"{type(value).__name__}")
    return int(value)


@expose(method=False)
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C r^2, H, W)`` rearranged to ``(*, C, H r, W r)``, ``r`` the ``upscale_factor``.

    Args:
        input: The tensor, at least 3-d, its channels (dim -3) a multiple of ``r^2``.
        upscale_factor: The factor ``r`` each spatial dim grows by.

    >>> import symgrad
    >>> symgrad.pixel_shuffle(symgrad.arange(4.0).reshape(4, 1, 1), 2)
    tensor([[[0., 1.],
             [2., 3.]]])
    """
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return apply(PIXEL_SHUFFLE, input, upscale_factor=r)


@expose(method=False)
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H r, W r)`` rearranged to ``(*, C r^2, H, W)``, ``r`` the ``downscale_factor``:
    ``pixel_shuffle`` undone.

    Args:
        input: The tensor, at least 3-d, its last two dims multiples of ``r``.
        downscale_factor: The factor ``r`` each spatial dim shrinks by.

    >>> import symgrad
    >>> symgrad.pixel_unshuffle(symgrad.arange(4.0).reshape(1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for what, d in (("height", -2), ("width", -1)):
        if input.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {what} to be divisible by "
                               f"downscale_factor, but input.size({d})={input.shape[d]} is not "
                               f"divisible by {r}")
    return apply(PIXEL_UNSHUFFLE, input, downscale_factor=r)
