"""Attention as in PyTorch: ``scaled_dot_product_attention`` and
``multi_head_attention_forward`` (published in ``symgrad.nn.functional``) and the module
``MultiheadAttention``.

Composed of symgrad's recorded ops (``linear``, ``matmul``/``bmm``, ``softmax``, ``where``,
``dropout``) in the order PyTorch's reference paths compute them, so gradients of any order come
from autograd. PyTorch's CPU kernels (a fused flash-attention kernel, the fast path of an
evaluating ``MultiheadAttention``) round differently, so values agree with PyTorch's to
rounding. Dropout on the attention weights draws its mask from the random stream as PyTorch's
math path draws it (a Bernoulli mask of the weights' shape), so a seed gives PyTorch's mask
there; PyTorch's fused kernels, where they run, may draw differently.

>>> import symgrad
>>> F = symgrad.nn.functional
>>> q = k = v = symgrad.ones(1, 2, 3, 4)
>>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
symgrad.Size([1, 2, 3, 4])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import symgrad
from symgrad.autocast_policy import autocasts
from symgrad.creation import empty
from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.modules import Linear, Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward",
           "MultiheadAttention", "NonDynamicallyQuantizableLinear"]

_NEG_INF = float("-inf")


def _dtype_name(dtype: Any) -> str:
    # PyTorch names dtypes in these messages by their C++ names.
    return {"float64": "double", "float32": "float", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "bool": "bool"}.get(str(dtype).split(".")[-1], str(dtype).split(".")[-1])


def _safe_softmax(scores: Tensor) -> Tensor:
    # PyTorch's math path (_safe_softmax): a row that is -inf everywhere (every key masked)
    # gives weights 0, not the NaN of softmax.
    weights = F.softmax(scores, dim=-1)
    blocked = (scores.detach() == _NEG_INF).all(-1, keepdim=True)
    if bool(blocked.any()):
        weights = symgrad.where(blocked, 0.0, weights)
    return weights


@autocasts("lower")
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key.T * scale + mask) @ value``, with PyTorch's masks and options.

    Args:
        query: ``(..., L, E)``.
        key: ``(..., S, E)``.
        value: ``(..., S, Ev)``.
        attn_mask: Broadcastable to ``(..., L, S)``: a bool mask (True: the key takes part)
            or a float mask added to the scores. Defaults to None.
        dropout_p: The probability of dropping an attention weight (always applied, as in
            PyTorch: pass 0 when evaluating). The mask is drawn from the random stream as
            PyTorch's math path draws it. Defaults to 0.
        is_causal: Mask the keys after each query (the upper-left causal mask); not together
            with ``attn_mask``. Defaults to False.
        scale: The factor of the scores (keyword only). Defaults to None: ``1 / sqrt(E)``.
        enable_gqa: Grouped-query attention: each key/value head serves
            ``query heads / key heads`` query heads (dim -3). Defaults to False.

    A query whose keys are all masked gets weights 0 (output 0), as in PyTorch.

    >>> import symgrad
    >>> q = symgrad.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    >>> v = symgrad.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    >>> symgrad.nn.functional.scaled_dot_product_attention(q, q, v, is_causal=True)
    tensor([[[1.0000, 2.0000],
             [2.3395, 3.3395]]])
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: "
                           f"{value.ndim} instead.")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_dtype_name(query.dtype)} key.dtype: "
                           f"{_dtype_name(key.dtype)} and value.dtype: "
                           f"{_dtype_name(value.dtype)} instead.")
    if attn_mask is not None and not (attn_mask.dtype == symgrad.bool
                                      or attn_mask.is_floating_point()):
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_dtype_name(attn_mask.dtype)} and "
                           f" query.dtype: {_dtype_name(query.dtype)} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    length, source = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = (_repeat_heads(t, query.shape[-3] // t.shape[-3]) for t in (key, value))
    scores = symgrad.matmul(query, key.transpose(-2, -1)) * factor
    if is_causal:
        allowed = symgrad.ones(length, source, dtype=symgrad.bool).tril()
        scores = symgrad.where(allowed, scores, _NEG_INF)
    if attn_mask is not None:
        if attn_mask.dtype == symgrad.bool:
            scores = symgrad.where(attn_mask, scores, _NEG_INF)
        else:
            scores = scores + attn_mask
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return symgrad.matmul(weights, value)


def _repeat_heads(t: Tensor, repeats: int) -> Tensor:
    """``t.repeat_interleave(repeats, -3)``: each head ``repeats`` times, adjacent."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], repeats, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * repeats, *shape[-2:])


