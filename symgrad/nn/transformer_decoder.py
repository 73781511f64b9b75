"""``TransformerDecoderLayer``, ``TransformerDecoder`` and ``Transformer`` as in ``torch.nn``.

A decoder layer is self-attention over the target, attention from the target to the encoder's
output (the memory), and a feed-forward block, each with dropout, a residual connection and
layer normalisation (after the block, or before it with ``norm_first``). ``Transformer`` is
PyTorch's encoder-decoder: a ``TransformerEncoder`` and a ``TransformerDecoder``, each ending in
a ``LayerNorm``, with every matrix re-initialised Glorot-uniform.

Composed of symgrad's ``MultiheadAttention``, ``Linear``, ``Dropout`` and ``LayerNorm``, created
in PyTorch's order (so a seed gives PyTorch's parameters) and applied in PyTorch's order (so a
seed gives PyTorch's dropout masks in training).

>>> import symgrad
>>> model = symgrad.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
>>> src, tgt = symgrad.ones(3, 5, 8), symgrad.ones(3, 4, 8)
>>> mask = symgrad.nn.Transformer.generate_square_subsequent_mask(4)
>>> model(src, tgt, tgt_mask=mask, tgt_is_causal=True).shape
symgrad.Size([3, 4, 8])
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.attention import MultiheadAttention
from symgrad.nn.layers import Dropout, LayerNorm
from symgrad.nn.modules import Linear, Module, ModuleList
from symgrad.nn.transformer import (
    TransformerEncoder,
    TransformerEncoderLayer,
    _activation,
    _causal_mask,
)
from symgrad.tensor import Tensor

__all__ = ["TransformerDecoderLayer", "TransformerDecoder", "Transformer"]


def _seq_len(x: Tensor, batch_first: bool) -> int:
    if x.ndim == 2:
        return x.shape[0]
    return x.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """``is_causal`` if given; else whether ``mask`` is the ``size`` causal mask in its own
    dtype (PyTorch builds that mask with ``full(-inf)``, so an integer mask raises its
    overflow error here)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    causal = _causal_mask(size, mask.dtype)
    if tuple(mask.shape) != tuple(causal.shape):
        return False
    return bool((mask == causal).all())


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the memory, then a feed-forward block
    (``linear2(dropout(activation(linear1(x))))``), each followed by dropout and added to its
    input, with ``LayerNorm`` after each sum (or before each block with ``norm_first``), as
    PyTorch's layer.

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
    >>> layer = symgrad.nn.TransformerDecoderLayer(4, 2, 8, batch_first=True)
    >>> layer(symgrad.ones(2, 3, 4), symgrad.ones(2, 5, 4)).shape
    symgrad.Size([2, 3, 4])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, **factory)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        """The layer applied to ``tgt`` attending to ``memory``.

        Args:
            tgt: ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``) or unbatched ``(T, E)``.
            memory: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or ``(S, E)``.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``: True (or a float added) where a
                target position may not attend another. Defaults to None.
            memory_mask: ``(T, S)`` or ``(N * nhead, T, S)``, likewise for the memory.
                Defaults to None.
            tgt_key_padding_mask: ``(N, T)``: True (or ``-inf``) for padding positions of
                the target. Defaults to None.
            memory_key_padding_mask: ``(N, S)``: likewise for the memory. Defaults to None.
            tgt_is_causal: A hint that ``tgt_mask`` is the causal mask. Defaults to False.
            memory_is_causal: A hint that ``memory_mask`` is the causal mask. Defaults to
                False.

        >>> import symgrad
        >>> layer = symgrad.nn.TransformerDecoderLayer(4, 1, 8, dropout=0.0)
        >>> mask = symgrad.nn.Transformer.generate_square_subsequent_mask(2)
        >>> layer(symgrad.ones(2, 4), symgrad.ones(3, 4), tgt_mask=mask).shape
        symgrad.Size([2, 4])
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask,
                                               memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None,
                   key_padding_mask: Tensor | None, is_causal: bool = False) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, then ``norm`` if given.

    Args:
        decoder_layer: The layer copied (each copy starts with its parameters' values).
        num_layers: The number of copies.
        norm: A module applied to the last layer's output. Defaults to None.

    >>> import symgrad
    >>> layer = symgrad.nn.TransformerDecoderLayer(4, 2, 8)
    >>> decoder = symgrad.nn.TransformerDecoder(layer, 2, norm=symgrad.nn.LayerNorm(4))
    >>> decoder(symgrad.ones(3, 1, 4), symgrad.ones(5, 1, 4)).shape
    symgrad.Size([3, 1, 4])
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """The layers applied in turn to ``tgt`` attending to ``memory``, then ``norm``.

        Args:
            tgt: ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``) or unbatched ``(T, E)``.
            memory: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or ``(S, E)``.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``. Defaults to None.
            memory_mask: ``(T, S)`` or ``(N * nhead, T, S)``. Defaults to None.
            tgt_key_padding_mask: ``(N, T)``. Defaults to None.
            memory_key_padding_mask: ``(N, S)``. Defaults to None.
            tgt_is_causal: Whether ``tgt_mask`` is the causal mask; None: detect it.
                Defaults to None.
            memory_is_causal: A hint that ``memory_mask`` is the causal mask. Defaults to
                False.

        >>> import symgrad
        >>> layer = symgrad.nn.TransformerDecoderLayer(4, 2, 8, batch_first=True)
        >>> decoder = symgrad.nn.TransformerDecoder(layer, 2)
        >>> decoder(symgrad.ones(1, 3, 4), symgrad.ones(1, 2, 4)).shape
        symgrad.Size([1, 3, 4])
        """
        output = tgt
        seq_len = _seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """PyTorch's encoder-decoder transformer: ``encoder`` (a ``TransformerEncoder`` of
    ``num_encoder_layers`` layers and a ``LayerNorm``) reads ``src``; ``decoder`` (a
    ``TransformerDecoder`` of ``num_decoder_layers`` layers and a ``LayerNorm``) reads ``tgt``
    attending to the encoder's output. Every parameter of two or more dimensions is then
    re-drawn Glorot-uniform, in PyTorch's order, so a seed gives PyTorch's parameters.

    Args:
        d_model: The size of the features. Defaults to 512.
        nhead: The number of attention heads. Defaults to 8.
        num_encoder_layers: The encoder's layers. Defaults to 6.
        num_decoder_layers: The decoder's layers. Defaults to 6.
        dim_feedforward: The width of the feed-forward blocks. Defaults to 2048.
        dropout: The dropout probability everywhere. Defaults to 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Defaults to ``F.relu``.
        custom_encoder: A module used as the encoder instead. Defaults to None.
        custom_decoder: A module used as the decoder instead. Defaults to None.
        layer_norm_eps: The normalisations' epsilon. Defaults to 1e-5.
        batch_first: Inputs and output are ``(batch, seq, feature)``. Defaults to False.
        norm_first: Normalise before each block instead of after. Defaults to False.
        bias: Whether the linear and normalisation layers have biases. Defaults to True.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    As in PyTorch, the encoder warns that it will not use nested tensors unless the layers
    allow them (``batch_first=True``, ``norm_first=False``, an even ``nhead``, ...).

    >>> import symgrad
    >>> model = symgrad.nn.Transformer(4, 2, 1, 2, 8, dropout=0.0, batch_first=True)
    >>> sorted({k.split(".")[0] for k in model.state_dict()})
    ['decoder', 'encoder']
    >>> model(symgrad.ones(2, 6, 4), symgrad.ones(2, 3, 4)).shape
    symgrad.Size([2, 3, 4])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 custom_encoder: Any | None = None, custom_decoder: Any | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(*layer_args, **factory)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(*layer_args, **factory)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """The decoder's output for ``tgt`` attending to the encoded ``src``.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or unbatched ``(S, E)``.
            tgt: ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``) or unbatched ``(T, E)``.
            src_mask: ``(S, S)`` or ``(N * nhead, S, S)``. Defaults to None.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``. Defaults to None.
            memory_mask: ``(T, S)``. Defaults to None.
            src_key_padding_mask: ``(N, S)`` (unbatched ``(S,)``). Defaults to None.
            tgt_key_padding_mask: ``(N, T)`` (unbatched ``(T,)``). Defaults to None.
            memory_key_padding_mask: ``(N, S)`` (unbatched ``(S,)``). Defaults to None.
            src_is_causal: Whether ``src_mask`` is the causal mask; None: detect it.
                Defaults to None.
            tgt_is_causal: Whether ``tgt_mask`` is the causal mask; None: detect it.
                Defaults to None.
            memory_is_causal: A hint that ``memory_mask`` is the causal mask. Defaults to
                False.

        >>> import symgrad
        >>> model = symgrad.nn.Transformer(4, 1, 1, 1, 8)
        >>> model(symgrad.ones(5, 4), symgrad.ones(2, 4)).shape
        symgrad.Size([2, 4])
        """
        is_batched = src.ndim == 3
        if not self.batch_first and src.size(1) != tgt.size(1) and is_batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if self.batch_first and src.size(0) != tgt.size(0) and is_batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None,
                                        dtype: Any = None) -> Tensor:
        """The ``(sz, sz)`` causal mask: ``-inf`` above the diagonal, 0 elsewhere.

        Args:
            sz: The sequence length.
            device: Only the CPU (``"cpu"``, a device, or None).
            dtype: The mask's dtype. Defaults to None: the default dtype.

        >>> import symgrad
        >>> symgrad.nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
        """
        return _causal_mask(sz, dtype, device)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)

