"""One direction of one recurrent layer over a whole sequence as one graph node, for ``RNN``,
``LSTM`` and ``GRU`` (``symgrad/nn/recurrent.py``).

Composed of symgrad's ops, a layer records about fifteen nodes per time step (the hidden
projection, the gates' slices, the nonlinearities, the products), and the slices of the
precomputed input projection send back gradients of the whole sequence's size, one per step:
a float32 LSTM's training step (2 layers, 50 steps, batch 16, hidden 32) took 44 ms, 12 x
torch's time, and takes 12-14 ms here (GRU 42 -> 9 ms, RNN 9 -> 3 ms, both now below torch's;
``benchmarks/recurrent_step.py``). Here the
recurrence runs on NumPy arrays, forward and backward (through time), with the same NumPy
expressions in the same order as the composed ops' forwards and their VJPs (sigmoid' as
``g * out * sigmoid(-x)``, tanh' as ``g / cosh(x)^2`` by ``_tanh_backward``, the products by
``@`` as ``addmm``'s VJP forms them, the weight's gradient summed over the steps in the order
the engine accumulated it), so the values are the composition's.

A ``backward`` that records (``create_graph=True``) recomposes the steps from symgrad's ops on
the saved inputs and differentiates them, so gradients of any order still come from autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import symgrad
from symgrad.autograd import grad_mode
from symgrad.autograd.function import Function
from symgrad.nn import functional as F
from symgrad.ops.activations import _relu_array_vjp
from symgrad.ops.elementwise import _tanh_backward
from symgrad.ops.registry import REGISTRY, renamed_node_class
from symgrad.tensor import Tensor

_F64 = np.dtype(np.float64)
_TANH = REGISTRY["tanh"].forward
_RELU = REGISTRY["relu"].forward
_SUM = REGISTRY["sum"].forward
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
# The dtypes whose backward the engine runs on arrays (graph._ARRAY_DTYPES): half types keep
# the composition, whose ops form their products in float32.
FUSED_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def _sigmoid_pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sigmoid(x)`` and ``sigmoid(-x)`` as the sigmoid op computes each (``_sigmoid`` in
    float64, rounded once), sharing ``exp(-|x|)`` and ``1 + exp(-|x|)``: the second is what
    SigmoidBackward0's formula needs. (Two calls of the op were a third of an LSTM step.)"""
    x64 = x if x.dtype is _F64 else x.astype(_F64)
    e = np.exp(-np.abs(x64))
    d = 1 + e
    above, below = 1 / d, e / d
    s, s_neg = np.where(x64 >= 0, above, below), np.where(-x64 >= 0, above, below)
    return (s, s_neg) if x.dtype is _F64 else (s.astype(x.dtype), s_neg.astype(x.dtype))