# -- multi-head attention, as torch.nn.functional.multi_head_attention_forward --------------------
def _canonical_mask(mask: Tensor | None, mask_name: str, other_type: Any, other_name: str,
                    target_type: Any, check_other: bool = True) -> Tensor | None:
    """A bool mask as a float one (``-inf`` where True), PyTorch's checks and warning."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != symgrad.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if not is_float:
        mask = symgrad.zeros(tuple(mask.shape), dtype=target_type).masked_fill(mask, _NEG_INF)
    return mask


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor,
                     key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                     num_heads: int) -> bool:
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.ndim}-D and {value.ndim}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.ndim}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.ndim}-D and {value.ndim}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.ndim}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor "
                                     "instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.ndim}-D query tensor")


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of ``(L, N, E)`` queries over ``(S, N, E_k)`` keys and values, as
    PyTorch's function computes it (the computation of ``MultiheadAttention``).

    Args:
        query: ``(L, N, E)`` or unbatched ``(L, E)``.
        key: ``(S, N, E_k)`` or ``(S, E_k)``.
        value: ``(S, N, E_v)`` or ``(S, E_v)``.
        embed_dim_to_check: ``E``, checked against ``query``.
        num_heads: The number of heads; divides ``E``.
        in_proj_weight: The packed ``(3E, E)`` projections of query, key and value.
        in_proj_bias: Their ``(3E,)`` biases, or None.
        bias_k: A ``(1, 1, E)`` key appended to every sequence, or None.
        bias_v: A ``(1, 1, E)`` value appended to every sequence, or None.
        add_zero_attn: Append a zero key and value.
        dropout_p: The dropout probability on the attention weights (in training).
        out_proj_weight: The ``(E, E)`` output projection.
        out_proj_bias: Its bias, or None.
        training: Apply dropout. Defaults to True.
        key_padding_mask: ``(N, S)``: True (or ``-inf``) for keys to ignore. Defaults to None.
        need_weights: Also return the attention weights. Defaults to True.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: True (or a float added) per
            query and key. Defaults to None.
        use_separate_proj_weight: Use ``q/k/v_proj_weight`` instead of ``in_proj_weight``.
            Defaults to False.
        q_proj_weight: ``(E, E)``. Defaults to None.
        k_proj_weight: ``(E, E_k)``. Defaults to None.
        v_proj_weight: ``(E, E_v)``. Defaults to None.
        static_k: Projected keys ``(N * num_heads, S, E / num_heads)`` used as they are.
            Defaults to None.
        static_v: Projected values, likewise. Defaults to None.
        average_attn_weights: Average the returned weights over the heads. Defaults to True.
        is_causal: A hint that ``attn_mask`` is the causal mask. Defaults to False.

    >>> import symgrad
    >>> F = symgrad.nn.functional
    >>> x = symgrad.ones(3, 1, 4)
    >>> out, w = F.multi_head_attention_forward(x, x, x, 4, 2, symgrad.ones(12, 4), None, None,
    ...                                         None, False, 0.0, symgrad.eye(4), None)
    >>> out.shape, w.shape
    (symgrad.Size([3, 1, 4]), symgrad.Size([1, 3, 3]))
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       None if attn_mask is None else attn_mask.dtype,
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q = F.linear(query, q_proj_weight, b_q)
        k = F.linear(key, k_proj_weight, b_k)
        v = F.linear(value, v_proj_weight, b_v)

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = symgrad.cat([k, bias_k.repeat(1, bsz, 1)])
        v = symgrad.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None
         else _static(static_k, "k", bsz * num_heads, head_dim))
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None
         else _static(static_v, "v", bsz * num_heads, head_dim))

    if add_zero_attn:
        zeros = (bsz * num_heads, 1, head_dim)
        k = symgrad.cat([k, symgrad.zeros(zeros, dtype=k.dtype)], 1)
        v = symgrad.cat([v, symgrad.zeros(zeros, dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]

    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = (key_padding_mask.reshape(bsz, 1, 1, src_len)
                            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        # PyTorch's baddbmm(attn_mask, q, k.T): the product, then the mask added.
        scores = symgrad.bmm(q_scaled, k.transpose(-2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = F.softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, p=dropout_p)
        out = symgrad.bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = F.linear(out, out_proj_weight, out_proj_bias)
        out = out.reshape(tgt_len, bsz, out.shape[1])
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = F.linear(out, out_proj_weight, out_proj_bias)
    out = out.reshape(tgt_len, bsz, out.shape[1])
    return (out if batched else out.squeeze(1)), None


def _static(t: Tensor, name: str, heads: int, head_dim: int) -> Tensor:
    if t.shape[0] != heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {heads}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{t.shape[2]}")
    return t


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | None
                          ) -> tuple[Tensor, Tensor, Tensor]:
    """The query, key and value projections by the packed weight, as PyTorch splits them: one
    product for self-attention, two when the key is the value, else three."""
    e = q.shape[-1]
    if k is v:
        if q is k:
            return F.linear(q, w, b).chunk(3, -1)
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        k_proj, v_proj = F.linear(k, w_kv, b_kv).chunk(2, -1)
        return F.linear(q, w_q, b_q), k_proj, v_proj
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None,) * 3 if b is None else b.chunk(3)
    return F.linear(q, w_q, b_q), F.linear(k, w_k, b_k), F.linear(v, w_v, b_v)


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (so the reprs
    agree).

    Args:
        in_features: The size of each input's last dimension.
        out_features: The size of each output's last dimension.
        bias: Whether to add a learnable bias. Defaults to True.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> symgrad.nn.MultiheadAttention(4, 2).out_proj
    NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
    """


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``,
    ``out_proj``; ``q/k/v_proj_weight`` when ``kdim`` or ``vdim`` differ from
    ``embed_dim``), initialisation (``out_proj`` as a ``Linear``, then Glorot-uniform
    projections and zero biases, from the same random stream) and computation.

    Args:
        embed_dim: The size ``E`` of queries and outputs.
        num_heads: The number of heads; divides ``embed_dim``.
        dropout: The dropout probability on the attention weights, in training. Defaults to 0.
        bias: Whether the projections have biases. Defaults to True.
        add_bias_kv: Append a learnt key and value to every sequence. Defaults to False.
        add_zero_attn: Append a zero key and value to every sequence. Defaults to False.
        kdim: The size of keys. Defaults to None: ``embed_dim``.
        vdim: The size of values. Defaults to None: ``embed_dim``.
        batch_first: Inputs and output are ``(N, L, E)``, not ``(L, N, E)``. Defaults to False.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> mha = symgrad.nn.MultiheadAttention(4, 2, batch_first=True)
    >>> x = symgrad.ones(2, 3, 4)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    (symgrad.Size([2, 3, 4]), symgrad.Size([2, 3, 3]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError("embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        factory = {"device": device, "dtype": dtype}
        # the weights of the other layout, and an absent bias, are registered as None
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **factory))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        self.register_parameter("in_proj_bias", Parameter(empty(3 * embed_dim, **factory))
                                if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        **factory)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """The attention output and (with ``need_weights``) the attention weights.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) or unbatched ``(L, E)``.
            key: ``(S, N, kdim)`` likewise.
            value: ``(S, N, vdim)`` likewise.
            key_padding_mask: ``(N, S)`` (unbatched ``(S,)``): True (or ``-inf``) for keys
                to ignore. Defaults to None.
            need_weights: Also return the weights. Defaults to True.
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: True (or a float added) where
                a query may not attend a key. Defaults to None.
            average_attn_weights: Average the weights over the heads (``(N, L, S)``), else
                ``(N, num_heads, L, S)``. Defaults to True.
            is_causal: A hint that ``attn_mask`` is the causal mask. Defaults to False.

        >>> import symgrad
        >>> mha = symgrad.nn.MultiheadAttention(4, 2)
        >>> x = symgrad.ones(3, 4)
        >>> out, w = mha(x, x, x, average_attn_weights=False)
        >>> out.shape, w.shape
        (symgrad.Size([3, 4]), symgrad.Size([2, 3, 3]))
        """
        batched = query.ndim == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                           None if attn_mask is None else attn_mask.dtype,
                                           "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if self.batch_first and batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = {} if self._qkv_same_embed_dim else {
            "use_separate_proj_weight": True, "q_proj_weight": self.q_proj_weight,
            "k_proj_weight": self.k_proj_weight, "v_proj_weight": self.v_proj_weight}
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            average_attn_weights=average_attn_weights, is_causal=is_causal, **separate)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
