"""What the caches do to an engine in Python: the elementwise chain's step on 4 elements, where
the arithmetic is nothing and the step is all bookkeeping, timed warm (step after step) and cold
(each step after writing 8 MB, about what a step on 1e5 float64 elements writes), symgrad
beside NumPy by hand.

Inside a step on large arrays every op's Python runs cold: the NumPy calls between the ops
evict the engine's code and data (its bytecode, its objects, the interpreter's own machine
code) from the caches. The cold figure, not the warm one, is nearer what symgrad's ops and
nodes cost in ``elementwise_chain.py`` and ``mlp_step.py``. (Reading 2 MB between steps moved
the figures by 1.2x only; writing 8 MB, by 2-2.5x; a whole 1e5-element step by 4-6x.)

    python benchmarks/cold_steps.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import elementwise_chain  # noqa: E402
import symgrad  # noqa: E402

REPEAT = 600
SMALL = [a[:4].copy() for a in elementwise_chain.VALUES]  # float64
SOURCE = np.ones(1 << 20)  # 8 MB
WRITTEN = np.empty_like(SOURCE)


def _evict() -> None:
    np.multiply(SOURCE, 1.0, out=WRITTEN)


def _cold(step: object) -> object:
    def run() -> None:
        _evict()
        step()
    return run


def main() -> None:
    steps = {"symgrad": lambda: elementwise_chain.step(symgrad, SMALL),
             "numpy": lambda: elementwise_chain.step_numpy(SMALL)}
    # The writing alone, timed as the cold steps are, is taken off them.
    warm = interleaved_medians(steps, REPEAT)
    cold = interleaved_medians({**{name: _cold(s) for name, s in steps.items()},
                                "writing": _evict}, REPEAT)
    print(f"elementwise chain on 4 float64 values, medians of {REPEAT}, us:")
    print(f"  {'':10} {'warm':>8} {'cold':>8} {'cold / warm':>12}")
    for name in steps:
        c = cold[name] - cold["writing"]
        print(f"  {name:10} {warm[name] * 1e6:8.1f} {c * 1e6:8.1f} {c / warm[name]:12.1f}")


if __name__ == "__main__":
    main()
