"""How long a chain of 100,000 views takes to build: alternating reshape, unsqueeze, squeeze.

Each view is made from the one before, so a cost that grows with the chain behind a view
shows up as quadratic time (issue 14: 47 s before views kept their history as a linked list).
CPU time of one build, with the garbage collector on (it walks the recorded graph) and off.

    python benchmarks/view_chain.py [length]
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import symgrad  # noqa: E402


def build(lib: Any, n: int, requires_grad: bool) -> float:
    """CPU seconds to make ``n`` views, each from the last."""
    x = lib.ones(2, 3, requires_grad=requires_grad)
    start = time.process_time()
    for i in range(n):
        k = i % 3
        x = x.reshape(3, 2) if k == 0 else x.unsqueeze(0) if k == 1 else x.squeeze(0)
    return time.process_time() - start


def main(n: int = 100_000) -> None:
    libs = [("symgrad", symgrad)]
    torch = torch_or_none()
    if torch is not None:
        libs.append(("torch", torch))
    print(f"{n:,} views, CPU seconds")
    for name, lib in libs:
        for requires_grad in (False, True):
            with_gc = build(lib, n, requires_grad)
            gc.disable()
            try:
                without_gc = build(lib, n, requires_grad)
            finally:
                gc.enable()
            print(f"  {name:8s} requires_grad={requires_grad!s:5s}  {with_gc:6.2f}  "
                  f"(gc off {without_gc:.2f})")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
