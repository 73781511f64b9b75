"""The op behind group normalisation, which PyTorch records as one node
(NativeGroupNormBackward0): each sample's channels split into groups, each group shifted to
mean 0 and scaled to variance 1, then a scale and a shift per channel.

Computed in float64 and rounded once, as ``layer_norm`` and ``batch_norm``; its VJP is theirs
(``layers._normalized_grads``) on the input seen as ``(N, groups, C // groups, rest)``, so a
second derivative works and the three terms of the input's gradient cancel in float64 (or the
long double for float64).
"""

from __future__ import annotations

import math

import numpy as np

from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.layers import _normalized_grads
from symgrad.ops.registry import defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["GROUP_NORM"]


def _grouped(shape: tuple[int, ...], groups: int) -> tuple[int, int, int, int]:
    """``(N, C, ...)`` seen as ``(N, groups, C // groups, the rest's size)``."""
    return (shape[0], groups, shape[1] // groups, math.prod(shape[2:]))


def _group_norm(self: np.ndarray, weight: np.ndarray, bias: np.ndarray, *, num_groups: int,
                eps: float) -> np.ndarray:
    """``(self - mean) / sqrt(var + eps) * weight + bias``, the mean and biased variance over
    each sample's group of channels, ``weight`` and ``bias`` per channel; in float64, rounded
    once."""
    x = self.astype(np.float64).reshape(_grouped(self.shape, num_groups))
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty group: NaN, as PyTorch's
        centred = x - x.mean(axis=(2, 3), keepdims=True)
        rstd = 1 / np.sqrt((centred * centred).mean(axis=(2, 3), keepdims=True) + eps)
    per_channel = (1, num_groups, -1, 1)
    out = centred * rstd * weight.reshape(per_channel) + bias.reshape(per_channel)
    return out.reshape(self.shape).astype(self.dtype)


def _group_norm_vjp(g: Tensor, self: Tensor, weight: Tensor, *, num_groups: int,
                    eps: float) -> tuple[Tensor, Tensor, Tensor]:
    grouped = _grouped(tuple(self.shape), num_groups)
    w = weight.reshape((1, num_groups, grouped[2], 1))
    d_self, normed, g = _normalized_grads(g.reshape(grouped), self.reshape(grouped), w, (2, 3),
                                          eps)
    channels = (self.shape[1],)
    d_weight = (g * normed).sum(dim=(0, 3)).reshape(channels)
    return d_self.reshape(tuple(self.shape)), d_weight, g.sum(dim=(0, 3)).reshape(channels)


GROUP_NORM = defop(
    "group_norm", "NativeGroupNormBackward0", _group_norm, vjp=_group_norm_vjp,
    dtype_rule="same", kind="reduction",
    refuses=not_implemented("GroupNormKernelImpl", NOT_FLOATING))
