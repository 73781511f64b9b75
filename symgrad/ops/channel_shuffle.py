"""``channel_shuffle``: the channels (dim 1) of each sample, read as a ``(groups, C / groups)``
grid, transposed: output channel ``j`` is input channel ``(j % groups) * (C / groups) +
j // groups``. One node, ChannelShuffleBackward0, as in PyTorch, whose VJP is the inverse
shuffle (``C / groups`` groups), so it differentiates to any order.

>>> import symgrad
>>> x = symgrad.arange(6.0).reshape(1, 6, 1).requires_grad_()
>>> channel_shuffle(x, 2).flatten()
tensor([0., 3., 1., 4., 2., 5.], grad_fn=<ViewBackward0>)
"""

from __future__ import annotations

import numpy as np

from symgrad.ops.registry import ALL, apply, defop
from symgrad.tensor import Tensor

__all__ = ["channel_shuffle"]


def _shuffle(self: np.ndarray, *, groups: int) -> np.ndarray:
    """``self``'s channels (dim 1) as a ``(groups, C / groups)`` grid, transposed."""
    n, c = self.shape[0], self.shape[1]
    rest = self.shape[2:]
    grid = self.reshape((n, groups, c // groups) + rest)
    return np.ascontiguousarray(np.swapaxes(grid, 1, 2)).reshape(self.shape)


CHANNEL_SHUFFLE = defop(
    "channel_shuffle", "ChannelShuffleBackward0", _shuffle,
    vjp=lambda g, *, groups: apply(CHANNEL_SHUFFLE, g, groups=g.shape[1] // groups),
    dtype_rule="same", dtypes=ALL, kind="shape")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """``input``'s channels (dim 1) split into ``groups`` groups and interleaved: output
    channel ``j`` is input channel ``(j % groups) * (C / groups) + j // groups``.

    Args:
        input: The tensor, ``(N, C, *)`` with at least 3 dims.
        groups: How many groups, dividing ``C``.

    >>> import symgrad
    >>> channel_shuffle(symgrad.arange(4).reshape(1, 4, 1), 2).flatten()
    tensor([0, 2, 1, 3])
    """
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not "
                        f"{type(groups).__name__}")
    if input.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got "
                           f"{input.shape[1]} channels and {groups} groups.")
    return apply(CHANNEL_SHUFFLE, input, groups=groups)