def _hidden(h: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    # F.linear(h, w, b): addmm(b, h, w.t()) (``np.matmul(h, w.T) + b``), matmul without b.
    product = np.matmul(h, w.T)
    return product if b is None else np.asarray(product + b)


# -- forward: one step per mode, keeping what backward reads ---------------------------------------
# NOTE: each nonlinearity runs once on the gates it shares (the sigmoid of all four LSTM gates,
# the g gate's discarded): elementwise, each value is the one the gate's own call gives, and
# the sigmoid is eight NumPy passes, 26 us a call on 16 x 32 float32 (three calls a step were
# half the LSTM's time).
def _lstm_forward(xp: np.ndarray, state: tuple[np.ndarray, np.ndarray], w: np.ndarray,
                  b: np.ndarray | None) -> tuple[np.ndarray, tuple, tuple]:
    h, c = state
    gates = _hidden(h, w, b) + xp
    n = gates.shape[1] // 4
    s, s_neg = _sigmoid_pair(gates)
    tg = _TANH(gates[:, 2 * n:3 * n])
    c_new = s[:, n:2 * n] * c + s[:, :n] * tg
    tc = _TANH(c_new)
    h_new = s[:, 3 * n:] * tc
    return h_new, (h_new, c_new), (h, c, gates, s, s_neg, tg, c_new, tc)


def _gru_forward(xp: np.ndarray, h: np.ndarray, w: np.ndarray, b: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray, tuple]:
    lin = _hidden(h, w, b)
    n = lin.shape[1] // 3
    # The reset and update gates' pre-activations side by side (h_r + x_r, h_z + x_z).
    prz = lin[:, :2 * n] + xp[:, :2 * n]
    rz, rz_neg = _sigmoid_pair(prz)
    h_n = lin[:, 2 * n:]
    pn = xp[:, 2 * n:] + h_n * rz[:, :n]
    new = _TANH(pn)
    s = h - new
    h_new = s * rz[:, n:] + new
    return h_new, h_new, (h, rz, rz_neg, h_n, pn, s)


def _rnn_forward(relu: bool) -> Any:
    def step(xp: np.ndarray, h: np.ndarray, w: np.ndarray, b: np.ndarray | None
             ) -> tuple[np.ndarray, np.ndarray, tuple]:
        pre = _hidden(h, w, b) + xp
        h_new = _RELU(pre) if relu else _TANH(pre)
        return h_new, h_new, (h, pre, h_new)

    return step


_FORWARD = {"LSTM": _lstm_forward, "GRU": _gru_forward, "RNN_TANH": _rnn_forward(False),
            "RNN_RELU": _rnn_forward(True)}


# -- backward: one step per mode -------------------------------------------------------------------
# Each takes the gradient of the step's new state (dh, and dc for an LSTM) and gives the
# gradient of the gates' pre-activations from the hidden projection (``lin``), from the input
# projection (``xp``), and the parts of the previous state's gradient in the order the engine
# summed them. Sigmoids' gradients by SigmoidBackward0's formula, g * out * sigmoid(-x), on all
# their gates at once.
def _lstm_backward(dh: np.ndarray, dc_in: np.ndarray, saved: tuple
                   ) -> tuple[np.ndarray, np.ndarray, tuple, np.ndarray]:
    h, c, gates, s, s_neg, tg, c_new, tc = saved
    n = c.shape[1]
    g_c = _tanh_backward(dh * s[:, 3 * n:], c_new) + dc_in
    g_s = np.concatenate([g_c * tg, g_c * c, dh, dh * tc], axis=1)
    d = g_s * s * s_neg
    d[:, 2 * n:3 * n] = _tanh_backward(g_c * s[:, :n], gates[:, 2 * n:3 * n])
    return d, d, (), g_c * s[:, n:2 * n]


def _gru_backward(dh: np.ndarray, _: Any, saved: tuple
                  ) -> tuple[np.ndarray, np.ndarray, tuple, None]:
    h, rz, rz_neg, h_n, pn, s = saved
    n = h.shape[1]
    update = rz[:, n:]
    g_s = dh * update
    g_pn = _tanh_backward(dh + -g_s, pn)
    g_prz = np.concatenate([g_pn * h_n, dh * s], axis=1) * rz * rz_neg
    lin = np.concatenate([g_prz, g_pn * rz[:, :n]], axis=1)
    xp = np.concatenate([g_prz, g_pn], axis=1)
    # h - new gave h its gradient before the hidden projection did.
    return lin, xp, (g_s,), None


def _rnn_backward(relu: bool) -> Any:
    def step(dh: np.ndarray, _: Any, saved: tuple) -> tuple[np.ndarray, np.ndarray, tuple, None]:
        h, pre, h_new = saved
        d = _relu_array_vjp(dh, h_new) if relu else _tanh_backward(dh, pre)
        return d, d, (), None

    return step


_BACKWARD = {"LSTM": _lstm_backward, "GRU": _gru_backward, "RNN_TANH": _rnn_backward(False),
             "RNN_RELU": _rnn_backward(True)}


def _composed(mode: str, proj: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
              b_hh: Tensor | None, reverse: bool) -> Tensor:
    """The layer from symgrad's ops, step by step (what ``_Layer`` computes): the outputs
    stacked, then an LSTM's last cell state."""
    from symgrad.nn.recurrent import _STEPS

    step = _STEPS[mode]
    projected = proj.unbind(0)
    if reverse:
        projected = projected[::-1]
    state: Any = (h0, c0) if mode == "LSTM" else h0
    outputs = []
    for xp in projected:
        state = step(xp, state, w_hh, b_hh)
        outputs.append(state[0] if mode == "LSTM" else state)
    if reverse:
        outputs = outputs[::-1]
    if mode == "LSTM":
        outputs.append(state[1])
    return symgrad.stack(outputs, 0)


class _Layer(Function):
    """The layer over ``proj`` (every step's input projection, ``(T, N, gates * H)``) from
    ``h0`` (and ``c0``): the outputs ``(T, N, H)``, an LSTM's last cell state appended as
    step ``T``."""

    @staticmethod
    def forward(ctx: Any, proj: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
                b_hh: Tensor | None, mode: str, reverse: bool) -> Tensor:
        ctx.present = tuple(t is not None for t in (proj, h0, c0, w_hh, b_hh))
        ctx.save_for_backward(*(t for t in (proj, h0, c0, w_hh, b_hh) if t is not None))
        step = _FORWARD[mode]
        w = w_hh._data
        b = None if b_hh is None else b_hh._data
        p = proj._data
        steps = p.shape[0]
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        state: Any = (h0._data, c0._data) if mode == "LSTM" else h0._data
        out = np.empty((steps + (mode == "LSTM"),) + h0._data.shape, h0._data.dtype)
        saved = []
        for t in order:
            out[t], state, keep = step(p[t], state, w, b)
            saved.append(keep)
        if mode == "LSTM":
            out[steps] = state[1]
        ctx.mode, ctx.reverse, ctx.steps = mode, reverse, saved
        return Tensor._make(out, False, None)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Any, ...]:
        saved_tensors = iter(ctx.saved_tensors)
        proj, h0, c0, w_hh, b_hh = (next(saved_tensors) if present else None
                                    for present in ctx.present)
        mode, reverse = ctx.mode, ctx.reverse
        if grad_mode.is_grad_enabled():
            # Recorded (create_graph): differentiate the composition, so that the gradient
            # has a graph of its own.
            args = (proj, h0, c0, w_hh, b_hh)
            inputs = [t for t in args if t is not None and t.requires_grad]
            out = _composed(mode, proj, h0, c0, w_hh, b_hh, reverse)
            grads = iter(symgrad.autograd.grad(out, inputs, grad_outputs=grad,
                                               create_graph=True, allow_unused=True))
            return (*(next(grads) if t is not None and t.requires_grad else None
                      for t in args), None, None)
        g = grad._data
        steps = len(ctx.steps)
        backward = _BACKWARD[mode]
        w = w_hh._data
        d_proj = np.empty_like(proj._data)
        order = range(steps) if reverse else range(steps - 1, -1, -1)
        lstm = mode == "LSTM"
        dh = dc = dw = db = None
        for k, t in zip(range(steps - 1, -1, -1), order, strict=True):
            saved = ctx.steps[k]
            # The step's output: its gradient from the sequence's, then the next step's parts.
            total = g[t]
            if dh is not None:
                for part in dh:
                    total = total + part
            d_lin, d_xp, early, dc = backward(total, g[steps] if lstm and dc is None else dc,
                                              saved)
            d_proj[t] = d_xp
            # addmm's VJP: g @ w for h, h.T @ g for w.t() (summed over the steps as they come,
            # the last step's first), g summed over the batch for the bias.
            dh = (*early, d_lin @ w)
            contribution = saved[0].T @ d_lin
            dw = contribution if dw is None else dw + contribution
            if b_hh is not None:
                bias = _SUM(d_lin, dim=(0,), keepdim=False)
                db = bias if db is None else db + bias
        d_h0 = dh[0]
        for part in dh[1:]:
            d_h0 = d_h0 + part
        needs = ctx.needs_input_grad

        def give(i: int, array: np.ndarray | None) -> Tensor | None:
            return Tensor._make(array, False, None) if needs[i] and array is not None else None

        return (give(0, d_proj), give(1, d_h0), give(2, dc), give(3, dw.T), give(4, db),
                None, None)


