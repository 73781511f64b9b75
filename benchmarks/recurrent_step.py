"""One training step of each recurrent layer (RNN, LSTM, GRU): symgrad vs torch (vs an older
symgrad with ``--baseline``).

A step is the layer's forward over a float32 batch (2 layers, batch 16, 50 steps, input 8,
hidden 32, batch_first), a sum of the output against fixed weights and of the final state,
and backward to every parameter and the input. The same parameters in both libraries.

    python benchmarks/recurrent_step.py
    python benchmarks/recurrent_step.py --baseline /tmp/old   # a copy of an older symgrad/

With ``--baseline DIR``, the script runs itself in two child processes in turn, several
rounds (``ROUNDS``), one with ``PYTHONPATH=DIR`` (an older copy of the package, e.g.
``git archive <rev> symgrad | tar -x -C DIR``) and one with this checkout, and prints each
one's medians over the rounds beside torch's: the two versions then see the same machine load.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, print_table, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import symgrad  # noqa: E402

LAYERS = ("RNN", "LSTM", "GRU")
SEQ, BATCH, INPUT, HIDDEN, NUM_LAYERS = 50, 16, 8, 32, 2
REPEAT = 12
ROUNDS = 4
RNG = np.random.default_rng(0)
INPUTS = RNG.standard_normal((BATCH, SEQ, INPUT)).astype(np.float32)
UPSTREAM = RNG.standard_normal((BATCH, SEQ, HIDDEN)).astype(np.float32)


def make_step(lib: object, name: str) -> object:
    """A closure running one forward and backward of ``name`` in ``lib`` (parameters drawn by
    NumPy and copied, so both libraries compute the same numbers)."""
    layer = getattr(lib.nn, name)(INPUT, HIDDEN, NUM_LAYERS, batch_first=True)
    bound = 1 / np.sqrt(HIDDEN)
    draw = np.random.default_rng(1)
    with lib.no_grad():
        for p in layer.parameters():
            p.copy_(lib.tensor(draw.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
    x = lib.tensor(INPUTS, requires_grad=True)
    upstream = lib.tensor(UPSTREAM)

    def step() -> None:
        out, state = layer(x)
        h = state[0] if name == "LSTM" else state
        ((out * upstream).sum() + h.sum()).backward()
        layer.zero_grad()
        x.grad = None

    return step


def figures() -> dict[str, dict[str, float | None]]:
    """Per layer, the median CPU seconds of a step in symgrad and torch, taking turns."""
    torch = torch_or_none()
    result = {}
    for name in LAYERS:
        result[name] = interleaved_medians(
            {"symgrad": make_step(symgrad, name),
             "torch": make_step(torch, name) if torch is not None else None}, REPEAT)
    return result


def _child(baseline: str | None) -> dict[str, dict[str, float | None]]:
    env = dict(os.environ)
    if baseline:
        env["PYTHONPATH"] = baseline
    done = subprocess.run([sys.executable, __file__, "--json"], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(done.stdout)


def main() -> None:
    if "--json" in sys.argv:
        print(json.dumps(figures()))
        return
    title = (f"One step of each layer, float32, {NUM_LAYERS} layers, batch {BATCH}, "
             f"{SEQ} steps, input {INPUT}, hidden {HIDDEN}: forward and backward")
    if "--baseline" not in sys.argv:
        for name, f in figures().items():
            print_table(f"{title}: {name}", "ms",
                        [(k, None if v is None else v * 1e3) for k, v in f.items()], "torch")
        return
    baseline = sys.argv[sys.argv.index("--baseline") + 1]
    runs: dict[str, list[dict]] = {"baseline": [], "symgrad": []}
    for _ in range(ROUNDS):
        runs["baseline"].append(_child(baseline))
        runs["symgrad"].append(_child(None))
    for name in LAYERS:
        rows = []
        for version in ("baseline", "symgrad"):
            rows.append((version,
                         statistics.median(r[name]["symgrad"] for r in runs[version]) * 1e3))
        torch_times = [r[name]["torch"] for v in runs.values() for r in v
                       if r[name]["torch"] is not None]
        rows.append(("torch", statistics.median(torch_times) * 1e3 if torch_times else None))
        print_table(f"{title}: {name}", "ms", rows, "torch")


if __name__ == "__main__":
    main()
