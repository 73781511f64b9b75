"""``im2col`` (``unfold``) and ``col2im`` (``fold``), written from their definition: a column
per sliding block of an image, and the columns' elements added back at the places they came
from.

Block ``(i, j)`` (column ``i * ow + j``) reads, for channel ``c`` and kernel element ``(a, b)``
(row ``c * kh * kw + a * kw + b``), the image at ``(i * sh - ph + a * dh, j * sw - pw + b *
dw)``: a zero (``im2col``) or nothing (``col2im``) where that is outside the image. There are
``floor((n + 2p - d(k - 1) - 1) / s) + 1`` blocks along a dim of size ``n``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning

__all__ = ["im2col", "col2im"]


def _places(size: tuple[int, int], kernel_size: Any, dilation: Any, padding: Any,
            stride: Any) -> list[tuple[int, int, int, int, int, int]]:
    """Every (block row, block column, kernel row, kernel column, image row, image column)."""
    blocks = [(size[d] + 2 * padding[d] - dilation[d] * (kernel_size[d] - 1) - 1) // stride[d]
              + 1 for d in (0, 1)]
    return [(i, j, a, b, i * stride[0] - padding[0] + a * dilation[0],
             j * stride[1] - padding[1] + b * dilation[1])
            for i, j, a, b in itertools.product(range(blocks[0]), range(blocks[1]),
                                                range(kernel_size[0]), range(kernel_size[1]))]


def im2col(self: Any, *, kernel_size: Any, dilation: Any, padding: Any, stride: Any
           ) -> np.ndarray:
    """The blocks of ``self`` ``(..., C, H, W)`` as columns ``(..., C * kh * kw, L)``.

    >>> x = np.array([[[sympy.Symbol("a"), sympy.Symbol("b")]]], dtype=object)
    >>> im2col(x, kernel_size=(1, 1), dilation=(1, 1), padding=(0, 1), stride=(1, 1)).tolist()
    [[0, a, b, 0]]
    """
    x = np.asarray(self, dtype=object)
    lead, (channels, h, w) = x.shape[:-3], x.shape[-3:]
    places = _places((h, w), kernel_size, dilation, padding, stride)
    kh, kw = kernel_size
    width = places[-1][1] + 1 if places else 0
    length = (places[-1][0] + 1) * width if places else 0
    out = np.full(lead + (channels * kh * kw, length), sympy.Integer(0), dtype=object)
    for i, j, a, b, r, c in places:
        if 0 <= r < h and 0 <= c < w:
            for ch in range(channels):
                out[(..., ch * kh * kw + a * kw + b, i * width + j)] = x[(..., ch, r, c)]
    return out


def col2im(self: Any, *, output_size: Any, kernel_size: Any, dilation: Any, padding: Any,
           stride: Any) -> np.ndarray:
    """The columns ``(..., C * kh * kw, L)`` added into images ``(..., C, *output_size)``.

    >>> x = np.array([sympy.symbols("a b c")], dtype=object)
    >>> col2im(x, output_size=(1, 1), kernel_size=(1, 1), dilation=(1, 1), padding=(0, 1),
    ...        stride=(1, 1)).tolist()
    [[[b]]]
    """
    x = np.asarray(self, dtype=object)
    lead, rows = x.shape[:-2], x.shape[-2]
    kh, kw = kernel_size
    h, w = output_size
    channels = rows // (kh * kw)
    places = _places((h, w), kernel_size, dilation, padding, stride)
    width = places[-1][1] + 1 if places else 0
    terms: dict[tuple[int, ...], list[Any]] = {}
    for i, j, a, b, r, c in places:
        if 0 <= r < h and 0 <= c < w:
            for ch in range(channels):
                terms.setdefault((ch, r, c), []).append((ch * kh * kw + a * kw + b,
                                                         i * width + j))
    out = np.empty(lead + (channels, h, w), dtype=object)
    for ch, r, c in itertools.product(range(channels), range(h), range(w)):
        for idx in np.ndindex(*lead):
            out[(*idx, ch, r, c)] = sympy.Add(*(x[(*idx, row, col)]
                                                for row, col in terms.get((ch, r, c), [])))
    return out


defmeaning("im2col", "structural", im2col)
defmeaning("col2im", "structural", col2im)