# PyTorch's GRU and RNN (and its float64 LSTM) end in a stack of the steps' outputs: the fused
# layer's node is named as that node.
_Layer._backward_cls.__name__ = _Layer._backward_cls.__qualname__ = "StackBackward0"


def layer(mode: str, x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
          b_hh: Tensor | None, state: Any, reverse: bool) -> tuple[Tensor, Any]:
    """One direction of one layer over the time-major ``x``: the outputs ``(T, N, H)`` and
    the final state (``(h, c)`` for an LSTM).

    >>> import symgrad
    >>> w_ih, w_hh = symgrad.ones(4, 2), symgrad.ones(4, 4)
    >>> out, h = layer("RNN_TANH", symgrad.zeros(3, 1, 2), w_ih, w_hh, None, None,
    ...                symgrad.zeros(1, 4), False)
    >>> tuple(out.shape), h.tolist()
    ((3, 1, 4), [[0.0, 0.0, 0.0, 0.0]])
    """
    # Every step's input projection at once, as PyTorch's CPU layers do.
    proj = F.linear(x, w_ih, b_ih)
    lstm = mode == "LSTM"
    h0, c0 = state if lstm else (state, None)
    steps = x.shape[0]
    dtype = proj._data.dtype
    if (dtype not in FUSED_DTYPES or steps == 0
            or any(t._data.dtype is not dtype for t in (h0, c0, w_hh, b_hh) if t is not None)):
        out = _composed(mode, proj, h0, c0, w_hh, b_hh, reverse)
    else:
        out = _Layer.apply(proj, h0, c0, w_hh, b_hh, mode, reverse)
    outputs = out[:steps] if lstm else out
    if lstm and outputs.grad_fn is not None:
        # The last row holds the cell state: the hidden states are a slice, named as the
        # stack PyTorch's (float64) LSTM ends in.
        outputs.grad_fn.__class__ = renamed_node_class(type(outputs.grad_fn), "StackBackward0")
    last = outputs[0] if reverse else outputs[steps - 1]
    return outputs, ((last, out[steps]) if lstm else last)


