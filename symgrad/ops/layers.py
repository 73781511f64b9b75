"""The ops behind two layers PyTorch records as one node each: ``embedding`` and ``layer_norm``.

``g`` is the incoming gradient. The VJPs are written in symgrad ops, so second derivatives work.
"""

from __future__ import annotations

import math

import numpy as np

from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _wide
from symgrad.ops.indexing import index_put
from symgrad.ops.registry import ALL, defop, not_implemented
from symgrad.tensor import Tensor


# -- embedding ----------------------------------------------------------------------------------
def _embedding_vjp(g: Tensor, *, indices: np.ndarray, weight_shape: tuple[int, ...]) -> Tensor:
    # Each row's gradient is the sum over the positions that looked it up.
    rows = g.reshape(indices.size, weight_shape[-1])  # (-1 cannot be read with rows of none)
    zeros = Tensor._make(np.zeros(weight_shape, dtype=g._data.dtype), False, None)
    return index_put(zeros, rows, (indices.reshape(-1),), accumulate=True)


EMBEDDING = defop(
    "embedding", "EmbeddingBackward0", lambda weight, *, indices: weight[indices],
    vjp=_embedding_vjp, dtype_rule="same", dtypes=ALL, kind="index")


# -- layer normalisation ------------------------------------------------------------------------
def _normalized_dims(ndim: int, normalized_ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim - normalized_ndim, ndim))


def _layer_norm(self: np.ndarray, weight: np.ndarray, bias: np.ndarray, *, normalized_ndim: int,
                eps: float) -> np.ndarray:
    """``(self - mean) / sqrt(var + eps) * weight + bias`` over the last ``normalized_ndim`` dims,
    with the biased variance; computed in float64, rounded once."""
    x = self.astype(np.float64)
    dims = _normalized_dims(x.ndim, normalized_ndim)
    centred = x - x.mean(axis=dims, keepdims=True)
    rstd = 1 / np.sqrt((centred * centred).mean(axis=dims, keepdims=True) + eps)
    return (centred * rstd * weight + bias).astype(self.dtype)


def _layer_norm_vjp(g: Tensor, self: Tensor, weight: Tensor, *, normalized_ndim: int,
                    eps: float) -> tuple[Tensor, Tensor, Tensor]:
    dims = _normalized_dims(self.ndim, normalized_ndim)
    lead = tuple(range(self.ndim - normalized_ndim))
    d_self, normed, g = _normalized_grads(g, self, weight, dims, eps)
    d_weight = (g * normed).sum(dim=lead) if lead else g * normed
    d_bias = g.sum(dim=lead) if lead else g
    return d_self, d_weight, d_bias


