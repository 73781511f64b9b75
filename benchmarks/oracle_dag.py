"""How long the exact oracle takes on random DAGs of 10 to 10,000 nodes.

Each DAG is recorded with the engine: three leaves of shape (4,), then nodes applying a random
unary (tanh, sin, sigmoid, atan) or binary (add, sub, mul by the tanh of an earlier value) op,
summed at the end. Printed: the oracle's local mode (first run, when SymPy derives
and caches each op's partials, and the median of the next runs) and whole-expression
``sympy.diff`` with a timeout for the small graphs.

Run: ``/tmp/venv/bin/python benchmarks/oracle_dag.py``
"""

from __future__ import annotations

import random
import statistics
import time

import numpy as np

import oracle
import symgrad
from symgrad.ops.registry import REGISTRY, apply

UNARY = ["tanh", "sin", "sigmoid", "atan"]
BINARY = ["mul", "add", "sub"]


def random_dag(n: int, seed: int = 0) -> tuple[symgrad.Tensor, list[symgrad.Tensor]]:
    rng = random.Random(seed)
    leaves = [symgrad.tensor(np.linspace(-1, 1, 4) * (k + 1) / 4, requires_grad=True)
              for k in range(3)]
    values = list(leaves)
    while len(values) - len(leaves) < n - 1:
        # Each node takes the newest value (so every node reaches the output) and, for binary
        # ops, any earlier one (so values are reused: a DAG, not a chain).
        a = values[-1]
        if rng.random() < 0.5:
            name = rng.choice(UNARY)
            values.append(apply(REGISTRY[name], a))
        else:
            b = values[rng.randrange(len(values))]
            name = rng.choice(BINARY)
            if name == "mul":
                values.append(apply(REGISTRY["mul"], a, apply(REGISTRY["tanh"], b)))
            else:
                values.append(apply(REGISTRY[name], a, b, alpha=1))
    return apply(REGISTRY["sum_all"], values[-1]), leaves


def count_nodes(out: symgrad.Tensor) -> int:
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "inputs"):
            continue
        seen.add(id(node))
        stack.extend(x for x in node.inputs if hasattr(x, "inputs"))
    return len(seen)


def main() -> None:
    print(f"{'target':>7} {'nodes':>7} {'first run':>10} {'median':>10} {'per node':>10}"
          f" {'whole sympy.diff':>18}")
    for n in (10, 100, 1_000, 10_000):
        out, leaves = random_dag(n)
        runs = []
        for _ in range(4 if n < 10_000 else 2):
            start = time.perf_counter()
            r = oracle.exact_grad(out, leaves, digits=40, time_budget=600)
            runs.append(time.perf_counter() - start)
            assert r.status in ("ok", "kink"), r.reason
        median = statistics.median(runs[1:])
        whole = ""
        if n <= 100:
            start = time.perf_counter()
            w = oracle.exact_grad(out, leaves, digits=40, mode="whole", time_budget=20)
            took = time.perf_counter() - start
            whole = f"{took:.3f} s" if w.status == "ok" else f"gave up at {took:.0f} s"
        nodes = count_nodes(out)
        print(f"{n:>7} {nodes:>7} {runs[0]:>8.3f} s {median:>8.3f} s"
              f" {median / nodes * 1e6:>7.0f} us {whole:>18}", flush=True)


if __name__ == "__main__":
    main()