# -- packed sequences ------------------------------------------------------------------------------
# A packed batch (``symgrad.nn.utils.rnn.PackedSequence``) holds at step t the first
# batch_sizes[t] sequences, so every step's batch is a prefix of the previous step's. The forward
# direction runs t = 0 .. T-1, its batch shrinking: the rows of sequences that end leave the
# state as their final states. The reverse direction runs t = T-1 .. 0, its batch growing: new
# sequences start from their initial states.
def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _regroup(state: list[Any], rows: int, init: list[Any], ended: list[tuple[int, list[Any]]],
             cat: Any) -> list[Any]:
    """The state (``[h]``, or ``[h, c]``) for a step of ``rows`` sequences: rows beyond leave,
    kept in ``ended`` with their first row's index; missing rows join from ``init``. The same
    for arrays and for tensors (``cat`` joins either)."""
    have = state[0].shape[0]
    if rows < have:
        ended.append((rows, [s[rows:have] for s in state]))
        return [s[:rows] for s in state]
    if rows > have:
        return [cat([s, i[have:rows]]) if have else i[:rows] for s, i in zip(state, init,
                                                                               strict=True)]
    return state


def _finals(ended: list[tuple[int, list[Any]]], cat: Any) -> list[Any]:
    """Every sequence's final state, in batch order, from the pieces ``_regroup`` kept."""
    pieces = [piece for _, piece in sorted(ended, key=lambda kept: kept[0])]
    return [cat([piece[k] for piece in pieces]) for k in range(len(pieces[0]))]


def _regroup_backward(d: list[np.ndarray], have: int, rows: int, g_finals: list[np.ndarray],
                      d_init: list[np.ndarray]) -> list[np.ndarray]:
    """From the gradient ``d`` of ``_regroup``'s result (``rows`` rows), the gradient of the
    state it was given (``have`` rows): rows that left take the final states' gradients, rows
    that joined give theirs to the initial states."""
    if rows < have:
        return [np.concatenate([x, g[rows:have]]) for x, g in zip(d, g_finals, strict=True)]
    if rows > have:
        for di, x in zip(d_init, d, strict=True):
            di[have:rows] = x[have:rows]
        return [x[:have] for x in d]
    return d


def _offsets(batch_sizes: tuple[int, ...]) -> list[int]:
    return np.concatenate([[0], np.cumsum(batch_sizes)]).tolist()


