"""Forward + backward of an elementwise chain on 1e5 float32 values: symgrad vs torch vs NumPy.

The chain is ``loss = sum(tanh(x * w + b) * x)`` with ``x``, ``w``, ``b`` all of 1e5 elements
and all requiring grad; NumPy by hand computes the same three gradients. Here the per-op
overhead is small beside the arithmetic, so this shows what the engine adds on large arrays.

    python benchmarks/elementwise_chain.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_seconds, print_table, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import symgrad  # noqa: E402

N = 100_000
REPEAT = 30
RNG = np.random.default_rng(0)
X, W, B = (RNG.uniform(-1, 1, N).astype(np.float32) for _ in range(3))


def step_symgrad() -> None:
    x, w, b = (symgrad.tensor(a, requires_grad=True) for a in (X, W, B))
    (((x * w + b).tanh()) * x).sum().backward()


def step_torch(torch: object) -> None:
    x, w, b = (torch.tensor(a, requires_grad=True) for a in (X, W, B))
    (((x * w + b).tanh()) * x).sum().backward()


def step_numpy() -> None:
    x, w, b = X.copy(), W.copy(), B.copy()
    t = np.tanh(x * w + b)
    _ = np.sum(t * x)
    d = x * (1 - t * t)  # d loss / d (x * w + b)
    _gx, _gw, _gb = t + d * w, d * x, d


def main() -> None:
    torch = torch_or_none()
    rows = [("symgrad", median_seconds(step_symgrad, REPEAT) * 1e3),
            ("torch", median_seconds(lambda: step_torch(torch), REPEAT) * 1e3
             if torch is not None else None),
            ("numpy", median_seconds(step_numpy, REPEAT) * 1e3)]
    print_table(f"elementwise chain, {N} float32, fwd + bwd, median of {REPEAT}:", "ms", rows,
                "torch" if torch is not None else "numpy")


if __name__ == "__main__":
    main()
