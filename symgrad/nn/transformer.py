"""``TransformerEncoderLayer`` and ``TransformerEncoder`` as in ``torch.nn``: self-attention and
a feed-forward block, each with dropout, a residual connection and layer normalisation (after
the block, or before it with ``norm_first``).

Composed of symgrad's ``MultiheadAttention``, ``Linear``, ``Dropout`` and ``LayerNorm``, created
in PyTorch's order (so a seed gives PyTorch's parameters) and applied in PyTorch's order (so a
seed gives PyTorch's dropout masks in training). ``TransformerEncoder`` copies the layer it is
given, as PyTorch does.

>>> import symgrad
>>> layer = symgrad.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
>>> encoder = symgrad.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
>>> encoder(symgrad.ones(3, 5, 8)).shape
symgrad.Size([3, 5, 8])
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import symgrad
from symgrad.autograd import grad_mode
from symgrad.nn import functional as F
from symgrad.nn.activation import GELU, ReLU
from symgrad.nn.attention import MultiheadAttention, _canonical_mask
from symgrad.nn.layers import Dropout, LayerNorm
from symgrad.nn.modules import Linear, Module, ModuleList
from symgrad.tensor import Tensor

__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if not isinstance(activation, str):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block (``linear2(dropout(activation(linear1(x))))``),
    each followed by dropout and added to its input, with ``LayerNorm`` after each sum (or
    before each block with ``norm_first``), as PyTorch's layer.

    Args:
        d_model: The size of the features.
        nhead: The number of attention heads.
        dim_feedforward: The width of the feed-forward block. Defaults to 2048.
        dropout: The dropout probability everywhere. Defaults to 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Defaults to ``F.relu``.
        layer_norm_eps: The normalisations' epsilon. Defaults to 1e-5.
        batch_first: Inputs and output are ``(batch, seq, feature)``. Defaults to False.
        norm_first: Normalise before each block instead of after. Defaults to False.
        bias: Whether the linear and normalisation layers have biases. Defaults to True.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> layer = symgrad.nn.TransformerEncoderLayer(4, 2, 8, activation="gelu", norm_first=True)
    >>> layer(symgrad.ones(5, 2, 4)).shape
    symgrad.Size([5, 2, 4])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        activation = _activation(activation)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        """The layer applied to ``src``.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or unbatched ``(S, E)``.
            src_mask: ``(S, S)`` or ``(N * nhead, S, S)``: True (or a float added) where a
                position may not attend another. Defaults to None.
            src_key_padding_mask: ``(N, S)``: True (or ``-inf``) for padding positions.
                Defaults to None.
            is_causal: A hint that ``src_mask`` is the causal mask. Defaults to False.

        >>> import symgrad
        >>> layer = symgrad.nn.TransformerEncoderLayer(4, 1, 8, dropout=0.0)
        >>> mask = symgrad.tensor([[False, True], [False, False]])
        >>> layer(symgrad.ones(2, 4), src_mask=mask).shape
        symgrad.Size([2, 4])
        """
        src_key_padding_mask = _canonical_mask(
            src_key_padding_mask, "src_key_padding_mask",
            None if src_mask is None else src_mask.dtype, "src_mask", src.dtype)
        src_mask = _canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        # With batch_first, the output is a transposed view of an (S, N, E) tensor, as
        # PyTorch's: dropout draws its mask in memory order, so the mask is PyTorch's.
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


def _causal_mask(size: int, dtype: Any, device: Any = None) -> Tensor:
    return symgrad.triu(symgrad.full((size, size), float("-inf"), dtype=dtype, device=device),
                        diagonal=1)


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    Args:
        encoder_layer: The layer copied (each copy starts with its parameters' values).
        num_layers: The number of copies.
        norm: A module applied to the last layer's output. Defaults to None.
        enable_nested_tensor: PyTorch's option to skip padding when evaluating; symgrad
            reproduces its effect on the output (padding positions 0 before ``norm``) and its
            warning when the layer does not allow it. Defaults to True.
        mask_check: Check that the padding mask is left-aligned before skipping padding.
            Defaults to True.

    >>> import symgrad
    >>> layer = symgrad.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)
    >>> encoder = symgrad.nn.TransformerEncoder(layer, 3, norm=symgrad.nn.LayerNorm(4))
    >>> len(encoder.layers), encoder.layers[0] is layer
    (3, False)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = self._why_no_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", stacklevel=2)
            self.use_nested_tensor = False

    @staticmethod
    def _why_no_nested(layer: Any) -> str:
        # PyTorch's reasons, in its order, for not using nested tensors.
        name = "encoder_layer"
        if not isinstance(layer, TransformerEncoderLayer):
            return f"{name} was not TransformerEncoderLayer"
        if layer.norm_first:
            return f"{name}.norm_first was True"
        if not layer.self_attn.batch_first:
            return (f"{name}.self_attn.batch_first was not True(use batch_first for better "
                    "inference performance)")
        if not layer.self_attn._qkv_same_embed_dim:
            return f"{name}.self_attn._qkv_same_embed_dim was not True"
        if layer.self_attn.in_proj_bias is None:
            return f"{name}.self_attn was passed bias=False"
        if not layer.activation_relu_or_gelu:
            return f"{name}.activation_relu_or_gelu was not True"
        if layer.norm1.eps != layer.norm2.eps:
            return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
        if layer.self_attn.num_heads % 2 == 1:
            return f"{name}.self_attn.num_heads is odd"
        return ""

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        """The layers applied in turn to ``src``, then ``norm``.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or unbatched ``(S, E)``.
            mask: ``(S, S)`` or ``(N * nhead, S, S)``: True (or a float added) where a
                position may not attend another. Defaults to None.
            src_key_padding_mask: ``(N, S)``: True (or ``-inf``) for padding positions.
                Defaults to None.
            is_causal: Whether ``mask`` is the causal mask; None: detect it. Defaults to None.

        >>> import symgrad
        >>> layer = symgrad.nn.TransformerEncoderLayer(4, 2, 8)
        >>> encoder = symgrad.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        >>> encoder(symgrad.ones(3, 4)).shape
        symgrad.Size([3, 4])
        """
        src_key_padding_mask = _canonical_mask(
            src_key_padding_mask, "src_key_padding_mask",
            None if mask is None else mask.dtype, "mask", src.dtype)
        mask = _canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        first = self.layers[0]
        batch_first = first.self_attn.batch_first
        padding = self._padding_dropped(src, mask, src_key_padding_mask)
        seq_len = src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]
        if is_causal is None:
            is_causal = False
            if mask is not None:
                causal = _causal_mask(seq_len, mask.dtype)
                if tuple(mask.shape) == tuple(causal.shape):
                    is_causal = bool((mask == causal).all())
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal,
                           src_key_padding_mask=src_key_padding_mask)
        if padding is not None:
            # PyTorch's nested tensors drop the padding positions and pad the output back with
            # zeros; the other positions are what masking the padded keys (above) gives.
            output = symgrad.where(padding.unsqueeze(-1), 0.0, output)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _padding_dropped(self, src: Tensor, mask: Tensor | None,
                         padding_mask: Tensor | None) -> Tensor | None:
        """The padding positions (True), when PyTorch would run the layers on nested tensors:
        evaluating, batched, a left-aligned padding mask and no attention mask, nothing
        requiring a gradient (or gradients off)."""
        first = self.layers[0]
        if (not self.use_nested_tensor or first.training or src.ndim != 3
                or padding_mask is None or mask is not None):
            return None
        padded = padding_mask != 0
        if self.mask_check:
            kept = ~padded
            # Left-aligned: no kept position after a padded one in any row.
            if bool((kept[:, 1:] & ~kept[:, :-1]).any()):
                return None
        tensors = [src] + [p for p in (
            first.self_attn.in_proj_weight, first.self_attn.in_proj_bias,
            first.self_attn.out_proj.weight, first.self_attn.out_proj.bias,
            first.norm1.weight, first.norm1.bias, first.norm2.weight, first.norm2.bias,
            first.linear1.weight, first.linear1.bias, first.linear2.weight,
            first.linear2.bias) if p is not None]
        if grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensors):
            return None
        return padded