def _composed_packed(mode: str, proj: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
                     b_hh: Tensor | None, batch_sizes: tuple[int, ...], reverse: bool) -> Tensor:
    """The packed layer from symgrad's ops, step by step (what ``_PackedLayer`` computes): the
    outputs, then the final hidden states, then an LSTM's final cell states, as rows."""
    from symgrad.nn.recurrent import _STEPS

    step, lstm = _STEPS[mode], mode == "LSTM"
    init = [h0, c0] if lstm else [h0]
    offsets = _offsets(batch_sizes)
    state, ended, outputs = [h[:0] for h in init], [], {}
    for t in _order(len(batch_sizes), reverse):
        state = _regroup(state, batch_sizes[t], init, ended, symgrad.cat)
        new = step(proj[offsets[t]:offsets[t + 1]], tuple(state) if lstm else state[0], w_hh,
                   b_hh)
        state = list(new) if lstm else [new]
        outputs[t] = state[0]
    _regroup(state, 0, init, ended, symgrad.cat)
    return symgrad.cat([outputs[t] for t in range(len(batch_sizes))]
                       + _finals(ended, symgrad.cat))


class _PackedLayer(Function):
    """The layer over a packed ``proj`` (every step's input projection, ``(sum(batch_sizes),
    gates * H)``) from ``h0`` (and ``c0``), by the steps ``_Layer`` runs: the outputs
    ``(sum(batch_sizes), H)``, then each sequence's final hidden state ``(N, H)``, then an
    LSTM's final cell state, as rows of one tensor."""

    @staticmethod
    def forward(ctx: Any, proj: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
                b_hh: Tensor | None, batch_sizes: tuple[int, ...], mode: str, reverse: bool
                ) -> Tensor:
        ctx.present = tuple(t is not None for t in (proj, h0, c0, w_hh, b_hh))
        ctx.save_for_backward(*(t for t in (proj, h0, c0, w_hh, b_hh) if t is not None))
        step, lstm = _FORWARD[mode], mode == "LSTM"
        w = w_hh._data
        b = None if b_hh is None else b_hh._data
        p = proj._data
        init = [h0._data, c0._data] if lstm else [h0._data]
        offsets = _offsets(batch_sizes)
        out = np.empty((offsets[-1] + len(init) * h0.shape[0], h0.shape[1]), h0._data.dtype)
        state, ended, saved = [h[:0] for h in init], [], []
        for t in _order(len(batch_sizes), reverse):
            state = _regroup(state, batch_sizes[t], init, ended, np.concatenate)
            out[offsets[t]:offsets[t + 1]], new, keep = step(
                p[offsets[t]:offsets[t + 1]], tuple(state) if lstm else state[0], w, b)
            state = list(new) if lstm else [new]
            saved.append(keep)
        _regroup(state, 0, init, ended, np.concatenate)
        out[offsets[-1]:] = np.concatenate(_finals(ended, np.concatenate))
        ctx.mode, ctx.reverse, ctx.batch_sizes, ctx.steps = mode, reverse, batch_sizes, saved
        return Tensor._make(out, False, None)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Any, ...]:
        saved_tensors = iter(ctx.saved_tensors)
        proj, h0, c0, w_hh, b_hh = (next(saved_tensors) if present else None
                                    for present in ctx.present)
        mode, reverse, batch_sizes = ctx.mode, ctx.reverse, ctx.batch_sizes
        if grad_mode.is_grad_enabled():
            # Recorded (create_graph): differentiate the composition, as _Layer does.
            args = (proj, h0, c0, w_hh, b_hh)
            inputs = [t for t in args if t is not None and t.requires_grad]
            out = _composed_packed(mode, proj, h0, c0, w_hh, b_hh, batch_sizes, reverse)
            grads = iter(symgrad.autograd.grad(out, inputs, grad_outputs=grad,
                                               create_graph=True, allow_unused=True))
            return (*(next(grads) if t is not None and t.requires_grad else None
                      for t in args), None, None, None)
        d_proj, d_init, dw, db = _packed_backward(ctx, grad._data, proj, h0, w_hh, b_hh)
        needs = ctx.needs_input_grad

        def give(i: int, array: np.ndarray | None) -> Tensor | None:
            return Tensor._make(array, False, None) if needs[i] and array is not None else None

        d_c0 = d_init[1] if c0 is not None else None
        return (give(0, d_proj), give(1, d_init[0]), give(2, d_c0), give(3, dw.T), give(4, db),
                None, None, None)