def _normalized_grads(g: Tensor, self: Tensor, weight: Tensor, dims: tuple[int, ...],
                      eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """For ``(self - mean) * rstd * weight`` with the mean and biased variance over ``dims``
    (layer_norm's and batch_norm's in training): d_self, the normalised input, and ``g`` as
    the weight's and bias's gradients are formed from it (in float64 for narrow dtypes).
    ``weight`` broadcasts against ``self``."""
    # Narrow dtypes work in float64 (the engine rounds each gradient once): the sums of
    # d_self's three terms cancel, and their rounding in float16 left it 217 ULP off.
    long = self._data.dtype == np.float64
    g, self, weight = _wide(g), _wide(self), _wide(weight)
    centred = self - self.mean(dim=dims, keepdim=True)
    rstd = ((centred * centred).mean(dim=dims, keepdim=True) + eps).rsqrt()
    normed = centred * rstd
    d_normed = g * weight
    spread = d_normed - d_normed.mean(dim=dims, keepdim=True)
    if math.prod(self.shape[d] for d in dims) == 2:
        # Two values, +-c: c**2 is the variance, so the terms' difference is exactly
        # spread * (1 - var / (var + eps)) = spread * eps * rstd**2, an identity of the
        # function (every order follows). Formed as the difference, its terms of order 1
        # cancelled to order eps / var: 699 ULP in float64 with var 4.8 and eps 1e-5.
        return rstd * rstd * rstd * eps * spread, normed, g
    d_self = rstd * (spread - normed * (d_normed * normed).mean(dim=dims, keepdim=True))
    if long:
        # In float64 the rounding of those terms left d_self 212 ULP off ([2, 2, 2] normalized
        # over 4): the long double's value less this one is rounding, a constant to the second
        # order (as gelu's correction). Narrow dtypes need no more than float64.
        lost = _layer_norm_self_long(g._data, self._data, weight._data, dims, eps) - d_self._data
        lost = np.where(np.isfinite(lost), lost, 0.0).astype(np.float64)
        d_self = d_self + Tensor._make(lost, False, None)
    return d_self, normed, g


def _layer_norm_self_long(g: np.ndarray, x: np.ndarray, weight: np.ndarray,
                          dims: tuple[int, ...], eps: float) -> np.ndarray:
    """d_self in the platform's long double (64 bits of mantissa on x86-64)."""
    g, x, weight = (a.astype(np.longdouble) for a in (g, x, weight))
    centred = x - x.mean(axis=dims, keepdims=True)
    rstd = 1 / np.sqrt((centred * centred).mean(axis=dims, keepdims=True) + eps)
    normed = centred * rstd
    d_normed = g * weight
    return rstd * (d_normed - d_normed.mean(axis=dims, keepdims=True)
                   - normed * (d_normed * normed).mean(axis=dims, keepdims=True))


LAYER_NORM = defop(
    "layer_norm", "NativeLayerNormBackward0", _layer_norm, vjp=_layer_norm_vjp,
    dtype_rule="same", kind="reduction",
    refuses=not_implemented("LayerNormKernelImpl", NOT_FLOATING))


# -- batch normalisation ------------------------------------------------------------------------
def _batch_dims(ndim: int) -> tuple[int, ...]:
    """The dims a channel's statistics are taken over: every dim but the channels' (1)."""
    return (0, *range(2, ndim))


def _per_channel(ndim: int) -> tuple[int, ...]:
    """The shape that broadcasts a vector of channels against an input of ``ndim`` dims."""
    return (-1,) + (1,) * (ndim - 2)


def _batch_norm(self: np.ndarray, weight: np.ndarray, bias: np.ndarray, *, training: bool,
                running_mean: np.ndarray | None, running_var: np.ndarray | None,
                eps: float) -> np.ndarray:
    """``(self - mean) / sqrt(var + eps) * weight + bias`` per channel (dim 1): in training the
    batch's mean and biased variance over every other dim, else the running ones; computed in
    float64, rounded once."""
    x = self.astype(np.float64)
    shape = _per_channel(x.ndim)
    if training:
        dims = _batch_dims(x.ndim)
        centred = x - x.mean(axis=dims, keepdims=True)
        var = (centred * centred).mean(axis=dims, keepdims=True)
    else:
        centred = x - running_mean.astype(np.float64).reshape(shape)
        var = running_var.astype(np.float64).reshape(shape)
    rstd = 1 / np.sqrt(var + eps)
    return (centred * rstd * weight.reshape(shape) + bias.reshape(shape)).astype(self.dtype)


def _batch_norm_vjp(g: Tensor, self: Tensor, weight: Tensor, *, training: bool,
                    running_mean: np.ndarray | None, running_var: np.ndarray | None,
                    eps: float) -> tuple[Tensor, Tensor, Tensor]:
    dims = _batch_dims(self.ndim)
    w = weight.reshape(_per_channel(self.ndim))
    if training:
        d_self, normed, g = _normalized_grads(g, self, w, dims, eps)
    else:
        # The running statistics are constants: an affine map of each element.
        g, x, w = _wide(g), _wide(self), _wide(w)
        shape = _per_channel(self.ndim)
        mean, var = (Tensor._make(a.astype(np.float64).reshape(shape), False, None)
                     for a in (running_mean, running_var))
        rstd = (var + eps).rsqrt()
        normed = (x - mean) * rstd
        d_self = g * (w * rstd)
    return d_self, (g * normed).sum(dim=dims), g.sum(dim=dims)


# NOTE: one node for the whole normalisation, as PyTorch records it (NativeBatchNormBackward0);
# the running statistics, read in evaluation and updated in training by
# ``nn.functional.batch_norm``, are constants of the node.
BATCH_NORM = defop(
    "batch_norm", "NativeBatchNormBackward0", _batch_norm, vjp=_batch_norm_vjp,
    dtype_rule="same", kind="reduction",
    refuses=not_implemented("batch_norm", NOT_FLOATING))
