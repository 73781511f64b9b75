"""Per-node build + backward time of tiny graphs: symgrad vs PyTorch (one thread) vs NumPy.

Three graphs, each rebuilt from fresh leaves and differentiated on every run:

- mixed (the figure DESIGN.md quotes, what a verification sweep builds): three leaves
  (``x``, ``w`` of 3 elements, a zero-dim ``b``), ``h = tanh(x * w + b)``, then
  ``((h * 2.0 + x * 0.5).sum() * h.sum()).backward()``: 9 nodes mixing mul, add, tanh and
  sum over small tensors, a broadcast zero-dim tensor and Python scalars;
- chain: ``y = tanh(y * w + b)`` repeated on 1-element tensors (3 nodes a step), then
  ``y.sum().backward()``: a long graph, where a per-backward cost is spread thin;
- tree: products and sums of pairs, level by level (a balanced binary tree of mul/add).

Verification sweeps build thousands of such graphs, so per-op overhead is what matters.
The target (issue 14): symgrad at most PyTorch's time per node, on every graph. Beside them:
the same graphs on ``minimal_engine`` (the least any Python engine over NumPy does: the floor
for a design in Python) and computed by hand in NumPy with no graph at all. The four take
turns, run by run (``_timing.interleaved_medians``).

    python benchmarks/tiny_graph.py
    python benchmarks/tiny_graph.py --fastest   # one line: fastest of 25 batches per graph

``--fastest`` is for comparing two versions of the engine on a loaded machine: run it in
turn with ``PYTHONPATH`` pointing at a copy of the older ``symgrad`` and without it.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import fastest_seconds, interleaved_medians, print_table, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import minimal_engine  # noqa: E402
import symgrad  # noqa: E402

STEPS = 100  # chain steps: 3 recorded nodes each (mul, add, tanh) plus the final sum
LEAVES = 128  # tree leaves: 127 inner nodes (mul at odd levels, add at even ones) plus sum
REPEAT = 48  # two rounds through the 24 orders of the four (``interleaved_medians``)


def mixed(lib: object) -> tuple:
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = lib.tensor([0.9, 0.2, -0.4], requires_grad=True)
    b = lib.tensor(0.1, requires_grad=True)
    h = (x * w + b).tanh()
    ((h * 2.0 + x * 0.5).sum() * h.sum()).backward()
    return x, w, b


def mixed_numpy() -> None:
    """The mixed graph by hand: the forward keeps what the backward needs."""
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    w = np.array([0.9, 0.2, -0.4], dtype=np.float32)
    b = np.float32(0.1)
    h = np.tanh(x * w + b)
    s1 = (h * 2.0 + x * 0.5).sum()
    s2 = h.sum()
    gh = 2.0 * s2 + s1
    gx = 0.5 * s2 + 0.0
    gpre = gh * (1 - h * h)
    gx = gx + gpre * w
    gw = gpre * x
    gb = gpre.sum()
    return gx, gw, gb


def chain(lib: object) -> tuple:
    x = lib.tensor([0.5], requires_grad=True)
    w = lib.tensor([0.9], requires_grad=True)
    b = lib.tensor([0.1], requires_grad=True)
    y = x
    for _ in range(STEPS):
        y = (y * w + b).tanh()
    y.sum().backward()
    return x, w, b


def tree(lib: object) -> tuple:
    leaves = [lib.tensor([1.0 + i / LEAVES], requires_grad=True) for i in range(LEAVES)]
    level = leaves
    depth = 0
    while len(level) > 1:
        pairs = zip(level[::2], level[1::2], strict=True)
        level = [a * b if depth % 2 else a + b for a, b in pairs]
        depth += 1
    level[0].sum().backward()
    return tuple(leaves)


def chain_numpy() -> None:
    """The same chain by hand: forward keeps what backward needs, backward walks it back."""
    x, w, b = np.array([0.5]), np.array([0.9]), np.array([0.1])
    y = x
    saved = []
    for _ in range(STEPS):
        out = np.tanh(y * w + b)
        saved.append((y, out))
        y = out
    g = np.ones(1)
    gw = np.zeros(1)
    gb = np.zeros(1)
    for y_in, out in reversed(saved):
        g = g * (1 - out * out)
        gw += g * y_in
        gb += g
        g = g * w


def tree_numpy() -> None:
    level = [np.array([1.0 + i / LEAVES]) for i in range(LEAVES)]
    levels = [level]
    depth = 0
    while len(level) > 1:
        level = [a * b if depth % 2 else a + b
                 for a, b in zip(level[::2], level[1::2], strict=True)]
        levels.append(level)
        depth += 1
    grads = [np.ones(1)]
    for depth in range(len(levels) - 2, -1, -1):
        below = levels[depth]
        new = []
        for k, g in enumerate(grads):
            a, b = below[2 * k], below[2 * k + 1]
            new += [g * b, g * a] if depth % 2 else [g, g]
        grads = new


# (name, graph, by hand, nodes, calls per timed run: a mixed graph is too quick to time alone)
GRAPHS = [("mixed", mixed, mixed_numpy, 9, 50),
          ("chain", chain, chain_numpy, 3 * STEPS + 1, 1),
          ("tree", tree, tree_numpy, LEAVES - 1 + 1, 1)]


def fastest() -> None:
    """One line: per graph, symgrad's and PyTorch's fastest batch per node, their ratio, and
    NumPy by hand's ratio to PyTorch (the floor of any engine over NumPy)."""
    torch = torch_or_none()
    parts = []
    for name, build, by_hand, nodes, number in GRAPHS:
        sym = fastest_seconds(lambda b=build: b(symgrad), 25, number=number) * 1e6 / nodes
        if torch is None:
            parts.append(f"{name} {sym:.2f} us")
            continue
        ref = fastest_seconds(lambda b=build: b(torch), 25, number=number) * 1e6 / nodes
        hand = fastest_seconds(by_hand, 25, number=number) * 1e6 / nodes
        parts.append(f"{name} {sym:.2f} us / torch {ref:.2f} us = {sym / ref:.2f}"
                     f" (numpy {hand / ref:.2f})")
    print(f"{Path(symgrad.__file__).parent}: " + " | ".join(parts))


def main() -> None:
    if "--fastest" in sys.argv[1:]:
        fastest()
        return
    torch = torch_or_none()
    for name, build, by_hand, nodes, number in GRAPHS:
        figures = interleaved_medians(
            {"symgrad": lambda b=build: b(symgrad),
             "torch": (lambda b=build: b(torch)) if torch is not None else None,
             "minimal": lambda b=build: b(minimal_engine),
             "numpy": by_hand}, REPEAT, number=number)
        rows = [(lib, None if f is None else f * 1e6 / nodes) for lib, f in figures.items()]
        print_table(f"{name} ({nodes} nodes), median of {REPEAT}, in turn, per node:", "us", rows,
                    "torch" if torch is not None else "numpy")
        sym, ref = figures["symgrad"], figures["torch"]
        if ref is not None and sym is not None and not math.isnan(ref):
            print(f"  target symgrad <= 1.0 x torch: {'met' if sym <= ref else 'not met'}")


if __name__ == "__main__":
    main()
