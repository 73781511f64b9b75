"""The recurrent layers' fused recurrence (``symgrad/nn/_recurrent_fused.py``): one node per layer
and direction, whatever the sequence's length, computing what the composed cells compute bit
for bit (outputs and the gradients of the input projection, the initial states and the hidden
weights and bias), forwards and backwards in time, float32 and float64. Parity with torch is in
tests/test_recurrent.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.nn import _recurrent_fused

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _run(fused: bool, mode: str, arrays: dict[str, np.ndarray | None], reverse: bool,
         dtype: Any) -> list[np.ndarray]:
    tensors = {k: None if a is None else symgrad.tensor(a, dtype=dtype, requires_grad=True)
               for k, a in arrays.items()}
    args = (mode, *(tensors[k] for k in ("proj", "h0", "c0", "w_hh", "b_hh")), reverse)
    out = (_recurrent_fused._Layer.apply(*args[1:6], mode, reverse) if fused
           else _recurrent_fused._composed(*args))
    upstream = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    (out * symgrad.tensor(upstream, dtype=dtype)).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in tensors.values() if t is not None]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("scale", [1.0, 6.0])
@pytest.mark.parametrize("mode", list(GATES))
def test_fused_layer_is_the_composed_cells_bit_for_bit(mode: str, scale: float, bias: bool,
                                                       reverse: bool, dtype: str,
                                                       rng: np.random.Generator) -> None:
    steps, batch, hidden = 7, 3, 4
    rows = GATES[mode] * hidden
    arrays = {"proj": rng.standard_normal((steps, batch, rows)) * scale,
              "h0": rng.standard_normal((batch, hidden)),
              "c0": rng.standard_normal((batch, hidden)) if mode == "LSTM" else None,
              "w_hh": rng.standard_normal((rows, hidden)) * scale / 2,
              "b_hh": rng.standard_normal(rows) if bias else None}
    fused = _run(True, mode, arrays, reverse, getattr(symgrad, dtype))
    composed = _run(False, mode, arrays, reverse, getattr(symgrad, dtype))
    assert len(fused) == len(composed)
    for f, c in zip(fused, composed, strict=True):
        assert f.shape == c.shape
        assert np.array_equal(f, c), np.abs(f - c).max()


def _nodes(t: symgrad.Tensor) -> int:
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(n for n, _ in node.next_functions)
    return len(seen)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_a_layer_records_the_same_nodes_for_any_sequence_length(cls: str) -> None:
    # Composed step by step, a layer recorded some fifteen nodes per step (an LSTM step took
    # 11 x torch's time): one node per layer and direction now.
    layer = getattr(symgrad.nn, cls)(3, 4, num_layers=2, bidirectional=True)
    counts = [_nodes(layer(symgrad.randn(steps, 2, 3, requires_grad=True))[0])
              for steps in (2, 40)]
    assert counts[0] == counts[1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["RNN", "GRU", "LSTM"])
def test_the_output_node_is_named_as_torch_names_it(mode: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    names = []
    for lib in (symgrad, torch):
        layer = getattr(lib.nn, mode)(3, 4).to(getattr(lib, dtype))
        out, _ = layer(lib.zeros(5, 2, 3, dtype=getattr(lib, dtype)))
        names.append(type(out.grad_fn).__name__)
    # PyTorch's float32 LSTM runs its oneDNN kernel, a node of its own.
    expected = "MkldnnRnnLayerBackward0" if (mode, dtype) == ("LSTM", "float32") else names[0]
    assert names == [names[0], expected] and names[0] == "StackBackward0"
