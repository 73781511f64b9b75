"""Convolution, written as the sum over each window of products of input and kernel elements.

Along each spatial dim, output element ``j`` reads the input at ``p = j*stride + k*dilation -
lo`` for kernel element ``k`` (``lo``: the padding before the input, which may be negative, a
crop). With an ``input_dilation`` of ``a`` the input's element ``i`` sits at ``p = i*a`` and
the places between hold zeros; a place outside the input holds a zero too. Output channel
``o`` of group ``o // (C_out / groups)`` sums over that group's input channels only.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning

__all__ = ["convolution"]


def _source(j: int, k: int, stride: int, dilation: int, lo: int, a: int, size: int
            ) -> int | None:
    """The input element output ``j`` and kernel element ``k`` meet along one dim, or None
    where they meet a zero (padding, or a gap of the input's dilation)."""
    p = j * stride + k * dilation - lo
    if p < 0 or p % a:
        return None
    i = p // a
    return i if i < size else None


def convolution(input: Any, weight: Any, bias: Any, *, stride: tuple[int, ...],
                padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int,
                input_dilation: tuple[int, ...] | None = None) -> np.ndarray:
    """The convolution of ``input`` ``(N, C_in, *size)`` with ``weight`` ``(C_out, C_in /
    groups, *kernel)``, plus ``bias`` ``(C_out,)`` (of no element: no bias).

    >>> import sympy
    >>> x0, x1, x2, w0, w1 = sympy.symbols("x0 x1 x2 w0 w1", real=True)
    >>> out = convolution(np.array([[[x0, x1, x2]]], dtype=object),
    ...                   np.array([[[w0, w1]]], dtype=object), np.zeros(0, dtype=object),
    ...                   stride=(1,), padding=((1, 0),), dilation=(1,), groups=1)
    >>> out.tolist()
    [[[w1*x0, w0*x0 + w1*x1, w0*x1 + w1*x2]]]
    """
    input = np.asarray(input, dtype=object)
    weight = np.asarray(weight, dtype=object)
    bias = np.asarray(bias, dtype=object)
    n = weight.ndim - 2
    a = tuple(input_dilation) if input_dilation is not None else (1,) * n
    size = input.shape[2:]
    kernel = weight.shape[2:]
    out_channels, per_group = weight.shape[:2]
    per_group_out = out_channels // groups
    out_size = []
    for i in range(n):
        spread = (size[i] - 1) * a[i] + 1 if size[i] else 0
        padded = spread + padding[i][0] + padding[i][1]
        out_size.append((padded - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1)
    out = np.empty((input.shape[0], out_channels, *out_size), dtype=object)
    for b, o, *js in itertools.product(range(input.shape[0]), range(out_channels),
                                       *(range(s) for s in out_size)):
        first = (o // per_group_out) * per_group
        terms = []
        for ks in itertools.product(*(range(k) for k in kernel)):
            place = [_source(js[i], ks[i], stride[i], dilation[i], padding[i][0], a[i], size[i])
                     for i in range(n)]
            if any(p is None for p in place):
                continue
            terms += [input[(b, first + c, *place)] * weight[(o, c, *ks)]
                      for c in range(per_group)]
        if bias.size:
            terms.append(bias[o])
        out[(b, o, *js)] = sympy.Add(*terms)
    return out


defmeaning("convolution", "structural", convolution)