def _packed_backward(ctx: Any, g: np.ndarray, proj: Tensor, h0: Tensor, w_hh: Tensor,
                     b_hh: Tensor | None) -> tuple[np.ndarray, list[np.ndarray], Any, Any]:
    """Backward through time over the packed steps, last step first: the gradients of the
    projection, of the initial states, of ``w_hh`` (transposed) and of ``b_hh``."""
    backward, lstm = _BACKWARD[ctx.mode], ctx.mode == "LSTM"
    batch_sizes, w = ctx.batch_sizes, w_hh._data
    offsets = _offsets(batch_sizes)
    batch, states = h0.shape[0], 2 if lstm else 1
    g_finals = [g[offsets[-1] + k * batch:offsets[-1] + (k + 1) * batch] for k in range(states)]
    d_init = [np.zeros_like(h0._data) for _ in range(states)]
    order = list(_order(len(batch_sizes), ctx.reverse))
    d = _regroup_backward([x[:0] for x in g_finals], batch_sizes[order[-1]], 0, g_finals,
                          d_init)
    d_proj = np.empty_like(proj._data)
    dw = db = None
    for k in range(len(order) - 1, -1, -1):
        t = order[k]
        rows = slice(offsets[t], offsets[t + 1])
        saved = ctx.steps[k]
        d_lin, d_xp, early, dc = backward(g[rows] + d[0], d[1] if lstm else None, saved)
        d_proj[rows] = d_xp
        dh = d_lin @ w
        for part in early:
            dh = part + dh
        # addmm's VJP, as _Layer: h.T @ g for w.t(), g summed over the batch for the bias.
        contribution = saved[0].T @ d_lin
        dw = contribution if dw is None else dw + contribution
        if b_hh is not None:
            bias = _SUM(d_lin, dim=(0,), keepdim=False)
            db = bias if db is None else db + bias
        previous = batch_sizes[order[k - 1]] if k else 0
        d = _regroup_backward([dh, dc] if lstm else [dh], previous, batch_sizes[t], g_finals,
                              d_init)
    return d_proj, d_init, dw, db


def packed_layer(mode: str, data: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                 b_hh: Tensor | None, state: Any, batch_sizes: tuple[int, ...], reverse: bool
                 ) -> tuple[Tensor, Any]:
    """One direction of one layer over packed ``data`` (``(sum(batch_sizes), features)``):
    the packed outputs and each sequence's final state (``(h, c)`` for an LSTM), taken at its
    last step (the forward direction's) or its first (the reverse's).

    >>> import symgrad
    >>> w_ih, w_hh = symgrad.ones(1, 1), symgrad.zeros(1, 1)
    >>> out, h = packed_layer("RNN_RELU", symgrad.tensor([[1.0], [2.0], [3.0]]), w_ih, w_hh,
    ...                       None, None, symgrad.zeros(2, 1), (2, 1), False)
    >>> out.tolist(), h.tolist()
    ([[1.0], [2.0], [3.0]], [[3.0], [2.0]])
    """
    # Every step's input projection at once, as PyTorch's CPU layers do.
    proj = F.linear(data, w_ih, b_ih)
    lstm = mode == "LSTM"
    h0, c0 = state if lstm else (state, None)
    dtype = proj._data.dtype
    if (dtype not in FUSED_DTYPES
            or any(t._data.dtype is not dtype for t in (h0, c0, w_hh, b_hh) if t is not None)):
        out = _composed_packed(mode, proj, h0, c0, w_hh, b_hh, batch_sizes, reverse)
    else:
        out = _PackedLayer.apply(proj, h0, c0, w_hh, b_hh, batch_sizes, mode, reverse)
    rows, batch = proj.shape[0], h0.shape[0]
    outputs = out[:rows]
    if outputs.grad_fn is not None:
        # PyTorch's packed layers end in a cat of the steps' outputs.
        outputs.grad_fn.__class__ = renamed_node_class(type(outputs.grad_fn), "CatBackward0")
    h = out[rows:rows + batch]
    return outputs, ((h, out[rows + batch:]) if lstm else h)
