"""A loop over a tensor's rows, forward and backward: symgrad vs torch, as the rows grow.

Each step reads the T rows of a (T, 32, 64) float32 input that requires grad, one at a time, in
a recurrence ``h = tanh(h + row)``, and backpropagates ``h.sum()``: once with ``x.unbind(0)``
and once with ``x[t]``. Each row's gradient is the input's size with one row filled in; summed
as whole arrays, T rows cost T times the input (symgrad before ``SliceGradient``: 539 ms at
T = 800, where PyTorch took 15; PyTorch's own ``x[t]`` loop is quadratic, 294 ms). Time per
step; symgrad's should grow with T, not T^2.

    python benchmarks/slice_loop.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, print_table, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import symgrad  # noqa: E402

ROWS = (50, 200, 800)
REPEAT = 6
RNG = np.random.default_rng(0)


def unbind_loop(lib: object, values: np.ndarray) -> None:
    """The recurrence over ``x.unbind(0)``, backpropagated."""
    x = lib.tensor(values, requires_grad=True)
    h = lib.zeros(values.shape[1:])
    for row in x.unbind(0):
        h = (h + row).tanh()
    h.sum().backward()


def index_loop(lib: object, values: np.ndarray) -> None:
    """The recurrence over ``x[t]``, backpropagated."""
    x = lib.tensor(values, requires_grad=True)
    h = lib.zeros(values.shape[1:])
    for t in range(values.shape[0]):
        h = (h + x[t]).tanh()
    h.sum().backward()


def main() -> None:
    torch = torch_or_none()
    for loop in (unbind_loop, index_loop):
        for rows in ROWS:
            values = RNG.standard_normal((rows, 32, 64)).astype(np.float32)
            steps = {"symgrad": lambda v=values, f=loop: f(symgrad, v),
                     "torch": (lambda v=values, f=loop: f(torch, v)) if torch else None}
            figures = interleaved_medians(steps, REPEAT, warmup=1)
            print_table(f"{loop.__name__}, T = {rows} rows of 32 x 64 float32, fwd + bwd:", "ms",
                        [(name, None if f is None else f * 1e3) for name, f in figures.items()],
                        "torch" if torch else "symgrad")


if __name__ == "__main__":
    main()
