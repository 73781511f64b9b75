"""Forward + backward of an elementwise chain on 1e5 values: symgrad vs torch vs NumPy by hand.

The chain is ``loss = sum(tanh(x * w + b) * x)`` with ``x``, ``w``, ``b`` all of 1e5 elements
and all requiring grad; NumPy by hand computes the same three gradients. Here the per-op
overhead is small beside the arithmetic, so this shows what the engine adds on large arrays:
the arrays it allocates and the passes over them. Timed in float64 (the target: at most 1.3 x
NumPy by hand) and in float32, where symgrad computes ``tanh`` and its derivative in float64
and rounds once (for accuracy: NumPy's and PyTorch's float32 kernels are a few ULP off).

A fourth row, ``numpy, exact``, is NumPy by hand with symgrad's formulas (tanh' as 1 / cosh^2,
not 1 - t^2, which cancels where |t| nears 1; float32's transcendentals in float64), the same
NumPy calls symgrad makes with no graph: it splits symgrad's ratio to NumPy by hand into what
the exact derivative costs and what the engine's bookkeeping costs.

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
REPEAT = 48  # two rounds through the 24 orders of the four (``interleaved_medians``)
BLOCKS, BLOCK_STEPS, SETTLE = 24, 10, 2  # ``looped_medians``: each run after one of its kind
RNG = np.random.default_rng(0)
VALUES = [RNG.uniform(-1, 1, N) for _ in range(3)]


def step(lib: object, arrays: list[np.ndarray]) -> tuple[object, ...]:
    """The chain on ``lib`` (symgrad or torch); its leaves, holding their gradients."""
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
    (((x * w + b).tanh()) * x).sum().backward()
    return x, w, b


def step_numpy(arrays: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """The chain's three gradients by hand, as one writes them (tanh' = 1 - t^2)."""
    x, w, b = (a.copy() for a in arrays)
    t = np.tanh(x * w + b)
    _ = np.sum(t * x)
    d = x * (1 - t * t)  # d loss / d (x * w + b)
    return t + d * w, d * x, d


def step_numpy_exact(arrays: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """NumPy by hand with symgrad's formulas, the exactness's cost without the engine's: tanh'
    as 1 / cosh^2 (PyTorch's and ``step_numpy``'s 1 - t^2 cancels where |t| nears 1), and in
    float32, tanh and its derivative computed in float64 and rounded once."""
    x, w, b = (a.copy() for a in arrays)
    z = x * w + b
    narrow = z.dtype != np.float64
    t = np.tanh(z, dtype=np.float64).astype(z.dtype) if narrow else np.tanh(z)
    _ = np.sum(t * x)
    c = np.cosh(z, dtype=np.float64)
    c *= c
    d = np.divide(x, c, out=c)  # x: the gradient at t
    if narrow:
        d = d.astype(z.dtype)
    return t + d * w, d * x, d


def main() -> None:
    torch = torch_or_none()
    for dtype in (np.float64, np.float32):
        arrays = [a.astype(dtype) for a in VALUES]
        steps = {"symgrad": lambda a=arrays: step(symgrad, a),
                 "torch": (lambda a=arrays: step(torch, a)) if torch is not None else None,
                 "numpy": lambda a=arrays: step_numpy(a),
                 "numpy, exact": lambda a=arrays: step_numpy_exact(a)}
        reference, also = ("torch", "numpy") if torch is not None else ("numpy", None)
        for how, figures in (
                (f"median of {REPEAT}, in turn run by run", interleaved_medians(steps, REPEAT)),
                (f"in a loop: {BLOCKS} blocks of {BLOCK_STEPS} runs of one library, in turn",
                 looped_medians(steps, BLOCKS, BLOCK_STEPS, SETTLE))):
            rows = [(name, None if f is None else f * 1e3) for name, f in figures.items()]
            print_table(f"elementwise chain, {N} {np.dtype(dtype).name}, fwd + bwd, {how}:",
                        "ms", rows, reference, also=also)
            exact, by_hand = figures["numpy, exact"], figures["numpy"]
            print(f"  the exactness: numpy, exact = {exact / by_hand:.2f} x numpy; the engine: "
                  f"symgrad = {figures['symgrad'] / exact:.2f} x numpy, exact")


if __name__ == "__main__":
    main()
