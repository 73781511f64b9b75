"""Random tensors: symgrad's replay of PyTorch's CPU generator against PyTorch, side by side.

Each row makes one tensor with the same call in both libraries (after the same seed, so both
do the same work: the numbers are equal bit for bit) and prints the median CPU time of each,
and symgrad's ratio to PyTorch's. PyTorch runs on one thread.

    python benchmarks/random_speed.py [--repeat N] [--size N]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_seconds, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import symgrad  # noqa: E402


def calls(n: int) -> list[tuple[str, Callable[[Any], Any]]]:
    """The timed calls, each a function of the library (``symgrad`` or ``torch``)."""
    return [
        (f"randn({n:,}) float32", lambda lib: lib.randn(n)),
        (f"randn({n:,}) float64", lambda lib: lib.randn(n, dtype=lib.float64)),
        (f"randn({n:,}) float16", lambda lib: lib.randn(n, dtype=lib.float16)),
        ("randn(15) float64", lambda lib: lib.randn(15, dtype=lib.float64)),
        (f"rand({n:,}) float32", lambda lib: lib.rand(n)),
        (f"rand({n:,}) float64", lambda lib: lib.rand(n, dtype=lib.float64)),
        (f"randint(0, 10, ({n:,},))", lambda lib: lib.randint(0, 10, (n,))),
        (f"randint(0, 2**40, ({n:,},))", lambda lib: lib.randint(0, 2**40, (n,))),
        (f"randperm({n:,})", lambda lib: lib.randperm(n)),
        (f"bernoulli(0.3 x {n:,})", lambda lib: lib.bernoulli(lib.full((n,), 0.3))),
        (f"normal_ on {n:,} float64",
         lambda lib: lib.empty(n, dtype=lib.float64).normal_(1.0, 2.0)),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per call (median)")
    parser.add_argument("--size", type=int, default=1_000_000, help="elements per tensor")
    args = parser.parse_args(argv)
    torch = torch_or_none()
    print(f"median CPU ms of {args.repeat} runs; one thread")
    print(f"{'call':<30} {'symgrad':>10} {'torch':>10} {'ratio':>8}")
    for label, call in calls(args.size):
        ours = _time(symgrad, call, args.repeat)
        theirs = _time(torch, call, args.repeat) if torch is not None else None
        ratio = f"{ours / theirs:7.1f}x" if theirs else ""
        shown = f"{theirs * 1e3:10.2f}" if theirs is not None else f"{'not run':>10}"
        print(f"{label:<30} {ours * 1e3:10.2f} {shown} {ratio:>8}")


def _time(lib: Any, call: Callable[[Any], Any], repeat: int) -> float:
    lib.manual_seed(0)
    return median_seconds(lambda: call(lib), repeat, warmup=1)


if __name__ == "__main__":
    main()
