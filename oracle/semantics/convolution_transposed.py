"""Transposed convolution, written as each input element's products with the kernel scattered
into the output.

Along each spatial dim, input element ``i`` and kernel element ``k`` meet at output place
``o = i*stride + k*dilation - padding``; the output is ``(L - 1)*stride - 2*padding +
dilation*(K - 1) + output_padding + 1`` long, and a product whose place falls outside it is
dropped. ``weight`` is ``(C_in, C_out / groups, *kernel)``: input channel ``c`` of group ``g``
feeds output channels ``g * C_out/groups`` up to the next group's.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning

__all__ = ["conv_transpose"]


def conv_transpose(input: Any, weight: Any, bias: Any, *, stride: tuple[int, ...],
                   padding: tuple[int, ...], output_padding: tuple[int, ...],
                   dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """The transposed convolution of ``input`` ``(N, C_in, *size)`` with ``weight`` ``(C_in,
    C_out / groups, *kernel)``, plus ``bias`` ``(C_out,)`` (of no element: no bias).

    >>> x0, x1, w0, w1 = sympy.symbols("x0 x1 w0 w1", real=True)
    >>> out = conv_transpose(np.array([[[x0, x1]]], dtype=object),
    ...                      np.array([[[w0, w1]]], dtype=object), np.zeros(0, dtype=object),
    ...                      stride=(2,), padding=(0,), output_padding=(1,), dilation=(1,),
    ...                      groups=1)
    >>> out.tolist()
    [[[w0*x0, w1*x0, w0*x1, w1*x1, 0]]]
    """
    input = np.asarray(input, dtype=object)
    weight = np.asarray(weight, dtype=object)
    bias = np.asarray(bias, dtype=object)
    n = weight.ndim - 2
    size, kernel = input.shape[2:], weight.shape[2:]
    in_channels, per_group_out = weight.shape[:2]
    per_group_in = in_channels // groups
    out_size = tuple((size[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1)
                     + output_padding[i] + 1 for i in range(n))
    terms: dict[tuple[int, ...], list[Any]] = {}
    for b, c, *places in itertools.product(range(input.shape[0]), range(in_channels),
                                           *(range(s) for s in size)):
        first = (c // per_group_in) * per_group_out
        for ks in itertools.product(*(range(k) for k in kernel)):
            target = tuple(places[i] * stride[i] + ks[i] * dilation[i] - padding[i]
                           for i in range(n))
            if any(not 0 <= target[i] < out_size[i] for i in range(n)):
                continue
            for o in range(per_group_out):
                terms.setdefault((b, first + o, *target), []).append(
                    input[(b, c, *places)] * weight[(c, o, *ks)])
    out = np.empty((input.shape[0], per_group_out * groups, *out_size), dtype=object)
    for index in itertools.product(*(range(s) for s in out.shape)):
        parts = terms.get(index, [])
        if bias.size:
            parts = [*parts, bias[index[1]]]
        out[index] = sympy.Add(*parts)
    return out


defmeaning("conv_transpose", "structural", conv_transpose)
