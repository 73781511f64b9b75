"""Forward + backward of an elementwise chain on 1e5 values: symgrad vs torch vs NumPy by hand.

The chain is ``loss = sum(tanh(x * w + b) * x)`` with ``x``, ``w``, ``b`` all of 1e5 elements
and all requiring grad; NumPy by hand computes the same three gradients. Here the per-op
overhead is small beside the arithmetic, so this shows what the engine adds on large arrays:
the arrays it allocates and the passes over them. Timed in float64 (the target: at most 1.3 x
NumPy by hand) and in float32, where symgrad computes ``tanh`` and its derivative in float64
and rounds once (for accuracy: NumPy's and PyTorch's float32 kernels are a few ULP off).

    python benchmarks/elementwise_chain.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, looped_medians, print_table, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import symgrad  # noqa: E402

N = 100_000
REPEAT = 30  # five rounds through the 6 orders of the three (``interleaved_medians``)
BLOCKS, BLOCK_STEPS, SETTLE = 12, 10, 2  # ``looped_medians``: each run after one of its kind
RNG = np.random.default_rng(0)
VALUES = [RNG.uniform(-1, 1, N) for _ in range(3)]


def step(lib: object, arrays: list[np.ndarray]) -> None:
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
    (((x * w + b).tanh()) * x).sum().backward()


def step_numpy(arrays: list[np.ndarray]) -> None:
    x, w, b = (a.copy() for a in arrays)
    t = np.tanh(x * w + b)
    _ = np.sum(t * x)
    d = x * (1 - t * t)  # d loss / d (x * w + b)
    _gx, _gw, _gb = t + d * w, d * x, d


def main() -> None:
    torch = torch_or_none()
    for dtype in (np.float64, np.float32):
        arrays = [a.astype(dtype) for a in VALUES]
        steps = {"symgrad": lambda a=arrays: step(symgrad, a),
                 "torch": (lambda a=arrays: step(torch, a)) if torch is not None else None,
                 "numpy": lambda a=arrays: step_numpy(a)}
        reference, also = ("torch", "numpy") if torch is not None else ("numpy", None)
        for how, figures in (
                (f"median of {REPEAT}, in turn run by run", interleaved_medians(steps, REPEAT)),
                (f"in a loop: {BLOCKS} blocks of {BLOCK_STEPS} runs of one library, in turn",
                 looped_medians(steps, BLOCKS, BLOCK_STEPS, SETTLE))):
            rows = [(name, None if f is None else f * 1e3) for name, f in figures.items()]
            print_table(f"elementwise chain, {N} {np.dtype(dtype).name}, fwd + bwd, {how}:",
                        "ms", rows, reference, also=also)


if __name__ == "__main__":
    main()
