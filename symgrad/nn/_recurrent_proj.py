"""One direction of one layer of an LSTM with projections (``nn.LSTM(proj_size=)``), composed
of symgrad's ops: each step is the LSTM cell's (``recurrent._lstm_step``) with its new hidden
state projected, ``h_t = weight_hr @ (o_t * tanh(c_t))`` (no bias), as PyTorch's
``lstm_cell`` with ``w_hr``. The cell state keeps ``hidden_size`` elements, ``h`` has
``proj_size``.

The fused per-layer node (``_recurrent_fused``) is not used here: its NumPy steps know no
projection, and a composition's gradients are autograd's own.
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.nn import functional as F
from symgrad.nn._recurrent_fused import _finals, _offsets, _order, _regroup
from symgrad.tensor import Tensor


def _step(x_proj: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
          w_hr: Tensor) -> tuple[Tensor, Tensor]:
    from symgrad.nn.recurrent import _lstm_step

    h, c = _lstm_step(x_proj, (h, c), w_hh, b_hh)
    return F.linear(h, w_hr), c


def layer(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None,
          w_hr: Tensor, state: tuple[Tensor, Tensor], reverse: bool
          ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """The layer over the time-major ``x``: the outputs ``(T, N, P)`` (stacked, as
    PyTorch's) and the final ``(h, c)``.

    >>> import symgrad
    >>> out, (h, c) = layer(symgrad.ones(3, 1, 2), symgrad.ones(8, 2), symgrad.ones(8, 1),
    ...                     None, None, symgrad.ones(1, 2), (symgrad.zeros(1, 1),
    ...                     symgrad.zeros(1, 2)), False)
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((3, 1, 1), (1, 1), (1, 2))
    """
    # Every step's input projection at once, as PyTorch's CPU layers do.
    projected = F.linear(x, w_ih, b_ih).unbind(0)
    h, c = state
    outputs = []
    for t in _order(len(projected), reverse):
        h, c = _step(projected[t], h, c, w_hh, b_hh, w_hr)
        outputs.append(h)
    if reverse:
        outputs = outputs[::-1]
    return symgrad.stack(outputs, 0), (h, c)


def packed_layer(data: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                 b_hh: Tensor | None, w_hr: Tensor, state: tuple[Tensor, Tensor],
                 batch_sizes: tuple[int, ...], reverse: bool
                 ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """The layer over packed ``data`` (``(sum(batch_sizes), features)``): the packed outputs
    (a cat of the steps', as PyTorch's) and each sequence's final ``(h, c)``, taken at its
    last step (forward) or its first (reverse).

    >>> import symgrad
    >>> out, (h, c) = packed_layer(symgrad.ones(3, 2), symgrad.ones(8, 2), symgrad.ones(8, 1),
    ...                            None, None, symgrad.ones(1, 2), (symgrad.zeros(2, 1),
    ...                            symgrad.zeros(2, 2)), (2, 1), False)
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((3, 1), (2, 1), (2, 2))
    """
    proj = F.linear(data, w_ih, b_ih)
    init = list(state)
    offsets = _offsets(batch_sizes)
    current: list[Any] = [s[:0] for s in init]
    ended: list[tuple[int, list[Any]]] = []
    outputs = {}
    for t in _order(len(batch_sizes), reverse):
        current = _regroup(current, batch_sizes[t], init, ended, symgrad.cat)
        current = list(_step(proj[offsets[t]:offsets[t + 1]], *current, w_hh, b_hh, w_hr))
        outputs[t] = current[0]
    _regroup(current, 0, init, ended, symgrad.cat)
    h, c = _finals(ended, symgrad.cat)
    return symgrad.cat([outputs[t] for t in range(len(batch_sizes))]), (h, c)
